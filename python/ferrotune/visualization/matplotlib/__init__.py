"""Optuna's study plots on matplotlib axes (``optuna.visualization.matplotlib``). Needs the
``[plot]`` extra."""

from ferrotune.visualization.matplotlib._contour import plot_contour
from ferrotune.visualization.matplotlib._matplotlib_imports import is_available
from ferrotune.visualization.matplotlib._parallel_coordinate import plot_parallel_coordinate
from ferrotune.visualization.matplotlib._slice import plot_slice

__all__ = [
    "is_available",
    "plot_contour",
    "plot_parallel_coordinate",
    "plot_slice",
]
