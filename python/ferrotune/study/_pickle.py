"""Pickling a study (Optuna's ``Study`` pickles; so do Ray, joblib and multiprocessing with it).

A study on a storage shared by processes (a journal file, SQLite, PostgreSQL) pickles as a reference:
its name, its storage (which pickles as its path or URL) and its sampler and pruner; unpickling
opens the same study on the same storage. An in-memory study has no storage another process
could open, so, as Optuna's in-memory storage does, its pickle carries the data: directions,
attributes and every trial, which unpickling adds in order to a new in-memory storage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ferrotune import _json
from ferrotune.storages import InMemoryStorage
from ferrotune.storages._shared import SharedStorage
from ferrotune.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from ferrotune.pruners import BasePruner
    from ferrotune.samplers import BaseSampler
    from ferrotune.study._study import Study


def reduce_study(study: Study) -> tuple[Any, ...]:
    """``Study.__reduce__``: a reference for shared storages, the data for in-memory ones."""
    if isinstance(study._storage, SharedStorage):
        return (_reopen, (study._storage, study.study_name, study.sampler, study.pruner))
    core = study._storage._core
    sid = study._study_id
    data = (
        study.study_name,
        [int(d) for d in study.directions],
        core.study_attrs(sid, True),
        core.study_attrs(sid, False),
        study.get_trials(deepcopy=False),
    )
    return (_rebuild, (data, study.sampler, study.pruner))


def _reopen(storage: Any, study_name: str, sampler: BaseSampler, pruner: BasePruner) -> Study:
    from ferrotune.study._study import Study

    return Study(study_name, storage, sampler=sampler, pruner=pruner)


def _rebuild(data: tuple[Any, ...], sampler: BaseSampler, pruner: BasePruner) -> Study:
    from ferrotune.study._study import Study

    name, directions, user_attrs, system_attrs, trials = data
    storage = InMemoryStorage()
    sid = storage._core.create_study(name, directions)
    for user, attrs in ((True, user_attrs), (False, system_attrs)):
        for key, json in attrs.items():
            storage._core.set_study_attr(sid, user, key, json)
    study = Study.__new__(Study)
    study._init(storage, sid, sampler, pruner)
    for t in trials:
        _restore_trial(study, t)
    return study


def _restore_trial(study: Study, trial: FrozenTrial) -> None:
    """Adds ``trial`` as the study's next trial, whatever its state. A trial still waiting in
    the queue is enqueued again with its fixed parameters, so the next ask runs it."""
    system_attrs = dict(trial.system_attrs)
    fixed = system_attrs.pop("fixed_params", None) if trial.state == TrialState.WAITING else None
    if fixed is None:
        study._add_frozen(trial)
        return
    study.enqueue_trial(fixed, user_attrs=trial.user_attrs)
    trial_id = study._engine.trial_id_of(trial.number)
    for key, value in system_attrs.items():
        study._engine.set_trial_attr(trial_id, False, key, _json.dumps(key, value))
