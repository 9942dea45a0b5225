"""Samplers, pruners and studies pickle (and copy), as Optuna's do: Ray, joblib, multiprocessing
and scikit-learn's ``clone`` rely on it."""

from __future__ import annotations

import copy
import multiprocessing
import pickle
import subprocess
import sys
from typing import Any

import pytest
from _util import wait_until
from hypothesis import given, settings
from hypothesis import strategies as st

import ferrotune
from ferrotune import TrialState
from ferrotune.pruners import (
    HyperbandPruner,
    MedianPruner,
    NopPruner,
    PatientPruner,
    PercentilePruner,
    SuccessiveHalvingPruner,
    ThresholdPruner,
    WilcoxonPruner,
)
from ferrotune.samplers import (
    CmaEsSampler,
    GPSampler,
    GridSampler,
    QMCSampler,
    RandomSampler,
    TPESampler,
)
from ferrotune.samplers._tpe import default_gamma, default_weights
from ferrotune.storages import InMemoryStorage


def _round_trip(obj: Any) -> Any:
    return pickle.loads(pickle.dumps(obj))


def _gamma(n: int) -> int:
    return min(n // 4 + 1, 10)


def _objective(trial: ferrotune.Trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    n = trial.suggest_int("n", 1, 8)
    c = trial.suggest_categorical("c", ["a", "b", "c"])
    return (x - 1) ** 2 + n + (0.5 if c == "b" else 0.0)


def _grid_objective(trial: ferrotune.Trial) -> float:
    return trial.suggest_float("x", -5, 5) + trial.suggest_int("n", 1, 8)


# -- samplers ---------------------------------------------------------------------------------------

_SAMPLERS = {
    "random": RandomSampler,
    "tpe": lambda: TPESampler(n_startup_trials=4),
    "tpe-callables": lambda: TPESampler(
        n_startup_trials=3, multivariate=True, group=True, gamma=_gamma, weights=default_weights, prior_weight=0.5
    ),
    "tpe-constrained": lambda: TPESampler(n_startup_trials=3, constraints_func=_constraints),
    "gp": lambda: GPSampler(n_startup_trials=3, n_preliminary_samples=64, n_local_search=2, acquisition="ucb"),
    "qmc": lambda: QMCSampler(scramble=True, warn_asynchronous_seeding=False, independent_sampler=TPESampler()),
    "grid": lambda: GridSampler({"x": [-1.0, 0.0, 2.5], "n": [1, 3, 8]}),
    "cmaes": lambda: CmaEsSampler(popsize=4, independent_sampler=TPESampler(), warn_independent_sampling=False),
}


def _constraints(trial: ferrotune.FrozenTrial) -> list[float]:
    return [trial.params["x"] - 3]


def _run(sampler: Any, n: int) -> list[dict[str, Any]]:
    study = ferrotune.create_study(sampler=sampler, study_name="s")
    objective = _grid_objective if isinstance(sampler, GridSampler) else _objective
    study.optimize(objective, n_trials=n)
    return [t.params for t in study.trials]


@pytest.mark.parametrize("name", list(_SAMPLERS))
@pytest.mark.parametrize("how", ["pickle", "deepcopy", "clone"])
def test_a_sampler_copy_suggests_what_the_original_would(name, how):
    # No seed given: the copy keeps the seed drawn by the OS, so it follows the same run.
    sampler = _SAMPLERS[name]()
    if how == "pickle":
        twin = _round_trip(sampler)
    elif how == "deepcopy":
        twin = copy.deepcopy(sampler)
    else:
        from sklearn.base import clone

        twin = clone(sampler, safe=False)
    assert type(twin) is type(sampler) and twin is not sampler
    assert twin.seed == sampler.seed and repr(twin) == repr(sampler)
    n = 9 if name == "grid" else 8
    assert _run(twin, n) == _run(sampler, n)


def test_a_sampler_pickled_mid_study_continues_as_the_original():
    sampler = TPESampler(n_startup_trials=3, seed=5)
    study = ferrotune.create_study(sampler=sampler)
    study.optimize(_objective, n_trials=6)
    twin_study = _round_trip(study)
    study.optimize(_objective, n_trials=6)
    twin_study.optimize(_objective, n_trials=6)
    assert [t.params for t in twin_study.trials] == [t.params for t in study.trials]


def test_a_reseeded_sampler_pickles_with_its_new_seed():
    sampler = RandomSampler(seed=1)
    sampler.reseed_rng()
    assert _round_trip(sampler).seed == sampler.seed


def test_samplers_keep_their_arguments():
    tpe = _round_trip(TPESampler(seed=3, gamma=_gamma, constraints_func=_constraints, n_ei_candidates=7))
    assert tpe._args["gamma"] is _gamma and tpe._constraints_func is _constraints
    assert tpe._args["n_ei_candidates"] == 7 and tpe.seed == 3
    grid = _round_trip(GridSampler({"a": [1, 2], "b": ["x"]}, seed=4))
    assert grid.n_grid_points == 2 and grid._search_space == {"a": [1, 2], "b": ["x"]}
    qmc = _round_trip(QMCSampler(qmc_type="halton", seed=2))
    assert (qmc.qmc_type, qmc.scramble, qmc.seed) == ("halton", False, 2)


def test_a_sampler_with_an_unpicklable_callable_names_it_and_still_deepcopies():
    sampler = TPESampler(gamma=lambda n: 1)
    with pytest.raises((pickle.PicklingError, AttributeError), match="lambda"):
        pickle.dumps(sampler)
    assert copy.deepcopy(sampler)._args["gamma"] is sampler._args["gamma"]


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**64 - 1),
    n_startup_trials=st.integers(0, 50),
    n_ei_candidates=st.integers(1, 100),
    prior_weight=st.floats(0, 10),
    multivariate=st.sampled_from([None, True, False]),
    constant_liar=st.booleans(),
    consider_endpoints=st.booleans(),
)
def test_tpe_arguments_survive_pickling(
    seed, n_startup_trials, n_ei_candidates, prior_weight, multivariate, constant_liar, consider_endpoints
):
    sampler = TPESampler(
        seed=seed,
        n_startup_trials=n_startup_trials,
        n_ei_candidates=n_ei_candidates,
        prior_weight=prior_weight,
        multivariate=multivariate,
        constant_liar=constant_liar,
        consider_endpoints=consider_endpoints,
    )
    twin = _round_trip(sampler)
    assert twin._args == sampler._args and twin.seed == seed


