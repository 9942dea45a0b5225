"""Optuna's study plots as plotly figures (``optuna.visualization``), drawn from the study's
columns read in one core call; ``ferrotune.visualization.matplotlib`` has the same functions
drawing matplotlib axes. Needs the ``[plot]`` extra."""

from ferrotune.visualization import matplotlib
from ferrotune.visualization._contour import plot_contour
from ferrotune.visualization._parallel_coordinate import plot_parallel_coordinate
from ferrotune.visualization._plotly_imports import is_available
from ferrotune.visualization._slice import plot_slice

__all__ = [
    "is_available",
    "matplotlib",
    "plot_contour",
    "plot_parallel_coordinate",
    "plot_slice",
]
