"""Optuna's interface for journal backends, ``BaseJournalBackend``.

Optuna's journal is JSON logs that a backend reads and appends (``read_logs``,
``append_logs``), so users may write their own backend in Python. ferrotune's journal is
written and replayed by its Rust core as checksummed binary records, under locks the core
holds; it never calls Python code while holding them. So the class exists for code that names
it (``isinstance`` checks, type hints), and ferrotune's own backends derive from it, but a
backend written in Python cannot hold a ferrotune study: ``JournalStorage`` refuses one and
names the backends that can.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable
from typing import Any

from ferrotune._deprecation import warn_deprecated
from ferrotune.exceptions import FerrotuneValueError

_WHY = (
    "ferrotune's journal holds binary records written by its Rust core, not Optuna's JSON logs; "
    "read and change studies through load_study and the Study API, or copy an Optuna journal with "
    "`python -m ferrotune.migrate import`"
)


class BaseJournalBackend(abc.ABC):
    """A journal backend (Optuna's ``optuna.storages.journal.BaseJournalBackend``)."""

    @abc.abstractmethod
    def read_logs(self, log_number_from: int) -> Iterable[dict[str, Any]]:
        """Optuna's JSON logs from ``log_number_from`` on."""

    @abc.abstractmethod
    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        """Appends Optuna's JSON logs."""


class _CoreBackend(BaseJournalBackend):
    """ferrotune's backends: the core reads and writes the records itself."""

    def read_logs(self, log_number_from: int) -> Iterable[dict[str, Any]]:
        raise FerrotuneValueError(f"{type(self).__name__}.read_logs: {_WHY}")

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        raise FerrotuneValueError(f"{type(self).__name__}.append_logs: {_WHY}")


class BaseJournalLogStorage(BaseJournalBackend):
    """Optuna's older name of :class:`BaseJournalBackend` (deprecated there since 4.0)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        warn_deprecated("BaseJournalLogStorage", "4.0.0", "BaseJournalBackend")
        super().__init__(*args, **kwargs)


def refuse_custom_backend(backend: Any) -> FerrotuneValueError:
    """The error for a journal backend ferrotune cannot use (a user's subclass, anything else)."""
    what = "a BaseJournalBackend written in Python" if isinstance(backend, BaseJournalBackend) else type(backend).__name__
    return FerrotuneValueError(
        f"JournalStorage got {what}: ferrotune's journal is written by its Rust core, which cannot call a Python "
        "backend; use JournalFileBackend(file_path), JournalRedisBackend(url), RDBStorage('sqlite:///study.db' or "
        "'postgresql://...'), or serve one of these to many workers with run_grpc_proxy_server"
    )
