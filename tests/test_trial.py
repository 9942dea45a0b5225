"""Trial (live), FixedTrial, FrozenTrial and create_trial."""

from __future__ import annotations

import datetime
import math
import warnings

import numpy as np
import pytest
from _util import assert_message

import ferrotune
from ferrotune import FixedTrial, FrozenTrial, TrialState, create_trial
from ferrotune.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from ferrotune.exceptions import (
    FerrotuneError,
    FerrotuneValueError,
    IncompatibleParamError,
    InvalidDistributionError,
    MultiObjectiveError,
    UpdateFinishedTrialError,
)
from ferrotune.samplers import RandomSampler

# -- suggestions through a study ---------------------------------------------------------------------


def _asked(study, n):
    return [study.ask() for _ in range(n)]


def test_suggest_float_is_a_float_inside_the_bounds(study):
    for t in _asked(study, 50):
        v = t.suggest_float("x", -2.5, 7.0)
        assert type(v) is float and -2.5 <= v <= 7.0


def test_suggest_float_respects_the_step_grid(study):
    seen = set()
    for t in _asked(study, 200):
        v = t.suggest_float("x", -1.0, 1.0, step=0.25)
        k = (v + 1.0) / 0.25
        assert -1.0 <= v <= 1.0 and abs(k - round(k)) < 1e-9
        seen.add(round(k))
    assert seen == set(range(9))  # both ends included


def test_suggest_float_log_is_inside_the_bounds(study):
    vs = [t.suggest_float("lr", 1e-5, 1e-1, log=True) for t in _asked(study, 100)]
    assert all(1e-5 <= v <= 1e-1 for v in vs)
    # log-uniform: about half of the draws lie below the geometric middle 1e-3
    assert 20 < sum(v < 1e-3 for v in vs) < 80


def test_suggest_int_is_an_int_on_the_grid(study):
    for t in _asked(study, 100):
        v = t.suggest_int("n", 3, 15, step=3)
        assert type(v) is int and 3 <= v <= 15 and v % 3 == 0
        w = t.suggest_int("m", 1, 1000, log=True)
        assert type(w) is int and 1 <= w <= 1000


def test_suggest_int_accepts_numpy_bounds(study):
    v = study.ask().suggest_int("n", np.int64(0), np.int32(4), step=np.int64(2))
    assert type(v) is int and v in (0, 2, 4)


def test_suggest_categorical_returns_the_choice_objects_with_their_types(study):
    choices = [None, True, 1, 1.5, "a"]
    seen = set()
    for t in _asked(study, 60):
        v = t.suggest_categorical("c", choices)
        # the very object from the list, not a converted copy (index() would confuse 1 and True)
        idx = [i for i, c in enumerate(choices) if v is c]
        assert len(idx) == 1
        assert t.params["c"] == v and type(t.params["c"]) is type(v)
        seen.add(idx[0])
    assert seen == set(range(5))


def test_suggest_categorical_keeps_bool_int_and_float_apart(study):
    choices = (0, False, 0.0)
    types = set()
    for t in _asked(study, 60):
        v = t.suggest_categorical("z", choices)
        types.add(type(v))
        assert type(t.params["z"]) is type(v)
    assert types == {int, bool, float}


def test_suggest_categorical_accepts_numpy_arrays(study):
    t = study.ask()
    v = t.suggest_categorical("c", np.array([10, 20, 30]))
    assert v in (10, 20, 30)
    assert type(t.params["c"]) is int


def test_same_name_twice_returns_the_same_value(study):
    t = study.ask()
    assert t.suggest_float("x", 0, 1) == t.suggest_float("x", 0, 1)
    assert t.suggest_int("n", 0, 100) == t.suggest_int("n", 0, 100)
    assert t.suggest_categorical("c", ["a", "b", "c"]) == t.suggest_categorical("c", ["a", "b", "c"])
    assert list(t.params) == ["x", "n", "c"]


@pytest.mark.parametrize(
    "second",
    [
        lambda t: t.suggest_int("x", 0, 1),
        lambda t: t.suggest_categorical("x", [0.0, 1.0]),
        lambda t: t.suggest_float("x", 0.5, 1, log=True),
    ],
)
def test_same_name_with_another_kind_of_distribution_raises(study, second):
    t = study.ask()
    first = t.suggest_float("x", 0, 1)
    with pytest.raises(IncompatibleParamError) as e:
        second(t)
    assert isinstance(e.value, ValueError)
    assert_message(e, "'x'")
    # the first value is kept
    assert t.params == {"x": first}


