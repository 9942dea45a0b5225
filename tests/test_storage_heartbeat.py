"""Heartbeats on the shared storages (journal file, SQLite, PostgreSQL): trials of killed workers are
failed after the grace period, once, and optionally retried."""

from __future__ import annotations

import math
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import pytest
from _util import wait_until
from conftest import open_shared

import ferrotune
from ferrotune.exceptions import ExperimentalWarning, FerrotuneValueError
from ferrotune.storages import (
    BaseHeartbeat,
    InMemoryStorage,
    JournalFileBackend,
    JournalStorage,
    RetryFailedTrialCallback,
    RetryHeartbeatStaleTrialCallback,
    fail_stale_trials,
)
from ferrotune.trial import TrialState

INTERVAL, GRACE = 0.1, 0.4


def _storage(path, callback=None, **kw):
    kw.setdefault("heartbeat_interval", INTERVAL)
    kw.setdefault("grace_period", GRACE)
    return open_shared(str(path), heartbeat_stale_trial_callback=callback, **kw)


# Worker scripts open either kind of shared storage from their first argument.
OPEN_STORAGE = """
from ferrotune.storages import JournalStorage, JournalFileBackend, RDBStorage
from ferrotune.storages.journal import JournalRedisBackend
def open_storage(where, **kw):
    if where.startswith("redis://"):
        return JournalStorage(JournalRedisBackend(where), **kw)
    if "://" in where:
        return RDBStorage(where, **kw)
    return JournalStorage(JournalFileBackend(where), **kw)
"""


def _stale_trial(study, steps=()):
    """A RUNNING trial with one heartbeat and no worker behind it."""
    t = study.ask()
    t.suggest_float("x", 0, 1)
    for s in steps:
        t.report(float(s), s)
    study._storage.record_heartbeat(t._trial_id)
    return t


KILLED_WORKER = OPEN_STORAGE + textwrap.dedent(
    """
    import sys, time, ferrotune
    st = open_storage(sys.argv[1], heartbeat_interval=%r, grace_period=%r)
    s = ferrotune.load_study(study_name="s", storage=st)
    def obj(t):
        t.suggest_float("x", 0, 1)
        t.suggest_int("n", 1, 9)
        open(sys.argv[2], "w").write("started")
        time.sleep(600)  # killed by the test
    s.optimize(obj, n_trials=1)
    """
    % (INTERVAL, GRACE)
)


@pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL")
def test_killed_worker_trial_is_failed_and_retried(tmp_path, shared_storage_url):
    p, marker = shared_storage_url, tmp_path / "started"
    st = _storage(p, RetryFailedTrialCallback(max_retry=2))
    study = ferrotune.create_study(storage=st, study_name="s")
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WORKER, str(p), str(marker)])
    try:
        wait_until(marker.exists, what="the worker to start its trial", alive=[proc])
        wait_until(
            lambda: study.trials and st._core.last_heartbeat(study.trials[0]._trial_id) is not None,
            what="the worker's first heartbeat",
            alive=[proc],
        )
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    [t0] = study.trials
    assert t0.state == TrialState.RUNNING
    # Not stale within the grace period. A long one here: a loaded machine may take a while
    # to get from the kill to this check, and the trial's last heartbeat must still count.
    patient = ferrotune.load_study(study_name="s", storage=_storage(p, grace_period=600))
    fail_stale_trials(patient)
    assert patient.trials[0].state == TrialState.RUNNING
    # With this study's short grace period the dead worker's trial becomes stale.
    wait_until(lambda: st._get_stale_trial_ids(study._study_id) == [t0._trial_id], what="the dead worker's trial to become stale")
    seen = []
    study.optimize(lambda t: seen.append((t.suggest_float("x", 0, 1), t.suggest_int("n", 1, 9))) or 1.0, n_trials=1)
    t0, t1 = study.trials
    assert t0.state == TrialState.FAIL
    assert t1.state == TrialState.COMPLETE
    assert seen == [(t0.params["x"], t0.params["n"])] and t1.params == t0.params
    assert RetryFailedTrialCallback.retried_trial_number(t1) == 0
    assert RetryFailedTrialCallback.retry_history(t1) == [0]
    assert RetryFailedTrialCallback.retried_trial_number(t0) is None
    assert RetryFailedTrialCallback.retry_history(t0) == []


