"""Optuna's study plots on matplotlib axes (``optuna.visualization.matplotlib``). Needs the
``[plot]`` extra."""

from ferrotune.visualization.matplotlib._hypervolume_history import plot_hypervolume_history
from ferrotune.visualization.matplotlib._matplotlib_imports import is_available
from ferrotune.visualization.matplotlib._pareto_front import plot_pareto_front
from ferrotune.visualization.matplotlib._rank import plot_rank

__all__ = [
    "is_available",
    "plot_pareto_front",
    "plot_hypervolume_history",
    "plot_rank",
]