@pytest.mark.parametrize(
    "second",
    [lambda t: t.suggest_float("x", 0, 2), lambda t: t.suggest_float("x", 0, 1, step=0.5)],
)
def test_same_name_with_another_range_returns_the_first_value_with_a_warning_as_in_optuna(study, second):
    t = study.ask()
    first = t.suggest_float("x", 0, 1)
    with pytest.warns(UserWarning, match=r"parameter 'x' was already suggested .* the first value"):
        again = second(t)
    assert again == first and t.params == {"x": first}
    assert t.distributions["x"] == FloatDistribution(0, 1)


@pytest.mark.parametrize(
    "call, name, fragments",
    [
        (lambda t: t.suggest_float("lr", 1.0, 0.1), "lr", ["greater than"]),
        (lambda t: t.suggest_float("lr", 0.0, 1.0, log=True), "lr", ["low > 0"]),
        (lambda t: t.suggest_float("lr", "a", 1.0), "lr", ["low", "number"]),
        (lambda t: t.suggest_float("lr", 0.0, 10**400), "lr", ["finite"]),
        (lambda t: t.suggest_int("units", 0.5, 10), "units", ["integer"]),
        (lambda t: t.suggest_int("units", 0, 2**70), "units", ["2**53"]),
        (lambda t: t.suggest_int("units", 10, 1), "units", ["greater than"]),
        (lambda t: t.suggest_categorical("opt", []), "opt", ["empty"]),
        (lambda t: t.suggest_categorical("opt", "adam"), "opt", ["list or tuple"]),
        (lambda t: t.suggest_categorical("opt", [["adam"]]), "opt", ["list"]),
        (lambda t: t.suggest_categorical("opt", [object()]), "opt", ["object"]),
    ],
)
@pytest.mark.parametrize("kind", ["core sampler", "python sampler", "fixed trial"])
def test_bad_suggest_input_names_the_parameter(kind, call, name, fragments):
    # The core validates suggestions of its own samplers; the other trials build the
    # distribution in Python. The message must name the parameter either way.
    if kind == "core sampler":
        t = ferrotune.create_study(sampler=RandomSampler(seed=0)).ask()
    elif kind == "python sampler":
        t = ferrotune.create_study(sampler=_MidpointSampler()).ask()
    else:
        t = FixedTrial({"ok": 0.5})
    with pytest.raises(InvalidDistributionError) as e:
        call(t)
    assert isinstance(e.value, ValueError)
    assert_message(e, f"'{name}'", *fragments)
    # nothing was stored by the failed call, and the trial is still usable
    assert name not in t.params
    assert 0 <= t.suggest_float("ok", 0, 1) <= 1


class _MidpointSampler(ferrotune.samplers.BaseSampler):
    def sample_independent(self, study, trial, param_name, param_distribution):
        return (param_distribution.low + param_distribution.high) / 2


def test_legacy_suggest_names(study):
    t = study.ask()
    assert 0 <= t.suggest_uniform("u", 0, 1) <= 1
    assert 1e-3 <= t.suggest_loguniform("l", 1e-3, 1) <= 1
    d = t.suggest_discrete_uniform("d", 0, 1, 0.5)
    assert d in (0.0, 0.5, 1.0)
    assert t.distributions["l"] == FloatDistribution(1e-3, 1, log=True)
    assert t.distributions["d"] == FloatDistribution(0, 1, step=0.5)


def test_params_distributions_number_and_start(study):
    before = datetime.datetime.now()
    t0, t1 = study.ask(), study.ask()
    after = datetime.datetime.now()
    assert (t0.number, t1.number) == (0, 1)
    x = t0.suggest_float("x", 0, 1)
    n = t0.suggest_int("n", 1, 8, log=True)
    c = t0.suggest_categorical("c", ("p", "q"))
    assert t0.params == {"x": x, "n": n, "c": c}
    assert t0.distributions == {
        "x": FloatDistribution(0, 1),
        "n": IntDistribution(1, 8, log=True),
        "c": CategoricalDistribution(("p", "q")),
    }
    assert t1.params == {} and t1.distributions == {}
    slack = datetime.timedelta(seconds=1)  # clock sources differ slightly; this checks the date, not speed
    assert before - slack <= t0.datetime_start <= after + slack


