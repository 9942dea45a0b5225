"""The shared storages (journal file, PostgreSQL) under several processes: 8 workers on one
study, and workers killed with SIGKILL at random moments."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import pytest

import ferrotune
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
        _, err = pr.communicate(timeout=300)
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
    import sys, time, ferrotune
    from ferrotune.samplers import RandomSampler
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    s = ferrotune.load_study(study_name="k", storage=sys.argv[1], sampler=RandomSampler(seed=int(sys.argv[2])))
    def f(t):
        x = t.suggest_float("x", -1, 1)
        n = t.suggest_int("n", 0, 9)
        for step in range(3):
            t.report(x + step, step)
            time.sleep(0.0005)
        # A large record makes a kill inside a write more likely.
        t.set_user_attr("check", [x, n, "#" * (n * 20000)])
        return x * 10 + n
    s.optimize(f, n_trials=100000)
    """
)


def test_killed_workers_never_damage_completed_trials(shared_storage_url):
    p = shared_storage_url
    ferrotune.create_study(storage=p, study_name="k")
    rng = random.Random(0)
    seed = 0
    kills = 0
    deadline = time.monotonic() + 12
    # Rounds of 3 workers, each killed with SIGKILL after a random delay.
    while kills < 24 and time.monotonic() < deadline:
        procs = []
        for _ in range(3):
            seed += 1
            procs.append(subprocess.Popen([sys.executable, "-c", CHURN_WORKER, p, str(seed)], stderr=subprocess.DEVNULL))
        time.sleep(0.4)  # let them import and start writing
        for pr in procs:
            time.sleep(rng.uniform(0.0, 0.1))
            os.kill(pr.pid, signal.SIGKILL)
            pr.wait()
            kills += 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a kill inside a journal write leaves a torn tail, reported
        s = ferrotune.load_study(study_name="k", storage=p)
        trials = s.trials
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    assert len(complete) > 0
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
        _, err = pr.communicate(timeout=120)
        assert pr.returncode == 0, err.decode()
    trials = ferrotune.load_study(study_name="b", storage=shared_storage_url).trials
    assert 60 <= len(trials) <= 62  # each worker finishes the trial it is running
    assert {t.state for t in trials} == {TrialState.COMPLETE}