# -- pruners ----------------------------------------------------------------------------------------

_PRUNERS = [
    NopPruner(),
    MedianPruner(n_startup_trials=2, n_warmup_steps=1, n_min_trials=2),
    PercentilePruner(30.0, n_startup_trials=1, interval_steps=2),
    SuccessiveHalvingPruner(min_resource=1, reduction_factor=3),
    HyperbandPruner(min_resource=1, max_resource=9, reduction_factor=3),
    ThresholdPruner(lower=-1.0, upper=3.0, n_warmup_steps=2),
    WilcoxonPruner(p_threshold=0.2, n_startup_steps=3),
    PatientPruner(MedianPruner(n_startup_trials=1), patience=1, min_delta=0.1),
    PatientPruner(None, patience=2),
]


def _reporting(trial: ferrotune.Trial) -> float:
    x = trial.suggest_float("x", 0, 4)
    for step in range(10):
        v = x * (1 + (step % 3) * 0.1) - step * 0.05
        trial.report(v, step)
        if trial.should_prune():
            raise ferrotune.TrialPruned()
    return x


def _states(pruner: Any) -> list[TrialState]:
    study = ferrotune.create_study(sampler=RandomSampler(seed=0), pruner=pruner, study_name="pruned")
    study.optimize(_reporting, n_trials=25)
    return [t.state for t in study.trials]


