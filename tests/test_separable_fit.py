"""additive_fit_r2: AutoSampler's test of whether a sum of one-parameter terms explains the values."""

from __future__ import annotations

import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from ferrotune.distributions import FloatDistribution, IntDistribution
from ferrotune.samplers._separable import additive_fit_r2
from ferrotune.trial import FrozenTrial, TrialState, create_trial


def _trials(f, n: int, seed: int = 0, log: bool = False) -> list[FrozenTrial]:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    dists = {
        "a": FloatDistribution(1e-3, 1e3, log=True) if log else FloatDistribution(-2, 2),
        "b": FloatDistribution(-2, 2),
        "c": IntDistribution(0, 10),
    }
    out = []
    for _ in range(n):
        p = {
            "a": math.exp(rng.uniform(math.log(1e-3), math.log(1e3))) if log else rng.uniform(-2, 2),
            "b": rng.uniform(-2, 2),
            "c": rng.randint(0, 10),
        }
        out.append(create_trial(params=p, distributions=dists, value=f(p), state=TrialState.COMPLETE))
    return out


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-3, 3), min_size=12, max_size=12), st.integers(0, 1000))
def test_a_separable_quartic_is_explained(coef: list[float], seed: int) -> None:
    # any sum of one quartic per parameter (here in the unit-mapped coordinates) is fitted exactly
    def f(p: dict[str, float]) -> float:
        u = [p["a"] / 2, p["b"] / 2, p["c"] / 5 - 1]
        return sum(coef[4 * j + k] * u[j] ** (k + 1) for j in range(3) for k in range(4)) + 1e-3 * u[0]

    assert additive_fit_r2(_trials(f, 40, seed)) > 0.999


def test_log_parameters_are_mapped_on_the_log_scale() -> None:
    # separable in log10(a): explained only if the fit reads a on its log scale
    assert additive_fit_r2(_trials(lambda p: math.log10(p["a"]) ** 2 + p["b"], 40, log=True)) > 0.999


def test_interactions_and_ripples_are_not_explained() -> None:
    assert additive_fit_r2(_trials(lambda p: p["a"] * p["b"], 60)) < 0.5
    rugged = additive_fit_r2(_trials(lambda p: p["a"] ** 2 + 10 * (1 - math.cos(2 * math.pi * p["b"])), 60))
    assert rugged < 0.9  # ripples of period a quarter of the range: no quartic follows them


def test_too_few_trials_or_flat_values_tell_nothing() -> None:
    # 3 parameters: 13 coefficients, so 23 trials are needed
    assert additive_fit_r2(_trials(lambda p: p["a"] ** 2, 22)) == -math.inf
    assert additive_fit_r2(_trials(lambda p: p["a"] ** 2, 23)) > 0.999
    assert additive_fit_r2(_trials(lambda p: 1.0, 40)) == -math.inf
    assert additive_fit_r2(_trials(lambda p: math.inf if p["b"] > 1.9 else p["b"], 200)) == -math.inf
    assert additive_fit_r2([]) == -math.inf
