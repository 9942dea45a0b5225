"""``plot_hypervolume_history``: a multi-objective study's hypervolume after each complete
trial, as lines and markers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ferrotune._deprecation import warn_experimental
from ferrotune.visualization._hypervolume_history_info import get_hypervolume_history_info
from ferrotune.visualization._plotly_imports import plotly_go
from ferrotune.visualization._utils import scatter_class

if TYPE_CHECKING:
    from ferrotune.study import Study


def plot_hypervolume_history(study: Study, reference_point: Sequence[float]) -> Any:
    """Plot the hypervolume of a study's trials after each complete trial (a plotly figure;
    experimental in Optuna).

    Only feasible trials count; a trial beyond the reference point, or one an earlier trial
    weakly dominates, leaves the hypervolume as it was.

    Args:
        study: A multi-objective study.
        reference_point: The point bounding the hypervolume, one coordinate per objective, in
            the study's own directions (for a maximized objective, a value below the trials').

    Returns:
        A ``plotly.graph_objects.Figure``.

    Raises:
        FerrotuneValueError: A single-objective study, or a reference point of another
            dimension than the study's objectives.
    """
    warn_experimental("plot_hypervolume_history", "3.3.0")
    go = plotly_go()
    info = get_hypervolume_history_info(study, reference_point)
    layout = go.Layout(title="Hypervolume History Plot", xaxis={"title": "Trial"}, yaxis={"title": "Hypervolume"})
    trace = scatter_class(len(info.trial_numbers))(x=info.trial_numbers, y=info.values, mode="lines+markers")
    return go.Figure(data=trace, layout=layout)