@pytest.mark.parametrize("pruner", _PRUNERS, ids=repr)
@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_a_pruner_copy_decides_as_the_original(pruner, how):
    twin = _round_trip(pruner) if how == "pickle" else copy.deepcopy(pruner)
    assert type(twin) is type(pruner) and repr(twin) == repr(pruner)
    assert _states(twin) == _states(pruner)


@settings(max_examples=30, deadline=None)
@given(
    percentile=st.floats(0, 100),
    n_startup_trials=st.integers(0, 100),
    n_warmup_steps=st.integers(0, 100),
    interval_steps=st.integers(1, 100),
    n_min_trials=st.integers(1, 20),
)
def test_percentile_arguments_survive_pickling(percentile, n_startup_trials, n_warmup_steps, interval_steps, n_min_trials):
    p = PercentilePruner(percentile, n_startup_trials, n_warmup_steps, interval_steps, n_min_trials=n_min_trials)
    assert _round_trip(p)._args == p._args


@settings(max_examples=30, deadline=None)
@given(
    min_resource=st.integers(1, 50),
    extra=st.integers(0, 1000) | st.none(),
    reduction_factor=st.integers(2, 10),
)
def test_hyperband_arguments_survive_pickling(min_resource, extra, reduction_factor):
    max_resource: Any = "auto" if extra is None else min_resource + extra
    p = HyperbandPruner(min_resource=min_resource, max_resource=max_resource, reduction_factor=reduction_factor)
    assert _round_trip(p)._args == p._args and repr(_round_trip(p)) == repr(p)


# -- studies ----------------------------------------------------------------------------------------


def _summary(study: ferrotune.Study) -> list[tuple[Any, ...]]:
    return [
        (
            t.number,
            t.state,
            t.values,
            t.params,
            t.distributions,
            t.user_attrs,
            t.system_attrs,
            t.intermediate_values,
            t.datetime_start,
            t.datetime_complete,
        )
        for t in study.trials
    ]


def _busy_study(storage: Any = None) -> ferrotune.Study:
    """A study with trials in every state, intermediate values and attributes."""
    study = ferrotune.create_study(
        storage=storage,
        study_name="busy",
        direction="maximize",
        sampler=TPESampler(seed=1, n_startup_trials=2),
        pruner=MedianPruner(n_startup_trials=3),
    )
    study.set_user_attr("owner", {"team": [1, 2]})
    study.set_system_attr("sys", 1.5)
    for i in range(4):
        t = study.ask()
        t.suggest_float("x", 0, 1)
        t.suggest_categorical("c", [None, True, 3, "s"])
        t.report(0.5 * i, 0)
        t.set_user_attr("i", i)
        study.tell(t, float(i))
    study.tell(study.ask(), state=TrialState.FAIL)
    study.tell(study.ask(), state=TrialState.PRUNED)
    study.enqueue_trial({"x": 0.25, "c": "s"}, user_attrs={"queued": True})
    running = study.ask()  # takes the enqueued trial
    running.suggest_float("x", 0, 1)
    study.enqueue_trial({"x": 0.75})  # stays waiting
    return study


def test_an_in_memory_study_pickles_with_its_trials():
    study = _busy_study()
    twin = _round_trip(study)
    assert twin.study_name == "busy" and twin.directions == study.directions
    assert _summary(twin) == _summary(study)
    assert [t.state for t in twin.trials][-2:] == [TrialState.RUNNING, TrialState.WAITING]
    assert twin.user_attrs == {"owner": {"team": [1, 2]}} and twin.system_attrs == {"sys": 1.5}
    assert repr(twin.sampler) == repr(study.sampler) and repr(twin.pruner) == repr(study.pruner)
    assert twin.best_trials == study.best_trials


