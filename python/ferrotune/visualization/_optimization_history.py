"""``plot_optimization_history``: each trial's objective value and the best value so far.

The data (``history_info``) is computed here once for both backends; the matplotlib module
draws from it."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ferrotune import logging as ft_logging
from ferrotune.study._direction import StudyDirection
from ferrotune.trial import TrialState
from ferrotune.visualization._frame import StudyFrame, frames_of
from ferrotune.visualization._plotly_imports import plotly_go
from ferrotune.visualization._utils import DEFAULT_TARGET_NAME, check_plot_args, scatter_class

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial

_logger = ft_logging.get_logger(__name__)

# A trial's state as the history plot sees it.
FEASIBLE = 0
INFEASIBLE = 1
INCOMPLETE = 2


class ValuesInfo(NamedTuple):
    """One series: ``values`` (and ``stds`` with error bars) per entry of the trial numbers."""

    values: np.ndarray
    stds: np.ndarray | None
    label_name: str
    states: np.ndarray  # FEASIBLE / INFEASIBLE / INCOMPLETE per trial number


class HistoryInfo(NamedTuple):
    """One study's history (or, with error bars, the mean over the studies)."""

    trial_numbers: np.ndarray
    values_info: ValuesInfo
    best_values_info: ValuesInfo | None


def _study_info(frame: StudyFrame, target: Callable[[FrozenTrial], float] | None, target_name: str, n_studies: int) -> HistoryInfo:
    study = frame.study
    n = len(frame)
    complete = frame.mask(TrialState.COMPLETE)
    states = np.full(n, INCOMPLETE, dtype=np.int8)
    states[complete] = np.where(frame.feasible[complete], FEASIBLE, INFEASIBLE)
    values = np.full(n, np.nan)
    rows = np.flatnonzero(complete)
    values[rows] = frame.target_values(rows, target)
    label = target_name if n_studies == 1 else f"{target_name} of {study.study_name}"
    best: ValuesInfo | None = None
    # A user's target has no direction, so no best line is drawn for it (as in Optuna).
    if target is None:
        minimize = study.direction == StudyDirection.MINIMIZE
        worst = np.inf if minimize else -np.inf
        candidates = np.where(states == FEASIBLE, values, worst)
        best_values = np.minimum.accumulate(candidates) if minimize else np.maximum.accumulate(candidates)
        best_label = "Best Value" if n_studies == 1 else f"Best Value of {study.study_name}"
        best = ValuesInfo(best_values, None, best_label, states)
    return HistoryInfo(frame.numbers, ValuesInfo(values, None, label, states), best)


