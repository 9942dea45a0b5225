"""``optuna.study.study``: the module Optuna's documentation and user code name the study
classes and functions by. The objects are ferrotune's (``ferrotune.study``)."""

from ferrotune.study import *  # noqa: F403  # the same names, under Optuna's module path
from ferrotune.study import __all__ as __all__
from ferrotune.study._study import _METRIC_NAMES_ATTR as _SYSTEM_ATTR_METRIC_NAMES  # noqa: F401  # Optuna's name for it
