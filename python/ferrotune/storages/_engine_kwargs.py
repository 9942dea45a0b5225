"""Optuna's ``RDBStorage(engine_kwargs=...)``: SQLAlchemy engine settings, read the way ferrotune
can honour them.

ferrotune opens the database from Rust, without SQLAlchemy. The connection settings users pass
through ``connect_args`` (SQLite's ``timeout``, PostgreSQL's libpq keywords) become options of
the URL, which the core reads; settings of SQLAlchemy's connection pool and engine have nothing
to configure, so they are ignored with a warning, as Optuna code expects them to be accepted.
"""

from __future__ import annotations

import warnings
from typing import Any
from urllib.parse import quote

from ferrotune.exceptions import FerrotuneValueError

# SQLite connect_args that mean nothing here: each process opens its own connection, used by
# one thread at a time under the core's lock.
_SQLITE_MOOT = {"check_same_thread", "uri"}


def apply_engine_kwargs(url: str, engine_kwargs: dict[str, Any] | None, sqlite: bool) -> str:
    """``url`` with the options ``engine_kwargs`` sets that the core understands."""
    if not engine_kwargs:
        return url
    if not isinstance(engine_kwargs, dict):
        raise FerrotuneValueError(f"engine_kwargs must be a dict, got {type(engine_kwargs).__name__}")
    options: dict[str, Any] = {}
    for key, value in engine_kwargs.items():
        if key == "connect_args":
            options.update(_connect_args(value, sqlite))
        else:
            warnings.warn(
                f"engine_kwargs[{key!r}] configures a SQLAlchemy engine; ferrotune opens the database from Rust "
                "without one, so it has no effect",
                UserWarning,
                stacklevel=3,
            )
    return _with_options(url, options)


def _connect_args(connect_args: Any, sqlite: bool) -> dict[str, Any]:
    if not isinstance(connect_args, dict):
        raise FerrotuneValueError(f"engine_kwargs['connect_args'] must be a dict, got {type(connect_args).__name__}")
    if not sqlite:
        # psycopg2 passes these to libpq as connection keywords, which a URL's query also holds.
        return dict(connect_args)
    out: dict[str, Any] = {}
    for key, value in connect_args.items():
        if key == "timeout":
            out["timeout"] = value
        elif key not in _SQLITE_MOOT:
            raise FerrotuneValueError(
                f"engine_kwargs['connect_args'][{key!r}]: ferrotune's SQLite storage takes only 'timeout' "
                "(seconds to wait for another process's lock); put other options in the URL (?synchronous=full)"
            )
    return out


def _with_options(url: str, options: dict[str, Any]) -> str:
    if not options:
        return url
    query = url.split("?", 1)[1] if "?" in url else ""
    given = {part.split("=", 1)[0] for part in query.split("&") if part}
    added = [f"{quote(str(k))}={quote(str(v))}" for k, v in options.items() if k not in given]
    if not added:
        return url
    return url + ("&" if "?" in url else "?") + "&".join(added)
