"""RDBStorage on a real PostgreSQL server: persistence across connections, threads, schema,
copying studies to and from it, and clear errors for bad URLs."""

from __future__ import annotations

import gc
import itertools
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import psql
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_storage_journal import run_ops_then_reload

import ferrotune
from ferrotune.distributions import FloatDistribution
from ferrotune.exceptions import FerrotuneValueError, StorageInternalError
from ferrotune.samplers import RandomSampler
from ferrotune.storages import InMemoryStorage, RDBStorage, get_storage
from ferrotune.trial import Trial, TrialState
from _util import assert_message


def _objective(t):
    x = t.suggest_float("x", -5, 5)
    n = t.suggest_int("n", 1, 4)
    c = t.suggest_categorical("c", ["a", "b", None])
    for step in range(3):
        t.report(x * step, step)
    t.set_user_attr("tag", [n, c])
    if n == 4:
        raise ferrotune.TrialPruned()
    return x * x + n


def test_trials_persist_and_reload_exactly(postgres_url):
    study = ferrotune.create_study(study_name="s", storage=postgres_url, sampler=RandomSampler(seed=1))
    study.set_user_attr("owner", "me")
    study.optimize(_objective, n_trials=40)
    study.enqueue_trial({"x": 1.0, "n": 2, "c": "a"})
    assert isinstance(study._storage, RDBStorage)
    fresh = ferrotune.load_study(study_name="s", storage=RDBStorage(postgres_url))
    assert fresh.trials == study.trials
    assert fresh.user_attrs == {"owner": "me"}
    assert fresh.best_trial == study.best_trial
    states = {t.state for t in fresh.trials}
    assert states == {TrialState.COMPLETE, TrialState.PRUNED, TrialState.WAITING}
    # The enqueued trial is claimed by the next ask, from either connection.
    t = fresh.ask()
    assert t.params == {} and t.suggest_float("x", -5, 5) == 1.0
    assert ferrotune.get_all_study_names(postgres_url) == ["s"]


def test_threads_share_one_connection(postgres_url):
    study = ferrotune.create_study(study_name="t", storage=postgres_url, sampler=RandomSampler(seed=2))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=120, n_jobs=4)
    trials = ferrotune.load_study(study_name="t", storage=postgres_url).trials
    assert [t.number for t in trials] == list(range(120))
    assert all(t.state == TrialState.COMPLETE and t.value == t.params["x"] for t in trials)


def test_schema_is_created_and_versioned(postgres_url):
    ferrotune.create_study(study_name="v", storage=postgres_url)
    assert psql(postgres_url, "SELECT value FROM ferrotune_meta WHERE key = 'schema_version'") == "1"
    tables = psql(postgres_url, "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE tablename LIKE 'ferrotune%'")
    assert tables == "ferrotune_log,ferrotune_meta"
    psql(postgres_url, "UPDATE ferrotune_meta SET value = '7' WHERE key = 'schema_version'")
    with pytest.raises(StorageInternalError) as e:
        RDBStorage(postgres_url)
    assert_message(e, "schema version 7", "upgrade ferrotune")


def test_pickled_storage_reconnects(postgres_url):
    st = RDBStorage(postgres_url, heartbeat_interval=5)
    ferrotune.create_study(study_name="p", storage=st).optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    back = pickle.loads(pickle.dumps(st))
    assert back.heartbeat_interval == 5 and back._core is not st._core
    assert len(ferrotune.load_study(study_name="p", storage=back).trials) == 3


def _fields(study):
    return [
        (t.number, t.state, t.values, t.params, t.distributions, t.intermediate_values, t.user_attrs, t.datetime_complete)
        for t in study.trials
    ]


@pytest.mark.parametrize("directions", [["minimize"], ["minimize", "maximize"]])
def test_copy_study_through_postgres(postgres_url, tmp_path, directions):
    src = InMemoryStorage()
    study = ferrotune.create_study(study_name="src", storage=src, directions=directions, sampler=RandomSampler(seed=3))
    study.set_user_attr("k", {"a": 1})
    if len(directions) == 1:
        study.optimize(_objective, n_trials=25)
    else:
        study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_int("n", 0, 3)), n_trials=25)
    study.enqueue_trial({"x": 0.5})
    ferrotune.copy_study(from_study_name="src", from_storage=src, to_storage=postgres_url, to_study_name="pg")
    journal = str(tmp_path / "copy.log")
    ferrotune.copy_study(from_study_name="pg", from_storage=postgres_url, to_storage=journal)
    for where in (postgres_url, journal):
        copy = ferrotune.load_study(study_name="pg", storage=where)
        assert copy.directions == study.directions
        assert copy.user_attrs == study.user_attrs
        assert _fields(copy) == _fields(study)


@pytest.mark.parametrize(
    "url, fragment",
    [
        ("sqlite:///x.db", "SQLite is not supported"),
        ("postgresql://db", "names no database"),
        ("postgresql://u@127.0.0.1:1/nowhere", "connecting to 127.0.0.1:1/nowhere"),
    ],
)
def test_bad_urls_say_what_to_do(url, fragment):
    with pytest.raises((FerrotuneValueError, StorageInternalError)) as e:
        get_storage(url)
    assert_message(e, fragment)


def test_password_never_shown():
    with pytest.raises(StorageInternalError) as e:
        RDBStorage("postgresql://u:hunter2@127.0.0.1:1/db")
    assert "hunter2" not in str(e.value)
    with pytest.raises(FerrotuneValueError) as e:
        RDBStorage("postgresql://u@h/db", engine_kwargs={"pool_size": 3})
    assert_message(e, "engine_kwargs", "URL")