CONCURRENT_FAILER = OPEN_STORAGE + textwrap.dedent(
    """
    import os, sys, time, ferrotune
    from ferrotune.storages import fail_stale_trials
    out = open(sys.argv[2], "w")
    def cb(study, trial):
        out.write(f"{trial.number}\\n")
    st = open_storage(sys.argv[1], heartbeat_interval=0.1, grace_period=0.2, failed_trial_callback=cb)
    s = ferrotune.load_study(study_name="s", storage=st)
    open(sys.argv[2] + ".ready", "w").close()
    # Both processes start failing at the same moment: when the test creates the "go" file.
    deadline = time.monotonic() + 600
    while not os.path.exists(sys.argv[3]):
        assert time.monotonic() < deadline, "no go from the test"
        time.sleep(0.001)
    for _ in range(20):
        fail_stale_trials(s)
    out.close()
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="uses processes started at one moment")
def test_two_processes_fail_each_stale_trial_once(tmp_path, shared_storage_url):
    p = shared_storage_url
    study = ferrotune.create_study(storage=_storage(p, grace_period=0.2), study_name="s")
    for _ in range(30):
        _stale_trial(study)
    alive = study.ask()  # no heartbeat: never judged stale
    wait_until(lambda: len(study._storage._get_stale_trial_ids(study._study_id)) == 30, what="the 30 trials to become stale")
    outs = [tmp_path / f"out{i}" for i in range(2)]
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT_FAILER, str(p), str(o), str(go)]) for o in outs]
    try:
        wait_until(lambda: all(os.path.exists(f"{o}.ready") for o in outs), what="both processes to load the study", alive=procs)
        go.touch()
        for pr in procs:
            assert pr.wait(600) == 0
    finally:
        for pr in procs:
            pr.kill()
            pr.wait()
    numbers = [int(x) for o in outs for x in o.read_text().split()]
    assert sorted(numbers) == list(range(30))
    # A fresh instance: on PostgreSQL, this one may see the other processes' last records only
    # within a second (docs/storage.md, "Writing and reading"), and the processes may finish sooner.
    states = [t.state for t in ferrotune.load_study(study_name="s", storage=_storage(p)).trials]
    assert states == [TrialState.FAIL] * 30 + [TrialState.RUNNING]
    assert alive.number == 30


def test_heartbeats_replay(tmp_path):
    p = tmp_path / "r.log"
    st = _storage(p)
    study = ferrotune.create_study(storage=st, study_name="s")
    running = _stale_trial(study)
    done = _stale_trial(study)
    study.tell(done, 1.0)
    fresh = _storage(p)
    assert fresh._core.last_heartbeat(running._trial_id) == st._core.last_heartbeat(running._trial_id) is not None
    assert fresh._core.last_heartbeat(done._trial_id) is None
    loaded = ferrotune.load_study(study_name="s", storage=fresh)
    assert [(t.state, t.params) for t in loaded.trials] == [(t.state, t.params) for t in study.trials]
    time.sleep(GRACE + 0.05)  # at least the grace period passes: a lower bound, right on any machine
    assert fresh._get_stale_trial_ids(loaded._study_id) == [running._trial_id]
    fail_stale_trials(loaded)
    assert study.trials[0].state == TrialState.FAIL
    assert [t.state for t in ferrotune.load_study(study_name="s", storage=_storage(p)).trials] == [
        TrialState.FAIL,
        TrialState.COMPLETE,
    ]


def test_trials_that_run_longer_than_grace_are_not_failed(tmp_path):
    # Heartbeats keep long trials alive while other workers check for stale trials. The grace
    # period is ten heartbeat intervals, so a heartbeat thread that a loaded machine delays by
    # most of a second still keeps its trial; each trial outlasts the grace period.
    grace = 1.0
    study = ferrotune.create_study(storage=_storage(tmp_path / "l.log", grace_period=grace), study_name="s")
    study.optimize(lambda t: time.sleep(1.5 * grace) or t.suggest_float("x", 0, 1), n_trials=4, n_jobs=2)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 4
    fail_stale_trials(study)
    assert all(study._storage._core.last_heartbeat(t._trial_id) is None for t in study.trials)


def test_retry_limits_history_and_intermediate_values(tmp_path):
    cb = RetryHeartbeatStaleTrialCallback(max_retry=2, inherit_intermediate_values=True)
    study = ferrotune.create_study(storage=_storage(tmp_path / "m.log", cb, grace_period=0.05), study_name="s")
    first = _stale_trial(study, steps=(0, 1))
    for expected_history in ([0], [0, 1]):
        time.sleep(0.1)  # past the grace period (a lower bound, right on any machine)
        fail_stale_trials(study)
        waiting = study.trials[-1]
        assert waiting.state == TrialState.WAITING
        assert cb.retry_history(waiting) == expected_history
        assert cb.retried_trial_number(waiting) == 0
        assert waiting.intermediate_values == {0: 0.0, 1: 1.0}
        retry = study.ask()
        assert retry.number == waiting.number and retry.params == first.params
        study._storage.record_heartbeat(retry._trial_id)
    time.sleep(0.1)  # past the grace period
    n = len(study.trials)
    fail_stale_trials(study)  # a third retry exceeds max_retry
    assert len(study.trials) == n and study.trials[-1].state == TrialState.FAIL


def test_storage_api():
    st = InMemoryStorage()
    assert not isinstance(st, BaseHeartbeat)
    with pytest.raises(TypeError):
        InMemoryStorage(heartbeat_interval=1)  # type: ignore[call-arg]
    study = ferrotune.create_study()
    study.ask()
    fail_stale_trials(study)  # no heartbeats: nothing to do
    assert study.trials[0].state == TrialState.RUNNING


def test_heartbeats_warn_as_optunas_do(tmp_path):
    # heartbeat_interval is experimental in Optuna (warned once, by the storage), and a trial
    # asked outside optimize records no heartbeat by itself (a UserWarning)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        st = _storage(tmp_path / "w.log", None, heartbeat_interval=1, grace_period=None)
        study = ferrotune.create_study(storage=st)
        study.optimize(lambda t: 1.0, n_trials=1)
    experimental = [str(w.message) for w in record if issubclass(w.category, ExperimentalWarning)]
    assert len(experimental) == 1 and "``heartbeat_interval``" in experimental[0]
    with pytest.warns(UserWarning, match="supposed to be used with Study.optimize"):
        study.ask()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain = ferrotune.create_study(storage=JournalStorage(JournalFileBackend(str(tmp_path / "p.log"))))
        plain.ask()


def test_journal_without_heartbeat_does_nothing(tmp_path):
    st = JournalStorage(JournalFileBackend(str(tmp_path / "n.log")))
    assert st.get_heartbeat_interval() is None and st.get_failed_trial_callback() is None
    study = ferrotune.create_study(storage=st)
    study.optimize(lambda t: 1.0, n_trials=1)
    assert st._core.last_heartbeat(study.trials[0]._trial_id) is None


def test_defaults_and_pickle(tmp_path):
    cb = RetryFailedTrialCallback()
    st = _storage(tmp_path / "d.log", cb, heartbeat_interval=1, grace_period=None)
    assert st.get_heartbeat_interval() == 1.0 and st._grace() == 2.0
    assert st.get_heartbeat_stale_trial_callback() is cb and st.get_failed_trial_callback() is cb
    back = pickle.loads(pickle.dumps(st))
    assert back.get_heartbeat_interval() == 1.0 and back.grace_period is None
    assert isinstance(back.get_heartbeat_stale_trial_callback(), RetryFailedTrialCallback)


@pytest.mark.parametrize(
    "kw, name",
    [
        ({"heartbeat_interval": -1}, "heartbeat_interval"),
        ({"heartbeat_interval": 0}, "heartbeat_interval"),
        ({"heartbeat_interval": math.nan}, "heartbeat_interval"),
        ({"heartbeat_interval": True}, "heartbeat_interval"),
        ({"heartbeat_interval": "1"}, "heartbeat_interval"),
        ({"heartbeat_interval": 1, "grace_period": -2}, "grace_period"),
        ({"heartbeat_interval": 1, "grace_period": math.inf}, "grace_period"),
        ({"grace_period": 2}, "grace_period"),
        ({"heartbeat_stale_trial_callback": print}, "heartbeat_stale_trial_callback"),
        ({"failed_trial_callback": print}, "failed_trial_callback"),
        ({"heartbeat_interval": 1, "failed_trial_callback": 3}, "failed_trial_callback"),
        ({"heartbeat_interval": 1, "failed_trial_callback": print, "heartbeat_stale_trial_callback": print}, "failed_trial_callback"),
    ],
)
def test_bad_arguments(tmp_path, kw, name):
    with pytest.raises(FerrotuneValueError, match=name):
        JournalStorage(JournalFileBackend(str(tmp_path / "b.log")), **kw)
    assert not os.path.exists(tmp_path / "b.log")


@pytest.mark.parametrize("max_retry", [-1, 1.5, True])
def test_bad_max_retry(max_retry):
    with pytest.raises(FerrotuneValueError, match="max_retry"):
        RetryHeartbeatStaleTrialCallback(max_retry=max_retry)


def test_core_rejects_bad_grace(tmp_path):
    st = _storage(tmp_path / "g.log")
    study = ferrotune.create_study(storage=st)
    with pytest.raises(FerrotuneValueError, match="grace_period"):
        st._core.fail_stale_trials(study._study_id, -1.0)
