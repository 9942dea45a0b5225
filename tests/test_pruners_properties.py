"""Properties of every pruner over random learning curves: no pruning before the warm-up, and
never pruning a curve that is the best so far at every step."""

from __future__ import annotations

import math

import pytest
from _pruning import run
from hypothesis import given, settings
from hypothesis import strategies as st

import ferrotune
from ferrotune.pruners import (
    HyperbandPruner,
    MedianPruner,
    PatientPruner,
    PercentilePruner,
    SuccessiveHalvingPruner,
    ThresholdPruner,
    WilcoxonPruner,
)

# Wilcoxon's "NaN: will not prune" warnings are expected with these curves.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

values = st.floats(-10, 10, allow_nan=False) | st.just(math.nan)
curve_sets = st.integers(1, 10).flatmap(lambda n: st.lists(st.lists(values, min_size=n, max_size=n), min_size=1, max_size=8))
directions = st.sampled_from(["minimize", "maximize"])
SETTINGS = settings(max_examples=60, deadline=None)


def _first_prune_index(pruner, curves, direction, workers=1, seed=0):
    return [p for _, p in run(ferrotune, pruner, curves, direction=direction, workers=workers, seed=seed) if p is not None]


@SETTINGS
@given(curve_sets, directions, st.integers(0, 6), st.integers(1, 3), st.integers(0, 3), st.floats(0, 100))
def test_percentile_pruners_never_prune_during_warmup(curves, direction, warmup, interval, startup, percentile):
    pruned = _first_prune_index(PercentilePruner(percentile, startup, warmup, interval), curves, direction)
    assert all(p >= warmup for p in pruned)


@SETTINGS
@given(curve_sets, directions, st.integers(0, 6), st.integers(1, 3))
def test_threshold_pruner_never_prunes_during_warmup(curves, direction, warmup, interval):
    pruned = _first_prune_index(ThresholdPruner(lower=-1.0, upper=1.0, n_warmup_steps=warmup, interval_steps=interval), curves, direction)
    assert all(p >= warmup for p in pruned)


@SETTINGS
@given(curve_sets, directions, st.integers(1, 3), st.integers(2, 4), st.integers(0, 2), st.integers(0, 3), st.integers(1, 3))
def test_successive_halving_never_prunes_before_the_first_rung(curves, direction, min_resource, eta, rate, bootstrap, workers):
    pruned = _first_prune_index(SuccessiveHalvingPruner(min_resource, eta, rate, bootstrap), curves, direction, workers)
    assert all(p >= min_resource * eta**rate for p in pruned)


@SETTINGS
@given(curve_sets, directions, st.integers(1, 3), st.integers(2, 4), st.integers(1, 3))
def test_hyperband_never_prunes_before_min_resource(curves, direction, min_resource, eta, workers):
    pruned = _first_prune_index(HyperbandPruner(min_resource, "auto", eta), curves, direction, workers)
    assert all(p >= min_resource for p in pruned)


@SETTINGS
@given(curve_sets, directions, st.integers(0, 5))
def test_patient_pruner_waits_for_patience_plus_two_reports(curves, direction, patience):
    pruned = _first_prune_index(PatientPruner(None, patience), curves, direction)
    assert all(p >= patience + 1 for p in pruned)


@SETTINGS
@given(curve_sets, directions, st.integers(0, 6), st.floats(0.0, 1.0))
def test_wilcoxon_pruner_waits_for_its_startup_steps(curves, direction, n_startup_steps, p_threshold):
    pruned = _first_prune_index(WilcoxonPruner(p_threshold=p_threshold, n_startup_steps=n_startup_steps), curves, direction)
    assert all(p + 1 >= max(2, n_startup_steps) for p in pruned)


def _with_best_curve(curves, direction, margins):
    """Appends a curve at least as good as every earlier curve at every step (no NaN)."""
    n = len(curves[0])
    pick = min if direction == "minimize" else max
    sign = -1.0 if direction == "minimize" else 1.0
    best = []
    for s in range(n):
        column = [c[s] for c in curves if not math.isnan(c[s])]
        base = pick(column) if column else 0.0
        best.append(base + sign * margins[s % len(margins)])
    return curves + [best]


PRUNERS = [
    lambda: MedianPruner(0),
    lambda: PercentilePruner(10.0, 0),
    lambda: PercentilePruner(90.0, 1, n_min_trials=2),
    lambda: SuccessiveHalvingPruner(1, 2),
    lambda: SuccessiveHalvingPruner(1, 3, 1),
    lambda: HyperbandPruner(1, 9, 3),
    lambda: WilcoxonPruner(p_threshold=0.5, n_startup_steps=0),
]


@settings(max_examples=40, deadline=None)
@given(curve_sets, directions, st.lists(st.floats(0, 1), min_size=1, max_size=3), st.integers(0, len(PRUNERS) - 1))
def test_the_best_curve_so_far_is_never_pruned(curves, direction, margins, which):
    trials = _with_best_curve(curves, direction, margins)
    log = run(ferrotune, PRUNERS[which](), trials, direction=direction, final="mean")
    assert log[-1] == (len(trials) - 1, None)
