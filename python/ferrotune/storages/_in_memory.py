"""Storage handles. The in-memory backend is the default; all state lives in the Rust core."""

from __future__ import annotations

import warnings

from ferrotune import _core
from ferrotune.logging import get_logger

_logger = get_logger(__name__)


class BaseStorage:
    """A storage backend: a handle on a core storage shared by every study opened on it."""

    _core: _core.Storage
    #: How log lines name where a study was created ("A new study created in memory ...").
    _where: str = "memory"

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def _emit_warnings(self, stacklevel: int = 3) -> None:
        # Storage problems found while reading (a damaged journal tail) reach the user both as a
        # UserWarning and on the ferrotune logger.
        for w in self._core.take_warnings():
            _logger.warning(w)
            warnings.warn(w, UserWarning, stacklevel=stacklevel)


class InMemoryStorage(BaseStorage):
    """Keeps studies in this process's memory (lost when it exits). Safe to share between
    threads; pass the same object to several ``create_study``/``load_study`` calls to share studies."""

    def __init__(self) -> None:
        self._core = _core.Storage.in_memory()
