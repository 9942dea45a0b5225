"""CmaEsSampler: optimization quality, bounds, determinism, generations shared by processes,
warm start, restarts, margin, and the errors its arguments raise."""

from __future__ import annotations

import json
import math
import os
import pickle
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from _util import EVENT_TIMEOUT, assert_message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ferrotune
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.samplers import CmaEsSampler, RandomSampler, TPESampler
from ferrotune.trial import TrialState

ferrotune.logging.set_verbosity(ferrotune.logging.ERROR)


def sphere(trial: ferrotune.Trial, d: int = 5) -> float:
    return sum((trial.suggest_float(f"x{i}", -5, 5) - 1.0) ** 2 for i in range(d))


def rosenbrock(trial: ferrotune.Trial) -> float:
    x = [trial.suggest_float(f"x{i}", -3, 3) for i in range(4)]
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(3))


def best(sampler: ferrotune.samplers.BaseSampler, objective, n: int) -> float:
    study = ferrotune.create_study(sampler=sampler)
    study.optimize(objective, n_trials=n)
    return study.best_value


@pytest.mark.parametrize("objective, n, factor", [(sphere, 400, 1e-3), (rosenbrock, 1000, 0.05)])
def test_far_better_than_random_over_seeds(objective, n, factor):
    cma = [best(CmaEsSampler(seed=s), objective, n) for s in range(5)]
    rnd = [best(RandomSampler(seed=s), objective, n) for s in range(5)]
    # every seed: CMA-ES beats the best of random search by a wide factor
    assert max(cma) < factor * min(rnd), (cma, rnd)


def test_maximize_and_log_integer_stepped_parameters():
    def f(t: ferrotune.Trial) -> float:
        lr = t.suggest_float("lr", 1e-5, 1.0, log=True)
        units = t.suggest_int("units", 8, 512, log=True)
        drop = t.suggest_float("drop", 0.0, 0.5, step=0.1)
        return -((math.log10(lr) + 3) ** 2) - (math.log2(units) - 7) ** 2 - (drop - 0.2) ** 2

    study = ferrotune.create_study(direction="maximize", sampler=CmaEsSampler(seed=3))
    study.optimize(f, n_trials=300)
    assert study.best_value > -0.05
    assert study.best_params["units"] in range(90, 182)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    low=st.floats(-1e6, 1e6),
    width=st.floats(1e-6, 1e6),
    ilow=st.integers(-1000, 1000),
    iwidth=st.integers(1, 1000),
    step=st.integers(1, 7),
    fstep=st.sampled_from([0.1, 0.25, 1.0]),
    margin=st.booleans(),
    separable=st.booleans(),
    seed=st.integers(0, 2**32),
)
def test_every_parameter_stays_inside_its_distribution(low, width, ilow, iwidth, step, fstep, margin, separable, seed):
    high = low + width
    if separable and margin:
        separable = False
    ihigh = ilow + iwidth * step
    sampler = CmaEsSampler(seed=seed, with_margin=margin, use_separable_cma=separable, popsize=4)
    study = ferrotune.create_study(sampler=sampler)

    def f(t: ferrotune.Trial) -> float:
        x = t.suggest_float("x", low, high)
        lg = t.suggest_float("lg", 1e-3, 1e3, log=True)
        i = t.suggest_int("i", ilow, ihigh, step=step)
        li = t.suggest_int("li", 1, 1 + iwidth, log=True)
        s = t.suggest_float("s", 0.0, 10 * fstep, step=fstep)
        assert low <= x <= high and 1e-3 <= lg <= 1e3
        assert ilow <= i <= ihigh and (i - ilow) % step == 0
        assert 1 <= li <= 1 + iwidth
        assert 0.0 <= s <= 10 * fstep and abs(s / fstep - round(s / fstep)) < 1e-9
        # push towards the edges, where clipping and rounding matter
        return -abs(x - low) - abs(i - ilow) - lg - s

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(f, n_trials=40)
    assert all(t.state == TrialState.COMPLETE for t in study.trials)


def test_deterministic_under_a_seed_and_after_pickling():
    def run(sampler):
        study = ferrotune.create_study(sampler=sampler)
        study.optimize(lambda t: sphere(t, 3) + t.suggest_int("n", 0, 5), n_trials=60)
        return [t.params for t in study.trials]

    assert run(CmaEsSampler(seed=7)) == run(CmaEsSampler(seed=7))
    assert run(CmaEsSampler(seed=7)) != run(CmaEsSampler(seed=8))
    assert run(pickle.loads(pickle.dumps(CmaEsSampler(seed=7)))) == run(CmaEsSampler(seed=7))


