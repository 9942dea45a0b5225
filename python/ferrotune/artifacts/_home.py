"""Where a study's or trial's artifact metadata is recorded: its system attributes in a storage.

Optuna's functions take a ``Study``, a ``Trial``, or a ``FrozenTrial`` together with the
``storage`` holding it; this module turns each into the two operations the artifact functions
need (record one attribute, read them all), on any ferrotune storage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ferrotune import _core, _json
from ferrotune.exceptions import FerrotuneTypeError, FerrotuneValueError, TrialNotFoundError
from ferrotune.storages import BaseStorage
from ferrotune.study import Study
from ferrotune.trial import FrozenTrial, Trial


@dataclass(frozen=True)
class MetaHome:
    """The system attributes of one study or trial."""

    #: Records one attribute (its value already JSON text, as the storages keep attributes).
    set_json: Callable[[str, str], None]
    #: Every attribute, key -> JSON text.
    read_json: Callable[[], dict[str, str]]

    def set(self, key: str, value: Any) -> None:
        """Records ``key`` with a JSON-compatible value."""
        self.set_json(key, _json.dumps(key, value))

    def read(self) -> dict[str, Any]:
        """Every attribute, decoded."""
        return _json.loads_map(self.read_json())


def meta_home(study_or_trial: Any, storage: Any) -> MetaHome:
    """The system attributes of ``study_or_trial`` in ``storage`` (its own storage when None)."""
    if storage is not None and not isinstance(storage, BaseStorage):
        raise FerrotuneTypeError(
            f"storage must be a ferrotune storage, got {type(storage).__module__}.{type(storage).__qualname__}; "
            "pass the storage holding the study, e.g. study._storage or ferrotune.storages.get_storage(url)"
        )
    if isinstance(study_or_trial, Study):
        return _study_home(storage if storage is not None else study_or_trial._storage, study_or_trial._study_id)
    if isinstance(study_or_trial, Trial):
        if storage is None or storage is study_or_trial.study._storage:
            return _trial_home(study_or_trial._engine, study_or_trial._trial_id)
        return _trial_home(_engine_holding(storage, study_or_trial._trial_id), study_or_trial._trial_id)
    if isinstance(study_or_trial, FrozenTrial):
        if storage is None:
            raise FerrotuneValueError(
                "storage is required for FrozenTrial: a FrozenTrial does not know where it is stored; "
                "pass storage=study._storage (the storage of the study it belongs to)"
            )
        return _trial_home(_engine_holding(storage, study_or_trial._trial_id), study_or_trial._trial_id)
    raise FerrotuneTypeError(
        f"study_or_trial must be a ferrotune Study, Trial or FrozenTrial, got {type(study_or_trial).__module__}."
        f"{type(study_or_trial).__qualname__}; artifacts are recorded on a stored study or trial"
    )


def _study_home(storage: BaseStorage, study_id: int) -> MetaHome:
    core = storage._core
    return MetaHome(
        set_json=lambda key, text: core.set_study_attr(study_id, False, key, text),
        read_json=lambda: core.study_attrs(study_id, False),
    )


def _trial_home(engine: _core.Engine, trial_id: int) -> MetaHome:
    def read_json() -> dict[str, str]:
        number, _state = engine.locate(trial_id)
        return engine.export_trial(number).rows[0].system_attrs

    return MetaHome(set_json=lambda key, text: engine.set_trial_attr(trial_id, False, key, text), read_json=read_json)


def _engine_holding(storage: BaseStorage, trial_id: int) -> _core.Engine:
    """An engine on the study of ``storage`` that holds trial ``trial_id``.

    Trial ids are unique within a storage, but a storage call on a trial goes through the
    engine of its study, and a FrozenTrial does not name its study: each study is asked in turn
    (one short core call each).
    """
    if type(trial_id) is not int or trial_id < 0:
        raise TrialNotFoundError(
            f"the trial has no storage id ({trial_id!r}): it was made by create_trial and never stored; "
            "record artifacts on the trial that study.add_trial stored (e.g. study.trials[-1])"
        )
    for study_id, *_ in storage._core.studies():
        engine = _core.Engine(storage._core, study_id, None)
        try:
            engine.locate(trial_id)
        except TrialNotFoundError:
            continue
        return engine
    raise TrialNotFoundError(f"no trial with id {trial_id} in {storage!r}; pass the storage of the study the trial belongs to")
