"""``plot_hypervolume_history`` on matplotlib axes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ferrotune._deprecation import warn_experimental
from ferrotune.visualization._hypervolume_history_info import get_hypervolume_history_info
from ferrotune.visualization.matplotlib._matplotlib_imports import pyplot

if TYPE_CHECKING:
    from ferrotune.study import Study


def plot_hypervolume_history(study: Study, reference_point: Sequence[float]) -> Any:
    """Plot the hypervolume after each complete trial with matplotlib (experimental in Optuna).

    Arguments and errors as ``ferrotune.visualization.plot_hypervolume_history``.

    Returns:
        A ``matplotlib.axes.Axes``.
    """
    warn_experimental("plot_hypervolume_history", "3.3.0")
    plt = pyplot()
    info = get_hypervolume_history_info(study, reference_point)
    plt.style.use("ggplot")  # as Optuna: close to the plotly look
    _, ax = plt.subplots()
    ax.set_title("Hypervolume History Plot")
    ax.set_xlabel("Trial")
    ax.set_ylabel("Hypervolume")
    ax.plot(info.trial_numbers, info.values, marker="o", color=plt.get_cmap("tab10")(0), alpha=0.5)
    return ax
