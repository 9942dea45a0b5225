"""The data of a parallel coordinate plot (``ParallelCoordinateInfo``), gathered with numpy from
the study's columns; the plotly and matplotlib versions both draw from it."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ferrotune import logging as ft_logging
from ferrotune.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.study import StudyDirection
from ferrotune.trial import TrialState
from ferrotune.visualization._frame import ParamFrame, StudyFrame
from ferrotune.visualization._pareto_rank import non_domination_rank
from ferrotune.visualization._slice import complete_target_rows, first_distribution
from ferrotune.visualization._utils import check_plot_args

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial

_logger = ft_logging.get_logger(__name__)

#: Tick label of the place where trials without the parameter meet the axis.
MISSING_LABEL = "None"


class DimensionInfo(NamedTuple):
    """One vertical axis: an objective or a parameter."""

    label: str
    #: Position of each drawn trial on the axis (log10 for log axes, tick index for categories).
    values: np.ndarray
    range: tuple[float, float]
    is_log: bool
    is_cat: bool
    tickvals: list[float]
    ticktext: list[str]
    has_missing: bool = False


class ParallelCoordinateInfo(NamedTuple):
    """What ``plot_parallel_coordinate`` draws, for both backends."""

    dims_objectives: list[DimensionInfo]
    dims_params: list[DimensionInfo]
    reverse_scale: bool
    colorbar_title: str
    color_values: np.ndarray
    is_rank_color: bool
    draw_order: np.ndarray
    #: Whether each trial satisfies its constraints; None when no trial has constraints.
    feasibility: np.ndarray | None
    #: Trial number of each drawn trial (same order as ``values``).
    numbers: np.ndarray


def get_parallel_coordinate_info(
    study: Study, params: list[str] | None, target: Callable[[FrozenTrial], float] | None, target_name: str
) -> ParallelCoordinateInfo:
    """Gather every axis from the study's columns (Optuna's rules, vectorised)."""
    multi = target is None and len(study.directions) > 1
    if not multi:
        check_plot_args(study, target, target_name)
    frame = StudyFrame(study, with_intermediate=False)
    if multi:
        rows = np.flatnonzero(frame.mask(TrialState.COMPLETE))
        rows = rows[np.isfinite(frame.values[rows]).all(axis=1)]
        names = study.metric_names or [f"Objective {i}" for i in range(len(study.directions))]
        objective_dims = [_numeric_dim(name, frame.values[rows, i]) for i, name in enumerate(names)]
        signs = np.array([-1.0 if d == StudyDirection.MAXIMIZE else 1.0 for d in study.directions])
        ranks = non_domination_rank(frame.values[rows] * signs)
        color_values = ranks.astype(np.float64)
        # Worst rank first so the front is drawn on top; numpy's default sort, as Optuna's.
        draw_order = np.argsort(ranks)[::-1]
        colorbar_title, reverse = "Pareto Rank", True
    else:
        rows, y = complete_target_rows(frame, target)
        objective_dims = [_numeric_dim(target_name, y)]
        color_values, draw_order = y, np.arange(len(rows))
        colorbar_title = target_name
        reverse = target is not None or study.direction == StudyDirection.MINIMIZE

    used = sorted(name for name, pf in frame.params.items() if pf.present[rows].any())
    if params is not None:
        for name in params:
            if name not in used:
                raise FerrotuneValueError(f"Parameter {name} does not exist in your study. Pass names from the study's trials' params.")
        used = sorted(set(params))
    if len(rows) == 0:
        _logger.warning("Your study does not have any completed trials.")
        return ParallelCoordinateInfo(objective_dims, [], reverse, colorbar_title, color_values, multi, draw_order, None, rows)

    viol = frame.violation[rows]
    feasibility = None if np.isnan(viol).all() else (~np.isnan(viol)) & (viol == 0.0)
    dims: list[DimensionInfo] = []
    numeric_cat: list[int] = []
    for name in used:
        pf = frame.params[name]
        dist = first_distribution(pf, rows)
        if isinstance(dist, (FloatDistribution, IntDistribution)) and dist.log:
            dim = _log_dim(pf, rows)
        elif pf.is_categorical:
            dim, numeric = _categorical_dim(pf, rows, dist)
            if numeric:
                numeric_cat.append(len(dims))
        else:
            dim = _linear_dim(pf, rows)
        dims.append(dim)

    numbers = rows
    if numeric_cat:
        # Optuna orders the trials by the numeric categorical axes (first one first).
        idx = np.lexsort([dims[i].values for i in numeric_cat][::-1])
        objective_dims = [d._replace(values=d.values[idx]) for d in objective_dims]
        dims = [d._replace(values=d.values[idx]) for d in dims]
        color_values = color_values[idx]
        numbers = rows[idx]
        if feasibility is not None:
            feasibility = feasibility[idx]
        if multi:
            draw_order = np.argsort(-color_values, kind="stable")
    return ParallelCoordinateInfo(objective_dims, dims, reverse, colorbar_title, color_values, multi, draw_order, feasibility, numbers)


def _numeric_dim(label: str, values: np.ndarray) -> DimensionInfo:
    rng = (float(values.min()), float(values.max())) if len(values) else (0.0, 0.0)
    return DimensionInfo(label, np.asarray(values, dtype=np.float64), rng, False, False, [], [])


def _missing_value(lo: float, hi: float) -> float:
    # Below the axis by 12% of its drawn height, where a "None" tick is drawn.
    return lo - 1.0 if lo == hi else lo - (hi - lo) * 0.12 / 0.88


def _truncate(label: str) -> str:
    return label if len(label) < 20 else f"{label[:17]}..."


def _log_dim(pf: ParamFrame, rows: np.ndarray) -> DimensionInfo:
    present = pf.present[rows]
    has_missing = not present.all()
    logs = np.log10(pf.internal[rows[present]])
    lo, hi = float(logs.min()), float(logs.max())
    ticks: list[float] = [float(t) for t in range(math.ceil(lo), math.floor(hi) + 1)]
    if lo not in ticks:
        ticks = [lo, *ticks]
    if hi not in ticks:
        ticks = [*ticks, hi]
    text = [f"{math.pow(10, t):.3g}" for t in ticks]
    values = np.empty(len(rows))
    values[present] = logs
    lo_range = lo
    if has_missing:
        miss = _missing_value(lo, hi)
        values[~present] = miss
        ticks, text, lo_range = [miss, *ticks], [MISSING_LABEL, *text], miss
    return DimensionInfo(_truncate(pf.name), values, (lo_range, hi), True, False, ticks, text, has_missing)


def _linear_dim(pf: ParamFrame, rows: np.ndarray) -> DimensionInfo:
    present = pf.present[rows]
    has_missing = not present.all()
    values = pf.internal[rows].copy()
    lo, hi = float(values[present].min()), float(values[present].max())
    if not has_missing:
        return DimensionInfo(_truncate(pf.name), values, (lo, hi), False, False, [], [])
    miss = _missing_value(lo, hi)
    values[~present] = miss
    valid = [lo] if lo == hi else [float(v) for v in np.linspace(lo, hi, num=5)]
    ticks = [miss, *valid]
    text = [MISSING_LABEL, *(f"{v:.3g}" for v in valid)]
    return DimensionInfo(_truncate(pf.name), values, (miss, hi), False, False, ticks, text, True)


def _categorical_dim(pf: ParamFrame, rows: np.ndarray, dist: Any) -> tuple[DimensionInfo, bool]:
    present = pf.present[rows]
    has_missing = not present.all()
    ext = pf.external(rows[present])
    # Optuna sorts the choices by value when the first trial's choices are all numbers.
    numeric = not isinstance(dist, CategoricalDistribution) or all(
        isinstance(c, (int, float)) and not isinstance(c, bool) for c in dist.choices
    )
    # Distinct values in order of first use (or ascending for numeric choices).
    codes, first, uniq = _encode(ext, pf, rows[present])
    order = sorted(range(len(uniq)), key=(lambda i: uniq[i]) if numeric else (lambda i: first[i]))
    pos = np.empty(len(uniq), dtype=np.int64)
    pos[order] = np.arange(len(uniq))
    offset = 1 if has_missing else 0
    values = np.zeros(len(rows))
    values[present] = pos[codes] + offset
    text = [str(uniq[i]) for i in order]
    if has_missing:
        text = [MISSING_LABEL, *(f"{t} (value)" if t == MISSING_LABEL else t for t in text)]
    ticks = [float(t) for t in range(len(uniq) + offset)]
    rng = (float(values.min()), float(values.max()))
    return DimensionInfo(_truncate(pf.name), values, rng, False, True, ticks, text, has_missing), numeric


def _encode(ext: np.ndarray, pf: ParamFrame, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Codes of each value among the distinct values, each distinct value's first position,
    and the distinct values."""
    if len(pf.distributions) == 1:
        idx = pf.internal[rows].astype(np.intp)
        present_codes, first, inverse = np.unique(idx, return_index=True, return_inverse=True)
        choices = pf.distributions[0].choices  # type: ignore[attr-defined]
        return inverse.reshape(-1), first, [choices[int(c)] for c in present_codes]
    # Several distributions under one name (rare): group equal values in Python.
    lookup: dict[Any, int] = {}
    uniq: list[Any] = []
    firsts: list[int] = []
    codes = np.empty(len(ext), dtype=np.intp)
    for i, v in enumerate(ext):
        if v not in lookup:
            lookup[v] = len(uniq)
            uniq.append(v)
            firsts.append(i)
        codes[i] = lookup[v]
    return codes, np.array(firsts), uniq
