"""What a rank plot shows (both backends): for each pair of parameters, the complete trials
that used both, coloured by the rank of their target value (average rank for ties), grey when
infeasible; gathered from the study's columns with numpy."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ferrotune import logging as ft_logging
from ferrotune.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.trial import TrialState
from ferrotune.visualization._frame import ParamFrame, StudyFrame
from ferrotune.visualization._utils import check_plot_args

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial

_logger = ft_logging.get_logger(__name__)

#: Margin around the data on each axis, as a share of its span (Optuna's).
PADDING_RATIO = 0.05
COLORMAP = "RdYlBu_r"
INFEASIBLE_RGB = (204, 204, 204)


class AxisInfo(NamedTuple):
    """One parameter's axis: its range (padded; on a log axis in the values' own units)."""

    name: str
    range: tuple[float, float]
    is_log: bool
    is_cat: bool


class RankSubplotInfo(NamedTuple):
    """One cell: the trials (positions into ``RankPlotInfo.rows``) that used both parameters,
    their coordinates (strings on a categorical axis) and colours."""

    xaxis: AxisInfo
    yaxis: AxisInfo
    xs: np.ndarray
    ys: np.ndarray
    idx: np.ndarray
    colors: np.ndarray


class RankPlotInfo(NamedTuple):
    """Everything a rank plot draws; ``sub_plot_infos[row][col]`` has ``params[col]`` on x and
    ``params[row]`` on y (a single cell for two parameters)."""

    params: list[str]
    sub_plot_infos: list[list[RankSubplotInfo]]
    target_name: str
    rows: np.ndarray
    zs: np.ndarray
    colors: np.ndarray
    has_custom_target: bool
    hover: np.ndarray
    #: Each trial's colour as a number on ``numeric_colorscale()`` (infeasible: 1.0), for
    #: traces too large for plotly to check one colour string per point quickly.
    color_values: np.ndarray


def average_order(data: np.ndarray) -> np.ndarray:
    """Each value's 0-based position in the sorted data, ties sharing the mean of their positions."""
    order = np.argsort(data, kind="stable")
    sorted_data = data[order]
    _, first, inverse, counts = np.unique(sorted_data, return_index=True, return_inverse=True, return_counts=True)
    out = np.empty(len(data), dtype=float)
    out[order] = first[inverse] + (counts[inverse] - 1) / 2.0
    return out


def scaled_rgb_colors(color_idxs: np.ndarray) -> np.ndarray:
    """``(n, 3)`` RGB in 0..255 of ``color_idxs`` (0..1) on the RdYlBu_r scale, the numbers
    ``plotly.colors.sample_colorscale`` gives (interpolated on 0..1 channels, rounded half to
    even), vectorized; matplotlib's colour map when plotly is absent, as Optuna."""
    try:
        import plotly.colors as pc
    except ImportError:
        from ferrotune.visualization.matplotlib._matplotlib_imports import pyplot

        rgb = pyplot().get_cmap(COLORMAP)(color_idxs)[:, :3]
        return np.asarray(rgb * 255, dtype=int)
    scale = pc.get_colorscale(COLORMAP)
    pos = np.array([float(p) for p, _ in scale])
    cols = np.array([pc.unlabel_rgb(c) for _, c in scale], dtype=float) / 255.0
    hi = np.searchsorted(pos, color_idxs, side="left")
    lo = hi - 1  # -1 wraps to the last stop, as plotly's bisect does at 0
    t = (color_idxs - pos[lo]) / (pos[hi] - pos[lo])
    out: np.ndarray = np.rint((cols[lo] + t[:, None] * (cols[hi] - cols[lo])) * 255.0)
    return out


#: Feasible trials' colour values span [0, _SCALE_TOP] of the numeric colour scale; the grey of
#: infeasible trials sits at 1.0, above a gap no value falls in.
_SCALE_TOP = 0.999


def numeric_colorscale() -> list[list[Any]]:
    """RdYlBu_r squeezed into [0, _SCALE_TOP], then the infeasible grey up to 1.0: the same
    colours as ``scaled_rgb_colors`` when a trace's colours are given as numbers."""
    import plotly.colors as pc

    grey = "rgb({}, {}, {})".format(*INFEASIBLE_RGB)
    return [[float(p) * _SCALE_TOP, c] for p, c in pc.get_colorscale(COLORMAP)] + [[0.9995, grey], [1.0, grey]]


def _first_distribution(p: ParamFrame, rows: np.ndarray) -> object:
    present = rows[p.present[rows]]
    return p.distributions[int(p.dist_idx[present[0]])] if len(present) else None


def _is_numerical(p: ParamFrame, rows: np.ndarray) -> bool:
    # As Optuna: the first trial's distribution decides; numeric choices count as numbers.
    d = _first_distribution(p, rows)
    if isinstance(d, CategoricalDistribution):
        return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in d.choices)
    return True


def _is_log(p: ParamFrame, rows: np.ndarray) -> bool:
    d = _first_distribution(p, rows)
    return isinstance(d, (FloatDistribution, IntDistribution)) and d.log


class _ParamColumn(NamedTuple):
    axis: AxisInfo
    present: np.ndarray  # over the plotted rows
    values: np.ndarray  # float for numeric axes, str objects for categorical ones; per plotted row


