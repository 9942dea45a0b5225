"""Shared fixtures: quiet logging, closed figures, captured logs, seeded studies, a shared storage, a
PostgreSQL server."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

import ferrotune
from ferrotune.samplers import RandomSampler
from ferrotune.storages import InMemoryStorage, JournalFileBackend, JournalStorage, RDBStorage


@pytest.fixture(autouse=True)
def _quiet_ferrotune_logging():
    # One INFO line per trial would drown pytest's output; test_logging.py raises the level itself.
    before = ferrotune.logging.get_verbosity()
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    yield
    ferrotune.logging.set_verbosity(before)
    ferrotune.logging.disable_propagation()


@pytest.fixture(autouse=True)
def _close_matplotlib_figures():
    # matplotlib keeps every figure a test drew until it is closed.
    yield
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")


@pytest.fixture
def logs(caplog):
    """ferrotune's WARNING records (the plots log there what they leave out)."""
    ferrotune.logging.enable_propagation()
    with caplog.at_level(logging.WARNING, logger="ferrotune"):
        yield caplog


@pytest.fixture
def storage() -> InMemoryStorage:
    return InMemoryStorage()


@pytest.fixture
def study() -> ferrotune.Study:
    """A single-objective minimizing study with a seeded random sampler."""
    return ferrotune.create_study(sampler=RandomSampler(seed=0))


# ------------------------------------------------------------------------------------------------
# PostgreSQL: a server per session, a fresh database per test

SERVER_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "postgres-test-server"
NO_SERVER = "PostgreSQL server binaries not found (apt-get install postgresql), or set FERROTUNE_TEST_POSTGRES_URL"


def _unavailable(reason: str) -> None:
    """Skip, or fail where FERROTUNE_REQUIRE_POSTGRES=1 says that a skip would hide a broken setup."""
    if os.environ.get("FERROTUNE_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"FERROTUNE_REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _psql() -> str:
    """psql, from PATH or beside the server binaries (Debian keeps them off PATH)."""
    found = shutil.which("psql") or next((str(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"))), None)
    if found is None:
        _unavailable("psql not found (apt-get install postgresql-client)")
    return found


def psql(url: str, sql: str) -> str:
    """Run sql on the database at url; its unaligned output, stripped."""
    cmd = [_psql(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-d", url, "-c", sql]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"psql {sql!r} on {url} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def with_database(url: str, name: str) -> str:
    """url pointing at database name instead (same host, user and options)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _start_server(directory: str) -> str:
    """Start scripts/postgres-test-server in directory; its URL, or a skip/fail saying why not."""
    done = subprocess.run([str(SERVER_SCRIPT), "start", directory], capture_output=True, text=True, timeout=180)
    if done.returncode == 3:  # the script's "binaries not installed"
        _unavailable(NO_SERVER)
    if done.returncode != 0:
        _unavailable(f"scripts/postgres-test-server could not start a server: {done.stderr.strip()}")
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def postgres_server():
    """Base URL of a PostgreSQL server the tests may create databases on: FERROTUNE_TEST_POSTGRES_URL,
    else a throwaway server started for this session (stopped and deleted at its end)."""
    url = os.environ.get("FERROTUNE_TEST_POSTGRES_URL")
    if url:
        psql(url, "select 1")  # an explicit URL that does not answer is an error, not a skip
        yield url
        return
    directory = tempfile.mkdtemp(prefix="ferrotune-pg-")
    try:
        yield _start_server(directory)
    finally:
        subprocess.run([str(SERVER_SCRIPT), "stop", directory], capture_output=True, timeout=120)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str):
    """URL of a new, empty database on the test server, dropped after the test."""
    name = f"ferrotune_test_{uuid.uuid4().hex[:16]}"
    psql(postgres_server, f"CREATE DATABASE {name}")
    try:
        yield with_database(postgres_server, name)
    finally:
        # FORCE: a test that leaks a connection must not leak its database too
        psql(postgres_server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# ------------------------------------------------------------------------------------------------
# Redis: a throwaway server per session, a fresh database number per test


@pytest.fixture(scope="session")
def redis_server():
    """``(host, port)`` of a redis-server started for this session, with persistence off;
    skipped when redis-server is not installed (failed where FERROTUNE_REQUIRE_REDIS=1)."""
    exe = shutil.which("redis-server")
    if exe is None:
        if os.environ.get("FERROTUNE_REQUIRE_REDIS") == "1":
            pytest.fail("FERROTUNE_REQUIRE_REDIS=1 but redis-server is not installed (apt-get install redis-server)", pytrace=False)
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    import socket

    from _util import wait_until

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    directory = tempfile.mkdtemp(prefix="ferrotune-redis-")
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--databases", "10000", "--dir", directory],
        stdout=subprocess.DEVNULL,
    )

    def listening() -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    try:
        wait_until(listening, what="redis-server listening", alive=[proc])
        yield ("127.0.0.1", port)
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(directory, ignore_errors=True)


_redis_db = iter(range(1, 10000))


@pytest.fixture
def redis_url(redis_server) -> str:
    """A Redis URL of a database number no other test of the session uses."""
    host, port = redis_server
    return f"redis://{host}:{port}/{next(_redis_db)}"


@pytest.fixture(params=["journal", "sqlite", "postgresql", "redis"])
def shared_storage_url(request, tmp_path) -> str:
    """Where a study shared by several processes lives: a journal file path, the URL of a SQLite
    file (``sqlite:////abs/path.db``), the URL of a fresh PostgreSQL database (skipped like
    ``postgres_url`` when no server can be had), or a Redis URL (a journal kept on Redis). Open
    another instance with ``open_shared``."""
    if request.param == "journal":
        return str(tmp_path / "shared.log")
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    if request.param == "redis":
        return request.getfixturevalue("redis_url")
    return request.getfixturevalue("postgres_url")


def open_shared(url: str, **kw):
    """A new storage instance on a ``shared_storage_url`` (its own connection or file handle):
    ``RDBStorage`` for a database URL, ``JournalStorage`` for a journal path or a Redis URL."""
    from ferrotune.storages.journal import JournalRedisBackend

    if url.startswith("redis://"):
        return JournalStorage(JournalRedisBackend(url), **kw)
    if "://" in url:
        return RDBStorage(url, **kw)
    return JournalStorage(JournalFileBackend(url), **kw)
