"""``plot_timeline``: each trial's lifetime as a horizontal bar, coloured by state.

The data (``timeline_info``) is computed here once for both backends; the matplotlib module
draws from it."""

from __future__ import annotations

import datetime
import numbers
import time
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ferrotune import logging as ft_logging
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.trial import TrialState
from ferrotune.visualization._frame import StudyFrame
from ferrotune.visualization._plotly_imports import plotly_go
from ferrotune.visualization._utils import one_study

if TYPE_CHECKING:
    from ferrotune.study import Study

_logger = ft_logging.get_logger(__name__)

#: A bar without an end (or a running trial's, past the last end) is this long (microseconds).
SMALL_BAR_US = 1_000_000

#: Optuna's plotly colours by state (the key of complete trials whose constraints fail is INFEASIBLE).
PLOTLY_COLORS = {"COMPLETE": "blue", "FAIL": "red", "PRUNED": "orange", "RUNNING": "green", "WAITING": "gray", "INFEASIBLE": "#cccccc"}


class TimelineInfo(NamedTuple):
    """The bars: trial ``numbers`` from ``start`` to ``complete`` (Unix microseconds), its state code,
    whether it is a complete trial whose constraints fail, and its hover text."""

    numbers: np.ndarray
    start: np.ndarray
    complete: np.ndarray
    states: np.ndarray
    infeasible: np.ndarray
    hover: list[str]

    def group(self, name: str) -> np.ndarray:
        """Indices of the bars drawn under legend entry ``name`` (a state name or INFEASIBLE)."""
        complete = self.states == int(TrialState.COMPLETE)
        if name == "INFEASIBLE":
            return np.flatnonzero(complete & self.infeasible)
        if name == "COMPLETE":
            return np.flatnonzero(complete & ~self.infeasible)
        return np.flatnonzero(self.states == int(TrialState[name]))


def check_n_recent_trials(n_recent_trials: int | None) -> None:
    """Optuna's rule: ``n_recent_trials`` is a positive integer or None."""
    if n_recent_trials is None:
        return
    integral = isinstance(n_recent_trials, numbers.Integral) and not isinstance(n_recent_trials, bool)
    if not integral or n_recent_trials <= 0:
        raise FerrotuneValueError(f"n_recent_trials must be a positive integer or None, got {n_recent_trials!r}.")


def _end_of_time(frame: StudyFrame, now: float) -> float:
    """Where bars without an end stop: now while trials seem to be running, else the last end.

    A RUNNING trial counts as running only if it started less than five times the longest
    trial's duration ago (older ones were probably killed), as in Optuna."""
    both = ~np.isnan(frame.datetime_start) & ~np.isnan(frame.datetime_complete)
    running = frame.mask(TrialState.RUNNING)
    if both.any():
        longest = float(np.max(frame.datetime_complete[both] - frame.datetime_start[both]))
        starts = frame.datetime_start[running]
        starts = starts[~np.isnan(starts)]
        is_running = bool(np.any(now - starts < 5 * longest))
    else:
        is_running = bool(running.any())
    if is_running:
        return now
    ends = frame.datetime_complete[~np.isnan(frame.datetime_complete)]
    return float(ends.max()) if len(ends) else now


def _microseconds(seconds: np.ndarray) -> np.ndarray:
    """Unix seconds to whole microseconds (float64, NaN kept), rounded as
    ``datetime.fromtimestamp`` rounds: the fraction of a second, half to even."""
    whole = np.floor(seconds)
    us: np.ndarray = whole * 1e6 + np.round((seconds - whole) * 1e6)
    return us


