"""The data of a contour plot (``ContourInfo``), gathered with numpy from the study's columns;
the plotly and matplotlib versions both draw from it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ferrotune import logging as ft_logging
from ferrotune.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from ferrotune.study import StudyDirection
from ferrotune.visualization._frame import ParamFrame, StudyFrame
from ferrotune.visualization._slice import complete_target_rows, first_distribution, selected_params

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial

_logger = ft_logging.get_logger(__name__)

#: Space left around the trials on each axis, as a share of their span (as Optuna's).
PADDING_RATIO = 0.05
#: Grid points per axis where trials are interpolated (matplotlib), and the most grid columns
#: (or rows) a plotly contour gets: a numeric axis with more distinct values is binned onto
#: this many evenly spaced points.
CONTOUR_POINT_NUM = 100


class AxisInfo(NamedTuple):
    """One parameter as a contour axis, over the plotted trials."""

    name: str
    range: tuple[float, float]
    is_log: bool
    is_cat: bool
    #: The grid positions: sorted distinct values (numeric ones with the padded ends added),
    #: or the category names; or ``CONTOUR_POINT_NUM`` evenly spaced points (``binned``).
    indices: list[Any]
    #: Each trial's value (float64, NaN when unused; categorical: ``str`` of the choice, "" when
    #: unused).
    values: np.ndarray
    present: np.ndarray
    #: Each trial's position in ``indices`` (-1 when unused).
    codes: np.ndarray
    #: Each trial's position among the distinct values (-1 when unused).
    distinct_codes: np.ndarray
    binned: bool


class SubContourInfo(NamedTuple):
    """One pair of parameters."""

    xaxis: AxisInfo
    yaxis: AxisInfo
    #: ``(len(y.indices), len(x.indices))`` grid of the best value at each position, NaN elsewhere
    #: (None when the pair draws no contour).
    z: np.ndarray | None
    #: Each trial's target value.
    target: np.ndarray
    #: How values at one place combine: "min", "max" or "last".
    mode: str
    feasible: np.ndarray


class ContourInfo(NamedTuple):
    """What ``plot_contour`` draws, for both backends."""

    sorted_params: list[str]
    sub_plot_infos: list[list[SubContourInfo]]
    reverse_scale: bool
    target_name: str


def get_contour_info(
    study: Study, params: list[str] | None, target: Callable[[FrozenTrial], float] | None, target_name: str
) -> ContourInfo:
    """Gather every pair's grid from the study's columns."""
    from ferrotune.visualization._utils import check_plot_args

    check_plot_args(study, target, target_name)
    frame = StudyFrame(study, with_intermediate=False)
    rows, y = complete_target_rows(frame, target)
    reverse = target is not None or study.direction == StudyDirection.MINIMIZE
    if len(rows) == 0:
        _logger.warning("Your study does not have any completed trials.")
        return ContourInfo([], [], reverse, target_name)
    if params is not None and len(params) <= 1:
        _logger.warning("The length of params must be greater than 1.")
    names = selected_params(frame, rows, params)
    axes = {name: _axis_info(frame.params[name], rows) for name in names}
    # Optuna keeps the best value of each pair of values (by direction), or the last one with a
    # target (it cannot tell what "best" means then).
    mode = "last" if target is not None else ("min" if study.direction == StudyDirection.MINIMIZE else "max")
    feasible = frame.feasible[rows]

    def sub(xn: str, yn: str) -> SubContourInfo:
        return _sub_info(axes[xn], axes[yn], y, mode, feasible)

    pairs = [[(names[0], names[1])]] if len(names) == 2 else [[(xn, yn) for xn in names] for yn in names]
    infos = [[sub(xn, yn) for xn, yn in row] for row in pairs]
    return ContourInfo(names, infos, reverse, target_name)


def _is_numerical(dist: Any) -> bool:
    if isinstance(dist, CategoricalDistribution):
        return all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in dist.choices)
    return True


def _axis_info(pf: ParamFrame, rows: np.ndarray) -> AxisInfo:
    dist = first_distribution(pf, rows)
    present = pf.present[rows]
    used = rows[present]
    is_log = isinstance(dist, (FloatDistribution, IntDistribution)) and dist.log
    if _is_numerical(dist):
        values = np.full(len(rows), np.nan)
        ext = pf.external(used)
        values[present] = ext.astype(np.float64) if ext.dtype == object else ext
        distinct, inverse = np.unique(values[present], return_inverse=True)
        lo, hi = float(distinct[0]), float(distinct[-1])
        if is_log:
            pad = (np.log10(hi) - np.log10(lo)) * PADDING_RATIO
            lo, hi = float(10 ** (np.log10(lo) - pad)), float(10 ** (np.log10(hi) + pad))
        else:
            pad = (hi - lo) * PADDING_RATIO
            lo, hi = lo - pad, hi + pad
        distinct_codes = np.full(len(rows), -1, dtype=np.int64)
        distinct_codes[present] = inverse.reshape(-1)
        if len(distinct) < 2:
            return AxisInfo(pf.name, (lo, hi), is_log, False, distinct.tolist(), values, present, distinct_codes, distinct_codes, False)
        if len(distinct) + 2 <= CONTOUR_POINT_NUM:
            codes = np.where(present, distinct_codes + 1, -1)
            return AxisInfo(pf.name, (lo, hi), is_log, False, [lo, *distinct.tolist(), hi], values, present, codes, distinct_codes, False)
        grid = axis_grid(lo, hi, is_log)
        codes = np.full(len(rows), -1, dtype=np.int64)
        codes[present] = nearest(grid, values[present])
        return AxisInfo(pf.name, (lo, hi), is_log, False, grid.tolist(), values, present, codes, distinct_codes, True)
    # A categorical axis: the choices' names, sorted as strings.
    # A unicode array (not objects): plotly copies it in one piece.
    if len(pf.distributions) == 1:
        labels = np.array([str(c) for c in dist.choices], dtype=str)
        names = labels[pf.internal[used].astype(np.intp)]
    else:
        names = np.array([str(v) for v in pf.external(used)], dtype=str)
    distinct_names, inverse = np.unique(names, return_inverse=True)
    values = np.zeros(len(rows), dtype=names.dtype)
    values[present] = names
    span = len(distinct_names) - 1
    pad = span * PADDING_RATIO
    codes = np.full(len(rows), -1, dtype=np.int64)
    codes[present] = inverse.reshape(-1)
    return AxisInfo(pf.name, (-pad, span + pad), False, True, distinct_names.tolist(), values, present, codes, codes, False)


def axis_grid(lo: float, hi: float, is_log: bool) -> np.ndarray:
    """``CONTOUR_POINT_NUM`` evenly spaced points over the axis (log-spaced on a log axis)."""
    if is_log:
        return np.logspace(np.log10(lo), np.log10(hi), CONTOUR_POINT_NUM)
    return np.linspace(lo, hi, CONTOUR_POINT_NUM)


def nearest(grid: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Index of the grid point nearest to each ``x`` (the lower one on a tie), measured on the
    linear scale as Optuna measures it."""
    hi = np.clip(np.searchsorted(grid, x), 1, len(grid) - 1)
    lo = hi - 1
    out: np.ndarray = np.where(np.abs(grid[hi] - x) < np.abs(grid[lo] - x), hi, lo)
    return out


