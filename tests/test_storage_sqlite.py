"""RDBStorage on SQLite files: URL forms, persistence, threads and processes writing one file,
a writer killed mid-study, clear errors for bad URLs, and Optuna's own databases refused and
left untouched. The tests shared with the other storages (grid points claimed once, killed
workers, heartbeats, forks) run on SQLite through ``shared_storage_url``."""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from _util import assert_message, wait_until

import ferrotune
from ferrotune.exceptions import FerrotuneError, FerrotuneValueError, StorageInternalError
from ferrotune.samplers import RandomSampler
from ferrotune.storages import InMemoryStorage, RDBStorage, get_storage
from ferrotune.trial import TrialState


def _url(path: Path) -> str:
    return f"sqlite:///{path}"  # an absolute path: four slashes


def _objective(t: ferrotune.Trial) -> float:
    x = t.suggest_float("x", -5, 5)
    n = t.suggest_int("n", 1, 4)
    c = t.suggest_categorical("c", ["a", "b", None])
    for step in range(3):
        t.report(x * step, step)
    t.set_user_attr("tag", [n, c])
    if n == 4:
        raise ferrotune.TrialPruned()
    return x * x + n


def _query(path: Path, sql: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute(sql).fetchall()


def test_url_forms_open_one_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    study = ferrotune.create_study(study_name="s", storage="sqlite:///runs/study.db", sampler=RandomSampler(seed=0))
    study.optimize(_objective, n_trials=5)
    assert isinstance(study._storage, RDBStorage)
    path = tmp_path / "runs" / "study.db"
    for url in (f"sqlite:///{path}", f"sqlite+pysqlite:///{path}", "sqlite:///runs/study.db?synchronous=full&timeout=10"):
        assert isinstance(get_storage(url), RDBStorage)
        assert ferrotune.get_all_study_names(url) == ["s"]
        assert len(ferrotune.load_study(study_name="s", storage=RDBStorage(url)).trials) == 5
    assert repr(RDBStorage(_url(path), heartbeat_interval=5)).startswith(f"RDBStorage('sqlite:///{path}', heartbeat_interval=5")


def test_trials_persist_and_reload_exactly(tmp_path):
    url = _url(tmp_path / "p.db")
    study = ferrotune.create_study(study_name="s", storage=url, sampler=RandomSampler(seed=1))
    study.set_user_attr("owner", "me")
    study.optimize(_objective, n_trials=40)
    study.enqueue_trial({"x": 1.0, "n": 2, "c": "a"})
    fresh = ferrotune.load_study(study_name="s", storage=RDBStorage(url))
    assert fresh.trials == study.trials
    assert fresh.user_attrs == {"owner": "me"}
    assert fresh.best_trial == study.best_trial
    assert {t.state for t in fresh.trials} == {TrialState.COMPLETE, TrialState.PRUNED, TrialState.WAITING}
    t = fresh.ask()
    assert t.params == {} and t.suggest_float("x", -5, 5) == 1.0
    # The file holds ferrotune's tables and nothing else, in write-ahead-log mode.
    tables = _query(tmp_path / "p.db", "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    assert tables == [("ferrotune_log",), ("ferrotune_meta",)]
    assert _query(tmp_path / "p.db", "SELECT value FROM ferrotune_meta WHERE key = 'schema_version'") == [("1",)]
    assert _query(tmp_path / "p.db", "PRAGMA journal_mode") == [("wal",)]


def test_threads_share_one_connection(tmp_path):
    url = _url(tmp_path / "t.db")
    study = ferrotune.create_study(study_name="t", storage=url, sampler=RandomSampler(seed=2))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=120, n_jobs=4)
    trials = ferrotune.load_study(study_name="t", storage=url).trials
    assert [t.number for t in trials] == list(range(120))
    assert all(t.state == TrialState.COMPLETE and t.value == t.params["x"] for t in trials)


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "v.db"
    ferrotune.create_study(study_name="v", storage=_url(path))
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute("UPDATE ferrotune_meta SET value = '7' WHERE key = 'schema_version'")
    with pytest.raises(StorageInternalError) as e:
        RDBStorage(_url(path))
    assert_message(e, "schema version 7", "upgrade ferrotune")


def test_pickled_storage_reopens(tmp_path):
    st = RDBStorage(_url(tmp_path / "k.db"), heartbeat_interval=5)
    ferrotune.create_study(study_name="p", storage=st).optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    back = pickle.loads(pickle.dumps(st))
    assert back.heartbeat_interval == 5 and back._core is not st._core
    assert len(ferrotune.load_study(study_name="p", storage=back).trials) == 3
    study = ferrotune.load_study(study_name="p", storage=st)
    copy = pickle.loads(pickle.dumps(study))
    copy.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)  # through its own connection
    assert len(study.trials) == 4 and study.trials == copy.trials


