"""``RDBStorage``: studies in a PostgreSQL database, written by the Rust core."""

from __future__ import annotations

from typing import Any

from ferrotune import _core
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.storages._heartbeat import StaleTrialCallback
from ferrotune.storages._shared import SharedStorage

_SQLITE_HINT = (
    "SQLite is not supported: for a study in a local file use the journal storage "
    "(storage='study.log' or JournalStorage(JournalFileBackend('study.log'))), which several "
    "processes can share; for workers on several machines use a PostgreSQL URL "
    "(postgresql://user:password@host:5432/dbname)"
)


def _check_url(url: Any) -> str:
    if not isinstance(url, str):
        raise FerrotuneValueError(f"url must be a string such as 'postgresql://user:password@host:5432/dbname', got {type(url).__name__}")
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower() if "://" in url else ""
    if scheme == "sqlite":
        raise FerrotuneValueError(f"storage {_redact(url)!r}: {_SQLITE_HINT}")
    if scheme not in ("postgresql", "postgres"):
        raise FerrotuneValueError(
            f"url {_redact(url)!r}: RDBStorage supports PostgreSQL only; write postgresql://user:password@host:5432/dbname"
        )
    return url


def _redact(url: str) -> str:
    """The URL with its password replaced, for reprs and messages. The core reads where the
    password ends (at the last ``@``), as it does when it connects."""
    return _core.Storage.redact_url(url)


class RDBStorage(SharedStorage):
    """Optuna's ``RDBStorage`` for PostgreSQL: ``RDBStorage("postgresql://user:pw@host/db")``.

    Every process (on any machine) that opens the same database shares its studies. ferrotune
    connects from Rust, creates its tables (``ferrotune_*``) on first use and checks their schema
    version; a trial is never lost or duplicated and each grid point or enqueued trial is claimed
    by exactly one worker. The tables hold ferrotune's operation log, not Optuna's schema: read
    the studies through ferrotune (``load_study``, ``copy_study``). SQLite URLs are rejected in
    favour of the journal file. See docs/storage.md.

    ``engine_kwargs`` and ``skip_compatibility_check`` exist for Optuna compatibility: there is
    no SQLAlchemy engine to configure, so ``engine_kwargs`` must be empty. Heartbeat arguments
    work as on :class:`JournalStorage`.
    """

    _where = "PostgreSQL"

    def __init__(
        self,
        url: str,
        engine_kwargs: dict[str, Any] | None = None,
        skip_compatibility_check: bool = False,
        *,
        heartbeat_interval: float | None = None,
        grace_period: float | None = None,
        heartbeat_stale_trial_callback: StaleTrialCallback | None = None,
        failed_trial_callback: StaleTrialCallback | None = None,
        skip_table_creation: bool = False,
    ) -> None:
        self.url = _check_url(url)
        if engine_kwargs:
            raise FerrotuneValueError(
                f"engine_kwargs={engine_kwargs!r}: ferrotune connects to PostgreSQL from Rust without SQLAlchemy; "
                "put connection options in the URL (e.g. ?connect_timeout=5) and drop engine_kwargs"
            )
        self._init_heartbeats(heartbeat_interval, grace_period, heartbeat_stale_trial_callback, failed_trial_callback)
        self._core = _core.Storage.postgres(self.url)
        self._emit_warnings()

    def __repr__(self) -> str:
        return f"RDBStorage({_redact(self.url)!r}{self._heartbeat_repr()})"

    def __reduce__(self) -> tuple[Any, ...]:
        # A pickled storage (e.g. sent to a multiprocessing worker) connects again.
        return (_reopen, (self.url, self.heartbeat_interval, self.grace_period, self.heartbeat_stale_trial_callback))


def _reopen(url: str, interval: float | None, grace: float | None, callback: StaleTrialCallback | None) -> RDBStorage:
    return RDBStorage(url, heartbeat_interval=interval, grace_period=grace, heartbeat_stale_trial_callback=callback)
