"""The journal file backend and Optuna's lock classes."""

from __future__ import annotations

import os
from typing import Any

from ferrotune._deprecation import warn_deprecated
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.storages.journal._base import _CoreBackend


class BaseJournalFileLock:
    """Optuna's lock interface. ferrotune always locks the journal with an advisory file lock
    (``flock`` on Unix, ``LockFileEx`` on Windows) taken by the Rust core, so lock objects are
    accepted for compatibility and do not change how the file is locked."""

    def __init__(self, filepath: str, grace_period: int | None = 30) -> None:
        if not isinstance(filepath, (str, os.PathLike)):
            raise FerrotuneValueError(f"filepath must be a str or path, got {type(filepath).__name__}")
        if grace_period is not None and (not isinstance(grace_period, int) or grace_period <= 0):
            raise FerrotuneValueError(f"grace_period must be a positive int or None, got {grace_period!r}")
        self._lock_file = os.fspath(filepath)
        self.grace_period = grace_period

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._lock_file!r})"


class JournalFileSymlinkLock(BaseJournalFileLock):
    """Accepted for Optuna compatibility; the journal is locked with a file lock instead."""


class JournalFileOpenLock(BaseJournalFileLock):
    """Accepted for Optuna compatibility; the journal is locked with a file lock instead."""


class _StoragesJournalFileOpenLock(JournalFileOpenLock):
    """``ferrotune.storages.JournalFileOpenLock``: the lock under the path Optuna deprecated
    (since 4.0) for ``storages.journal.JournalFileOpenLock``; it warns as Optuna's does."""

    def __init__(self, filepath: str, grace_period: int | None = 30) -> None:
        warn_deprecated("storages.JournalFileOpenLock", "4.0.0", "storages.journal.JournalFileOpenLock")
        super().__init__(filepath, grace_period)


class _StoragesJournalFileSymlinkLock(JournalFileSymlinkLock):
    """``ferrotune.storages.JournalFileSymlinkLock``, deprecated there as in Optuna."""

    def __init__(self, filepath: str, grace_period: int | None = 30) -> None:
        warn_deprecated("storages.JournalFileSymlinkLock", "4.0.0", "storages.journal.JournalFileSymlinkLock")
        super().__init__(filepath, grace_period)


class JournalFileBackend(_CoreBackend):
    """An append-only journal file (Optuna's ``JournalFileBackend``).

    Args:
        file_path: The journal file; created when missing. Any number of processes, on this
            machine or on others sharing the file system, may use it at once.
        lock_obj: An Optuna lock object, accepted and not needed (see ``BaseJournalFileLock``).
        fsync: Also ``fsync`` each record before the call returns. Without it a killed process
            loses nothing it wrote; with it an OS crash or power loss does not either, at the
            cost of one disk flush per operation.
    """

    def __init__(self, file_path: str | os.PathLike[str], lock_obj: Any = None, *, fsync: bool = False) -> None:
        if not isinstance(file_path, (str, os.PathLike)):
            raise FerrotuneValueError(f"file_path must be a str or os.PathLike, got {type(file_path).__name__}")
        path = os.fspath(file_path)
        if not isinstance(path, str) or not path:
            raise FerrotuneValueError("file_path must be a non-empty path such as 'study.log'")
        if lock_obj is not None and not isinstance(lock_obj, BaseJournalFileLock):
            raise FerrotuneValueError(
                f"lock_obj must be None or a JournalFileOpenLock/JournalFileSymlinkLock, got {type(lock_obj).__name__}"
            )
        if not isinstance(fsync, bool):
            raise FerrotuneValueError(f"fsync must be True or False, got {fsync!r}")
        self._file_path = path
        self._lock_obj = lock_obj
        self._fsync = fsync

    @property
    def file_path(self) -> str:
        return self._file_path

    def __repr__(self) -> str:
        return f"JournalFileBackend({self._file_path!r})"


class JournalFileStorage(JournalFileBackend):
    """Optuna's older name of :class:`JournalFileBackend` (deprecated there since 4.0)."""

    def __init__(self, file_path: str | os.PathLike[str], lock_obj: Any = None, *, fsync: bool = False) -> None:
        warn_deprecated("JournalFileStorage", "4.0.0", "JournalFileBackend")
        super().__init__(file_path, lock_obj, fsync=fsync)


class JournalRedisBackend(_CoreBackend):
    """The journal on a Redis server (Optuna's ``JournalRedisBackend``):
    ``JournalStorage(JournalRedisBackend("redis://localhost:6379/0"))``.

    Every process that reaches the server shares the studies. The log is a Redis list under
    ``<prefix>ferrotune:log``, appended by atomic Lua scripts; ``prefix`` keeps several logs
    apart on one server. Durability is the server's (``appendonly yes`` keeps records across a
    server crash). See docs/storage.md.

    Args:
        url: ``redis://[[user]:password@]host[:port][/db]``.
        use_cluster: Redis Cluster is not supported (the log and its lease are two keys that
            must live on one node); ``True`` raises ``FerrotuneValueError``.
        prefix: Put before ferrotune's key names.
    """

    def __init__(self, url: str, use_cluster: bool = False, prefix: str = "") -> None:
        if not isinstance(url, str) or url.split("://", 1)[0].lower() not in ("redis", "rediss", "unix", "redis+unix"):
            raise FerrotuneValueError(f"url must be a Redis URL such as 'redis://localhost:6379/0', got {url!r}")
        if use_cluster:
            raise FerrotuneValueError(
                "use_cluster=True: Redis Cluster is not supported (the log and its lease must live on one node); "
                "give the URL of a single server (it may have replicas)"
            )
        if not isinstance(prefix, str):
            raise FerrotuneValueError(f"prefix must be a str, got {type(prefix).__name__}")
        self._url = url
        self._prefix = prefix
        self._use_cluster = use_cluster

    def __repr__(self) -> str:
        from ferrotune import _core

        return f"{type(self).__name__}({_core.Storage.redact_url(self._url)!r}, prefix={self._prefix!r})"


class JournalRedisStorage(JournalRedisBackend):
    """Optuna's older name of :class:`JournalRedisBackend` (deprecated there since 4.0)."""

    def __init__(self, url: str, use_cluster: bool = False, prefix: str = "") -> None:
        warn_deprecated("JournalRedisStorage", "4.0.0", "JournalRedisBackend")
        super().__init__(url, use_cluster, prefix)
