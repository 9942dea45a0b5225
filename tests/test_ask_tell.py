"""Ask-and-tell, enqueue_trial and add_trial(s)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _util import assert_message
from hypothesis import given, settings
from hypothesis import strategies as st

import ferrotune
from ferrotune import TrialState, create_trial
from ferrotune.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from ferrotune.exceptions import (
    FerrotuneTypeError,
    FerrotuneValueError,
    TrialNotFoundError,
    UpdateFinishedTrialError,
)

# -- ask / tell ----------------------------------------------------------------------------------------


def test_tell_by_trial_and_by_number(study):
    a, b = study.ask(), study.ask()
    x = a.suggest_float("x", 0, 1)
    fa = study.tell(a, x * 2)
    fb = study.tell(b.number, 7.0)
    assert (fa.number, fa.state, fa.value, fa.params) == (0, TrialState.COMPLETE, x * 2, {"x": x})
    assert (fb.number, fb.state, fb.value) == (1, TrialState.COMPLETE, 7.0)
    assert [t.value for t in study.trials] == [x * 2, 7.0]
    assert fa.datetime_complete is not None and fa.datetime_complete >= fa.datetime_start


def test_tell_twice_raises_and_keeps_the_first_result(study):
    t = study.ask()
    study.tell(t, 1.0)
    with pytest.raises(UpdateFinishedTrialError) as e:
        study.tell(t, 2.0)
    assert isinstance(e.value, RuntimeError)
    assert_message(e, "trial 0", "COMPLETE")
    with pytest.raises(UpdateFinishedTrialError):
        study.tell(t.number, state=TrialState.FAIL)
    assert study.trials[0].value == 1.0 and study.trials[0].state == TrialState.COMPLETE


def test_tell_skip_if_finished(study):
    t = study.ask()
    study.tell(t, 1.0)
    again = study.tell(t, 2.0, skip_if_finished=True)
    assert again.value == 1.0 and again.state == TrialState.COMPLETE
    assert study.trials[0].value == 1.0


@pytest.mark.parametrize(
    "directions, values, fragments",
    [
        (["minimize"], [1.0, 2.0], ["2 value(s)", "1 objective(s)"]),
        (["minimize", "maximize"], 1.0, ["1 value(s)", "2 objective(s)"]),
        (["minimize", "maximize"], [1.0, 2.0, 3.0], ["3 value(s)", "2 objective(s)"]),
    ],
)
def test_tell_with_the_wrong_number_of_values_fails_the_trial_with_a_warning(directions, values, fragments):
    # Optuna's rule: the result is judged, not the call; the trial fails with a UserWarning.
    s = ferrotune.create_study(directions=directions)
    t = s.ask()
    with pytest.warns(UserWarning, match="Trial 0 failed because") as warned:
        frozen = s.tell(t, values)
    assert frozen.state == TrialState.FAIL and frozen.values is None
    reason = s.trials[0].system_attrs["fail_reason"]
    assert all(f in reason for f in fragments)
    assert any(f"Trial 0 failed because {reason}" in str(w.message) for w in warned)
    with pytest.raises(UpdateFinishedTrialError):
        s.tell(t, [0.0] * len(directions))


@pytest.mark.parametrize("values", ["a", None, [], [1.0, 2.0], float("nan")])
@pytest.mark.parametrize("hooks", [False, True])
def test_values_that_cannot_complete_a_trial_told_complete_are_refused_and_it_keeps_running(values, hooks):
    # Optuna: told COMPLETE in so many words, such values are a ValueError (without a state,
    # they fail the trial with a warning, above); the trial can still be told.
    sampler = ferrotune.samplers.RandomSampler(seed=0)
    if hooks:  # the path of a study with Python hooks to run between the check and the write
        sampler.after_trial = lambda *args: None  # type: ignore[method-assign]
    s = ferrotune.create_study(sampler=sampler)
    t = s.ask()
    with pytest.raises(FerrotuneValueError):
        s.tell(t, values, state=TrialState.COMPLETE)
    assert s.trials[0].state == TrialState.RUNNING
    assert s.tell(t, 1.0, state=TrialState.COMPLETE).state == TrialState.COMPLETE


@pytest.mark.parametrize("trial", ["1", 1.0, None])
def test_tell_with_a_trial_that_is_neither_a_trial_nor_a_number_is_a_type_error(trial):
    s = ferrotune.create_study()
    s.ask()
    with pytest.raises(FerrotuneTypeError):
        s.tell(trial, 1.0)


def test_an_objective_returning_the_wrong_number_of_values_fails_its_trial_and_optimize_goes_on():
    s = ferrotune.create_study(directions=["minimize", "maximize"])
    s.optimize(lambda t: (t.suggest_float("x", 0, 1),) * (1 + t.number % 2), n_trials=4)
    assert [t.state for t in s.trials] == [TrialState.FAIL, TrialState.COMPLETE] * 2


def test_a_second_tell_is_both_a_value_error_and_optunas_runtime_error(study):
    t = study.ask()
    study.tell(t, 1.0)
    for cls in (ValueError, RuntimeError, UpdateFinishedTrialError):
        with pytest.raises(cls, match="already finished"):
            study.tell(t, 2.0)


def test_tell_nan_fails_the_trial(study):
    t = study.ask()
    frozen = study.tell(t, math.nan)
    assert frozen.state == TrialState.FAIL and frozen.values is None
    assert "nan" in frozen.system_attrs["fail_reason"]


def test_tell_pruned(study):
    t = study.ask()
    t.report(3.0, 0)
    t.report(2.0, 1)
    assert study.tell(t, state=TrialState.PRUNED).value == 2.0
    u = study.ask()
    f = study.tell(u.number, state=TrialState.PRUNED)
    assert f.state == TrialState.PRUNED and f.value is None
    v = study.ask()
    assert study.tell(v, 5.0, state=TrialState.PRUNED).value == 5.0
    # pruned trials are never best
    study.tell(study.ask(), 10.0)
    assert study.best_trial.number == 3


def test_tell_fail(study):
    t = study.ask()
    with pytest.raises(FerrotuneValueError) as e:
        study.tell(t, 1.0, state=TrialState.FAIL)
    assert_message(e, "FAIL")
    assert study.trials[0].state == TrialState.RUNNING
    f = study.tell(t, state=TrialState.FAIL)
    assert f.state == TrialState.FAIL and f.values is None


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"state": TrialState.COMPLETE}, "values"),
        ({"state": TrialState.RUNNING, "values": 1.0}, "COMPLETE, PRUNED or FAIL"),
        ({"state": TrialState.WAITING}, "COMPLETE, PRUNED or FAIL"),
        ({"state": 42, "values": 1.0}, "TrialState"),
        ({"state": TrialState.PRUNED, "values": "high"}, "numbers"),
    ],
)
def test_tell_rejects_bad_arguments(study, kwargs, fragment):
    t = study.ask()
    with pytest.raises(FerrotuneValueError) as e:
        study.tell(t, **kwargs)
    assert_message(e, fragment)
    assert study.trials[0].state == TrialState.RUNNING


def test_tell_unknown_trial(study):
    study.ask()
    with pytest.raises(TrialNotFoundError) as e:
        study.tell(5, 1.0)
    assert isinstance(e.value, KeyError)
    assert_message(e, "5")
    with pytest.raises(FerrotuneTypeError):  # a TypeError, as in Optuna
        study.tell("0", 1.0)


def test_tell_a_waiting_trial_is_refused(study):
    study.enqueue_trial({"x": 0.5})
    with pytest.raises(FerrotuneValueError) as e:
        study.tell(0, 1.0)
    assert_message(e, "WAITING", "ask()")
    assert study.trials[0].state == TrialState.WAITING
    # the queued trial is intact and runs with its parameters
    t = study.ask()
    assert t.number == 0 and t.suggest_float("x", 0, 1) == 0.5


def test_tell_a_trial_of_another_study(study):
    other = ferrotune.create_study()
    t = other.ask()
    study.ask()
    with pytest.raises(FerrotuneValueError):
        study.tell(t, 1.0)
    assert study.trials[0].state == TrialState.RUNNING
    assert other.trials[0].state == TrialState.RUNNING


def test_tell_accepts_numpy_values():
    s = ferrotune.create_study(directions=["minimize", "maximize"])
    assert s.tell(s.ask(), np.array([1.0, 2.0])).values == [1.0, 2.0]
    assert s.tell(s.ask(), (np.float32(0.5), np.int64(3))).values == [0.5, 3.0]
    single = ferrotune.create_study()
    assert single.tell(single.ask(), np.float64(1.5)).value == 1.5
    assert single.tell(single.ask(), np.array([2.5])).value == 2.5
    assert single.tell(single.ask(), np.array(3.5)).value == 3.5


def test_ask_with_fixed_distributions(study):
    dists = {
        "x": FloatDistribution(0, 1),
        "n": IntDistribution(0, 8, step=4),
        "c": CategoricalDistribution(["a", "b"]),
    }
    t = study.ask(fixed_distributions=dists)
    assert t.distributions == dists
    assert 0 <= t.params["x"] <= 1 and t.params["n"] in (0, 4, 8) and t.params["c"] in ("a", "b")
    # a later suggest with the same distribution returns the same value
    assert t.suggest_int("n", 0, 8, step=4) == t.params["n"]


def test_ask_with_bad_fixed_distributions(study):
    with pytest.raises(FerrotuneValueError):
        study.ask(fixed_distributions=[FloatDistribution(0, 1)])
    with pytest.raises(FerrotuneValueError) as e:
        study.ask(fixed_distributions={"x": (0, 1)})
    assert_message(e, "'x'")


# -- enqueue_trial --------------------------------------------------------------------------------------------


def _objective(trial):
    x = trial.suggest_float("x", -5, 5)
    opt = trial.suggest_categorical("opt", ["sgd", "adam"])
    return x * x + (opt == "sgd")


def test_enqueued_trials_run_first_in_order(study):
    study.enqueue_trial({"x": 1.5, "opt": "sgd"})
    study.enqueue_trial({"x": -2.0, "opt": "adam"}, user_attrs={"source": "paper"})
    waiting = study.trials
    assert [t.state for t in waiting] == [TrialState.WAITING] * 2
    assert waiting[0].system_attrs["fixed_params"] == {"x": 1.5, "opt": "sgd"}
    study.optimize(_objective, n_trials=4)
    trials = study.trials
    assert trials[0].params == {"x": 1.5, "opt": "sgd"} and trials[0].value == 1.5**2 + 1
    assert trials[1].params == {"x": -2.0, "opt": "adam"} and trials[1].user_attrs == {"source": "paper"}
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 4


def test_enqueue_partial_params_samples_the_rest(study):
    study.enqueue_trial({"opt": "adam"})
    study.optimize(_objective, n_trials=1)
    (t,) = study.trials
    assert t.params["opt"] == "adam" and -5 <= t.params["x"] <= 5


def test_enqueued_trial_is_picked_by_ask(study):
    study.enqueue_trial({"x": 0.25})
    t = study.ask()
    assert t.number == 0 and t.suggest_float("x", 0, 1) == 0.25


def test_enqueue_skip_if_exists(study):
    study.enqueue_trial({"x": 1.0, "opt": "adam"})
    study.enqueue_trial({"x": 1.0, "opt": "adam"}, skip_if_exists=True)  # same as a queued one
    assert len(study.trials) == 1
    study.enqueue_trial({"x": 1.0, "opt": "sgd"}, skip_if_exists=True)  # different
    assert len(study.trials) == 2
    study.optimize(_objective, n_trials=2)
    study.enqueue_trial({"x": 1.0, "opt": "sgd"}, skip_if_exists=True)  # same as a finished one
    assert len(study.trials) == 2
    study.enqueue_trial({"x": 1.0, "opt": "sgd"})  # without the flag: queued again
    assert len(study.trials) == 3


def test_an_enqueued_value_outside_the_suggested_range_is_used_with_a_warning_as_in_optuna(study):
    study.enqueue_trial({"x": 50.0})
    with pytest.warns(UserWarning, match=r"enqueued value 50.0 of parameter 'x' is outside .*used as given"):
        study.optimize(_objective, n_trials=1)
    assert study.trials[0].state == TrialState.COMPLETE and study.trials[0].params["x"] == 50.0


@pytest.mark.parametrize(
    "value, suggest",
    [
        ("a", lambda t: t.suggest_float("x", -5, 5)),  # not a number
        (-1.0, lambda t: t.suggest_float("x", 0.1, 5, log=True)),  # no logarithm
        (2.5, lambda t: t.suggest_int("x", 0, 5)),  # not an integer
        ("z", lambda t: t.suggest_categorical("x", ["a", "b"])),  # not a choice
    ],
)
def test_an_enqueued_value_that_cannot_be_a_value_fails_the_trial_clearly(study, value, suggest):
    study.enqueue_trial({"x": value})
    with pytest.raises(FerrotuneValueError) as e:
        study.optimize(suggest, n_trials=1)
    assert_message(e, "'x'", repr(value))
    assert study.trials[0].state == TrialState.FAIL


def test_enqueue_trial_rejects_bad_params(study):
    with pytest.raises(FerrotuneTypeError):  # not a dict: a TypeError, as in Optuna
        study.enqueue_trial([("x", 1.0)])
    with pytest.raises(FerrotuneValueError):
        study.enqueue_trial({"x": [1.0, 2.0]})
    with pytest.raises(FerrotuneValueError):
        study.enqueue_trial({"x": 1.0}, user_attrs={"bad": object()})
    assert study.trials == []


# -- add_trial ------------------------------------------------------------------------------------------------


def test_add_trial_and_add_trials(study):
    dist = {"x": FloatDistribution(0, 1), "opt": CategoricalDistribution(["sgd", "adam"])}
    study.add_trial(
        create_trial(
            value=2.0,
            params={"x": 0.5, "opt": "adam"},
            distributions=dist,
            user_attrs={"src": "old run"},
            intermediate_values={0: 4.0, 1: 3.0},
        )
    )
    study.add_trials(
        [
            create_trial(value=1.0, params={"x": 0.125, "opt": "sgd"}, distributions=dist),
            create_trial(state=TrialState.FAIL),
            create_trial(state=TrialState.PRUNED, value=0.5, params={"x": 0.0, "opt": "sgd"}, distributions=dist),
        ]
    )
    trials = study.trials
    assert [t.number for t in trials] == [0, 1, 2, 3]
    assert [t.state for t in trials] == [TrialState.COMPLETE, TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED]
    assert trials[0].params == {"x": 0.5, "opt": "adam"} and trials[0].distributions == dist
    assert trials[0].user_attrs == {"src": "old run"}
    assert trials[0].intermediate_values == {0: 4.0, 1: 3.0}
    assert study.best_trial.number == 1 and study.best_value == 1.0
    # new trials are numbered after the added ones
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert study.trials[-1].number == 4


def test_add_trial_copies_trials_between_studies(study):
    study.optimize(_objective, n_trials=5)
    other = ferrotune.create_study()
    other.add_trials(study.trials)
    assert [(t.params, t.value, t.state) for t in other.trials] == [(t.params, t.value, t.state) for t in study.trials]
    assert other.best_value == study.best_value


def test_add_trial_rejects_bad_trials(study):
    with pytest.raises(FerrotuneValueError) as e:
        study.add_trial(create_trial(values=[1.0, 2.0]))
    assert_message(e, "2 value(s)")
    with pytest.raises(FerrotuneValueError):
        study.add_trial({"value": 1.0})
    frozen = create_trial(value=1.0, params={"x": 0.5}, distributions={"x": FloatDistribution(0, 1)})
    frozen.params["x"] = 3.0  # made invalid after creation
    with pytest.raises(FerrotuneValueError) as e:
        study.add_trial(frozen)
    assert_message(e, "'x'")
    assert study.trials == []


def test_negative_trial_number_is_not_found():
    s = ferrotune.create_study()
    s.ask()
    with pytest.raises(ferrotune.exceptions.TrialNotFoundError, match="start at 0"):
        s.tell(-1, 1.0)


def test_stop_outside_optimize_is_a_ferrotune_runtime_error():
    s = ferrotune.create_study()
    with pytest.raises(ferrotune.exceptions.FerrotuneRuntimeError) as e:
        s.stop()
    assert isinstance(e.value, RuntimeError)


# -- tell: the core's rules, one crossing -------------------------------------------------------------


class _CountingEngine:
    """Stands in for the study's engine and counts the calls made into it."""

    def __init__(self, engine):
        self._engine = engine
        self.calls = []

    def __getattr__(self, name):
        attr = getattr(self._engine, name)
        if not callable(attr):
            return attr

        def counted(*args, **kwargs):
            self.calls.append(name)
            return attr(*args, **kwargs)

        return counted


