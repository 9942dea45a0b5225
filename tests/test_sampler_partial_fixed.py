"""PartialFixedSampler: fixed parameters take their values, the others come from the base
sampler (in the core for a built-in base, through its hooks for one written in Python)."""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from typing import Any

import pytest

import ferrotune
from ferrotune.distributions import BaseDistribution
from ferrotune.exceptions import ExperimentalWarning, FerrotuneTypeError, FerrotuneValueError
from ferrotune.samplers import BaseSampler, PartialFixedSampler, RandomSampler, TPESampler
from ferrotune.trial import FrozenTrial, TrialState

ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
pytestmark = pytest.mark.filterwarnings("ignore::ferrotune.exceptions.ExperimentalWarning")


def objective(t: Any) -> float:
    x = t.suggest_float("x", -5, 5)
    y = t.suggest_int("y", -3, 3)
    c = t.suggest_categorical("c", ["a", "b", "c"])
    return x**2 + y**2 + (c != "b")


def test_fixed_values_are_used_and_the_rest_are_the_base_samplers():
    fixed = ferrotune.create_study(sampler=PartialFixedSampler({"y": 2, "c": "c"}, RandomSampler(seed=11)))
    fixed.optimize(objective, n_trials=30)
    assert fixed.sampler._core_sampler is not None  # the built-in base keeps the core path
    plain = ferrotune.create_study(sampler=RandomSampler(seed=11))
    plain.optimize(objective, n_trials=30)
    for a, b in zip(fixed.trials, plain.trials, strict=True):
        assert (a.params["y"], a.params["c"]) == (2, "c")
        # random draws are a function of (seed, trial, parameter): the free one is the same
        assert a.params["x"] == b.params["x"]


def test_tpe_still_optimizes_the_free_parameters():
    study = ferrotune.create_study(sampler=PartialFixedSampler({"y": 0}, TPESampler(seed=0, n_startup_trials=10)))
    study.optimize(objective, n_trials=80)
    assert {t.params["y"] for t in study.trials} == {0}
    late = [abs(t.params["x"]) for t in study.trials[-30:]]
    assert sorted(late)[len(late) // 2] < 1.5  # random search's median |x| would be 2.5
    assert study.best_value < 1.0


class ConstantSampler(BaseSampler):
    """A sampler written in Python: the lower bound (first choice), counting its calls."""

    def __init__(self) -> None:
        self.after = 0

    def sample_independent(self, study: Any, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution) -> Any:
        d = param_distribution
        return d.choices[0] if hasattr(d, "choices") else d.low  # type: ignore[attr-defined]

    def after_trial(self, study: Any, trial: FrozenTrial, state: TrialState, values: Sequence[float] | None) -> None:
        self.after += 1


def test_a_base_sampler_written_in_python_is_driven_through_its_hooks():
    base = ConstantSampler()
    study = ferrotune.create_study(sampler=PartialFixedSampler({"x": 1.25}, base))
    assert study.sampler._core_sampler is None
    study.optimize(objective, n_trials=3)
    assert [t.params for t in study.trials] == [{"x": 1.25, "y": -3, "c": "a"}] * 3
    assert base.after == 3


def test_out_of_range_numbers_warn_and_are_used():
    study = ferrotune.create_study(sampler=PartialFixedSampler({"y": 7}, RandomSampler(seed=0)))
    with pytest.warns(UserWarning, match="out of range"):
        study.optimize(objective, n_trials=1)
    assert study.trials[0].params["y"] == 7


def test_with_a_python_base_an_out_of_range_number_is_refused_by_name():
    # Values set from Python must lie inside their distribution (docs/optuna-differences.md).
    study = ferrotune.create_study(sampler=PartialFixedSampler({"y": 7}, ConstantSampler()))
    with pytest.warns(UserWarning, match="out of range"), pytest.raises(FerrotuneValueError, match="'y'"):
        study.optimize(objective, n_trials=1)


@pytest.mark.parametrize("base", [lambda: RandomSampler(seed=0), ConstantSampler])
def test_a_float_fixed_for_an_int_is_truncated_with_a_warning(base):
    study = ferrotune.create_study(sampler=PartialFixedSampler({"y": 0.5}, base()))
    with pytest.warns(UserWarning, match="out of range"):
        study.optimize(objective, n_trials=1)
    assert study.trials[0].params["y"] == 0


@pytest.mark.parametrize("base", [lambda: RandomSampler(seed=0), ConstantSampler])
def test_a_value_that_is_no_choice_is_refused(base):
    study = ferrotune.create_study(sampler=PartialFixedSampler({"c": "z"}, base()))
    with pytest.raises(ValueError, match=r"'c'|'z'"):
        study.optimize(objective, n_trials=1)


def test_bad_arguments_are_refused_by_name():
    with pytest.raises(FerrotuneTypeError, match="fixed_params"):
        PartialFixedSampler([("x", 1)], RandomSampler())  # type: ignore[arg-type]
    with pytest.raises(FerrotuneValueError, match="fixed_params"):
        PartialFixedSampler({1: 1}, RandomSampler())  # type: ignore[dict-item]
    with pytest.raises(FerrotuneTypeError, match="base_sampler"):
        PartialFixedSampler({"x": 1}, "tpe")  # type: ignore[arg-type]
    with pytest.raises(ferrotune.exceptions.InvalidDistributionError, match="fixed_params\\['x'\\]"):
        PartialFixedSampler({"x": [1, 2]}, RandomSampler())


def test_experimental_warning_pickle_and_assignment_to_a_study():
    with pytest.warns(ExperimentalWarning):
        s = PartialFixedSampler({"y": 1}, RandomSampler(seed=4))
    c = pickle.loads(pickle.dumps(s))
    assert c._fixed_params == {"y": 1} and c.seed == 4 and c._core_sampler is not None
    study = ferrotune.create_study(sampler=RandomSampler(seed=1))
    study.optimize(objective, n_trials=2)
    study.sampler = PartialFixedSampler({"y": 1}, study.sampler)
    study.optimize(objective, n_trials=2)
    assert [t.params["y"] for t in study.trials[2:]] == [1, 1]
