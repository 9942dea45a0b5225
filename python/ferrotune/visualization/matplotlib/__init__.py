"""Optuna's study plots on matplotlib axes (``optuna.visualization.matplotlib``). Needs the
``[plot]`` extra."""

from ferrotune.visualization.matplotlib._edf import plot_edf
from ferrotune.visualization.matplotlib._intermediate_values import plot_intermediate_values
from ferrotune.visualization.matplotlib._matplotlib_imports import is_available
from ferrotune.visualization.matplotlib._optimization_history import plot_optimization_history
from ferrotune.visualization.matplotlib._param_importances import plot_param_importances
from ferrotune.visualization.matplotlib._timeline import plot_timeline

__all__ = [
    "is_available",
    "plot_optimization_history",
    "plot_intermediate_values",
    "plot_edf",
    "plot_timeline",
    "plot_param_importances",
]