def test_generations_are_tagged_as_optuna_tags_them():
    study = ferrotune.create_study(sampler=CmaEsSampler(seed=1))
    study.optimize(lambda t: sphere(t, 2), n_trials=14)
    gens = [t.system_attrs.get("cma:generation") for t in study.trials]
    # popsize 6 in two dimensions; the first trial is the start-up trial
    assert gens == [None] + [0] * 6 + [1] * 6 + [2]
    sep = ferrotune.create_study(sampler=CmaEsSampler(seed=1, use_separable_cma=True))
    sep.optimize(lambda t: sphere(t, 2), n_trials=3)
    assert "sepcma:generation" in sep.trials[2].system_attrs


WORKER = textwrap.dedent(
    """
    import os, sys, ferrotune
    sys.path.insert(0, sys.argv[4])
    from _util import wait_until
    from ferrotune.samplers import CmaEsSampler
    ferrotune.logging.set_verbosity(ferrotune.logging.ERROR)
    url, me, go = sys.argv[1], sys.argv[2], sys.argv[3]
    if "://" in url:
        storage = url
    else:
        from ferrotune.storages import JournalStorage
        from ferrotune.storages.journal import JournalFileBackend
        storage = JournalStorage(JournalFileBackend(url))
    study = ferrotune.load_study(study_name="cma", storage=storage, sampler=CmaEsSampler(seed=11))
    open(me, "w").close()
    wait_until(lambda: os.path.exists(go), what="the signal to start together", interval=0.001)
    study.optimize(lambda t: sum((t.suggest_float(f"x{i}", -5, 5) - 1) ** 2 for i in range(4)), n_trials=40)
    """
)


@pytest.mark.parametrize("shared_storage_url", ["journal", "postgresql"], indirect=True)
def test_four_processes_share_generations(shared_storage_url, tmp_path):
    from _util import wait_until
    from conftest import open_shared

    url = shared_storage_url
    ferrotune.create_study(study_name="cma", storage=open_shared(url))
    go = tmp_path / "go"
    ready = [tmp_path / f"ready{i}" for i in range(4)]
    tests_dir = os.path.dirname(__file__)
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, url, str(r), str(go), tests_dir], stderr=subprocess.PIPE) for r in ready]
    wait_until(lambda: all(r.exists() for r in ready), what="four workers connected", timeout=EVENT_TIMEOUT)
    go.touch()
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err.decode()
    study = ferrotune.load_study(study_name="cma", storage=open_shared(url))
    trials = study.trials
    assert len(trials) == 160 and all(t.state == TrialState.COMPLETE for t in trials)
    gens = [t.system_attrs.get("cma:generation") for t in trials]
    assert max(g for g in gens if g is not None) >= 5, gens
    # every update used exactly popsize (8) complete trials of the generation before it
    for t in trials:
        rows = t.system_attrs.get("cma:tell")
        if rows is not None:
            rows = rows if isinstance(rows, list) else json.loads(rows)
            assert len(rows) == 8
            assert all(trials[r].system_attrs["cma:generation"] == gens[t.number] - 1 for r in rows)
    # the state is a function of the stored history: a fresh sampler in this process proposes
    # for every trial exactly what the worker that ran it proposed
    fresh = CmaEsSampler(seed=11)
    study2 = ferrotune.load_study(study_name="cma", storage=open_shared(url), sampler=fresh)
    space = fresh.infer_relative_search_space(study2, trials[-1])
    tagged = [t for t in trials if gens[t.number] is not None]
    assert len(tagged) >= 150  # only trials created before the first one finished are independent
    for t in tagged:
        assert fresh.sample_relative(study2, t, space) == t.params, t.number
    assert study.best_value < 1.0


def test_warm_start_helps_on_a_related_problem():
    def task(shift: float):
        def f(t: ferrotune.Trial) -> float:
            return sum((t.suggest_float(f"x{i}", -10, 10) - shift) ** 2 for i in range(4))

        return f

    # the source: an earlier study of a related task (its optimum slightly elsewhere)
    source = ferrotune.create_study(sampler=CmaEsSampler(seed=0))
    source.optimize(task(3.0), n_trials=200)
    warm, cold = [], []
    for seed in range(5):
        s = ferrotune.create_study(sampler=CmaEsSampler(seed=seed, source_trials=source.trials))
        s.optimize(task(3.3), n_trials=40)
        warm.append(s.best_value)
        c = ferrotune.create_study(sampler=CmaEsSampler(seed=seed))
        c.optimize(task(3.3), n_trials=40)
        cold.append(c.best_value)
    assert float(np.median(warm)) < 0.5 * float(np.median(cold)), (warm, cold)


@pytest.mark.parametrize("strategy", ["ipop", "bipop"])
def test_restart_strategies_run_and_restart(strategy):
    def rastrigin(t: ferrotune.Trial) -> float:
        x = [t.suggest_float(f"x{i}", -5.12, 5.12) for i in range(2)]
        return 20 + sum(v * v - 10 * math.cos(2 * math.pi * v) for v in x)

    study = ferrotune.create_study(sampler=CmaEsSampler(seed=2, restart_strategy=strategy, inc_popsize=2))
    study.optimize(rastrigin, n_trials=1500)
    # a restart starts a new population: some generation then has more than the default 6 trials
    counts: dict[int, int] = {}
    for t in study.trials:
        g = t.system_attrs.get("cma:generation")
        if g is not None:
            counts[g] = counts.get(g, 0) + 1
    assert max(counts.values()) > 6, counts
    assert study.best_value < 1.0


