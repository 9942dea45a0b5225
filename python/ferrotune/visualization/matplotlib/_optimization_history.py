"""``plot_optimization_history`` on matplotlib axes, drawn from the shared history data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ferrotune._deprecation import warn_experimental
from ferrotune.visualization._optimization_history import history_info, split_feasible, warn_if_infeasible_in_error_bars
from ferrotune.visualization._utils import DEFAULT_TARGET_NAME
from ferrotune.visualization.matplotlib._matplotlib_imports import pyplot

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial


def plot_optimization_history(
    study: Study | Sequence[Study],
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = DEFAULT_TARGET_NAME,
    error_bar: bool = False,
) -> Any:
    """Plot each trial's objective value and the best value so far with matplotlib (Optuna's
    ``optuna.visualization.matplotlib.plot_optimization_history``; experimental there, so it
    warns ``ExperimentalWarning`` as there).

    Args:
        study: A study, or several studies to compare.
        target: A function giving the value to draw from a trial; needed for a multi-objective
            study. No best line is drawn for a ``target``.
        target_name: The value's name on the axis and in the legend.
        error_bar: Draw the mean over the studies with the standard deviation as error bars.

    Returns:
        A ``matplotlib.axes.Axes``.

    Raises:
        FerrotuneValueError: A multi-objective study without ``target``.
    """
    warn_experimental("plot_optimization_history", "2.2.0")
    plt = pyplot()
    infos = history_info(study, target, target_name, error_bar)
    # Optuna draws with the ggplot style so that the figure looks like plotly's; applied to
    # this figure only, so the user's later figures keep their style.
    with plt.style.context("ggplot"):
        _, ax = plt.subplots(tight_layout=True)
        ax.set_title("Optimization History Plot")
        ax.set_xlabel("Trial")
        ax.set_ylabel(target_name)
        cmap = plt.get_cmap("tab10")
        for i, info in enumerate(infos):
            v, b = info.values_info, info.best_values_info
            fx, fy, ix, iy = split_feasible(info)
            if v.stds is not None:
                warn_if_infeasible_in_error_bars(v)
                ax.errorbar(x=fx, y=fy, yerr=v.stds, capsize=5, fmt="o", color="tab:blue")
            ax.scatter(x=fx, y=fy, color=cmap(0) if len(infos) == 1 else cmap(2 * i), alpha=1, label=v.label_name)
            if b is not None:
                ax.plot(info.trial_numbers, b.values, color=cmap(3) if len(infos) == 1 else cmap(2 * i + 1), alpha=0.5, label=b.label_name)
                if b.stds is not None:
                    ax.fill_between(x=info.trial_numbers, y1=b.values - b.stds, y2=b.values + b.stds, color="tab:red", alpha=0.4)
            ax.scatter(x=ix, y=iy, color="#cccccc")
        if infos:
            ax.legend(bbox_to_anchor=(1.05, 1.0), loc="upper left")
        return ax
