"""Optuna's study plots on matplotlib axes (``optuna.visualization.matplotlib``). Needs the
``[plot]`` extra."""

from ferrotune.visualization.matplotlib._matplotlib_imports import is_available
from ferrotune.visualization.matplotlib._terminator_improvement import plot_terminator_improvement

__all__ = [
    "is_available",
    "plot_terminator_improvement",
]
