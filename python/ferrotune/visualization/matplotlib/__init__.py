"""Optuna's study plots on matplotlib axes (``optuna.visualization.matplotlib``). Needs the
``[plot]`` extra."""

from ferrotune.visualization.matplotlib._contour import plot_contour
from ferrotune.visualization.matplotlib._edf import plot_edf
from ferrotune.visualization.matplotlib._hypervolume_history import plot_hypervolume_history
from ferrotune.visualization.matplotlib._intermediate_values import plot_intermediate_values
from ferrotune.visualization.matplotlib._matplotlib_imports import is_available
from ferrotune.visualization.matplotlib._optimization_history import plot_optimization_history
from ferrotune.visualization.matplotlib._parallel_coordinate import plot_parallel_coordinate
from ferrotune.visualization.matplotlib._param_importances import plot_param_importances
from ferrotune.visualization.matplotlib._pareto_front import plot_pareto_front
from ferrotune.visualization.matplotlib._rank import plot_rank
from ferrotune.visualization.matplotlib._slice import plot_slice
from ferrotune.visualization.matplotlib._terminator_improvement import plot_terminator_improvement
from ferrotune.visualization.matplotlib._timeline import plot_timeline

__all__ = [
    "is_available",
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