@pytest.mark.parametrize("told", [{"values": 1.0}, {"values": math.nan}, {"state": TrialState.PRUNED}])
def test_tell_with_a_core_sampler_is_one_crossing(told):
    study = ferrotune.create_study(sampler=ferrotune.samplers.RandomSampler(seed=0))
    t = study.ask()
    t.report(0.5, 0)
    spy = _CountingEngine(study._engine)
    study._engine = spy
    frozen = study.tell(t, **told)
    assert spy.calls == ["tell"]
    assert frozen.state == {1.0: TrialState.COMPLETE}.get(told.get("values"), frozen.state)
    assert study.trials[0].state == frozen.state != TrialState.RUNNING


def test_telling_a_finished_trial_names_the_way_out(study):
    t = study.ask()
    study.tell(t, 1.0)
    with pytest.raises(UpdateFinishedTrialError) as e:
        study.tell(t, 2.0)
    assert_message(e, "trial 0", "COMPLETE", "skip_if_finished=True")
    assert study.tell(t, 2.0, skip_if_finished=True).value == 1.0


def test_a_told_value_that_is_not_a_number_fails_the_trial(study):
    t = study.ask()
    frozen = study.tell(t, "abc")
    assert frozen.state == TrialState.FAIL and frozen.values is None
    assert "'abc'" in frozen.system_attrs["fail_reason"]
    # the count is judged first: the reason given is the count
    u = study.ask()
    assert study.tell(u, ["abc", 1.0]).state == TrialState.FAIL
    assert "2 value(s) were told" in study.trials[1].system_attrs["fail_reason"]


