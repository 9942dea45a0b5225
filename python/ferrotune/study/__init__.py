"""Studies: create, load, delete, and the Study object."""

from ferrotune.study._callbacks import MaxTrialsCallback
from ferrotune.study._direction import StudyDirection
from ferrotune.study._study import (
    Study,
    copy_study,
    create_study,
    delete_study,
    get_all_study_names,
    load_study,
)

__all__ = [
    "MaxTrialsCallback",
    "Study",
    "StudyDirection",
    "copy_study",
    "create_study",
    "delete_study",
    "get_all_study_names",
    "load_study",
]
