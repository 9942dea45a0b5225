"""``optuna.testing.storages`` for ferrotune: the storages Optuna's tests are parametrized over.

The modes keep Optuna's names (they are the tests' ids). Optuna builds some of them through its
private attributes (a SQLAlchemy engine, a Redis client swapped in); here each mode is built the
way a ferrotune user builds it. "cached_sqlite" is the SQLite storage itself: ferrotune has no
separate caching layer (every storage keeps a replica of the study in memory).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any

import ferrotune
from ferrotune.storages import BaseStorage
from ferrotune.storages.journal import JournalFileBackend

STORAGE_MODES: list[Any] = [
    "inmemory",
    "sqlite",
    "cached_sqlite",
    "journal",
    "journal_redis",
    "grpc_rdb",
    "grpc_journal_file",
]

STORAGE_MODES_HEARTBEAT = ["sqlite", "cached_sqlite"]


class StorageSupplier(AbstractContextManager):
    def __init__(self, storage_specifier: str, **kwargs: Any) -> None:
        self.storage_specifier = storage_specifier
        self.extra_args = kwargs
        self.tempdir: tempfile.TemporaryDirectory[str] | None = None
        self.storage: BaseStorage | None = None
        self.server: Any = None

    def _path(self, name: str) -> str:
        if self.tempdir is None:
            self.tempdir = tempfile.TemporaryDirectory(prefix="optuna-suite-")
        return f"{self.tempdir.name}/{name}"

    def __enter__(self) -> Any:
        mode = self.storage_specifier
        if mode == "inmemory":
            if self.extra_args:
                raise ValueError("InMemoryStorage does not accept any arguments!")
            self.storage = ferrotune.storages.InMemoryStorage()
        elif mode in ("sqlite", "cached_sqlite"):
            url = f"sqlite:///{self._path('study.db')}"
            self.storage = ferrotune.storages.RDBStorage(url, **self.extra_args)
        elif mode == "journal":
            file = self.extra_args.get("file")
            path = file.name if file is not None else self._path("journal.log")
            self.storage = ferrotune.storages.JournalStorage(JournalFileBackend(path))
        elif mode == "journal_redis":
            # A fresh prefix on the server scripts/optuna-suite starts (OPTUNA_SUITE_REDIS_URL).
            url = os.environ.get("OPTUNA_SUITE_REDIS_URL", "redis://localhost:6379/0")
            backend = ferrotune.storages.journal.JournalRedisBackend(url, prefix=f"suite-{uuid.uuid4().hex}:")
            self.storage = ferrotune.storages.JournalStorage(backend)
        elif mode in ("grpc_rdb", "grpc_journal_file", "grpc_proxy"):
            if mode == "grpc_rdb":
                served: Any = ferrotune.storages.RDBStorage(f"sqlite:///{self._path('study.db')}")
            elif mode == "grpc_journal_file":
                file = self.extra_args.get("file")
                path = file.name if file is not None else self._path("journal.log")
                served = ferrotune.storages.JournalStorage(JournalFileBackend(path))
            else:
                served = self.extra_args["base_storage"]
            self.server = ferrotune.storages.start_grpc_proxy_server(served, host="localhost", port=0)
            self.storage = ferrotune.storages.GrpcStorageProxy(host="localhost", port=self.server.port)
            self.storage.wait_server_ready(timeout=60)
        else:
            raise AssertionError(mode)
        return self.storage

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        self.storage = None
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.tempdir is not None:
            self.tempdir.cleanup()
            self.tempdir = None
