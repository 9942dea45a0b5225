"""Optuna's gRPC storage proxy: many workers share one storage through one server.

``run_grpc_proxy_server(storage, host=..., port=...)`` serves a journal file, SQLite or
PostgreSQL storage; each worker opens ``GrpcStorageProxy(host=..., port=...)`` and passes it as
``storage=``. Workers then need no database driver, credentials or shared file system, and the
database sees one client. The server and the clients are ferrotune's Rust core (tonic); the
protocol is ferrotune's own, so both sides are ferrotune (Optuna's clients cannot connect).
"""

from __future__ import annotations

import warnings
from types import TracebackType
from typing import Any

from ferrotune import _core
from ferrotune import logging as ft_logging
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.storages._in_memory import BaseStorage

_logger = ft_logging.get_logger(__name__)


def _port(port: Any) -> int:
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise FerrotuneValueError(f"port must be an int from 0 to 65535, got {port!r}")
    return port


def _host(host: Any) -> str:
    if not isinstance(host, str) or not host:
        raise FerrotuneValueError(f"host must be a non-empty str such as 'localhost', got {host!r}")
    return host


class GrpcStorageProxy(BaseStorage):
    """A storage reached through ``run_grpc_proxy_server`` at ``host:port``.

    It connects on first use, so it may be made before the server is up;
    :meth:`wait_server_ready` waits for it. ``timeout`` (seconds) bounds each call to the
    server; by default a call waits as long as the server takes. The studies are the served
    storage's: every proxy of the server, and the storage itself, see the same trials.
    """

    _where = "a gRPC storage proxy"

    def __init__(self, *, host: str = "localhost", port: int = 13000, timeout: float | None = None) -> None:
        self.host = _host(host)
        self.port = _port(port)
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0):
            raise FerrotuneValueError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
        self.timeout = None if timeout is None else float(timeout)
        self._core = _core.Storage.grpc_proxy(self.host, self.port, self.timeout)

    def wait_server_ready(self, timeout: float | None = None) -> None:
        """Blocks until the server answers; raises ``StorageInternalError`` after ``timeout``
        seconds (default: a minute) without an answer."""
        self._core.wait_server_ready(60.0 if timeout is None else float(timeout))

    def close(self) -> None:
        """Optuna's call to close the channel; the connection closes when the proxy is released."""

    def __repr__(self) -> str:
        return f"GrpcStorageProxy(host={self.host!r}, port={self.port!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # A proxy sent to another process connects again from there.
        return (_reconnect, (self.host, self.port, self.timeout))


def _reconnect(host: str, port: int, timeout: float | None) -> GrpcStorageProxy:
    return GrpcStorageProxy(host=host, port=port, timeout=timeout)


class GrpcProxyServer:
    """A proxy server running on a thread of its own (from :func:`start_grpc_proxy_server`).

    ``port`` is the port it listens on; :meth:`stop` ends it; as a context manager it stops on
    exit.
    """

    def __init__(self, server: _core.GrpcProxyServer, host: str) -> None:
        self._server = server
        self.host = host

    @property
    def port(self) -> int:
        return self._server.port

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stops serving (calls in progress finish first) and waits up to ``timeout`` seconds."""
        self._server.stop()
        self._server.wait(60.0 if timeout is None else float(timeout))

    def wait(self, timeout: float | None = None) -> bool:
        """Waits for the server to end (``timeout`` seconds at most; None: until it does).
        Returns whether it ended; raises what made it fail."""
        if timeout is not None:
            return self._server.wait(float(timeout))
        while not self._server.wait(0.5):
            pass
        return True

    def __enter__(self) -> GrpcProxyServer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def start_grpc_proxy_server(storage: Any, *, host: str = "localhost", port: int = 13000) -> GrpcProxyServer:
    """Starts serving ``storage`` (a journal file, SQLite or PostgreSQL storage, or its URL or
    path) on ``host:port`` and returns at once; ``port=0`` picks a free port
    (``server.port``). An in-memory storage is refused: no other process could share it."""
    from ferrotune.storages._journal import get_storage

    resolved = get_storage(storage)
    server = _core.GrpcProxyServer.start(resolved._core, _host(host), _port(port))
    _logger.info(f"gRPC storage proxy serving {resolved!r} on {host}:{server.port}")
    return GrpcProxyServer(server, host)


def run_grpc_proxy_server(storage: Any, *, host: str = "localhost", port: int = 13000, thread_pool: Any = None) -> None:
    """Optuna's ``run_grpc_proxy_server``: serves ``storage`` on ``host:port`` until the
    process is interrupted (Ctrl-C stops it cleanly).

    ``thread_pool`` configures the threads of Optuna's Python server; ferrotune's server runs
    in Rust and ignores it, with a warning.
    """
    if thread_pool is not None:
        warnings.warn(
            "run_grpc_proxy_server(thread_pool=...): ferrotune's server runs in Rust on its own threads; thread_pool is ignored",
            UserWarning,
            stacklevel=2,
        )
    server = start_grpc_proxy_server(storage, host=host, port=port)
    _logger.info(f"Server started at {host}:{server.port}")
    _logger.info("Listening...")
    try:
        # Short waits, so Python's signal handlers (Ctrl-C) run in between.
        while not server.wait(0.5):
            pass
    finally:
        server.stop()
