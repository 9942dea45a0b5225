"""ferrotune: hyperparameter optimization with Optuna's API and a Rust engine.

>>> import ferrotune
>>> def objective(trial):
...     x = trial.suggest_float("x", -10, 10)
...     return (x - 2) ** 2
>>> ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
>>> study = ferrotune.create_study(sampler=ferrotune.samplers.RandomSampler(seed=0))
>>> study.optimize(objective, n_trials=100)
>>> abs(study.best_params["x"] - 2) < 1
True
"""

import importlib
from types import ModuleType

from ferrotune import (
    artifacts,
    distributions,
    exceptions,
    importance,
    logging,
    pruners,
    samplers,
    search_space,
    storages,
    study,
    trial,
    version,
)
from ferrotune._core import __version__
from ferrotune.exceptions import TrialPruned
from ferrotune.study import (
    Study,
    StudyDirection,
    copy_study,
    create_study,
    delete_study,
    get_all_study_names,
    get_all_study_summaries,
    load_study,
)
from ferrotune.trial import FixedTrial, FrozenTrial, Trial, TrialState, create_trial

__all__ = [
    "__version__",
    "Study",
    "StudyDirection",
    "Trial",
    "FixedTrial",
    "FrozenTrial",
    "TrialState",
    "TrialPruned",
    "copy_study",
    "create_study",
    "create_trial",
    "delete_study",
    "get_all_study_names",
    "get_all_study_summaries",
    "load_study",
    "artifacts",
    "distributions",
    "exceptions",
    "importance",
    "logging",
    "pruners",
    "samplers",
    "search_space",
    "storages",
    "study",
    "trial",
    "version",
    "visualization",
]


def __getattr__(name: str) -> ModuleType:
    # ``ferrotune.visualization`` (Optuna's ``optuna.visualization``) is imported on first use:
    # plotting is optional and optimizing needs none of it.
    if name == "visualization":
        return importlib.import_module("ferrotune.visualization")
    raise AttributeError(f"module 'ferrotune' has no attribute {name!r}")
