"""Optuna's study plots as plotly figures (``optuna.visualization``), drawn from the study's
columns read in one core call; ``ferrotune.visualization.matplotlib`` has the same functions
drawing matplotlib axes. Needs the ``[plot]`` extra."""

from ferrotune.visualization import matplotlib
from ferrotune.visualization._contour import plot_contour
from ferrotune.visualization._edf import plot_edf
from ferrotune.visualization._hypervolume_history import plot_hypervolume_history
from ferrotune.visualization._intermediate_values import plot_intermediate_values
from ferrotune.visualization._optimization_history import plot_optimization_history
from ferrotune.visualization._parallel_coordinate import plot_parallel_coordinate
from ferrotune.visualization._param_importances import plot_param_importances
from ferrotune.visualization._pareto_front import plot_pareto_front
from ferrotune.visualization._plotly_imports import is_available
from ferrotune.visualization._rank import plot_rank
from ferrotune.visualization._slice import plot_slice
from ferrotune.visualization._terminator_improvement import plot_terminator_improvement
from ferrotune.visualization._timeline import plot_timeline

__all__ = [
    "is_available",
    "matplotlib",
    "plot_contour",
    "plot_edf",
    "plot_hypervolume_history",
    "plot_intermediate_values",
    "plot_optimization_history",
    "plot_parallel_coordinate",
    "plot_param_importances",
    "plot_pareto_front",
    "plot_rank",
    "plot_slice",
    "plot_terminator_improvement",
    "plot_timeline",
]