def test_tell_checks_in_the_core_before_constraints_func_runs():
    seen = []

    def constraints(frozen):
        seen.append(frozen.number)
        return [0.0]

    study = ferrotune.create_study(sampler=ferrotune.samplers.TPESampler(seed=0, constraints_func=constraints))
    t = study.ask()
    with pytest.raises(FerrotuneValueError):
        study.tell(t, state=TrialState.FAIL, values=[1.0])
    assert seen == []
    study.tell(t, 1.0)
    assert seen == [0]
    with pytest.raises(UpdateFinishedTrialError) as e:
        study.tell(t, 1.0)
    assert_message(e, "skip_if_finished=True")
    assert seen == [0]
    frozen = study.tell(study.ask(), math.nan)
    assert frozen.state == TrialState.FAIL and "nan" in frozen.system_attrs["fail_reason"]
    assert seen == [0]  # a failed trial has no constraints to store


class _AfterTrialSampler(ferrotune.samplers.BaseSampler):
    """A Python sampler: its after_trial runs between the core's check and the write."""

    def __init__(self):
        self.after = []

    def infer_relative_search_space(self, study, trial):
        return {}

    def sample_relative(self, study, trial, search_space):
        return {}

    def sample_independent(self, study, trial, param_name, param_distribution):
        return param_distribution.low

    def after_trial(self, study, trial, state, values):
        self.after.append((state, values))


