"""``plot_edf``: the empirical distribution function of the objective values, per study.

The data (``edf_info``) is computed here once for both backends; the matplotlib module draws
from it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ferrotune import logging as ft_logging
from ferrotune.trial import TrialState
from ferrotune.visualization._frame import frames_of
from ferrotune.visualization._plotly_imports import plotly_go
from ferrotune.visualization._utils import DEFAULT_TARGET_NAME, check_plot_args, finite_rows, studies_of

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial

_logger = ft_logging.get_logger(__name__)

#: The EDF is evaluated at this many evenly spaced values between the smallest and largest.
NUM_SAMPLES_X_AXIS = 100


class EDFInfo(NamedTuple):
    """One line per study with complete finite values: ``y[i]`` at ``x_values``."""

    study_names: list[str]
    y_values: list[np.ndarray]
    x_values: np.ndarray


def edf_info(study: Study | Sequence[Study], target: Callable[[FrozenTrial], float] | None, target_name: str) -> EDFInfo:
    """The EDF lines of ``plot_edf`` for both backends (no lines: nothing to draw)."""
    studies = studies_of(study)
    check_plot_args(studies, target, target_name)
    if not studies:
        _logger.warning("There are no studies.")
        return EDFInfo([], [], np.array([]))
    names: list[str] = []
    all_values: list[np.ndarray] = []
    for frame in frames_of(studies):
        rows = np.flatnonzero(frame.mask(TrialState.COMPLETE))
        _, values = finite_rows(rows, frame.target_values(rows, target))
        if len(values):
            names.append(frame.study.study_name)
            all_values.append(values)
    if not all_values:
        _logger.warning("There are no complete trials.")
        return EDFInfo([], [], np.array([]))
    joined = np.concatenate(all_values)
    x = np.linspace(joined.min(), joined.max(), NUM_SAMPLES_X_AXIS)
    # Each study's share of values at or below x: sorted values and a binary search.
    ys = [np.searchsorted(np.sort(v), x, side="right") / v.size for v in all_values]
    return EDFInfo(names, ys, x)


def plot_edf(
    study: Study | Sequence[Study],
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = DEFAULT_TARGET_NAME,
) -> Any:
    """Plot the empirical distribution function of the objective values (Optuna's ``plot_edf``):
    for each study, the share of its complete trials with a value at or below each x. Trials
    with a non-finite value are left out (and logged); studies without complete trials are
    omitted.

    Args:
        study: A study, or several studies to compare (one line each, named by the study).
        target: A function giving the value from a trial; needed for a multi-objective study.
        target_name: The value's name on the x axis.

    Returns:
        A ``plotly.graph_objects.Figure``.

    Raises:
        FerrotuneValueError: A multi-objective study without ``target``.
    """
    go = plotly_go()
    info = edf_info(study, target, target_name)
    layout = go.Layout(
        title="Empirical Distribution Function Plot", xaxis={"title": target_name}, yaxis={"title": "Cumulative Probability"}
    )
    if not info.y_values:
        return go.Figure(data=[], layout=layout)
    traces = [go.Scatter(x=info.x_values, y=y, name=name, mode="lines") for name, y in zip(info.study_names, info.y_values, strict=True)]
    fig = go.Figure(data=traces, layout=layout)
    fig.update_yaxes(range=[0, 1])
    return fig
