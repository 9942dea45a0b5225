"""The shared storages (journal file, SQLite, PostgreSQL) under several processes: 8 workers on one
study, workers killed with SIGKILL at random moments, and parameters that wait to be written
(a killed or forked worker, another instance reading them)."""

from __future__ import annotations

import contextlib
import functools
import os
import random
import signal
import sqlite3
import struct
import subprocess
import sys
import textwrap
import time
import warnings

import pytest
from _util import wait_until
from conftest import open_shared, psql

import ferrotune
from ferrotune.distributions import FloatDistribution
from ferrotune.trial import TrialState

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL")

GRID_X, GRID_Y = 50, 40  # 2,000 grid points

GRID_WORKER = textwrap.dedent(
    """
    import sys, ferrotune
    from ferrotune.samplers import GridSampler
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    space = {"x": list(range(%d)), "y": list(range(%d))}
    s = ferrotune.load_study(study_name="grid", storage=sys.argv[1], sampler=GridSampler(space, seed=int(sys.argv[2])))
    s.optimize(lambda t: t.suggest_int("x", 0, 1000) * 1000 + t.suggest_int("y", 0, 1000), n_trials=None)
    """
    % (GRID_X, GRID_Y)
)


def test_eight_workers_visit_each_grid_point_once(shared_storage_url):
    p = shared_storage_url
    ferrotune.create_study(storage=p, study_name="grid")
    procs = [subprocess.Popen([sys.executable, "-c", GRID_WORKER, p, str(i)], stderr=subprocess.PIPE) for i in range(8)]
    for pr in procs:
        _, err = pr.communicate(timeout=600)
        assert pr.returncode == 0, err.decode()
    trials = ferrotune.load_study(study_name="grid", storage=p).trials
    assert [t.number for t in trials] == list(range(GRID_X * GRID_Y))
    assert {t.state for t in trials} == {TrialState.COMPLETE}
    points = sorted((t.params["x"], t.params["y"]) for t in trials)
    assert points == [(x, y) for x in range(GRID_X) for y in range(GRID_Y)]
    assert all(t.value == t.params["x"] * 1000 + t.params["y"] for t in trials)
    assert len({t._trial_id for t in trials}) == len(trials)


CHURN_WORKER = textwrap.dedent(
    """
    import os, sys, time, ferrotune
    from ferrotune.samplers import RandomSampler
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    s = ferrotune.load_study(study_name="k", storage=sys.argv[1], sampler=RandomSampler(seed=int(sys.argv[2])))
    def mark(path):
        if not os.path.exists(path):
            open(path, "w").close()
    def f(t):
        mark(sys.argv[3] + ".running")  # tells the test that this worker has connected and asked
        x = t.suggest_float("x", -1, 1)
        n = t.suggest_int("n", 0, 9)
        for step in range(3):
            t.report(x + step, step)
            time.sleep(0.0005)
        # A large record makes a kill inside a write more likely.
        t.set_user_attr("check", [x, n, "#" * (n * 20000)])
        return x * 10 + n
    # Tells the test that a trial of this worker is complete in the storage.
    s.optimize(f, n_trials=100000, callbacks=[lambda study, trial: mark(sys.argv[3] + ".complete")])
    """
)

ROUNDS = 8


def _round_running(markers: list[str]) -> bool:
    """Every worker of a round has asked a trial, and one of them has completed one."""
    return all(os.path.exists(m + ".running") for m in markers) and any(os.path.exists(m + ".complete") for m in markers)


def test_killed_workers_never_damage_completed_trials(shared_storage_url, tmp_path):
    p = shared_storage_url
    ferrotune.create_study(storage=p, study_name="k")
    rng = random.Random(0)
    seed = 0
    # Rounds of 3 workers, each killed with SIGKILL once all of them run trials and one of them
    # has completed a trial: the kills land in the middle of the run (often inside a write).
    for round_ in range(ROUNDS):
        procs, markers = [], []
        for _ in range(3):
            seed += 1
            markers.append(str(tmp_path / f"worker-{seed}"))
            with open(tmp_path / f"stderr-{seed}", "w") as err:
                procs.append(subprocess.Popen([sys.executable, "-c", CHURN_WORKER, p, str(seed), markers[-1]], stderr=err))
        try:
            wait_until(
                functools.partial(_round_running, markers),
                what=f"the workers of round {round_} to run and one of them to complete a trial",
                alive=procs,
            )
            for pr in procs:
                time.sleep(rng.uniform(0.0, 0.1))  # a random moment of the run, not a wait for an event
                os.kill(pr.pid, signal.SIGKILL)
        finally:
            for pr in procs:
                pr.kill()
                pr.wait()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a kill inside a journal write leaves a torn tail, reported
        s = ferrotune.load_study(study_name="k", storage=p)
        trials = s.trials
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    assert len(complete) >= ROUNDS  # each round's first completed trial, at least
    assert [t.number for t in trials] == list(range(len(trials)))
    for t in complete:
        x, n = t.params["x"], t.params["n"]
        assert t.value == x * 10 + n
        assert t.intermediate_values == {0: x, 1: x + 1, 2: x + 2}
        assert t.user_attrs == {"check": [x, n, "#" * (n * 20000)]}
        assert t.datetime_complete is not None
    # Killed workers leave RUNNING trials behind; nothing else is in an odd state.
    assert {t.state for t in trials} <= {TrialState.COMPLETE, TrialState.RUNNING}
    # The journal still takes writes, and a fresh replay equals the live state.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s.optimize(lambda t: t.suggest_float("x", -1, 1) * 10 + t.suggest_int("n", 0, 9), n_trials=5)
    fresh = ferrotune.load_study(study_name="k", storage=p)
    assert fresh.trials == s.trials
    assert fresh.trials[: len(trials)] == trials


