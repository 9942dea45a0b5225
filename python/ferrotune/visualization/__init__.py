"""Optuna's study plots as plotly figures (``optuna.visualization``), drawn from the study's
columns read in one core call; ``ferrotune.visualization.matplotlib`` has the same functions
drawing matplotlib axes. Needs the ``[plot]`` extra."""

from ferrotune.visualization import matplotlib
from ferrotune.visualization._hypervolume_history import plot_hypervolume_history
from ferrotune.visualization._pareto_front import plot_pareto_front
from ferrotune.visualization._plotly_imports import is_available
from ferrotune.visualization._rank import plot_rank

__all__ = [
    "is_available",
    "matplotlib",
    "plot_pareto_front",
    "plot_hypervolume_history",
    "plot_rank",
]
