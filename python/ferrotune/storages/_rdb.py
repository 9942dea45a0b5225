"""``RDBStorage``: studies in a PostgreSQL or SQLite database, written by the Rust core."""

from __future__ import annotations

from typing import Any

from ferrotune import _core
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.storages._engine_kwargs import apply_engine_kwargs
from ferrotune.storages._heartbeat import StaleTrialCallback
from ferrotune.storages._shared import SharedStorage

_URL_FORMS = "postgresql://user:password@host:5432/dbname or sqlite:///path/to/study.db"

#: Database kinds Optuna's RDBStorage reaches through SQLAlchemy that ferrotune does not.
_UNSUPPORTED = {"mysql": "MySQL", "mariadb": "MariaDB", "oracle": "Oracle", "mssql": "SQL Server"}


def url_kind(url: str) -> str | None:
    """``"postgresql"`` or ``"sqlite"`` for a URL ``RDBStorage`` opens, else None."""
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower() if "://" in url else ""
    if scheme in ("postgresql", "postgres"):
        return "postgresql"
    if scheme == "sqlite":
        return "sqlite"
    return None


def unsupported_url(url: str) -> str:
    """Why ``url`` cannot be opened, naming what can (without its password)."""
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower() if "://" in url else ""
    what = _UNSUPPORTED.get(scheme)
    kind = f"{what} databases are" if what else f"URLs with scheme {scheme!r} are"
    return f"url {_redact(url)!r}: {kind} not supported; ferrotune's RDBStorage opens {_URL_FORMS}"


def _check_url(url: Any) -> str:
    if not isinstance(url, str):
        raise FerrotuneValueError(f"url must be a string such as {_URL_FORMS}, got {type(url).__name__}")
    if url_kind(url) is None:
        raise FerrotuneValueError(unsupported_url(url))
    return url


def _redact(url: str) -> str:
    """The URL with its password replaced, for reprs and messages. The core reads where the
    password ends (at the last ``@``), as it does when it connects."""
    return _core.Storage.redact_url(url)


class RDBStorage(SharedStorage):
    """Optuna's ``RDBStorage``: ``RDBStorage("postgresql://user:pw@host/db")`` or
    ``RDBStorage("sqlite:///study.db")``.

    Every process that opens the same database shares its studies: a PostgreSQL database from
    any machine, a SQLite file from the processes of one machine (``sqlite:///relative.db``,
    ``sqlite:////absolute.db``; ``?synchronous=full`` waits for the disk on every commit,
    ``?timeout=SECONDS`` bounds the wait for another process's lock). ferrotune opens the
    database from Rust, creates its tables (``ferrotune_*``) on first use and checks their schema
    version; a trial is never lost or duplicated and each grid point or enqueued trial is claimed
    by exactly one worker. The tables hold ferrotune's operation log, not Optuna's schema: read
    the studies through ferrotune (``load_study``, ``copy_study``); a database Optuna created is
    refused and left untouched. See docs/storage.md.

    ``engine_kwargs`` and ``skip_compatibility_check`` exist for Optuna compatibility. There is
    no SQLAlchemy engine: ``connect_args`` become URL options (SQLite's ``timeout``, PostgreSQL's
    libpq keywords such as ``connect_timeout`` or ``sslmode``); engine and pool settings are
    ignored with a warning. Heartbeat arguments work as on :class:`JournalStorage`.
    """

    _where = "RDB"

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
        sqlite = url_kind(self.url) == "sqlite"
        self.url = apply_engine_kwargs(self.url, engine_kwargs, sqlite)
        self._init_heartbeats(heartbeat_interval, grace_period, heartbeat_stale_trial_callback, failed_trial_callback)
        self._core = _core.Storage.sqlite(self.url) if sqlite else _core.Storage.postgres(self.url)
        self._emit_warnings()

    def __repr__(self) -> str:
        return f"RDBStorage({_redact(self.url)!r}{self._heartbeat_repr()})"

    def __reduce__(self) -> tuple[Any, ...]:
        # A pickled storage (e.g. sent to a multiprocessing worker) connects again.
        return (_reopen, (self.url, self.heartbeat_interval, self.grace_period, self.heartbeat_stale_trial_callback))


def _reopen(url: str, interval: float | None, grace: float | None, callback: StaleTrialCallback | None) -> RDBStorage:
    return RDBStorage(url, heartbeat_interval=interval, grace_period=grace, heartbeat_stale_trial_callback=callback)
