"""Every built-in sampler's hooks, called by hand on a trial the study has just asked.

Optuna's shared sampler tests (tests/samplers_tests/test_samplers.py) make such trials through
its storage interface, so the Optuna suite sets them aside (docs/optuna-test-suite.md); these
are the same checks with the trial made by ``study.ask()``: each value lies inside its
distribution, on its step, and is a plain Python ``int``/``float``/choice, never a NumPy scalar.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import ferrotune
from ferrotune.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution
from ferrotune.samplers import (
    BaseSampler,
    CmaEsSampler,
    GPSampler,
    NSGAIIISampler,
    NSGAIISampler,
    QMCSampler,
    RandomSampler,
    TPESampler,
)
from ferrotune.study import Study
from ferrotune.trial import FrozenTrial

SINGLE: dict[str, Callable[[], BaseSampler]] = {
    "random": lambda: RandomSampler(seed=0),
    "tpe": lambda: TPESampler(n_startup_trials=0, seed=0),
    "tpe-univariate": lambda: TPESampler(n_startup_trials=0, multivariate=False, seed=0),
    "cmaes": lambda: CmaEsSampler(n_startup_trials=0, seed=0),
    "cmaes-separable": lambda: CmaEsSampler(n_startup_trials=0, use_separable_cma=True, seed=0),
    "nsgaii": lambda: NSGAIISampler(seed=0),
    "nsgaiii": lambda: NSGAIIISampler(seed=0),
    "qmc": lambda: QMCSampler(seed=0),
    "gp": lambda: GPSampler(n_startup_trials=0, seed=0),
    "gp-deterministic": lambda: GPSampler(n_startup_trials=0, deterministic_objective=True, seed=0),
}
RELATIVE = ("tpe", "cmaes", "cmaes-separable", "qmc", "gp", "gp-deterministic")
MULTI: dict[str, Callable[[], BaseSampler]] = {
    "nsgaii": lambda: NSGAIISampler(seed=0),
    "nsgaiii": lambda: NSGAIIISampler(seed=0),
    "tpe": lambda: TPESampler(n_startup_trials=0, seed=0),
    "gp": lambda: GPSampler(seed=0),
    "gp-deterministic": lambda: GPSampler(deterministic_objective=True, seed=0),
}

DISTRIBUTIONS: list[BaseDistribution] = [
    FloatDistribution(-1.0, 1.0),
    FloatDistribution(1e-7, 1.0, log=True),
    FloatDistribution(-10.2, 10.2, step=0.1),
    IntDistribution(-10, 0, step=2),
    IntDistribution(1, 100, log=True),
    CategoricalDistribution((1, "a")),
]


def _sampler(make: Callable[[], BaseSampler]) -> BaseSampler:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # experimental-feature warnings of some samplers
        return make()


def _fresh_trial(study: Study) -> FrozenTrial:
    """A running trial, as the hooks see it: asked, then read back from the study."""
    number = study.ask().number
    return next(t for t in study.get_trials(deepcopy=False) if t.number == number)


def _assert_valid(value: Any, dist: BaseDistribution) -> None:
    assert not isinstance(value, (np.floating, np.integer))
    if isinstance(dist, CategoricalDistribution):
        assert any(type(value) is type(c) and value == c for c in dist.choices)
        return
    assert isinstance(dist, (FloatDistribution, IntDistribution))
    assert type(value) is (int if isinstance(dist, IntDistribution) else float)
    assert dist.low <= value <= dist.high
    if dist.step is not None:
        k = (value - dist.low) / dist.step
        assert math.isclose(k, round(k), abs_tol=1e-8)


@pytest.mark.parametrize("dist", DISTRIBUTIONS, ids=repr)
@pytest.mark.parametrize("name", list(SINGLE))
def test_sample_independent_by_hand(name: str, dist: BaseDistribution) -> None:
    study = ferrotune.create_study(sampler=_sampler(SINGLE[name]))
    for _ in range(20):
        _assert_valid(study.sampler.sample_independent(study, _fresh_trial(study), "x", dist), dist)


@pytest.mark.parametrize("dist", DISTRIBUTIONS, ids=repr)
@pytest.mark.parametrize("name", list(MULTI))
def test_sample_independent_by_hand_two_objectives(name: str, dist: BaseDistribution) -> None:
    study = ferrotune.create_study(directions=["minimize", "maximize"], sampler=_sampler(MULTI[name]))
    for _ in range(20):
        _assert_valid(study.sampler.sample_independent(study, _fresh_trial(study), "x", dist), dist)


@pytest.mark.parametrize("name", RELATIVE)
def test_sample_relative_by_hand(name: str) -> None:
    space: dict[str, BaseDistribution] = {"x": FloatDistribution(-10, 10, step=0.5), "y": IntDistribution(1, 100, log=True)}
    study = ferrotune.create_study(sampler=_sampler(SINGLE[name]))
    first = study.ask(space)
    study.tell(first, sum(first.params.values()))
    for _ in range(5):
        params = study.sampler.sample_relative(study, _fresh_trial(study), space)
        assert set(params) == set(space)
        for key, dist in space.items():
            _assert_valid(params[key], dist)


def test_cmaes_refuses_two_objectives_when_asked() -> None:
    # Optuna's ask() succeeds and the first suggestion raises, failing the trial; ferrotune makes
    # the joint proposal when the trial is created, so ask() raises, and the trial is failed as
    # in Optuna (docs/optuna-differences.md).
    study = ferrotune.create_study(directions=["maximize", "maximize"], sampler=CmaEsSampler(n_startup_trials=0))
    with pytest.raises(ValueError, match=r"multi-objective.*NSGAIISampler"):
        study.ask()
    assert [t.state for t in study.trials] == [ferrotune.trial.TrialState.FAIL]


@pytest.mark.parametrize("name", RELATIVE)
def test_sample_relative_by_hand_answers_for_the_inferred_space(name: str) -> None:
    # A parameter the sampler does not infer (here one no trial has) gets no joint proposal, where
    # Optuna's TPE, QMC and CMA-ES propose it too (docs/optuna-differences.md).
    study = ferrotune.create_study(sampler=_sampler(SINGLE[name]))
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("y", 0, 1), n_trials=3)
    trial = _fresh_trial(study)
    assert set(study.sampler.infer_relative_search_space(study, trial)) == {"x", "y"}
    space: dict[str, BaseDistribution] = {
        "x": FloatDistribution(0, 1),
        "new": FloatDistribution(0, 1),
        "c": CategoricalDistribution(["a", "b"]),
    }
    assert set(study.sampler.sample_relative(study, trial, space)) == {"x"}