def _outcome(study, number, **told):
    try:
        frozen = study.tell(number, **told)
    except FerrotuneValueError as e:
        return ("refused", str(e), study.trials[number].state)
    return (frozen.state, frozen.values, frozen.system_attrs.get("fail_reason"))


_told_value = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.just("abc"))


@settings(max_examples=60, deadline=None)
@given(
    values=st.one_of(st.none(), _told_value, st.lists(_told_value, max_size=3)),
    state=st.sampled_from([None, TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL, TrialState.RUNNING]),
    n_objectives=st.sampled_from([1, 2]),
    reported=st.booleans(),
)
def test_tell_with_and_without_python_hooks_follows_the_same_rules(values, state, n_objectives, reported):
    # the one-crossing tell and the checked tell (hooks between check and write) agree on every
    # input: the rules are the core's, and a refused tell leaves the trial RUNNING
    outcomes = []
    python_sampler = _AfterTrialSampler()
    for sampler in (ferrotune.samplers.RandomSampler(seed=0), python_sampler):
        study = ferrotune.create_study(directions=["minimize"] * n_objectives, sampler=sampler)
        t = study.ask()
        if reported and n_objectives == 1:
            t.report(0.25, 0)
        outcomes.append(_outcome(study, t.number, values=values, state=state))
    assert repr(outcomes[0]) == repr(outcomes[1])
    refused = outcomes[0][0] == "refused"
    assert (outcomes[0][2] == TrialState.RUNNING) if refused else (outcomes[0][0] != TrialState.RUNNING)
    # after_trial ran exactly when the trial was told, with what was stored
    assert len(python_sampler.after) == (0 if refused else 1)
    if not refused:
        assert python_sampler.after[0][0] == outcomes[1][0]


def test_add_trial_gets_the_cores_checks_for_a_trial_changed_after_creation(study):
    frozen = create_trial(value=1.0)
    frozen.values = [math.nan]
    with pytest.raises(FerrotuneValueError) as e:
        study.add_trial(frozen)
    # the core's message names what it got
    assert_message(e, "must not be NaN", "got [NaN]")
    assert study.trials == []


def test_tell_without_values_or_state_fails_the_trial_with_a_warning():
    # Optuna's rule: no result is a result that is no number
    s = ferrotune.create_study()
    t = s.ask()
    with pytest.warns(UserWarning, match="Trial 0 failed because no value was told"):
        frozen = s.tell(t)
    assert frozen.state == TrialState.FAIL and frozen.values is None
    assert "no value was told" in frozen.system_attrs["fail_reason"]