def _mean_std(stacked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column-wise mean and (population) std ignoring NaN; NaN for an all-NaN column."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(stacked, axis=0), np.nanstd(stacked, axis=0)


def _aggregate(infos: list[HistoryInfo], target_name: str, with_best: bool) -> HistoryInfo:
    """Mean and std over the studies at each trial number, where any study has a feasible trial."""
    width = max(len(i.trial_numbers) for i in infos)
    vals = np.full((len(infos), width), np.nan)
    best = np.full((len(infos), width), np.nan)
    any_feasible = np.zeros(width, dtype=bool)
    for k, info in enumerate(infos):
        m = len(info.trial_numbers)
        v, s = info.values_info.values, info.values_info.states
        feasible = s == FEASIBLE
        any_feasible[:m] |= feasible
        vals[k, :m] = np.where(feasible & ~np.isinf(v), v, np.nan)
        if info.best_values_info is not None:
            b = info.best_values_info.values
            best[k, :m] = np.where(np.isinf(b), np.nan, b)
    numbers = np.flatnonzero(any_feasible)
    states = np.where(any_feasible, FEASIBLE, INFEASIBLE).astype(np.int8)
    mean, std = _mean_std(vals[:, numbers])
    values_info = ValuesInfo(mean, std, target_name, states)
    best_info: ValuesInfo | None = None
    if with_best:
        bmean, bstd = _mean_std(best[:, numbers])
        best_info = ValuesInfo(bmean, bstd, "Best Value", states)
    return HistoryInfo(numbers, values_info, best_info)


def history_info(
    study: Study | Sequence[Study],
    target: Callable[[FrozenTrial], float] | None,
    target_name: str,
    error_bar: bool,
) -> list[HistoryInfo]:
    """The series of ``plot_optimization_history`` for both backends (empty: nothing to draw)."""
    check_plot_args(study, target, target_name)
    frames = frames_of(study)
    infos = [_study_info(f, target, target_name, len(frames)) for f in frames]
    if not infos:
        _logger.warning("There are no studies.")
    n_feasible = sum(int(np.count_nonzero(i.values_info.states == FEASIBLE)) for i in infos)
    n_infeasible = sum(int(np.count_nonzero(i.values_info.states == INFEASIBLE)) for i in infos)
    if n_feasible + n_infeasible == 0:
        _logger.warning("There are no complete trials.")
        infos = []
    if not error_bar or not infos:
        return infos
    if n_feasible == 0:
        _logger.warning("There are no feasible trials.")
        return []
    return [_aggregate(infos, target_name, target is None)]


def warn_if_infeasible_in_error_bars(info: ValuesInfo) -> None:
    """Error bars average feasible values only; say so when some trials were left out."""
    if np.any(info.states != FEASIBLE):
        _logger.warning(
            "Your study contains infeasible trials. In optimization history plot, error bars are calculated for only feasible trial values."
        )


def split_feasible(info: HistoryInfo) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(feasible numbers, their values, infeasible numbers, their values) of a per-study series;
    with error bars every point is a feasible mean and there are no infeasible points."""
    v = info.values_info
    if v.stds is not None:
        empty = np.empty(0)
        return info.trial_numbers, v.values, empty.astype(np.int64), empty
    feasible = v.states == FEASIBLE
    infeasible = v.states == INFEASIBLE
    nums = info.trial_numbers
    return nums[feasible], v.values[feasible], nums[infeasible], v.values[infeasible]


def plot_optimization_history(
    study: Study | Sequence[Study],
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = DEFAULT_TARGET_NAME,
    error_bar: bool = False,
) -> Any:
    """Plot each trial's objective value and the best value so far (Optuna's
    ``plot_optimization_history``).

    Complete trials whose constraints fail are drawn grey without a legend entry; the best line
    only counts feasible trials and follows the study's direction.

    Args:
        study: A study, or several studies to compare (one series and best line each).
        target: A function giving the value to draw from a trial; needed for a multi-objective
            study. No best line is drawn for a ``target`` (its direction is unknown).
        target_name: The value's name on the axis and in the legend.
        error_bar: Draw the mean over the studies at each trial number with the standard
            deviation as error bars, and the mean best value with a band.

    Returns:
        A ``plotly.graph_objects.Figure``.

    Raises:
        FerrotuneValueError: A multi-objective study without ``target``.
    """
    go = plotly_go()
    infos = history_info(study, target, target_name, error_bar)
    layout = go.Layout(title="Optimization History Plot", xaxis={"title": "Trial"}, yaxis={"title": target_name})
    traces: list[Any] = []
    for info in infos:
        v, b = info.values_info, info.best_values_info
        error_y = None
        if v.stds is not None:
            warn_if_infeasible_in_error_bars(v)
            error_y = {"type": "data", "array": v.stds, "visible": True}
        fx, fy, ix, iy = split_feasible(info)
        # Error bars need SVG scatters (the band fills between them), so WebGL only without.
        cls = scatter_class(len(info.trial_numbers)) if error_y is None else go.Scatter
        traces.append(cls(x=fx, y=fy, error_y=error_y, mode="markers", name=v.label_name))
        if b is not None:
            traces.append(cls(x=info.trial_numbers, y=b.values, name=b.label_name, mode="lines"))
            if b.stds is not None:
                traces.append(go.Scatter(x=info.trial_numbers, y=b.values + b.stds, mode="lines", line={"width": 0.01}, showlegend=False))
                traces.append(
                    go.Scatter(
                        x=info.trial_numbers,
                        y=b.values - b.stds,
                        mode="none",
                        showlegend=False,
                        fill="tonexty",
                        fillcolor="rgba(255,0,0,0.2)",
                    )
                )
        traces.append(
            cls(x=ix, y=iy, error_y=error_y, mode="markers", name="Infeasible Trial", marker={"color": "#cccccc"}, showlegend=False)
        )
    return go.Figure(data=traces, layout=layout)
