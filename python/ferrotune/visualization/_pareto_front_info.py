"""What a Pareto-front plot shows (both backends): the complete trials split into the Pareto
front, the dominated feasible trials and the infeasible ones, with the values to draw.

The front comes from the core (``Engine.pareto_numbers``, the rows no feasible complete trial
dominates); only the deprecated ``constraints_func`` needs a front over a feasibility the core
does not know, found by a vectorized sweep (``_nondominated``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ferrotune import logging as ft_logging
from ferrotune._deprecation import warn_deprecated
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.study import StudyDirection
from ferrotune.trial import TrialState
from ferrotune.visualization._frame import StudyFrame

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial

_logger = ft_logging.get_logger(__name__)


class TrialPoints(NamedTuple):
    """One group of trials: their numbers, the ``(n, n_targets)`` values drawn, hover texts
    (an object array, which plotly takes without a per-element check; empty unless asked for)."""

    numbers: np.ndarray
    values: np.ndarray
    hover: np.ndarray


class ParetoFrontInfo(NamedTuple):
    """Everything a Pareto-front plot draws."""

    n_targets: int
    target_names: list[str]
    best: TrialPoints
    non_best: TrialPoints
    infeasible: TrialPoints
    include_dominated_trials: bool
    has_constraints: bool


def _nondominated(points: np.ndarray) -> np.ndarray:
    """Positions of the rows of ``points`` (minimized) that no other row dominates, in order.

    Each step removes every row the current survivor dominates, so the loop runs about as many
    times as the front has points, each step vectorized."""
    idx = np.arange(len(points))
    pts = points
    i = 0
    while i < len(pts):
        p = pts[i]
        keep = np.any(pts < p, axis=1) | np.all(pts == p, axis=1)
        idx, pts = idx[keep], pts[keep]
        i = int(np.count_nonzero(keep[:i])) + 1
    return idx


def _signs(study: Study) -> np.ndarray:
    return np.array([-1.0 if d == StudyDirection.MAXIMIZE else 1.0 for d in study.directions])


def _target_values(trials: list[FrozenTrial], rows: np.ndarray, targets: Callable[[FrozenTrial], Sequence[float]]) -> list[list[float]]:
    out = []
    for r in rows:
        v = targets(trials[int(r)])
        if not isinstance(v, Sequence):
            raise FerrotuneValueError(f"`targets` should return a sequence of target values. your `targets` returns {type(v)}")
        out.append([float(x) for x in v])
    return out


def get_pareto_front_info(
    study: Study,
    target_names: list[str] | None,
    include_dominated_trials: bool,
    constraints_func: Callable[[FrozenTrial], Sequence[float]] | None,
    targets: Callable[[FrozenTrial], Sequence[float]] | None,
    *,
    with_hover: bool,
) -> ParetoFrontInfo:
    """Splits ``study``'s complete trials as Optuna's ``plot_pareto_front`` does and gathers
    the values (objective values, or ``targets(trial)``) of each group."""
    if constraints_func is not None:
        warn_deprecated("`constraints_func`", "4.0.0", "the `constraints_func` argument of the sampler")
    frame = StudyFrame(study, with_intermediate=False, with_hover=with_hover)
    complete = frame.mask(TrialState.COMPLETE)
    complete_rows = np.flatnonzero(complete)
    trials: list[FrozenTrial] | None = None
    if constraints_func is not None:
        trials = frame.trials()
        has_constraints = True
        ok = np.array([all(c <= 0.0 for c in constraints_func(trials[int(r)])) for r in complete_rows], dtype=bool)
        feasible_rows, infeasible_rows = complete_rows[ok], complete_rows[~ok]
        pts = frame.values[feasible_rows] * _signs(study)
        best_rows = feasible_rows[np.sort(_nondominated(pts))]
    else:
        has_constraints = bool((~np.isnan(frame.violation[complete_rows])).any())
        feasible = frame.feasible[complete_rows]
        feasible_rows, infeasible_rows = complete_rows[feasible], complete_rows[~feasible]
        best_rows = np.asarray(study._engine.pareto_numbers(), dtype=np.intp)
    non_best_rows = np.setdiff1d(feasible_rows, best_rows) if include_dominated_trials else np.empty(0, dtype=np.intp)

    if len(best_rows) == 0:
        what = "completed and feasible" if has_constraints else "completed"
        _logger.warning(f"Your study does not have any {what} trials. ")

    if targets is None and len(study.directions) not in (2, 3):
        raise FerrotuneValueError(
            "`plot_pareto_front` function only supports 2 or 3 objective studies when using `targets` is `None`. "
            "Please use `targets` if your objective studies have more than 3 objectives."
        )

    all_hover = np.asarray(frame.hover, dtype=object)

    def group(rows: np.ndarray) -> TrialPoints:
        nonlocal trials
        hover = all_hover[rows] if with_hover else np.empty(0, dtype=object)
        if targets is None:
            return TrialPoints(rows, frame.values[rows], hover)
        if trials is None:
            trials = frame.trials()
        vals = _target_values(trials, rows, targets)
        widths = {len(v) for v in vals}
        if len(widths) > 1:
            raise FerrotuneValueError(f"`targets` should return the same number of values for every trial; it returned {sorted(widths)}.")
        arr = np.array(vals, dtype=np.float64) if vals else np.empty((0, 0))
        return TrialPoints(rows, arr, hover)

    best, non_best, infeasible = group(best_rows), group(non_best_rows), group(infeasible_rows)
    n_targets: int | None = None
    for g in (best, infeasible):
        if len(g.numbers):
            n_targets = g.values.shape[1]
            break
    if n_targets is None:
        if target_names is not None:
            n_targets = len(target_names)
        elif targets is None:
            n_targets = len(study.directions)
        else:
            raise FerrotuneValueError("If `targets` is specified for empty studies, `target_names` must be specified.")
    if n_targets not in (2, 3):
        raise FerrotuneValueError(f"`plot_pareto_front` function only supports 2 or 3 targets. you used {n_targets} targets now.")
    if len(non_best.numbers) and non_best.values.shape[1] != n_targets:
        raise FerrotuneValueError("`targets` should return the same number of values for every trial.")

    if target_names is None:
        metric_names = study.metric_names
        target_names = list(metric_names) if metric_names is not None else [f"Objective {i}" for i in range(n_targets)]
    elif len(target_names) != n_targets:
        raise FerrotuneValueError(f"The length of `target_names` is supposed to be {n_targets}.")

    def shaped(g: TrialPoints) -> TrialPoints:
        # An empty group still has one column per target, so drawing code can index it.
        return g if len(g.numbers) else TrialPoints(g.numbers, np.empty((0, n_targets)), g.hover)

    return ParetoFrontInfo(
        n_targets=n_targets,
        target_names=target_names,
        best=shaped(best),
        non_best=shaped(non_best),
        infeasible=shaped(infeasible),
        include_dominated_trials=include_dominated_trials,
        has_constraints=has_constraints,
    )
