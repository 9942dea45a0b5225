"""Storage handles. The in-memory backend is the default; all state lives in the Rust core."""

from __future__ import annotations

from typing import Any

from ferrotune import _core
from ferrotune.exceptions import FerrotuneValueError


class BaseStorage:
    """A storage backend: a handle on a core storage shared by every study opened on it."""

    _core: _core.Storage

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class InMemoryStorage(BaseStorage):
    """Keeps studies in this process's memory (lost when it exits). Safe to share between
    threads; pass the same object to several ``create_study``/``load_study`` calls to share studies."""

    def __init__(self) -> None:
        self._core = _core.Storage.in_memory()


def get_storage(storage: Any) -> BaseStorage:
    """Resolves the ``storage`` argument of ``create_study`` and friends."""
    if storage is None:
        return InMemoryStorage()
    if isinstance(storage, BaseStorage):
        return storage
    if isinstance(storage, str):
        raise FerrotuneValueError(
            f"storage {storage!r} is not supported: this version of ferrotune stores studies in memory; "
            "pass storage=None or a ferrotune.storages.InMemoryStorage() to share studies between calls"
        )
    raise FerrotuneValueError(
        f"storage must be None, a storage URL or a ferrotune storage object, got {type(storage).__name__}"
    )