def test_copy_study_through_sqlite(tmp_path):
    src = InMemoryStorage()
    study = ferrotune.create_study(study_name="src", storage=src, directions=["minimize", "maximize"], sampler=RandomSampler(seed=3))
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_int("n", 0, 3)), n_trials=12)
    url, journal = _url(tmp_path / "c.db"), str(tmp_path / "c.log")
    ferrotune.copy_study(from_study_name="src", from_storage=src, to_storage=url, to_study_name="db")
    ferrotune.copy_study(from_study_name="db", from_storage=url, to_storage=journal)
    for where in (url, journal):
        copy = ferrotune.load_study(study_name="db", storage=where)
        assert copy.directions == study.directions
        assert [(t.params, t.values, t.state) for t in copy.trials] == [(t.params, t.values, t.state) for t in study.trials]


WRITER = textwrap.dedent(
    """
    import sys, ferrotune
    from ferrotune.samplers import RandomSampler
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    s = ferrotune.load_study(study_name="w", storage=sys.argv[1], sampler=RandomSampler(seed=int(sys.argv[2])))
    s.optimize(lambda t: t.suggest_float("x", 0, 1) + int(sys.argv[2]), n_trials=int(sys.argv[3]))
    """
)


def test_processes_writing_one_file_keep_every_trial_once(tmp_path):
    url = _url(tmp_path / "w.db")
    ferrotune.create_study(study_name="w", storage=url)
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, url, str(i), "60"], stderr=subprocess.PIPE) for i in range(4)]
    for pr in procs:
        _, err = pr.communicate(timeout=600)
        assert pr.returncode == 0, err.decode()
    trials = ferrotune.load_study(study_name="w", storage=url).trials
    assert [t.number for t in trials] == list(range(240))
    assert len({t._trial_id for t in trials}) == 240
    assert all(t.state == TrialState.COMPLETE for t in trials)
    # Each worker's 60 trials, each with its own value.
    assert sorted(int(t.value) for t in trials) == sorted(list(range(4)) * 60)
    assert all(t.value == t.params["x"] + int(t.value) for t in trials)


KILLED_WRITER = textwrap.dedent(
    """
    import sys, ferrotune
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    s = ferrotune.load_study(study_name="k", storage=sys.argv[1])
    log = open(sys.argv[2], "a", buffering=1)
    def told(study, trial):
        # Written once the result is committed: the test's list of what must survive.
        log.write(f"{trial.number} {trial.value!r}\\n")
    s.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1000000, callbacks=[told])
    """
)


def test_a_killed_writer_loses_nothing_committed(tmp_path):
    url, done = _url(tmp_path / "k.db"), tmp_path / "done.txt"
    ferrotune.create_study(study_name="k", storage=url)
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, url, str(done)])
    try:
        wait_until(lambda: done.exists() and done.read_text().count("\n") >= 50, what="50 committed trials", alive=[proc])
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    committed = [line.split() for line in done.read_text().splitlines()]
    trials = ferrotune.load_study(study_name="k", storage=url).trials
    assert len(trials) >= len(committed) >= 50
    for number, value in committed:
        t = trials[int(number)]
        assert t.state == TrialState.COMPLETE and repr(t.value) == value and t.params["x"] == t.value
    # At most the trial it was running is left behind, and the file takes writes.
    assert {t.state for t in trials[len(committed) :]} <= {TrialState.RUNNING, TrialState.COMPLETE}
    study = ferrotune.load_study(study_name="k", storage=url)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    assert len(ferrotune.load_study(study_name="k", storage=url).trials) == len(trials) + 3


