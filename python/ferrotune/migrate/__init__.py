"""Moving studies between Optuna and ferrotune, both ways, with every trial.

>>> import ferrotune.migrate  # doctest: +SKIP
>>> ferrotune.migrate.import_study(from_storage="sqlite:///optuna.db", to_storage="study.log")  # doctest: +SKIP
>>> ferrotune.migrate.export_study(from_storage="study.log", to_storage="sqlite:///for-optuna.db")  # doctest: +SKIP

The Optuna side is read and written through Optuna itself (it must be installed:
``pip install optuna``). So every storage Optuna opens is supported as Optuna lays it out:
- its RDB databases (``sqlite:///``, ``postgresql://``, ``mysql://`` URLs, in Optuna's
  tables);
- its JSON-lines journal files (a path without ``://``);
- an Optuna storage object, or an ``optuna.Study`` in memory.

The result opens in Optuna and optuna-dashboard. The ferrotune side is any ferrotune storage.

Each copy keeps:
- the study's directions, user and system attributes (metric names included);
- every trial in number order, with its state, values, parameters and their distributions
  (deprecated kinds too), intermediate values, user and system attributes (constraints
  included) and start and end times.

Trial ids are the destination's own. The command line is ``python -m ferrotune.migrate``.
"""

from __future__ import annotations

import os
from typing import Any

from ferrotune.exceptions import FerrotuneValueError
from ferrotune.migrate._trials import (
    distribution_from_optuna,
    distribution_to_optuna,
    trial_from_optuna,
    trial_to_optuna,
)
from ferrotune.storages import get_storage
from ferrotune.study import Study, create_study, load_study

__all__ = [
    "distribution_from_optuna",
    "distribution_to_optuna",
    "export_study",
    "import_study",
    "optuna_storage",
    "optuna_study_names",
    "trial_from_optuna",
    "trial_to_optuna",
]


def _optuna() -> Any:
    from ferrotune.migrate._trials import _optuna as load

    return load()


def optuna_storage(storage: Any) -> Any:
    """An Optuna storage: ``storage`` itself when it is one, an RDB storage for a URL, or a
    journal storage for a file path (Optuna's JSON-lines journal)."""
    optuna = _optuna()
    if isinstance(storage, optuna.storages.BaseStorage):
        return storage
    if isinstance(storage, os.PathLike):
        storage = os.fspath(storage)
    if not isinstance(storage, str) or not storage:
        raise FerrotuneValueError(f"an Optuna storage must be a URL, a journal file path or an Optuna storage object, got {storage!r}")
    if "://" in storage:
        return optuna.storages.RDBStorage(storage)
    return optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(storage))


def optuna_study_names(storage: Any) -> list[str]:
    """The names of the studies in an Optuna storage (see :func:`optuna_storage`)."""
    return list(_optuna().get_all_study_names(optuna_storage(storage)))


def _check_source_exists(storage: Any) -> None:
    """A source named by a path must exist: Optuna would create an empty file for a journal path
    or a ``sqlite:///`` URL that names none, and the copy would then fail with nothing to copy."""
    if isinstance(storage, os.PathLike):
        storage = os.fspath(storage)
    if not isinstance(storage, str):
        return
    path = storage.split("://", 1)[1][1:] if storage.startswith("sqlite://") else None if "://" in storage else storage
    if path is not None and path != ":memory:" and not os.path.exists(path):
        raise FerrotuneValueError(f"the Optuna storage {storage!r} names no existing file; check the path")


def _optuna_source(storage: Any, study_name: str | None) -> Any:
    optuna = _optuna()
    if isinstance(storage, optuna.Study):
        return storage
    _check_source_exists(storage)
    st = optuna_storage(storage)
    if study_name is None:
        names = optuna.get_all_study_names(st)
        if len(names) != 1:
            raise FerrotuneValueError(f"from_study_name is needed: the Optuna storage holds {len(names)} studies ({', '.join(names)})")
        study_name = names[0]
    return optuna.load_study(study_name=study_name, storage=st)


def import_study(*, from_storage: Any, to_storage: Any, from_study_name: str | None = None, to_study_name: str | None = None) -> Study:
    """Copies an Optuna study into a ferrotune storage and returns the ferrotune study.

    Args:
        from_storage: The Optuna side: an ``optuna.Study``, an Optuna storage object, a URL of
            an Optuna database, or the path of an Optuna journal file.
        to_storage: The ferrotune storage to copy into (anything ``create_study`` takes).
        from_study_name: The study to copy; may be left out when the storage holds one.
        to_study_name: The copy's name; the source's name when left out.

    Raises:
        DuplicatedStudyError: ``to_storage`` already has a study of that name.
    """
    source = _optuna_source(from_storage, from_study_name)
    study = create_study(
        storage=to_storage,
        study_name=to_study_name or source.study_name,
        directions=[d.name.lower() for d in source.directions],
    )
    for key, value in source.user_attrs.items():
        study.set_user_attr(key, value)
    # Optuna 5's Study has no system_attrs property; its storage keeps them.
    for key, value in source._storage.get_study_system_attrs(source._study_id).items():
        study.set_system_attr(key, value)
    study.add_trials(trial_from_optuna(t) for t in sorted(source.get_trials(deepcopy=False), key=lambda t: t.number))
    return study


def export_study(*, from_storage: Any, to_storage: Any, from_study_name: str | None = None, to_study_name: str | None = None) -> Any:
    """Copies a ferrotune study into an Optuna storage and returns the ``optuna.Study``.

    Args:
        from_storage: The ferrotune storage holding the study (or a ferrotune ``Study``).
        to_storage: The Optuna side: a database URL, a journal file path (Optuna's JSON lines)
            or an Optuna storage object.
        from_study_name: The study to copy; may be left out when the storage holds one.
        to_study_name: The copy's name; the source's name when left out.
    """
    optuna = _optuna()
    source = from_storage if isinstance(from_storage, Study) else load_study(study_name=from_study_name, storage=get_storage(from_storage))
    target_storage = optuna_storage(to_storage)
    target = optuna.create_study(
        storage=target_storage,
        study_name=to_study_name or source.study_name,
        directions=[d.name.lower() for d in source.directions],
    )
    # Through the storage: Optuna's Study.set_system_attr warns that it is deprecated.
    for key, value in source.user_attrs.items():
        target_storage.set_study_user_attr(target._study_id, key, value)
    for key, value in source.system_attrs.items():
        target_storage.set_study_system_attr(target._study_id, key, value)
    target.add_trials([trial_to_optuna(t) for t in source.get_trials(deepcopy=False)])
    return target
