"""Pruning across folds: each fold's running mean is a step; a pruned candidate stops early."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import ferrotune
from ferrotune.pruners import MedianPruner, ThresholdPruner
from ferrotune.sklearn import GridSearchCV, SearchCV
from ferrotune.trial import TrialState

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
# C=1e-6 shrinks every coefficient to zero: about one class predicted, accuracy near 1/3
GRID = {"C": [1.0, 1e-6]}


def test_threshold_pruner_stops_a_bad_candidate_after_its_first_fold() -> None:
    search = GridSearchCV(LogisticRegression(max_iter=1000), GRID, cv=3, pruner=ThresholdPruner(lower=0.5)).fit(X_IRIS, Y_IRIS)
    results = search.cv_results_
    assert [t.state for t in search.trials_] == [TrialState.COMPLETE, TrialState.PRUNED]
    assert results["split0_test_score"][1] < 0.5
    assert np.isnan(results["split1_test_score"][1]) and np.isnan(results["split2_test_score"][1])
    assert np.isnan(results["mean_test_score"][1]) and np.isnan(results["mean_fit_time"][1])
    assert results["rank_test_score"].tolist() == [1, 2]
    assert search.best_params_ == {"C": 1.0}
    # the steps are the running mean over the folds run so far
    good, bad = search.trials_
    assert good.intermediate_values == pytest.approx(
        {0: results["split0_test_score"][0], 1: (results["split0_test_score"][0] + results["split1_test_score"][0]) / 2}
    )
    assert bad.intermediate_values == {0: results["split0_test_score"][1]}
    assert good.value == pytest.approx(results["mean_test_score"][0])


def test_median_pruner_compares_at_the_same_fold() -> None:
    search = GridSearchCV(
        LogisticRegression(max_iter=1000), {"C": [1.0, 1e-6, 10.0]}, cv=3, pruner=MedianPruner(n_startup_trials=1, n_warmup_steps=0)
    ).fit(X_IRIS, Y_IRIS)
    assert [t.state for t in search.trials_] == [TrialState.COMPLETE, TrialState.PRUNED, TrialState.COMPLETE]
    assert sum(np.isfinite(search.cv_results_[f"split{k}_test_score"]).sum() for k in range(3)) == 7


def test_no_pruner_no_pruning_and_a_study_brings_its_own() -> None:
    plain = GridSearchCV(LogisticRegression(max_iter=1000), GRID, cv=3).fit(X_IRIS, Y_IRIS)
    assert all(t.state == TrialState.COMPLETE for t in plain.trials_)
    assert np.isfinite(plain.cv_results_["mean_test_score"]).all()
    study = ferrotune.create_study(direction="maximize", pruner=ThresholdPruner(lower=0.5))
    search = SearchCV(LogisticRegression(max_iter=1000), GRID, n_trials=6, cv=3, study=study).fit(X_IRIS, Y_IRIS)
    pruned = [t for t in search.trials_ if t.state == TrialState.PRUNED]
    assert pruned and all(t.params["C"] == 1e-6 for t in pruned)
    assert all(t.params["C"] == 1.0 for t in search.trials_ if t.state == TrialState.COMPLETE)
