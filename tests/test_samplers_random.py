"""RandomSampler: reproducibility and the shape of its distributions.

The statistical checks run on fixed seeds, so they are deterministic; their thresholds
(p > 1e-4, several standard deviations) leave room for any reasonable seed too.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import ferrotune
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.samplers import RandomSampler

stats = pytest.importorskip("scipy.stats")

N = 4000


def _mixed(trial):
    return (
        trial.suggest_float("x", -3, 3)
        + trial.suggest_float("lr", 1e-4, 1, log=True)
        + trial.suggest_float("q", 0, 1, step=0.1)
        + trial.suggest_int("n", 0, 100, step=5)
        + trial.suggest_int("u", 1, 512, log=True)
        + len(trial.suggest_categorical("act", ["relu", "tanh", "gelu"]))
    )


def _params(seed, n_trials=30, n_jobs=1):
    s = ferrotune.create_study(sampler=RandomSampler(seed=seed))
    s.optimize(_mixed, n_trials=n_trials, n_jobs=n_jobs)
    return {t.number: t.params for t in s.trials}


def test_same_seed_gives_the_same_sequence():
    assert _params(123) == _params(123)


def test_same_seed_gives_the_same_params_with_threads():
    # values depend on (seed, trial number, name), not on which thread asked first
    assert _params(123, n_jobs=2) == _params(123)


def test_different_seeds_differ():
    a, b = _params(1), _params(2)
    assert all(a[i]["x"] != b[i]["x"] for i in a)


def test_seed_property_and_validation():
    assert RandomSampler(seed=7).seed == 7
    assert RandomSampler(seed=np.int64(7)).seed == 7
    assert RandomSampler(seed=2**64 - 1).seed == 2**64 - 1
    drawn = RandomSampler().seed
    assert isinstance(drawn, int) and 0 <= drawn < 2**64
    for bad in (-1, 2**64, 1.5, "1", True):
        with pytest.raises(FerrotuneValueError):
            RandomSampler(seed=bad)


def test_reseed_rng_draws_a_new_seed():
    s = RandomSampler(seed=7)
    s.reseed_rng()
    assert s.seed != 7


def _draw(objective, seed=0, n=N):
    s = ferrotune.create_study(sampler=RandomSampler(seed=seed))
    s.optimize(objective, n_trials=n)
    return s.trials


def test_uniform_float():
    vs = np.array([t.params["x"] for t in _draw(lambda t: t.suggest_float("x", -2.0, 6.0))])
    assert vs.min() >= -2.0 and vs.max() <= 6.0
    assert stats.kstest(vs, stats.uniform(loc=-2.0, scale=8.0).cdf).pvalue > 1e-4
    # sd of the mean is 8 / sqrt(12 * 4000) ~ 0.037
    assert abs(vs.mean() - 2.0) < 0.2
    assert np.allclose(np.quantile(vs, [0.1, 0.5, 0.9]), [-1.2, 2.0, 5.2], atol=0.25)


def test_log_float_is_uniform_in_log_space():
    vs = np.array([t.params["lr"] for t in _draw(lambda t: t.suggest_float("lr", 1e-5, 1e-1, log=True))])
    assert vs.min() >= 1e-5 and vs.max() <= 1e-1
    logs = np.log10(vs)
    assert stats.kstest(logs, stats.uniform(loc=-5.0, scale=4.0).cdf).pvalue > 1e-4
    # a linear-uniform draw would put ~99.9% of the mass above 1e-4
    assert 0.2 < np.mean(vs < 1e-4) < 0.3


def test_stepped_float_is_uniform_over_its_grid():
    vs = np.array([t.params["q"] for t in _draw(lambda t: t.suggest_float("q", 0.5, 2.5, step=0.25))])
    k = (vs - 0.5) / 0.25
    assert np.all(np.abs(k - np.round(k)) < 1e-9)
    counts = np.bincount(np.round(k).astype(int), minlength=9)
    assert len(counts) == 9 and counts.min() > 0  # both ends of the grid are reachable
    assert stats.chisquare(counts).pvalue > 1e-4


def test_int_is_uniform_over_its_grid():
    vs = np.array([t.params["n"] for t in _draw(lambda t: t.suggest_int("n", -6, 12, step=3))])
    assert set(vs.tolist()) == set(range(-6, 13, 3))
    counts = np.array([np.sum(vs == v) for v in range(-6, 13, 3)])
    assert stats.chisquare(counts).pvalue > 1e-4


def test_log_int_follows_the_log_scale():
    vs = np.array([t.params["u"] for t in _draw(lambda t: t.suggest_int("u", 1, 1000, log=True))])
    assert vs.min() >= 1 and vs.max() <= 1000
    # each integer gets the log-mass of its rounding cell [v - 0.5, v + 0.5]
    expected = math.log(9.5 / 0.5) / math.log(1000.5 / 0.5)
    assert abs(np.mean(vs <= 9) - expected) < 0.03


def test_categorical_choices_are_equally_likely():
    choices = ["a", "b", "c", "d", None]
    vs = [t.params["c"] for t in _draw(lambda t: t.suggest_categorical("c", choices))]
    counts = np.array([sum(v == c for v in vs) for c in choices])
    assert counts.sum() == N
    assert stats.chisquare(counts).pvalue > 1e-4


def test_parameters_are_independent():
    trials = _draw(lambda t: t.suggest_float("a", 0, 1) + t.suggest_float("b", 0, 1), n=2000)
    a = np.array([t.params["a"] for t in trials])
    b = np.array([t.params["b"] for t in trials])
    # |r| of independent samples has sd 1 / sqrt(2000) ~ 0.022
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.1


def _distance_to_two(trial):
    x = trial.suggest_float("x", -10, 10)
    return (x - 2) ** 2


def test_random_search_finds_the_optimum_of_a_quadratic():
    s = ferrotune.create_study(sampler=RandomSampler(seed=3))
    s.optimize(_distance_to_two, n_trials=300)
    # P(no draw within 0.7 of the optimum in 300 uniform draws on [-10, 10]) < 1e-9
    assert s.best_value < 0.5
    assert abs(s.best_params["x"] - 2) < 0.71


def test_very_wide_float_range_is_sampled_across_the_range():
    vs = np.array([t.params["x"] for t in _draw(lambda t: t.suggest_float("x", -1e308, 1e308), n=200)])
    assert vs.min() >= -1e308 and vs.max() <= 1e308
    assert 0.3 < np.mean(vs < 0) < 0.7