def reduce_cells(cells: np.ndarray, z: np.ndarray, n_cells: int, mode: str) -> np.ndarray:
    """The best (``min``/``max``) or ``last`` value per cell, NaN for empty cells."""
    out = np.full(n_cells, np.nan)
    if mode == "last":
        last = np.full(n_cells, -1, dtype=np.int64)
        np.maximum.at(last, cells, np.arange(len(cells)))
        hit = last >= 0
        out[hit] = z[last[hit]]
    elif mode == "min":
        np.fmin.at(out, cells, z)
    else:
        np.fmax.at(out, cells, z)
    return out


def _sub_info(xa: AxisInfo, ya: AxisInfo, y: np.ndarray, mode: str, feasible: np.ndarray) -> SubContourInfo:
    both = xa.present & ya.present
    if xa.name == ya.name:
        return SubContourInfo(xa, ya, None, y, mode, feasible)
    if len(xa.indices) < 2 or len(ya.indices) < 2:
        _logger.warning(f"Param {xa.name if len(xa.indices) < 2 else ya.name} unique value length is less than 2.")
        return SubContourInfo(xa, ya, None, y, mode, feasible)
    nx, ny = len(xa.indices), len(ya.indices)
    cells = ya.codes[both] * nx + xa.codes[both]
    z = reduce_cells(cells, y[both], nx * ny, mode).reshape(ny, nx) if both.any() else None
    return SubContourInfo(xa, ya, z, y, mode, feasible)


def pair_values(sub: SubContourInfo) -> np.ndarray:
    """Each trial's value as Optuna records it for its pair of distinct values (the best of the
    trials with the same pair), NaN for trials without both parameters."""
    xa, ya = sub.xaxis, sub.yaxis
    both = xa.present & ya.present
    out = np.full(len(sub.target), np.nan)
    nxd = int(xa.distinct_codes.max()) + 1
    pairs = ya.distinct_codes[both] * nxd + xa.distinct_codes[both]
    distinct_pairs, idx = np.unique(pairs, return_inverse=True)
    idx = idx.reshape(-1)
    out[both] = reduce_cells(idx, sub.target[both], len(distinct_pairs), sub.mode)[idx]
    return out
