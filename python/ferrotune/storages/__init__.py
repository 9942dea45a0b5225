"""Storages: where studies and trials live."""

from ferrotune.storages._callbacks import RetryFailedTrialCallback, RetryHeartbeatStaleTrialCallback
from ferrotune.storages._grpc import GrpcProxyServer, GrpcStorageProxy, run_grpc_proxy_server, start_grpc_proxy_server
from ferrotune.storages._heartbeat import BaseHeartbeat, fail_stale_trials
from ferrotune.storages._in_memory import BaseStorage, InMemoryStorage
from ferrotune.storages._journal import JournalStorage, get_storage
from ferrotune.storages._rdb import RDBStorage
from ferrotune.storages.journal import JournalFileBackend
from ferrotune.storages.journal._base import BaseJournalLogStorage
from ferrotune.storages.journal._file import JournalFileStorage, JournalRedisStorage
from ferrotune.storages.journal._file import _StoragesJournalFileOpenLock as JournalFileOpenLock
from ferrotune.storages.journal._file import _StoragesJournalFileSymlinkLock as JournalFileSymlinkLock

__all__ = [
    "BaseHeartbeat",
    "BaseJournalLogStorage",
    "BaseStorage",
    "GrpcProxyServer",
    "GrpcStorageProxy",
    "InMemoryStorage",
    "JournalFileBackend",
    "JournalFileOpenLock",
    "JournalFileStorage",
    "JournalFileSymlinkLock",
    "JournalRedisStorage",
    "JournalStorage",
    "RDBStorage",
    "RetryFailedTrialCallback",
    "RetryHeartbeatStaleTrialCallback",
    "fail_stale_trials",
    "get_storage",
    "run_grpc_proxy_server",
    "start_grpc_proxy_server",
]
