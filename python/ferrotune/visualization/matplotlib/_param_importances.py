"""``plot_param_importances`` on matplotlib axes, drawn from the shared data."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune._deprecation import warn_experimental
from ferrotune.visualization._param_importances import importances_infos
from ferrotune.visualization._utils import DEFAULT_TARGET_NAME
from ferrotune.visualization.matplotlib._matplotlib_imports import pyplot

if TYPE_CHECKING:
    from ferrotune.importance import BaseImportanceEvaluator
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial

#: The x axis grows to this many times a label's right end when the label would overflow.
AXES_PADDING_RATIO = 1.05


def plot_param_importances(
    study: Study,
    evaluator: BaseImportanceEvaluator | None = None,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = DEFAULT_TARGET_NAME,
) -> Any:
    """Plot the parameters' importances as horizontal bars with matplotlib (Optuna's
    ``optuna.visualization.matplotlib.plot_param_importances``; experimental there, so it warns
    ``ExperimentalWarning`` as there).

    Args:
        study: An optimized study.
        evaluator: The importance evaluator; ``PedAnovaImportanceEvaluator`` by default.
        params: Names of the parameters to assess; ``None`` for the evaluator's default set.
        target: A function giving the value to assess from a trial. ``None``: the objective, or
            for a multi-objective study every objective, one bar group each.
        target_name: The bars' name in the legend; without ``target`` the study's metric names
            are used when it has them.

    Returns:
        A ``matplotlib.axes.Axes``.
    """
    warn_experimental("plot_param_importances", "2.2.0")
    plt = pyplot()
    infos = importances_infos(study, evaluator, params, target, target_name)
    # Optuna draws with the ggplot style so that the figure looks like plotly's; applied to
    # this figure only, so the user's later figures keep their style.
    with plt.style.context("ggplot"):
        fig, ax = plt.subplots()
        ax.set_title("Hyperparameter Importances", loc="left")
        ax.set_xlabel("Hyperparameter Importance")
        ax.set_ylabel("Hyperparameter")
        height = 0.8 / len(infos)  # the bar height is shared between the objectives
        for objective, info in enumerate(infos):
            if not info.importance_values:
                continue
            pos = np.arange(len(info.param_names))
            offset = height * objective
            ax.barh(
                pos + offset,
                info.importance_values,
                height=height,
                align="center",
                label=info.target_name,
                color=plt.get_cmap("tab20c")(objective),
            )
            renderer = fig.canvas.get_renderer()
            for i, (value, label) in enumerate(zip(info.importance_values, info.importance_labels, strict=True)):
                text = ax.text(value, i + offset, label, va="center")
                # Widen the x axis when a label would end past it.
                right = text.get_window_extent(renderer).transformed(ax.transData.inverted()).xmax
                if right > ax.get_xlim()[1]:
                    ax.set_xlim(right=AXES_PADDING_RATIO * right)
            ax.set_yticks(pos + offset / 2, info.param_names)
        if any(info.importance_values for info in infos):
            ax.legend(loc="best")
        return ax