def test_suggest_after_tell_raises(study):
    t = study.ask()
    study.tell(t, 1.0)
    with pytest.raises(UpdateFinishedTrialError):
        t.suggest_float("x", 0, 1)


# -- report and should_prune ---------------------------------------------------------------------------


def test_report_is_stored_and_nop_pruner_never_prunes(study):
    t = study.ask()
    for step in range(5):
        t.report(10.0 - step, step)
        assert t.should_prune() is False
    frozen = study.tell(t, 6.0)
    assert frozen.intermediate_values == {s: 10.0 - s for s in range(5)}
    assert frozen.last_step == 4


def test_report_twice_for_a_step_keeps_the_first_with_a_warning(study):
    t = study.ask()
    t.report(1.0, 3)
    with pytest.warns(UserWarning, match="step 3"):
        t.report(2.0, 3)
    assert study.tell(t, 0.0).intermediate_values == {3: 1.0}


def test_report_after_tell_raises(study):
    t = study.ask()
    t.report(1.0, 0)
    study.tell(t, 1.0)
    with pytest.raises(UpdateFinishedTrialError):
        t.report(2.0, 1)
    assert study.trials[0].intermediate_values == {0: 1.0}


@pytest.mark.parametrize(
    "value, step, error, fragment",
    [
        # Optuna's classes: a value or step that float()/int() cannot read is a TypeError
        ("high", 0, TypeError, "number"),
        (None, 0, TypeError, "number"),
        (1.0, None, TypeError, "int"),
        (1.0, "two", TypeError, "int"),
        (1.0, -1, ValueError, ">= 0"),
    ],
)
def test_report_rejects_bad_input(study, value, step, error, fragment):
    t = study.ask()
    with pytest.raises(error) as e:
        t.report(value, step)
    assert isinstance(e.value, FerrotuneError)
    assert_message(e, fragment)


def test_report_reads_a_step_as_optunas_int_does(study):
    t = study.ask()
    t.report(0.5, 1.7)  # int(1.7) == 1, as Optuna reads it
    t.report(0.25, "3")
    assert study.tell(t, 0.0).intermediate_values == {1: 0.5, 3: 0.25}


def test_report_accepts_numpy_values(study):
    t = study.ask()
    t.report(np.float32(0.5), np.int64(2))
    assert study.tell(t, 0.0).intermediate_values == {2: 0.5}


def test_report_and_should_prune_are_single_objective_only():
    # a NotImplementedError, as in Optuna, that is also ferrotune's MultiObjectiveError
    s = ferrotune.create_study(directions=["minimize", "maximize"])
    t = s.ask()
    with pytest.raises(MultiObjectiveError) as e:
        t.report(1.0, 0)
    assert isinstance(e.value, NotImplementedError)
    with pytest.raises(NotImplementedError):
        t.should_prune()


# -- attributes -------------------------------------------------------------------------------------


def test_set_user_attr(study):
    t = study.ask()
    t.set_user_attr("note", {"layers": [64, 32], "ok": True, "none": None})
    t.set_user_attr("score", np.float32(0.25))
    assert t.user_attrs == {"note": {"layers": [64, 32], "ok": True, "none": None}, "score": 0.25}
    assert study.tell(t, 1.0).user_attrs == t.user_attrs


def test_set_user_attr_rejects_values_that_cannot_be_stored(study):
    t = study.ask()
    with pytest.raises(FerrotuneValueError) as e:
        t.set_user_attr("model", object())
    assert_message(e, "'model'")
    with pytest.raises(FerrotuneValueError):
        t.set_user_attr(3, "x")
    assert t.user_attrs == {}


# -- FixedTrial ---------------------------------------------------------------------------------------


def test_fixed_trial_returns_the_given_values():
    def objective(trial):
        x = trial.suggest_float("x", -10, 10)
        n = trial.suggest_int("n", 0, 8, step=2)
        act = trial.suggest_categorical("act", ["relu", "tanh", None])
        return x, n, act

    t = FixedTrial({"x": 3, "n": 4.0, "act": None})
    x, n, act = objective(t)
    assert x == 3.0 and type(x) is float
    assert n == 4 and type(n) is int
    assert act is None
    assert t.params == {"x": 3.0, "n": 4, "act": None}
    assert t.distributions["n"] == IntDistribution(0, 8, step=2)
    assert t.number == 0 and t.should_prune() is False
    t.report(1.0, 0)  # a no-op, not an error
    t.set_user_attr("k", 1)
    assert t.user_attrs == {"k": 1}


