"""Optuna's study plots on matplotlib axes (``optuna.visualization.matplotlib``). Needs the
``[plot]`` extra."""

from ferrotune.visualization.matplotlib._matplotlib_imports import is_available

__all__ = [
    "is_available",
]
