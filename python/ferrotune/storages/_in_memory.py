"""Storage handles. The in-memory backend is the default; all state lives in the Rust core."""

from __future__ import annotations

from ferrotune import _core
from ferrotune.logging import _warn


class BaseStorage:
    """A storage backend: a handle on a core storage shared by every study opened on it."""

    _core: _core.Storage
    #: How log lines name where a study was created ("A new study created in memory ...").
    _where: str = "memory"

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def _emit_warnings(self) -> None:
        # Storage problems found while reading (a damaged journal tail) reach the user once, as
        # a UserWarning pointing at the user's line (logging.captureWarnings routes it to logs).
        for w in self._core.take_warnings():
            _warn(w)


class InMemoryStorage(BaseStorage):
    """Keeps studies in this process's memory (lost when it exits). Safe to share between
    threads; pass the same object to several ``create_study``/``load_study`` calls to share studies."""

    def __init__(self) -> None:
        self._core = _core.Storage.in_memory()
