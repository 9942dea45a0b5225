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

if TYPE_CHECKING:
    from ferrotune.study import Study

_logger = ft_logging.get_logger(__name__)


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


def intermediate_info(study: Study) -> IntermediateInfo:
    """The intermediate values of the running, pruned and complete trials that reported any."""
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
    traces = []
    for i, number in enumerate(info.numbers):
        x, y = info.curve(i)
        marker: dict[str, Any] = {"maxdisplayed": 10}
        if not info.feasible[i]:
            marker["color"] = "#CCCCCC"
        traces.append(go.Scatter(x=x, y=y, mode="lines+markers", marker=marker, name=f"Trial{int(number)}"))
    return go.Figure(data=traces, layout=layout)