def test_an_unpickled_in_memory_study_is_a_copy_that_goes_on_by_itself():
    study = _busy_study()
    twin = copy.deepcopy(study)
    assert _summary(twin) == _summary(study)
    t = twin.ask()  # the enqueued trial is still queued in the copy
    assert t.number == 7 and t.suggest_float("x", 0, 1) == 0.75
    twin.tell(t, 0.0)
    assert study.trials[7].state == TrialState.WAITING
    assert len(twin.trials) == len(study.trials)


def test_a_grid_study_pickled_midway_finishes_the_grid_without_repeats():
    study = ferrotune.create_study(sampler=GridSampler({"x": [0.0, 1.0, 2.0, 3.0]}, seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0, 3), n_trials=2)
    twin = _round_trip(study)
    twin.optimize(lambda t: t.suggest_float("x", 0, 3))
    assert sorted(t.params["x"] for t in twin.trials) == [0.0, 1.0, 2.0, 3.0]


def test_a_journal_study_pickles_as_a_reference_to_its_file(tmp_path):
    path = str(tmp_path / "j.log")
    study = ferrotune.create_study(storage=path, study_name="j", sampler=RandomSampler(seed=2), pruner=NopPruner())
    study.optimize(_objective, n_trials=3)
    data = pickle.dumps(study)
    assert len(data) < 4000  # the name and the path, not the trials
    twin = pickle.loads(data)
    assert twin.study_name == "j" and twin._storage.file_path == path
    twin.optimize(_objective, n_trials=2)
    wait_until(lambda: len(study.trials) == 5, what="the other handle's five trials")  # one study, one file


def test_a_postgresql_study_pickles_as_a_reference(postgres_url):
    study = ferrotune.create_study(storage=postgres_url, study_name="pg", sampler=RandomSampler(seed=2))
    study.optimize(_objective, n_trials=2)
    twin = _round_trip(study)
    assert twin._storage.url == postgres_url
    twin.optimize(_objective, n_trials=2)
    wait_until(lambda: [t.number for t in study.trials] == [0, 1, 2, 3], what="the copy's trials on the original")


_CHILD = """
import pickle, sys
study = pickle.loads(sys.stdin.buffer.read())
study.optimize(lambda t: t.suggest_float("x", -5, 5) ** 2, n_trials=3)
print(study.study_name, len(study.trials))
"""


def test_a_journal_study_unpickled_in_another_process_adds_to_the_same_file(tmp_path):
    study = ferrotune.create_study(storage=str(tmp_path / "p.log"), study_name="p")
    study.optimize(_objective, n_trials=2)
    out = subprocess.run([sys.executable, "-c", _CHILD], input=pickle.dumps(study), capture_output=True, check=True, timeout=300)
    assert out.stdout.decode().split() == ["p", "5"]
    wait_until(lambda: [t.state for t in study.trials] == [TrialState.COMPLETE] * 5, what="the child's five trials")


def _worker(study: ferrotune.Study) -> int:
    study.optimize(_objective, n_trials=2)
    return len(study.trials)


def test_a_journal_study_goes_through_a_multiprocessing_pool(tmp_path):
    study = ferrotune.create_study(storage=str(tmp_path / "mp.log"), study_name="mp", sampler=RandomSampler(seed=0))
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        pool.map(_worker, [study, study])
    wait_until(lambda: [t.state for t in study.trials] == [TrialState.COMPLETE] * 4, what="the workers' four trials")


def test_an_in_memory_study_goes_to_a_worker_process_as_a_copy():
    study = ferrotune.create_study(sampler=RandomSampler(seed=0))
    study.optimize(_objective, n_trials=3)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        assert pool.map(_worker, [study]) == [5]
    assert len(study.trials) == 3


def test_two_studies_on_one_in_memory_storage_pickle_separately():
    storage = InMemoryStorage()
    a = ferrotune.create_study(storage=storage, study_name="a")
    ferrotune.create_study(storage=storage, study_name="b")
    twin = _round_trip(a)
    assert ferrotune.get_all_study_names(twin._storage) == ["a"]


def test_default_gamma_is_importable_and_plain():
    assert default_gamma(100) == 10 and default_gamma(1000) == 25
