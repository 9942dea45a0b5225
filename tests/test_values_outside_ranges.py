"""Values the user fixed outside a suggested range (enqueued or from a grid) are used as given,
with a warning, as Optuna does; every sampler must then go on proposing values inside the
ranges from a history that holds them."""

from __future__ import annotations

import math
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ferrotune
from ferrotune.samplers import CmaEsSampler, GPSampler, QMCSampler, RandomSampler, TPESampler
from ferrotune.trial import TrialState

SAMPLERS = {
    "tpe": lambda: TPESampler(seed=0, n_startup_trials=3),
    "tpe-multivariate": lambda: TPESampler(seed=0, n_startup_trials=3, multivariate=True),
    "gp": lambda: GPSampler(seed=0, n_startup_trials=3),
    "qmc": lambda: QMCSampler(seed=0),
    "cmaes": lambda: CmaEsSampler(seed=0, popsize=4),
    "random": lambda: RandomSampler(seed=0),
}


def objective(trial):
    x = trial.suggest_float("x", -1, 1)
    lr = trial.suggest_float("lr", 1e-3, 1e-1, log=True)
    n = trial.suggest_int("n", 0, 8, step=2)
    k = trial.suggest_int("k", 1, 64, log=True)
    return x * x + math.log(lr) ** 2 / 100 + abs(n - 4) + abs(math.log2(k) - 3)


def inside(params):
    return -1 <= params["x"] <= 1 and 1e-3 <= params["lr"] <= 1e-1 and params["n"] in (0, 2, 4, 6, 8) and 1 <= params["k"] <= 64


outside_points = st.fixed_dictionaries(
    {
        "x": st.floats(-100, 100, allow_nan=False),
        "lr": st.floats(1e-6, 10.0),
        "n": st.integers(-20, 20),
        "k": st.integers(1, 1000),
    }
)


@pytest.mark.parametrize("name", sorted(SAMPLERS))
@settings(max_examples=4, deadline=None)
@given(points=st.lists(outside_points, min_size=1, max_size=3))
def test_samplers_keep_to_the_ranges_after_values_outside_them(name, points):
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    study = ferrotune.create_study(sampler=SAMPLERS[name]())
    for p in points:
        study.enqueue_trial(p)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the "used as given" warnings
        study.optimize(objective, n_trials=len(points) + 8)
    trials = study.trials
    assert all(t.state == TrialState.COMPLETE for t in trials), [(t.state, t.system_attrs) for t in trials]
    assert [t.params for t in trials[: len(points)]] == [{**p, "x": float(p["x"]), "lr": float(p["lr"])} for p in points]
    assert all(inside(t.params) for t in trials[len(points) :]), [t.params for t in trials[len(points) :]]
