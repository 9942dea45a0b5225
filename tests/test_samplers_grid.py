"""GridSampler: each point exactly once, exhaustion, seeds, enqueued points, errors."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from _util import assert_message

import ferrotune
from ferrotune import TrialState
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.samplers import GridSampler
from ferrotune.storages import InMemoryStorage

SPACE = {"x": [1, 2, 3], "act": ["relu", "tanh"], "lr": [0.5, 1.5], "bn": [True, None]}


def _objective(trial):
    x = trial.suggest_int("x", 0, 5)
    act = trial.suggest_categorical("act", ["relu", "tanh"])
    lr = trial.suggest_float("lr", 0.0, 2.0)
    bn = trial.suggest_categorical("bn", [True, None])
    return x + lr + (act == "relu") + (bn is None)


def _points(study):
    return [tuple(t.params[k] for k in SPACE) for t in study.trials]


def test_every_grid_point_exactly_once_and_stop_when_exhausted():
    sampler = GridSampler(SPACE, seed=0)
    assert sampler.n_grid_points == 24
    s = ferrotune.create_study(sampler=sampler)
    assert not sampler.is_exhausted(s)
    s.optimize(_objective, n_trials=None)  # stops by itself
    pts = _points(s)
    assert len(pts) == 24
    assert sorted(pts, key=repr) == sorted(itertools.product(*SPACE.values()), key=repr)
    assert sampler.is_exhausted(s)
    # types of the grid values are kept
    for t in s.trials:
        assert type(t.params["x"]) is int and type(t.params["lr"]) is float
        assert t.params["bn"] is True or t.params["bn"] is None
    # a further run adds nothing
    s.optimize(_objective, n_trials=10)
    assert len(s.trials) == 24


def test_n_trials_larger_than_the_grid_stops_at_the_grid():
    s = ferrotune.create_study(sampler=GridSampler({"x": [1, 2, 3]}, seed=0))
    s.optimize(lambda t: t.suggest_int("x", 0, 5), n_trials=100)
    assert sorted(t.params["x"] for t in s.trials) == [1, 2, 3]


def test_every_grid_point_exactly_once_with_threads():
    s = ferrotune.create_study(sampler=GridSampler({"a": list(range(10)), "b": list(range(6))}, seed=3))
    s.optimize(lambda t: t.suggest_int("a", 0, 9) * 10 + t.suggest_int("b", 0, 5), n_jobs=4)
    values = sorted(int(t.value) for t in s.trials)
    assert values == sorted(a * 10 + b for a in range(10) for b in range(6))
    assert all(t.state == TrialState.COMPLETE for t in s.trials)


def test_grid_order_is_reproducible_with_a_seed():
    def order(seed):
        s = ferrotune.create_study(sampler=GridSampler(SPACE, seed=seed))
        s.optimize(_objective)
        return _points(s)

    assert order(11) == order(11)
    assert order(11) != order(12)
    assert GridSampler(SPACE, seed=11).seed == 11


def test_grid_param_not_in_the_grid_is_an_error_naming_it():
    s = ferrotune.create_study(sampler=GridSampler({"x": [1, 2]}, seed=0))
    with pytest.raises(FerrotuneValueError) as e:
        s.optimize(lambda t: t.suggest_int("x", 0, 5) + t.suggest_float("dropout", 0, 1), n_trials=1)
    assert_message(e, "'dropout'", "search_space")
    assert s.trials[0].state == TrialState.FAIL


def test_a_grid_value_outside_the_suggested_range_is_used_with_a_warning_as_in_optuna():
    s = ferrotune.create_study(sampler=GridSampler({"x": [1, 20]}, seed=0))
    with pytest.warns(UserWarning, match=r"grid value 20 of parameter 'x' is outside .*used as given"):
        s.optimize(lambda t: t.suggest_int("x", 0, 10), n_trials=2)
    assert sorted(t.params["x"] for t in s.trials) == [1, 20]
    assert all(t.state == TrialState.COMPLETE for t in s.trials)


def test_a_grid_value_that_cannot_be_a_value_fails_its_trial_clearly():
    s = ferrotune.create_study(sampler=GridSampler({"x": [1.5]}, seed=0))
    with pytest.raises(FerrotuneValueError) as e:
        s.optimize(lambda t: t.suggest_int("x", 0, 10), n_trials=1)
    assert_message(e, "'x'", "1.5")
    assert s.trials[0].state == TrialState.FAIL


def test_enqueued_point_counts_as_its_grid_point():
    s = ferrotune.create_study(sampler=GridSampler({"x": [1, 2, 3], "y": ["a", "b"]}, seed=0))
    s.enqueue_trial({"x": 2, "y": "b"})
    s.optimize(lambda t: t.suggest_int("x", 0, 3) + len(t.suggest_categorical("y", ["a", "b"])))
    pts = [(t.params["x"], t.params["y"]) for t in s.trials]
    assert pts[0] == (2, "b")
    assert sorted(pts) == sorted(itertools.product([1, 2, 3], ["a", "b"]))


@pytest.mark.parametrize("n_before", [0, 1])
def test_an_enqueued_trial_off_the_grid_takes_no_grid_point(n_before):
    # Optuna's rule: it runs its own values, and every grid point is still evaluated once.
    s = ferrotune.create_study(sampler=GridSampler({"a": [0, 50]}, seed=0))
    s.optimize(lambda t: t.suggest_int("a", 0, 100), n_trials=n_before)
    s.enqueue_trial({"a": 100})
    s.optimize(lambda t: t.suggest_int("a", 0, 100))
    values = [t.params["a"] for t in s.trials]
    assert len(values) == 3 and values[n_before] == 100
    assert sorted(values[:n_before] + values[n_before + 1 :]) == [0, 50]
    assert "grid_id" not in s.trials[n_before].system_attrs


def test_an_enqueued_trial_without_every_grid_parameter_cannot_suggest_the_others():
    s = ferrotune.create_study(sampler=GridSampler({"x": [1, 2], "y": ["a", "b"]}, seed=0))
    s.enqueue_trial({"x": 1})
    with pytest.raises(FerrotuneValueError) as e:
        s.optimize(lambda t: t.suggest_int("x", 0, 3) + len(t.suggest_categorical("y", ["a", "b"])))
    assert_message(e, "'y'", "enqueue a value for every grid parameter (x, y)")
    assert s.trials[0].state == TrialState.FAIL and s.trials[0].params == {"x": 1}


def test_ask_claims_points_and_warns_once_the_grid_is_exhausted():
    sampler = GridSampler({"x": [1, 2]}, seed=0)
    s = ferrotune.create_study(sampler=sampler)
    a, b = s.ask(), s.ask()
    # points are claimed when the trial starts, before any suggestion
    assert sampler.is_exhausted(s)
    assert sorted([a.suggest_int("x", 0, 3), b.suggest_int("x", 0, 3)]) == [1, 2]
    with pytest.warns(UserWarning, match="grid"):
        c = s.ask()
    assert c.suggest_int("x", 0, 3) in (1, 2)


def test_no_warning_while_points_remain():
    s = ferrotune.create_study(sampler=GridSampler({"x": [1, 2, 3]}, seed=0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s.optimize(lambda t: t.suggest_int("x", 0, 3))


def test_grid_values_given_as_numpy_arrays():
    s = ferrotune.create_study(sampler=GridSampler({"x": np.array([1, 2]), "f": np.linspace(0, 1, 3)}, seed=0))
    s.optimize(lambda t: t.suggest_int("x", 0, 2) + t.suggest_float("f", 0, 1))
    assert sorted((t.params["x"], t.params["f"]) for t in s.trials) == sorted(itertools.product([1, 2], [0.0, 0.5, 1.0]))
    assert all(type(t.params["x"]) is int for t in s.trials)


@pytest.mark.parametrize(
    "space, fragment",
    [
        ({}, "empty"),
        ({"x": []}, "'x'"),
        ({"x": 3}, "list"),
        ({"x": "abc"}, "list"),
        ({"x": [[1, 2]]}, "list"),
        ({1: [1]}, "str"),
        ([("x", [1])], "dict"),
    ],
)
def test_bad_search_spaces(space, fragment):
    with pytest.raises(FerrotuneValueError) as e:
        GridSampler(space)
    assert_message(e, fragment)


@pytest.mark.parametrize("seed", [-1, 1.5, "0"])
def test_bad_seed(seed):
    with pytest.raises(FerrotuneValueError):
        GridSampler({"x": [1]}, seed=seed)


def test_two_workers_never_repeat_a_point_claimed_from_the_queue():
    # Two workers on one storage, each with its own sampler (as two processes would have).
    storage = InMemoryStorage()
    space = {"x": [1, 2, 3, 4]}
    a = ferrotune.create_study(storage=storage, study_name="g", sampler=GridSampler(space, seed=0))
    b = ferrotune.load_study(study_name="g", storage=storage, sampler=GridSampler(space, seed=0))
    a.enqueue_trial({"x": 1})
    a.enqueue_trial({"x": 2})
    tb = b.ask()  # b claims the first queued trial and has now seen both queued rows
    ta = a.ask()  # a claims the second one
    b.tell(tb, tb.suggest_int("x", 0, 9))
    a.tell(ta, ta.suggest_int("x", 0, 9))
    b.optimize(lambda t: t.suggest_int("x", 0, 9))
    assert sorted(t.params["x"] for t in b.trials) == [1, 2, 3, 4]
