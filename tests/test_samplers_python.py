"""Samplers written in Python (subclasses of ferrotune.samplers.BaseSampler)."""

from __future__ import annotations

import pytest
from _util import assert_message

import ferrotune
from ferrotune import TrialState
from ferrotune.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.samplers import BaseSampler


class LowestSampler(BaseSampler):
    """Always proposes the lowest value (the last choice for categoricals) and logs each hook."""

    def __init__(self):
        self.calls = []

    def before_trial(self, study, trial):
        self.calls.append(("before", trial.number))

    def sample_independent(self, study, trial, param_name, param_distribution):
        self.calls.append(("sample", trial.number, param_name, param_distribution))
        if isinstance(param_distribution, CategoricalDistribution):
            return param_distribution.choices[-1]
        return param_distribution.low

    def after_trial(self, study, trial, state, values):
        self.calls.append(("after", trial.number, state, values))


def _objective(trial):
    x = trial.suggest_float("x", 1.5, 2.0)
    n = trial.suggest_int("n", 3, 9, step=3)
    act = trial.suggest_categorical("act", ["relu", "tanh"])
    return x + n + len(act)


def test_sample_independent_drives_the_suggestions():
    sampler = LowestSampler()
    s = ferrotune.create_study(sampler=sampler)
    s.optimize(_objective, n_trials=2)
    for t in s.trials:
        assert t.params == {"x": 1.5, "n": 3, "act": "tanh"}
        assert t.value == 1.5 + 3 + 4
        assert type(t.params["n"]) is int
    assert sampler.calls[:5] == [
        ("before", 0),
        ("sample", 0, "x", FloatDistribution(1.5, 2.0)),
        ("sample", 0, "n", IntDistribution(3, 9, step=3)),
        ("sample", 0, "act", CategoricalDistribution(["relu", "tanh"])),
        ("after", 0, TrialState.COMPLETE, [8.5]),
    ]
    assert [c[0] for c in sampler.calls].count("before") == 2
    assert [c[0] for c in sampler.calls].count("after") == 2


def test_sampler_sees_the_trial_so_far():
    seen = []

    class Recording(BaseSampler):
        def sample_independent(self, study, trial, param_name, param_distribution):
            seen.append((param_name, dict(trial.params)))
            return param_distribution.low

    s = ferrotune.create_study(sampler=Recording())
    s.optimize(lambda t: t.suggest_float("a", 0, 1) + t.suggest_float("b", 0, 1), n_trials=1)
    assert seen == [("a", {}), ("b", {"a": 0.0})]


def test_same_name_is_sampled_once():
    sampler = LowestSampler()
    s = ferrotune.create_study(sampler=sampler)
    t = s.ask()
    assert t.suggest_float("x", 0, 1) == t.suggest_float("x", 0, 1) == 0.0
    assert [c for c in sampler.calls if c[0] == "sample"] == [("sample", 0, "x", FloatDistribution(0, 1))]


def test_after_trial_sees_failures():
    sampler = LowestSampler()
    s = ferrotune.create_study(sampler=sampler)

    def objective(trial):
        trial.suggest_float("x", 0, 1)
        raise ValueError("no")

    s.optimize(objective, n_trials=1, catch=(ValueError,))
    assert sampler.calls[-1] == ("after", 0, TrialState.FAIL, None)


def test_relative_sampling():
    class Joint(BaseSampler):
        def infer_relative_search_space(self, study, trial):
            return {"x": FloatDistribution(0, 10), "y": FloatDistribution(0, 10)}

        def sample_relative(self, study, trial, search_space):
            assert set(search_space) == {"x", "y"}
            return {"x": 7.0, "y": 3.0}

        def sample_independent(self, study, trial, param_name, param_distribution):
            return param_distribution.high

    s = ferrotune.create_study(sampler=Joint())
    s.optimize(
        lambda t: t.suggest_float("x", 0, 10) + t.suggest_float("y", 0, 20) + t.suggest_float("z", 0, 5),
        n_trials=2,
    )
    for t in s.trials:
        # x and y come from sample_relative (y's suggested range differs from the inferred one
        # but contains the proposal, which is Optuna's test); z is outside the space and falls
        # back to sample_independent
        assert t.params == {"x": 7.0, "y": 3.0, "z": 5.0}
    assert s.ask().relative_params == {"x": 7.0, "y": 3.0}