def timeline_info(study: Study, n_recent_trials: int | None = None) -> TimelineInfo:
    """The bars of ``plot_timeline`` for both backends."""
    study = one_study(study)
    frame = StudyFrame(study, with_intermediate=False, with_hover=True)
    end = _end_of_time(frame, time.time())
    n = len(frame)
    first = 0 if n_recent_trials is None else max(n - int(n_recent_trials), 0)
    sl = slice(first, n)
    states = frame.states[sl]
    # Trials hold their times to the microsecond: the bars use the same integer microseconds.
    end_us = round(end * 1e6)
    start_f = _microseconds(frame.datetime_start[sl])
    start_f[np.isnan(start_f)] = end_us
    start = start_f.astype(np.int64)
    complete_f = _microseconds(frame.datetime_complete[sl])
    no_end = np.isnan(complete_f)
    complete_f[no_end] = start[no_end] + SMALL_BAR_US
    complete_f[states == int(TrialState.RUNNING)] = end_us + SMALL_BAR_US
    complete = complete_f.astype(np.int64)
    # Any constraint above zero: a violation (its sum of positive parts) above zero.
    violation = frame.violation[sl]
    infeasible = ~np.isnan(violation) & (violation > 0)
    numbers = frame.numbers[sl]
    for k in np.flatnonzero(complete < start):
        _logger.warning(
            f"The start and end times for Trial {int(numbers[k])} seem to be reversed. "
            f"The start time is {to_datetime(start[k])} and the end time is {to_datetime(complete[k])}."
        )
    if n - first == 0:
        _logger.warning("Your study does not have any trials.")
    return TimelineInfo(numbers, start, complete, states, infeasible, frame.hover[first:])


def to_datetime(us: int) -> datetime.datetime:
    """Unix microseconds as a naive local datetime (as trials hold their times)."""
    seconds, micro = divmod(int(us), 1_000_000)
    return datetime.datetime.fromtimestamp(seconds) + datetime.timedelta(microseconds=micro)


def _utc_offset_us(us: int) -> int:
    t = us / 1e6
    local = datetime.datetime.fromtimestamp(t)
    utc = datetime.datetime.fromtimestamp(t, datetime.timezone.utc).replace(tzinfo=None)
    return (local - utc) // datetime.timedelta(microseconds=1)


def to_datetimes(us: np.ndarray) -> np.ndarray:
    """Unix microseconds as naive local ``datetime64[us]``; vectorised when the UTC offset is
    the same at both ends (no daylight-saving change within), else one conversion per value."""
    if len(us) == 0:
        return np.empty(0, dtype="datetime64[us]")
    lo, hi = int(us.min()), int(us.max())
    if _utc_offset_us(lo) == _utc_offset_us(hi):
        return (us + _utc_offset_us(lo)).astype("datetime64[us]")
    return np.array([np.datetime64(int(u) + _utc_offset_us(int(u)), "us") for u in us])


def plot_timeline(study: Study, n_recent_trials: int | None = None) -> Any:
    """Plot each trial's lifetime as a bar from its start to its end (Optuna's
    ``plot_timeline``), coloured by state: complete blue, failed red, pruned orange, running
    green, waiting grey, and complete trials whose constraints fail light grey (INFEASIBLE).
    Running trials reach to now; a trial without times gets a one-second bar.

    Args:
        study: The study.
        n_recent_trials: Draw only the last this many trials; ``None`` draws all.

    Returns:
        A ``plotly.graph_objects.Figure``.

    Raises:
        FerrotuneValueError: ``n_recent_trials`` is zero or negative.
    """
    check_n_recent_trials(n_recent_trials)
    go = plotly_go()
    info = timeline_info(study, n_recent_trials)
    hover = np.asarray(info.hover, dtype=object)
    traces = []
    for name in ("INFEASIBLE", "COMPLETE", "FAIL", "PRUNED", "RUNNING", "WAITING"):
        idx = info.group(name)
        if len(idx) == 0:
            continue
        traces.append(
            go.Bar(
                name=name,
                x=(info.complete[idx] - info.start[idx]) / 1000.0,
                y=info.numbers[idx],
                base=np.datetime_as_string(to_datetimes(info.start[idx]), unit="us"),
                text=hover[idx],
                hovertemplate="%{text}<extra>" + name + "</extra>",
                orientation="h",
                marker={"color": PLOTLY_COLORS[name]},
                textposition="none",  # the text is for hovering, not for drawing in the bar
            )
        )
    layout = go.Layout(title="Timeline Plot", xaxis={"title": "Datetime", "type": "date"}, yaxis={"title": "Trial"})
    fig = go.Figure(data=traces, layout=layout)
    fig.update_layout(showlegend=True)  # a legend even when every trial has the same state
    return fig
