"""``optuna.study.study``: the module Optuna's documentation and user code name the study
classes and functions by. The objects are ferrotune's (``ferrotune.study``)."""

from ferrotune.study import (
    Study,
    copy_study,
    create_study,
    delete_study,
    get_all_study_names,
    get_all_study_summaries,
    load_study,
)
from ferrotune.study._study import _METRIC_NAMES_ATTR as _SYSTEM_ATTR_METRIC_NAMES  # noqa: F401  # Optuna's name for it

__all__ = [
    "Study",
    "copy_study",
    "create_study",
    "delete_study",
    "get_all_study_names",
    "get_all_study_summaries",
    "load_study",
]