def test_fixed_trial_errors():
    with pytest.raises(FerrotuneValueError) as e:
        FixedTrial({"x": 1.0}).suggest_float("y", 0, 1)
    assert_message(e, "'y'")
    with pytest.warns(UserWarning, match="outside"):
        assert FixedTrial({"x": 20.0}).suggest_float("x", 0, 10) == 20.0  # used, as in Optuna
    with pytest.raises(InvalidDistributionError):
        FixedTrial({"x": -1.0}).suggest_float("x", 0.1, 10, log=True)
    with pytest.raises(InvalidDistributionError):
        FixedTrial({"c": "z"}).suggest_categorical("c", ["a", "b"])
    with pytest.raises(InvalidDistributionError):
        FixedTrial({"n": 2.5}).suggest_int("n", 0, 5)
    t = FixedTrial({"x": 0.5})
    t.suggest_float("x", 0, 1)
    assert t.suggest_float("x", 0, 2) == 0.5  # another range: the value, as Optuna's FixedTrial
    # another kind: the same error class as a live Trial's
    with pytest.raises(IncompatibleParamError) as e:
        t.suggest_int("x", 0, 2)
    assert_message(e, "'x'")


# -- FrozenTrial and create_trial -----------------------------------------------------------------------


def _objective(trial):
    x = trial.suggest_float("x", -5, 5)
    n = trial.suggest_int("n", 1, 64, log=True)
    c = trial.suggest_categorical("c", [False, True])
    return x * x + n + (10 if c else 0)


def test_frozen_trial_suggest_returns_its_own_params(study):
    study.optimize(_objective, n_trials=10)
    for frozen in study.trials:
        # re-running the objective on a finished trial reproduces its value
        assert _objective(frozen) == frozen.value
        assert frozen.suggest_categorical("c", [False, True]) is frozen.params["c"]


def test_frozen_trial_suggest_errors():
    t = create_trial(value=1.0, params={"x": 0.5}, distributions={"x": FloatDistribution(0, 1)})
    with pytest.raises(FerrotuneValueError) as e:
        t.suggest_float("missing", 0, 1)
    assert_message(e, "'missing'")
    # as Optuna: a value outside the suggested range is the trial's answer, with a warning
    with pytest.warns(UserWarning, match="outside FloatDistribution"):
        assert t.suggest_float("x", 0.6, 1.0) == 0.5
    assert t.distributions["x"] == FloatDistribution(0.6, 1.0)
    # another kind for the same name is refused
    with pytest.raises(InvalidDistributionError):
        t.suggest_int("x", 0, 1)
    i = create_trial(value=1.0, params={"n": 1}, distributions={"n": IntDistribution(1, 10)})
    with pytest.warns(UserWarning, match="outside IntDistribution"):
        assert i.suggest_int("n", 10, 100) == 1


def test_a_frozen_trial_that_has_not_finished_has_no_completion_time():
    t = create_trial(state=TrialState.RUNNING)
    t.datetime_complete = datetime.datetime.now()
    with pytest.raises(FerrotuneValueError, match="datetime_complete must be None for a RUNNING trial"):
        t._validate()
    s = ferrotune.create_study()
    with pytest.raises(FerrotuneValueError, match="datetime_complete"):
        s.add_trial(t)
    assert s.trials == []


@pytest.mark.parametrize(
    "first, then",
    [
        (lambda t: t.suggest_float("x", 0, 1), lambda t: t.suggest_int("x", 0, 1)),
        (lambda t: t.suggest_float("x", 0.1, 1), lambda t: t.suggest_float("x", 0.1, 1, log=True)),
        (lambda t: t.suggest_int("x", 1, 9, log=True), lambda t: t.suggest_int("x", 1, 9)),
        (lambda t: t.suggest_categorical("x", [1, 2]), lambda t: t.suggest_categorical("x", [1, 2, 3])),
        (lambda t: t.suggest_categorical("x", [1, 2]), lambda t: t.suggest_float("x", 1, 2)),
    ],
)
@pytest.mark.parametrize("python_sampler", [False, True])
def test_a_name_keeps_its_kind_scale_and_choices_across_trials(first, then, python_sampler):
    # Optuna's rule: another range is fine in a later trial, another kind, scale or set of
    # choices is a ValueError (and the trial can go on with its other parameters).
    sampler = RandomSampler(seed=0)
    if python_sampler:
        sampler.sample_independent = RandomSampler(seed=1).sample_independent  # type: ignore[method-assign]
    s = ferrotune.create_study(sampler=sampler)
    t = s.ask()
    first(t)
    s.tell(t, 0.0)
    t = s.ask()
    with pytest.raises(IncompatibleParamError, match="earlier trial"):
        then(t)
    assert isinstance(t.suggest_float("y", 0, 1), float)
    assert "x" not in t.params
    s.tell(t, 0.0)
    first(s.ask())  # the first distribution is still fine