SECRET = "s3cr3tpw"


@pytest.mark.parametrize(
    "url, fragments",
    [
        ("sqlite:///:memory:", ("in memory", "storage=None")),
        ("sqlite://", ("in memory",)),
        (f"sqlite://u:{SECRET}@host/db.db", ("three slashes", "sqlite:///relative/path.db")),
        ("sqlite:///x.db?journal_mode=wal", ("unknown option 'journal_mode'", "timeout=SECONDS")),
        ("sqlite:///x.db?timeout=soon", ("timeout must be a number of seconds",)),
        (f"mysql://u:{SECRET}@host/db", ("MySQL databases are not supported", "sqlite:///", "postgresql://")),
        (f"mariadb+pymysql://u:{SECRET}@host/db", ("MariaDB databases are not supported",)),
    ],
)
def test_bad_urls_say_what_to_do(url, fragments, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for open_ in (RDBStorage, get_storage, lambda u: ferrotune.create_study(storage=u)):
        with pytest.raises(FerrotuneValueError) as e:
            open_(url)
        assert_message(e, *fragments)
        assert SECRET not in str(e.value)
    assert os.listdir(tmp_path) == []


def test_files_that_cannot_be_a_database_are_refused_clearly(tmp_path):
    journal = tmp_path / "study.log"
    ferrotune.create_study(study_name="j", storage=str(journal))
    with pytest.raises(StorageInternalError) as e:
        RDBStorage(_url(journal))
    assert_message(e, "not a SQLite database")
    with pytest.raises(StorageInternalError) as e:
        RDBStorage(_url(tmp_path / "missing" / "x.db"))
    assert_message(e, "does its directory exist")
    with pytest.raises(FerrotuneValueError) as e:
        RDBStorage(_url(tmp_path / "x.db"), engine_kwargs={"connect_args": {"isolation_level": None}})
    assert_message(e, "isolation_level", "timeout")


def test_engine_kwargs_as_optuna_users_pass_them(tmp_path):
    # The usual Optuna setting, SQLite's lock timeout, becomes the URL's option.
    storage = RDBStorage(_url(tmp_path / "x.db"), engine_kwargs={"connect_args": {"timeout": 300, "check_same_thread": False}})
    assert storage.url.endswith("?timeout=300")
    # One given in the URL wins.
    given = RDBStorage(_url(tmp_path / "y.db") + "?timeout=7", engine_kwargs={"connect_args": {"timeout": 300}})
    assert given.url.endswith("?timeout=7")
    with pytest.warns(UserWarning, match="pool_pre_ping"):
        RDBStorage(_url(tmp_path / "z.db"), engine_kwargs={"pool_pre_ping": True})
    with pytest.raises(FerrotuneValueError) as e:
        RDBStorage(_url(tmp_path / "w.db"), engine_kwargs={"connect_args": {"timeout": "soon"}})
    assert_message(e, "timeout")


def _digest(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


def test_an_optuna_database_is_refused_and_left_byte_identical(tmp_path):
    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    path = tmp_path / "optuna.db"
    url = _url(path)
    ostudy = optuna.create_study(study_name="o", storage=url)
    ostudy.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    getattr(ostudy._storage, "_backend", ostudy._storage).engine.dispose()  # the file at rest
    before = _digest(tmp_path)
    for open_ in (
        lambda: RDBStorage(url),
        lambda: ferrotune.load_study(study_name="o", storage=url),
        lambda: ferrotune.create_study(study_name="new", storage=url),
        lambda: ferrotune.get_all_study_names(url),
    ):
        with pytest.raises(FerrotuneError) as e:
            open_()
        assert_message(e, "Optuna database", "leaves this file as it is")
    assert _digest(tmp_path) == before
    # Optuna still reads it.
    assert len(optuna.load_study(study_name="o", storage=url).trials) == 3
