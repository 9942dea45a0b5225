"""Journal storage backends (Optuna's ``optuna.storages.journal``)."""

from ferrotune.storages._journal import JournalStorage
from ferrotune.storages.journal._base import BaseJournalBackend
from ferrotune.storages.journal._file import (
    BaseJournalFileLock,
    JournalFileBackend,
    JournalFileOpenLock,
    JournalFileSymlinkLock,
    JournalRedisBackend,
)
from ferrotune.storages.journal._repair import JournalRepairReport, repair_journal

__all__ = [
    "BaseJournalBackend",
    "BaseJournalFileLock",
    "JournalFileBackend",
    "JournalFileOpenLock",
    "JournalFileSymlinkLock",
    "JournalRedisBackend",
    "JournalRepairReport",
    "JournalStorage",
    "repair_journal",
]