BUDGET_WORKER = textwrap.dedent(
    """
    import sys, ferrotune
    from ferrotune.study import MaxTrialsCallback
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    s = ferrotune.create_study(study_name="b", storage=sys.argv[1], load_if_exists=True)
    s.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=None, callbacks=[MaxTrialsCallback(60)])
    """
)


def test_workers_share_one_budget(shared_storage_url):
    # The documented recipe: the same script started several times, one study budget for all.
    procs = [subprocess.Popen([sys.executable, "-c", BUDGET_WORKER, shared_storage_url], stderr=subprocess.PIPE) for _ in range(3)]
    for pr in procs:
        _, err = pr.communicate(timeout=600)
        assert pr.returncode == 0, err.decode()
    trials = ferrotune.load_study(study_name="b", storage=shared_storage_url).trials
    assert 60 <= len(trials) <= 62  # each worker finishes the trial it is running
    assert {t.state for t in trials} == {TrialState.COMPLETE}


def _open(url):
    """A new storage instance on url (its own connection or file handle, not a cached one)."""
    return open_shared(url)


def _param_records(url):
    """How many parameter records (kind 6) the log holds."""
    if url.startswith("postgresql://"):
        return int(psql(url, "SELECT count(*) FROM ferrotune_log WHERE get_byte(body, 0) = 6"))
    if url.startswith("sqlite://"):
        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as db:
            return db.execute("SELECT count(*) FROM ferrotune_log WHERE substr(body, 1, 1) = x'06'").fetchone()[0]
    if url.startswith("redis://"):
        import redis

        with contextlib.closing(redis.Redis.from_url(url)) as r:
            return sum(body[0] == 6 for body in r.lrange("ferrotune:log", 0, -1))
    with open(url, "rb") as f:
        data, at, n = f.read(), 8, 0
    while at + 8 <= len(data):
        (size,) = struct.unpack_from("<I", data, at)
        n += data[at + 8] == 6
        at += 8 + size
    return n


def test_parameters_reach_other_instances_without_another_write(shared_storage_url):
    a = ferrotune.create_study(study_name="v", storage=_open(shared_storage_url))
    a.tell(a.ask({"x": FloatDistribution(0, 1)}), 1.0)  # the column exists: later values wait
    t = a.ask()
    x = t.suggest_float("x", 0, 1)
    b = ferrotune.load_study(study_name="v", storage=_open(shared_storage_url))
    # No write follows the suggestion: the waiting parameter goes out on its own.
    wait_until(lambda: b.trials[1].params == {"x": x}, what="the parameter to reach another instance")
    assert b.trials[1].state == TrialState.RUNNING


SUGGEST_THEN_SLEEP = textwrap.dedent(
    """
    import sys, time, ferrotune
    s = ferrotune.load_study(study_name="k", storage=sys.argv[1])
    t = s.ask()
    x, n = t.suggest_float("x", 0, 1), t.suggest_int("n", 0, 9)
    open(sys.argv[2], "w").write(repr((t.number, x, n)))
    time.sleep(600)  # killed by the test
    """
)


def test_killed_worker_leaves_its_parameters(shared_storage_url, tmp_path):
    url = shared_storage_url
    study = ferrotune.create_study(study_name="k", storage=url)
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("n", 0, 9), n_trials=2)
    marker = tmp_path / "suggested"
    proc = subprocess.Popen([sys.executable, "-c", SUGGEST_THEN_SLEEP, url, str(marker)])
    try:
        wait_until(lambda: marker.exists() and marker.read_text(), what="the worker to suggest", alive=[proc])
        number, x, n = eval(marker.read_text())
        other = ferrotune.load_study(study_name="k", storage=_open(url))
        # The worker writes nothing after its suggestions: its flusher sends them on its own.
        wait_until(lambda: other.trials[number].params == {"x": x, "n": n}, what="the worker's parameters to be written", alive=[proc])
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    t = ferrotune.load_study(study_name="k", storage=_open(url)).trials[number]
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
        # The child uses the storage itself: its own connection or file handle, its own flusher.
        u = s.ask()
        u.suggest_float("x", 0, 1)
        s.tell(u, 2.0)
        v = s.ask()
        x = v.suggest_float("x", 0, 1)
        # The child's own flusher sends it: wait until another instance reads it (120 s at most).
        url = sys.argv[1]
        other = ferrotune.storages.get_storage(url)
        seen = ferrotune.load_study(study_name="f", storage=other)
        deadline = time.monotonic() + 120
        while seen.trials[v.number].params != {"x": x}:
            if time.monotonic() > deadline:
                os._exit(3)
            time.sleep(0.01)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert status == 0, status
    s.tell(t, 1.0)
    """
)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="uses fork")
def test_forked_child_leaves_waiting_parameters_to_its_parent(shared_storage_url):
    url = shared_storage_url
    study = ferrotune.create_study(study_name="f", storage=url)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    subprocess.run([sys.executable, "-c", FORKED_TRIAL, url], check=True, timeout=300)
    trials = ferrotune.load_study(study_name="f", storage=_open(url)).trials
    assert [t.state for t in trials] == [TrialState.COMPLETE, TrialState.COMPLETE, TrialState.COMPLETE, TrialState.RUNNING]
    assert all(set(t.params) == {"x"} for t in trials)
    assert [t.value for t in trials[:3]] == [trials[0].value, 1.0, 2.0]
    # Each parameter record reached the log once: the child did not write its parent's.
    assert _param_records(url) == 4
