"""Storages: where studies and trials live."""

from ferrotune.storages._in_memory import BaseStorage, InMemoryStorage
from ferrotune.storages._journal import JournalStorage, get_storage
from ferrotune.storages.journal import (
    JournalFileBackend,
    JournalFileOpenLock,
    JournalFileSymlinkLock,
)

#: Optuna's older name of ``JournalFileBackend``.
JournalFileStorage = JournalFileBackend

__all__ = [
    "BaseStorage",
    "InMemoryStorage",
    "JournalFileBackend",
    "JournalFileOpenLock",
    "JournalFileStorage",
    "JournalFileSymlinkLock",
    "JournalStorage",
    "get_storage",
]
