"""``plot_pareto_front`` on matplotlib axes (2-d, or 3-d axes for three targets)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ferrotune._deprecation import warn_experimental
from ferrotune.visualization._pareto_front_info import ParetoFrontInfo, get_pareto_front_info
from ferrotune.visualization.matplotlib._matplotlib_imports import pyplot

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial


def plot_pareto_front(
    study: Study,
    *,
    target_names: list[str] | None = None,
    include_dominated_trials: bool = True,
    constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
    targets: Callable[[FrozenTrial], Sequence[float]] | None = None,
) -> Any:
    """Plot the Pareto front of a study with matplotlib (experimental in Optuna).

    Arguments as ``ferrotune.visualization.plot_pareto_front``. Dominated trials are drawn in
    blue, the front in red, infeasible trials grey, with a legend.

    Returns:
        A ``matplotlib.axes.Axes`` (an ``Axes3D`` for three targets).
    """
    warn_experimental("plot_pareto_front", "2.8.0")
    plt = pyplot()
    info = get_pareto_front_info(study, target_names, include_dominated_trials, constraints_func, targets, with_hover=False)
    return _draw(plt, info)


def _draw(plt: Any, info: ParetoFrontInfo) -> Any:
    plt.style.use("ggplot")  # as Optuna: close to the plotly look
    cmap = plt.get_cmap("tab10")
    if info.n_targets == 2:
        _, ax = plt.subplots()
    else:
        ax = plt.figure().add_subplot(projection="3d")
        ax.set_zlabel(info.target_names[2])
    ax.set_title("Pareto-front Plot")
    ax.set_xlabel(info.target_names[0])
    ax.set_ylabel(info.target_names[1])

    def scatter(values: Any, color: Any, label: str) -> None:
        if info.n_targets == 2:
            ax.scatter(x=values[:, 0], y=values[:, 1], color=color, label=label)
        else:
            ax.scatter(xs=values[:, 0], ys=values[:, 1], zs=values[:, 2], color=color, label=label)

    trial_label = "Trial"
    if len(info.infeasible.numbers):
        scatter(info.infeasible.values, "#cccccc", "Infeasible Trial")
        trial_label = "Feasible Trial"
    if len(info.non_best.numbers):
        scatter(info.non_best.values, cmap(0), trial_label)
    if len(info.best.numbers):
        scatter(info.best.values, cmap(3), "Best Trial")
    if ax.has_data():
        ax.legend()
    return ax