def test_create_trial_builds_a_finished_trial():
    t = create_trial(
        value=0.5,
        params={"x": 0.25, "c": "b"},
        distributions={"x": FloatDistribution(0, 1), "c": CategoricalDistribution(["a", "b"])},
        user_attrs={"u": [1, 2]},
        intermediate_values={0: 2.0, 5: 1.0},
    )
    assert t.state == TrialState.COMPLETE and t.value == 0.5 and t.values == [0.5]
    assert t.params == {"x": 0.25, "c": "b"}
    assert t.user_attrs == {"u": [1, 2]}
    assert t.intermediate_values == {0: 2.0, 5: 1.0} and t.last_step == 5
    assert t.datetime_start is not None and t.datetime_complete is not None
    assert t.duration is not None

    assert create_trial(state=TrialState.WAITING).datetime_start is None
    assert create_trial(state=TrialState.RUNNING).datetime_complete is None
    assert create_trial(state=TrialState.FAIL).values is None
    assert create_trial(state=TrialState.PRUNED, value=3.0).value == 3.0
    with pytest.raises(MultiObjectiveError):
        create_trial(values=[1.0, 2.0]).value  # noqa: B018
    # nor can one value be set on a multi-objective trial (a RuntimeError, as in Optuna)
    multi = create_trial(values=[1.0, 2.0])
    for v in (0.1, [0.1]):
        with pytest.raises(MultiObjectiveError):
            multi.value = v
    assert multi.values == [1.0, 2.0]


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"state": TrialState.COMPLETE}, "needs value"),
        ({"value": math.nan}, "NaN"),
        ({"state": TrialState.FAIL, "value": 1.0}, "FAIL trial cannot have values"),
        ({"value": 1.0, "values": [1.0]}, "only one of value and values"),
        ({"value": "high"}, "numbers"),
        ({"state": 99}, "TrialState"),
        ({"value": 1.0, "params": {"x": 0.5}}, "same keys"),
        ({"value": 1.0, "params": {"x": 2.0}, "distributions": {"x": FloatDistribution(0, 1)}}, "'x'"),
        ({"value": 1.0, "params": {"c": 1}, "distributions": {"c": CategoricalDistribution([True, False])}}, "'c'"),
        ({"value": 1.0, "params": {"x": 0.5}, "distributions": {"x": (0, 1)}}, "distributions['x']"),
    ],
)
def test_create_trial_validation_errors(kwargs, fragment):
    with pytest.raises(FerrotuneValueError) as e:
        create_trial(**kwargs)
    assert isinstance(e.value, ValueError)
    assert_message(e, fragment)


def test_frozen_trials_order_by_number(study):
    study.optimize(lambda t: 0.0, n_trials=3)
    a, b, c = study.trials
    assert a < b <= c and sorted([c, a, b]) == [a, b, c]
    assert isinstance(a, FrozenTrial)


def test_suggest_does_not_warn_in_the_common_case(study):
    # a plain run must be free of warnings (users run with -W error)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        study.optimize(_objective, n_trials=5)
    assert len(study.trials) == 5


def test_trial_values_are_reproducible_per_name_and_number():
    a = ferrotune.create_study(sampler=RandomSampler(seed=5)).ask()
    b = ferrotune.create_study(sampler=RandomSampler(seed=5)).ask()
    # the draw depends on the parameter name, not on the order of suggestions
    xa, ya = a.suggest_float("x", 0, 1), a.suggest_float("y", 0, 1)
    yb, xb = b.suggest_float("y", 0, 1), b.suggest_float("x", 0, 1)
    assert (xa, ya) == (xb, yb)
    assert xa != ya