def _param_column(p: ParamFrame, rows: np.ndarray) -> _ParamColumn:
    present = p.present[rows]
    ext = p.external(rows[present])
    if _is_numerical(p, rows):
        vals = np.full(len(rows), np.nan)
        vals[present] = np.asarray(ext, dtype=float)
        lo, hi = float(np.min(vals[present])), float(np.max(vals[present]))
        if _is_log(p, rows):
            pad = (math.log10(hi) - math.log10(lo)) * PADDING_RATIO
            axis = AxisInfo(p.name, (10 ** (math.log10(lo) - pad), 10 ** (math.log10(hi) + pad)), True, False)
        else:
            pad = (hi - lo) * PADDING_RATIO
            axis = AxisInfo(p.name, (lo - pad, hi + pad), False, False)
        return _ParamColumn(axis, present, vals)
    labels = [str(v) for v in ext]
    span = len(set(labels)) - 1
    pad = span * PADDING_RATIO
    # Fixed-width strings ("" where unused, never plotted): plotly copies them in one go.
    strs = np.full(len(rows), "", dtype=object)
    strs[present] = labels
    return _ParamColumn(AxisInfo(p.name, (-pad, span + pad), False, True), present, strs.astype(str))


def _hover(frame: StudyFrame, rows: np.ndarray, names: list[str], zs: np.ndarray, target_name: str, custom: bool) -> np.ndarray:
    """Each plotted trial's hover text: number, parameters, target (and objectives for a custom
    target), as Optuna's rank plot writes it. Built column by column (one list of segments per
    parameter, "" where a trial did not use it), then joined per trial."""
    cols: list[list[str]] = [[f"Trial #{r}" for r in rows.tolist()]]
    for name in names:
        p = frame.params[name]
        present = p.present[rows]
        ext = p.external(rows[present])
        seg = np.full(len(rows), "", dtype=object)
        if p.is_categorical:
            seg[present] = [f"<br>{name}: {v}" for v in ext]
        elif p.is_int:
            seg[present] = [f"<br>{name}: {int(v)}" for v in ext.tolist()]
        else:
            seg[present] = [f"<br>{name}: {v}" for v in ext.tolist()]
        cols.append(seg.tolist())
    cols.append([f"<br><b>{target_name}: {z}</b>" for z in zs.tolist()])
    if custom:
        cols.extend([f"<br>Objective #{j}: {v}" for v in frame.values[rows, j].tolist()] for j in range(frame.values.shape[1]))
    out = np.empty(len(rows), dtype=object)
    out[:] = ["".join(t) for t in zip(*cols, strict=True)]
    return out


def get_rank_info(
    study: Study,
    params: list[str] | None,
    target: Callable[[FrozenTrial], float] | None,
    target_name: str,
    *,
    with_hover: bool,
) -> RankPlotInfo:
    """Gathers a rank plot's data from ``study`` as Optuna's ``plot_rank`` does."""
    check_plot_args(study, target, target_name)
    frame = StudyFrame(study, with_intermediate=False)
    rows = np.flatnonzero(frame.mask(TrialState.COMPLETE))
    zs = frame.target_values(rows, target)
    nan = np.isnan(zs)
    for r in rows[nan]:
        _logger.warning(f"Trial {int(r)} is omitted in visualization because its objective value is nan.")
    rows, zs = rows[~nan], zs[~nan]

    used = [name for name, p in frame.params.items() if p.present[rows].any()]
    if len(rows) == 0:
        _logger.warning("Your study does not have any completed trials.")
        params = []
    elif params is None:
        params = sorted(used)
    else:
        for name in params:
            if name not in used:
                raise FerrotuneValueError(f"Parameter {name} does not exist in your study.")
    if len(params) == 0:
        _logger.warning("params is an empty list.")

    color_idxs = average_order(zs) / (len(rows) - 1) if len(rows) >= 2 else np.full(max(len(rows), 1), 0.5)
    colors = scaled_rgb_colors(color_idxs)
    color_values = color_idxs * _SCALE_TOP
    if len(rows):
        infeasible = ~frame.feasible[rows]
        colors[infeasible] = INFEASIBLE_RGB
        color_values[infeasible] = 1.0

    columns = {name: _param_column(frame.params[name], rows) for name in dict.fromkeys(params)}

    def cell(x: str, y: str) -> RankSubplotInfo:
        cx, cy = columns[x], columns[y]
        idx = np.flatnonzero(cx.present & cy.present)
        return RankSubplotInfo(cx.axis, cy.axis, cx.values[idx], cy.values[idx], idx, colors[idx])

    # Two parameters make one plot; any other number a matrix (one parameter: a 1x1 one).
    pairs = [[(params[0], params[1])]] if len(params) == 2 else [[(x, y) for x in params] for y in params]
    sub_plot_infos = [[cell(x, y) for x, y in row] for row in pairs]
    names = [n for n in frame.params if n in set(used)]
    hover = _hover(frame, rows, names, zs, target_name, target is not None) if with_hover and params else np.empty(0, dtype=object)
    return RankPlotInfo(params, sub_plot_infos, target_name, rows, zs, colors, target is not None, hover, color_values[: len(rows)])


class TickInfo(NamedTuple):
    """The colour bar's ticks: positions 0..1 and their labels (quantiles of the target)."""

    coloridxs: list[float]
    text: list[str]


def tick_info(zs: np.ndarray) -> TickInfo:
    """Ticks at the minimum, quartiles and maximum of the target values."""
    coloridxs = [0.0, 0.25, 0.5, 0.75, 1.0]
    values = np.quantile(np.sort(zs), coloridxs)
    labels = ["min.", "25%", "50%", "75%", "max."]
    return TickInfo(coloridxs, [f"{labels[i]} ({values[i]:3g})" for i in range(len(values))])