def test_repr_hides_the_password(postgres_url):
    from ferrotune.storages._rdb import _redact

    assert repr(RDBStorage(postgres_url, heartbeat_interval=2)).startswith("RDBStorage('postgresql://")
    assert _redact("postgresql://u:pw@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert _redact("postgresql://u@h/db") == "postgresql://u@h/db"


_names = itertools.count()


class _Elsewhere:
    """Changes to the live connection's trials made through a second connection, while the live
    one may still hold parameters of that trial that wait to be sent: failing the trial (as a
    worker failing a stale trial does) or setting one of its parameters."""

    def __init__(self, url):
        self.url = url
        self.other = None

    def __call__(self, kind, study, trial, k, x):
        if self.other is None:
            self.other = ferrotune.load_study(study_name=study.study_name, storage=RDBStorage(self.url))
        # A checked write reads every record in the log (the live connection's trial included).
        self.other.set_system_attr("elsewhere", x)
        if kind == "fail_elsewhere":
            self.other.tell(trial.number, state=TrialState.FAIL)
        else:
            Trial(self.other, trial._trial_id).suggest_float(f"p{k}", -10, 10)

    def close(self):
        # Dropping the connection sends what waits in it.
        self.other = None
        gc.collect()


# Weighted towards trials that repeat their columns (their parameters wait) and changes made
# elsewhere to the trial suggested on last (before the parameters are sent).
pg_op = st.tuples(
    st.sampled_from(
        ["ask", "suggest", "suggest_wide", "report", "attr", "tell", "enqueue", "study_attr"]
        + ["ask", "ask", "suggest", "suggest", "suggest"]
        + ["fail_elsewhere", "suggest_elsewhere"] * 2
    ),
    st.integers(0, 2),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["COMPLETE", "PRUNED", "FAIL"]),
)


@pytest.mark.filterwarnings("ignore:trial .* a value was already reported:UserWarning")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(pg_op, min_size=10, max_size=40), seed=st.integers(0, 1000))
def test_reload_equals_live_state(postgres_url, ops, seed):
    # One database for every example, a new study in each: a fresh connection replays the log
    # and must rebuild exactly what the live connection holds, also when other connections
    # changed trials whose parameters the live one had not sent yet.
    run_ops_then_reload(postgres_url, f"l{next(_names)}", ops, seed, elsewhere=_Elsewhere(postgres_url))


def test_parameters_reach_other_connections_without_another_write(postgres_url):
    a = ferrotune.create_study(study_name="v", storage=RDBStorage(postgres_url))
    a.tell(a.ask({"x": FloatDistribution(0, 1)}), 1.0)  # the column exists: later values wait
    t = a.ask()
    x = t.suggest_float("x", 0, 1)
    b = ferrotune.load_study(study_name="v", storage=RDBStorage(postgres_url))
    deadline = time.monotonic() + 1.0
    while b.trials[1].params != {"x": x}:
        assert time.monotonic() < deadline, "the parameter did not reach another connection within 1 s"
        time.sleep(0.01)
    assert b.trials[1].state == TrialState.RUNNING


SUGGEST_THEN_SLEEP = textwrap.dedent(
    """
    import sys, time, ferrotune
    s = ferrotune.load_study(study_name="k", storage=sys.argv[1])
    t = s.ask()
    x, n = t.suggest_float("x", 0, 1), t.suggest_int("n", 0, 9)
    open(sys.argv[2], "w").write(repr((t.number, x, n)))
    time.sleep(60)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL")
def test_killed_worker_leaves_its_parameters(postgres_url, tmp_path):
    study = ferrotune.create_study(study_name="k", storage=postgres_url)
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("n", 0, 9), n_trials=2)
    marker = tmp_path / "suggested"
    proc = subprocess.Popen([sys.executable, "-c", SUGGEST_THEN_SLEEP, postgres_url, str(marker)])
    try:
        deadline = time.monotonic() + 30
        while not marker.exists() or not marker.read_text():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    number, x, n = eval(marker.read_text())
    t = ferrotune.load_study(study_name="k", storage=RDBStorage(postgres_url)).trials[number]
    assert t.state == TrialState.RUNNING
    assert t.params == {"x": x, "n": n}


FORKED_TRIAL = textwrap.dedent(
    """
    import os, sys, time, ferrotune
    s = ferrotune.load_study(study_name="f", storage=sys.argv[1])
    t = s.ask()
    t.suggest_float("x", 0, 1)  # waits to be sent when the child is forked
    pid = os.fork()
    if pid == 0:
        # The child uses the storage itself: its own connection, its own flusher.
        u = s.ask()
        u.suggest_float("x", 0, 1)
        s.tell(u, 2.0)
        v = s.ask()
        v.suggest_float("x", 0, 1)
        time.sleep(0.3)  # the child's own flusher sends it
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert status == 0, status
    s.tell(t, 1.0)
    """
)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="uses fork")
def test_forked_child_leaves_waiting_parameters_to_its_parent(postgres_url):
    study = ferrotune.create_study(study_name="f", storage=postgres_url)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    subprocess.run([sys.executable, "-c", FORKED_TRIAL, postgres_url], check=True, timeout=60)
    trials = ferrotune.load_study(study_name="f", storage=RDBStorage(postgres_url)).trials
    assert [t.state for t in trials] == [TrialState.COMPLETE, TrialState.COMPLETE, TrialState.COMPLETE, TrialState.RUNNING]
    assert all(set(t.params) == {"x"} for t in trials)
    assert [t.value for t in trials[:3]] == [trials[0].value, 1.0, 2.0]
    # Each parameter record reached the log once: the child did not send its parent's.
    assert psql(postgres_url, "SELECT count(*) FROM ferrotune_log WHERE get_byte(body, 0) = 6") == "4"
