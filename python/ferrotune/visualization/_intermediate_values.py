"""``plot_intermediate_values``: the learning curve each trial reported.

The data (``intermediate_info``) is computed here once for both backends; the matplotlib
module draws from it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ferrotune import logging as ft_logging
from ferrotune.trial import TrialState
from ferrotune.visualization._frame import StudyFrame
from ferrotune.visualization._plotly_imports import plotly_go
from ferrotune.visualization._utils import one_study

if TYPE_CHECKING:
    from ferrotune.study import Study

_logger = ft_logging.get_logger(__name__)

#: Above this many curves a figure with one trace (or matplotlib line) per trial takes seconds
#: to build and to draw, so the curves are drawn as a few traces of NaN-separated lines.
MAX_SEPARATE_CURVES = 500

#: With many curves, the feasible ones are drawn as this many traces of consecutive trials.
N_COLOR_GROUPS = 10


class IntermediateInfo(NamedTuple):
    """The curves: curve ``i`` is trial ``numbers[i]``, its points
    ``steps[starts[i]:starts[i + 1]]`` / ``values[...]`` by step."""

    numbers: np.ndarray
    feasible: np.ndarray
    starts: np.ndarray
    steps: np.ndarray
    values: np.ndarray

    def curve(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Steps and values of curve ``i``."""
        lo, hi = int(self.starts[i]), int(self.starts[i + 1])
        return self.steps[lo:hi], self.values[lo:hi]

    def joined(self, curves: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The points of ``curves`` (a mask over curves) as one line broken by a NaN after each
        curve: steps, values and each point's trial number."""
        lengths = np.diff(self.starts)
        x = np.insert(self.steps.astype(np.float64), self.starts[1:], np.nan)
        y = np.insert(self.values, self.starts[1:], np.nan)
        owner = np.repeat(np.arange(len(lengths)), lengths + 1)
        keep = curves[owner]
        return x[keep], y[keep], self.numbers[owner[keep]]


def intermediate_info(study: Study) -> IntermediateInfo:
    """The intermediate values of the running, pruned and complete trials that reported any."""
    study = one_study(study)
    frame = StudyFrame(study, with_intermediate=True)
    shown = frame.mask(TrialState.PRUNED, TrialState.COMPLETE, TrialState.RUNNING)
    keep = shown[frame.inter_rows]
    rows, steps, values = frame.inter_rows[keep], frame.inter_steps[keep], frame.inter_values[keep]
    # The frame sorts by trial then step, so each trial's points are one run.
    numbers, starts = np.unique(rows, return_index=True)
    starts = np.append(starts, len(rows))
    if not shown.any():
        _logger.warning("Study instance does not contain trials.")
    elif len(numbers) == 0:
        _logger.warning("You need to set up the pruning feature to utilize `plot_intermediate_values()`")
    numbers = numbers.astype(np.int64)
    return IntermediateInfo(numbers, frame.feasible[numbers], starts, steps, values)


def plot_intermediate_values(study: Study) -> Any:
    """Plot the intermediate values of every trial that reported some (Optuna's
    ``plot_intermediate_values``): one line per running, pruned or complete trial, by step;
    trials whose constraints fail are drawn grey.

    Args:
        study: The study.

    Returns:
        A ``plotly.graph_objects.Figure`` (without traces when no trial reported values).
    """
    go = plotly_go()
    info = intermediate_info(study)
    layout = go.Layout(title="Intermediate Values Plot", xaxis={"title": "Step"}, yaxis={"title": "Intermediate Value"}, showlegend=False)
    if len(info.numbers) > MAX_SEPARATE_CURVES:
        return go.Figure(data=_grouped_traces(info), layout=layout)
    traces = []
    for i, number in enumerate(info.numbers):
        x, y = info.curve(i)
        marker: dict[str, Any] = {"maxdisplayed": 10}
        if not info.feasible[i]:
            marker["color"] = "#CCCCCC"
        traces.append(go.Scatter(x=x, y=y, mode="lines+markers", marker=marker, name=f"Trial{int(number)}"))
    return go.Figure(data=traces, layout=layout)


def _grouped_traces(info: IntermediateInfo) -> list[Any]:
    """Many curves as one grey WebGL trace of infeasible trials under ``N_COLOR_GROUPS`` traces
    of feasible ones; hovering a point still names its trial."""
    go = plotly_go()
    # Consecutive trials share a trace, so later trials are drawn over earlier ones, as with one
    # trace per trial, and a colour tells roughly when a trial ran.
    group = np.arange(len(info.numbers)) * N_COLOR_GROUPS // len(info.numbers)
    # The grey trace goes first, underneath: drawn last it would hide the feasible curves.
    masks = [~info.feasible] + [info.feasible & (group == k) for k in range(N_COLOR_GROUPS)]
    traces = []
    for k, curves in enumerate(masks):
        if not curves.any():
            continue
        x, y, numbers = info.joined(curves)
        grey = k == 0
        traces.append(
            go.Scattergl(
                x=x,
                y=y,
                customdata=numbers,
                hovertemplate="(%{x}, %{y})<extra>Trial%{customdata}</extra>",
                mode="lines",
                line={"color": "#CCCCCC"} if grey else {},
                name="Infeasible Trials" if grey else f"Trials {int(numbers[0])}-{int(numbers[-1])}",
            )
        )
    return traces