def test_a_relative_proposal_is_used_as_optuna_uses_it():
    class Joint(BaseSampler):
        def infer_relative_search_space(self, study, trial):
            return {"x": FloatDistribution(5, 6), "y": FloatDistribution(5, 6)}

        def sample_relative(self, study, trial, search_space):
            return {"x": 5.5, "y": 5.5, "z": 5.5}

        def sample_independent(self, study, trial, param_name, param_distribution):
            return 5.0

    s = ferrotune.create_study(sampler=Joint())
    assert s.ask().suggest_float("x", 0, 100) == 5.5  # inside the suggested range
    assert s.ask().suggest_float("w", 0, 100) == 5.0  # not proposed
    assert s.ask().suggest_float("x", 0, 5) == 5.0  # the proposal is outside the suggested range
    with pytest.raises(ValueError, match="distribution kinds"):  # another kind than the inferred distribution
        s.ask().suggest_int("y", 1, 100)
    with pytest.raises(FerrotuneValueError) as e:  # proposed, but not in the inferred space
        s.ask().suggest_float("z", 0, 10)
    assert_message(e, "'z'", "infer_relative_search_space")


def test_enqueued_params_take_precedence_over_the_sampler():
    s = ferrotune.create_study(sampler=LowestSampler())
    s.enqueue_trial({"x": 1.75})
    s.optimize(_objective, n_trials=2)
    assert [t.params["x"] for t in s.trials] == [1.75, 1.5]


def test_single_point_distribution_does_not_ask_the_sampler():
    sampler = LowestSampler()
    s = ferrotune.create_study(sampler=sampler)
    t = s.ask()
    assert t.suggest_int("k", 4, 4) == 4
    assert t.suggest_categorical("c", ["only"]) == "only"
    assert not [c for c in sampler.calls if c[0] == "sample"]


def test_value_outside_the_distribution_is_a_clear_error():
    class Wild(BaseSampler):
        def sample_independent(self, study, trial, param_name, param_distribution):
            return 100.0

    s = ferrotune.create_study(sampler=Wild())
    with pytest.raises(FerrotuneValueError) as e:
        s.optimize(lambda t: t.suggest_float("dropout", 0, 1), n_trials=1)
    assert_message(e, "Wild", "'dropout'", "100.0")
    (t,) = s.trials
    assert t.state == TrialState.FAIL and t.params == {}


@pytest.mark.parametrize("hook", ["before_trial", "infer_relative_search_space"])
def test_failing_sampler_hook_leaves_no_running_trial(hook):
    class Broken(LowestSampler):
        pass

    def boom(self, study, trial):
        raise RuntimeError("hook failed")

    setattr(Broken, hook, boom)
    s = ferrotune.create_study(sampler=Broken())
    with pytest.raises(RuntimeError, match="hook failed"):
        s.optimize(_objective, n_trials=3)
    assert [t.state for t in s.trials] == [TrialState.FAIL]
    with pytest.raises(RuntimeError):
        s.ask()
    assert [t.state for t in s.trials] == [TrialState.FAIL, TrialState.FAIL]


def test_sampler_can_be_replaced_between_runs():
    s = ferrotune.create_study(sampler=LowestSampler())
    s.optimize(_objective, n_trials=1)
    s.sampler = ferrotune.samplers.RandomSampler(seed=0)
    s.optimize(_objective, n_trials=20)
    assert len({t.params["x"] for t in s.trials}) > 2
    with pytest.raises(FerrotuneValueError):
        s.sampler = "random"


def test_base_sampler_is_abstract():
    class Incomplete(BaseSampler):
        pass

    with pytest.raises(TypeError):
        Incomplete()
