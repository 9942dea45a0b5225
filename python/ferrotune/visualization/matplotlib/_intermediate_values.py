"""``plot_intermediate_values`` on matplotlib axes, drawn from the shared data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune._deprecation import warn_experimental
from ferrotune.visualization._intermediate_values import MAX_SEPARATE_CURVES, intermediate_info
from ferrotune.visualization.matplotlib._matplotlib_imports import pyplot

if TYPE_CHECKING:
    from ferrotune.study import Study


def plot_intermediate_values(study: Study) -> Any:
    """Plot the intermediate values of every trial that reported some with matplotlib (Optuna's
    ``optuna.visualization.matplotlib.plot_intermediate_values``; experimental there, so it warns
    ``ExperimentalWarning`` as there).

    Args:
        study: The study.

    Returns:
        A ``matplotlib.axes.Axes``.
    """
    warn_experimental("plot_intermediate_values", "2.2.0")
    plt = pyplot()
    info = intermediate_info(study)
    # Optuna draws with the ggplot style so that the figure looks like plotly's; applied to
    # this figure only, so the user's later figures keep their style.
    with plt.style.context("ggplot"):
        _, ax = plt.subplots(tight_layout=True)
        ax.set_title("Intermediate Values Plot")
        ax.set_xlabel("Step")
        ax.set_ylabel("Intermediate Value")
        cmap = plt.get_cmap("tab20")
        if len(info.numbers) > MAX_SEPARATE_CURVES:
            # One collection instead of a line (and a legend entry) per trial.
            import matplotlib
            from matplotlib.collections import LineCollection

            points = np.column_stack([info.steps.astype(np.float64), info.values])
            segments = np.split(points, info.starts[1:-1])
            colors = cmap(np.arange(len(info.numbers)) % 20)
            colors[~info.feasible] = matplotlib.colors.to_rgba("#CCCCCC")
            ax.add_collection(LineCollection(segments, colors=colors, alpha=0.7))
            ax.autoscale_view()
            return ax
        for i, number in enumerate(info.numbers):
            x, y = info.curve(i)
            color = cmap(i) if info.feasible[i] else "#CCCCCC"
            ax.plot(x, y, color=color, marker=".", alpha=0.7, label=f"Trial{int(number)}")
        if len(info.numbers) >= 2:
            ax.legend(bbox_to_anchor=(1.05, 1), loc="upper left", borderaxespad=0.0)
        return ax
