"""``JournalStorage``: studies in an append-only journal file written by the Rust core."""

from __future__ import annotations

import os
from typing import Any

from ferrotune import _core
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.storages._heartbeat import StaleTrialCallback
from ferrotune.storages._in_memory import BaseStorage
from ferrotune.storages._shared import SharedStorage


class JournalStorage(SharedStorage):
    """Optuna's ``JournalStorage``: ``JournalStorage(JournalFileBackend("study.log"))``.

    The journal survives the process and can be shared by many processes. Opening it replays
    the file; a damaged tail (a writer killed mid-write) is reported as a warning and ignored,
    and damaged records in the middle are skipped with a warning, keeping every valid record
    after them (``ferrotune.storages.journal.repair_journal`` writes a clean copy). See
    docs/storage.md for the format, locking, damage and durability rules.

    With ``heartbeat_interval`` (seconds, as RDBStorage takes it in Optuna), a trial running in
    ``Study.optimize`` records a heartbeat in the journal that often; before each new trial,
    ``optimize`` fails the running trials whose last heartbeat is older than ``grace_period``
    (default ``2 * heartbeat_interval``: their worker died) and runs
    ``heartbeat_stale_trial_callback(study, frozen_trial)`` on each, e.g.
    ``RetryHeartbeatStaleTrialCallback()``. ``failed_trial_callback`` is its older name.
    (These are :class:`~ferrotune.storages._shared.SharedStorage`'s, as on ``RDBStorage``.)
    """

    def __init__(
        self,
        log_storage: Any,
        heartbeat_interval: float | None = None,
        grace_period: float | None = None,
        heartbeat_stale_trial_callback: StaleTrialCallback | None = None,
        failed_trial_callback: StaleTrialCallback | None = None,
    ) -> None:
        from ferrotune.storages.journal._base import refuse_custom_backend
        from ferrotune.storages.journal._file import JournalFileBackend, JournalRedisBackend

        if not isinstance(log_storage, (JournalFileBackend, JournalRedisBackend)):
            raise refuse_custom_backend(log_storage)
        self._init_heartbeats(heartbeat_interval, grace_period, heartbeat_stale_trial_callback, failed_trial_callback)
        self._backend = log_storage
        if isinstance(log_storage, JournalRedisBackend):
            self._core = _core.Storage.redis(log_storage._url, log_storage._prefix)
        else:
            self._core = _core.Storage.journal(log_storage.file_path, log_storage._fsync)
        self._emit_warnings()

    @property
    def file_path(self) -> str:
        """The journal file (file backends only)."""
        from ferrotune.storages.journal._file import JournalFileBackend

        if not isinstance(self._backend, JournalFileBackend):
            raise AttributeError("file_path: this journal is kept on a Redis server, not in a file")
        return self._backend.file_path

    def __repr__(self) -> str:
        return f"JournalStorage({self._backend!r}{self._heartbeat_repr()})"

    @property
    def _where(self) -> str:  # type: ignore[override]
        from ferrotune.storages.journal._file import JournalRedisBackend

        return "Redis" if isinstance(self._backend, JournalRedisBackend) else "Journal"

    def snapshot(self) -> str:
        """Writes ``<journal path>.snapshot``, the state as of the end of the journal, and
        returns its path. Opening the journal then loads it and replays only the records
        written after it. ``JournalStorage`` also writes one by itself when opening replayed
        many records. A snapshot is only a cache: a missing, damaged or outdated one is ignored
        and the journal is replayed. See docs/storage.md ("Snapshots").
        """
        return str(self._core.snapshot())

    def __reduce__(self) -> tuple[Any, ...]:
        # A pickled journal storage (e.g. sent to a multiprocessing worker) reopens the file.
        return (
            JournalStorage,
            (self._backend, self.heartbeat_interval, self.grace_period, self.heartbeat_stale_trial_callback),
        )


_UNSUPPORTED = {
    "grpc": "gRPC URL (use GrpcStorageProxy(host=..., port=...))",
}


def _journal_path(url: str) -> str | None:
    """The journal file a storage string names, or None when it is a URL of another kind."""
    if "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    scheme = scheme.lower()
    if scheme in ("journal", "file"):
        return rest
    return None


def get_storage(storage: Any) -> BaseStorage:
    """Resolves the ``storage`` argument of ``create_study`` and friends.

    Accepted: ``None`` (a new in-memory storage), a storage object, a journal file path
    (``"study.log"``, a ``pathlib.Path``), a ``journal:///abs/path.log`` /
    ``file:///abs/path.log`` URL (``journal://relative.log`` is relative to the working
    directory), a PostgreSQL URL (``postgresql://user:password@host:5432/dbname``) or a SQLite
    URL (``sqlite:///relative.db``, ``sqlite:////absolute.db``), both opened as
    :class:`RDBStorage`, or a Redis URL (``redis://host:6379/0``), opened as
    ``JournalStorage(JournalRedisBackend(url))``. Other database URLs (``mysql://``, ...) are
    refused, naming these.
    """
    from ferrotune.storages._in_memory import InMemoryStorage
    from ferrotune.storages._rdb import RDBStorage, unsupported_url, url_kind
    from ferrotune.storages.journal._file import JournalFileBackend, JournalRedisBackend

    if storage is None:
        return InMemoryStorage()
    if isinstance(storage, BaseStorage):
        return storage
    if isinstance(storage, os.PathLike):
        storage = os.fspath(storage)
    if isinstance(storage, str):
        path = _journal_path(storage)
        scheme = storage.split("://", 1)[0].split("+", 1)[0].lower()
        if path is None and url_kind(storage) is not None:
            return RDBStorage(storage)
        if path is None and scheme in ("redis", "rediss"):
            return JournalStorage(JournalRedisBackend(storage))
        if path is None:
            what = _UNSUPPORTED.get(scheme)
            why = f"storage {_core.Storage.redact_url(storage)!r}: {what} storages are not supported" if what else unsupported_url(storage)
            raise FerrotuneValueError(
                f"{why}; use a journal file, e.g. storage='study.log', storage='journal:///path/to/study.log' or "
                "JournalStorage(JournalFileBackend('study.log')) from ferrotune.storages, "
                "a SQLite URL such as 'sqlite:///study.db', "
                "or a PostgreSQL URL such as 'postgresql://user:password@host:5432/dbname'"
            )
        if not path:
            raise FerrotuneValueError(
                f"storage {_core.Storage.redact_url(storage)!r} names no file; give a path such as 'journal:///tmp/study.log'"
            )
        return JournalStorage(JournalFileBackend(path))
    raise FerrotuneValueError(
        "storage must be None, a journal file path or URL, a SQLite or PostgreSQL URL, or a ferrotune storage object, "
        f"got {type(storage).__name__}"
    )