def test_margin_keeps_integer_parameters_exploring():
    def f(t: ferrotune.Trial) -> float:
        return (t.suggest_int("i", 0, 4) - 2.4) ** 2 * 0.01 + t.suggest_float("x", -2, 2) ** 2

    def late_values(margin: bool) -> int:
        study = ferrotune.create_study(sampler=CmaEsSampler(seed=0, with_margin=margin))
        study.optimize(f, n_trials=400)
        return len({t.params["i"] for t in study.trials[300:]})

    assert late_values(True) >= 2
    assert late_values(False) == 1  # plain rounding freezes the integer: what the margin prevents


def test_categorical_and_dynamic_parameters_go_to_the_independent_sampler():
    study = ferrotune.create_study(sampler=CmaEsSampler(seed=0, independent_sampler=TPESampler(seed=0)))
    with pytest.warns(UserWarning, match="The parameter `c` in Trial#1 is sampled independently using `TPESampler`"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1) + len(t.suggest_categorical("c", ["a", "bb"])), n_trials=5)
    assert all(t.params["c"] in ("a", "bb") for t in study.trials)
    # a parameter that joins later (not in every complete trial) is independent too, quietly if asked
    quiet = ferrotune.create_study(sampler=CmaEsSampler(seed=0, warn_independent_sampling=False))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet.optimize(lambda t: t.suggest_float("x", 0, 1) + (t.suggest_float("z", 0, 1) if t.number > 3 else 0), n_trials=8)


def test_multi_objective_raises():
    study = ferrotune.create_study(directions=["minimize", "minimize"], sampler=CmaEsSampler(seed=0))
    with pytest.raises(ValueError, match="multi-objective"):
        study.optimize(lambda t: (t.suggest_float("x", 0, 1), 1.0), n_trials=2)


@pytest.mark.parametrize(
    "kwargs, fragments",
    [
        ({"sigma0": -0.5}, ["sigma0", "> 0"]),
        ({"sigma0": "big"}, ["sigma0"]),
        ({"popsize": 1}, ["popsize", "at least 2"]),
        ({"popsize": -3}, ["popsize"]),
        ({"n_startup_trials": -1}, ["n_startup_trials"]),
        ({"restart_strategy": "lpop"}, ["restart_strategy", "'ipop' or 'bipop'"]),
        ({"restart_strategy": "ipop", "inc_popsize": 1}, ["inc_popsize", "at least 2"]),
        ({"x0": [0.1]}, ["x0", "dict"]),
        ({"x0": {"x": float("nan")}}, ["x0['x']", "finite"]),
        ({"source_trials": "trials"}, ["source_trials", "FrozenTrial"]),
        ({"source_trials": [], "sigma0": 0.1}, ["source_trials", "x0 or sigma0"]),
        ({"source_trials": [], "use_separable_cma": True}, ["source_trials", "use_separable_cma"]),
        ({"lr_adapt": True, "with_margin": True}, ["lr_adapt", "with_margin"]),
        ({"use_separable_cma": True, "with_margin": True}, ["use_separable_cma", "with_margin"]),
        ({"independent_sampler": object()}, ["independent_sampler"]),
    ],
)
def test_bad_arguments_raise_clearly(kwargs, fragments):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(FerrotuneValueError) as e:
            CmaEsSampler(**kwargs)
    assert_message(e, *fragments)


def test_incompatible_source_trials_fail_the_ask_clearly():
    source = ferrotune.create_study()
    source.optimize(lambda t: t.suggest_float("a", 0, 1), n_trials=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = ferrotune.create_study(sampler=CmaEsSampler(source_trials=source.trials))
    with pytest.raises(FerrotuneValueError) as e:
        study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("y", 0, 1), n_trials=3)
    assert_message(e, "source_trials", "compatible")


def test_x0_and_sigma0_start_the_search_with_optunas_deprecation_warning():
    with pytest.warns(FutureWarning, match="`x0` has been deprecated in v4.9.0"):
        sampler = CmaEsSampler(seed=0, x0={"x": 4.0, "y": -4.0}, sigma0=0.01)
    study = ferrotune.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("x", -5, 5) + t.suggest_float("y", -5, 5), n_trials=7)
    # the first generation (trials 1-6) sits within a few sigma0 (0.01 of the range) of x0
    for t in study.trials[1:]:
        assert abs(t.params["x"] - 4.0) < 0.5 and abs(t.params["y"] + 4.0) < 0.5, t.params
