"""scikit-learn's own estimator checks, and a model-based sampler against random at equal budget."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")
stats = pytest.importorskip("scipy.stats")

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.svm import SVC  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from ferrotune.samplers import RandomSampler, TPESampler  # noqa: E402
from ferrotune.sklearn import GridSearchCV, HalvingGridSearchCV, HalvingRandomSearchCV, SearchCV  # noqa: E402


@parametrize_with_checks(
    [
        SearchCV(LogisticRegression(), {"C": stats.loguniform(0.1, 10)}, n_trials=2, cv=2),
        GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=2),
        HalvingGridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=2, min_resources="smallest"),
        HalvingRandomSearchCV(LogisticRegression(), {"C": stats.loguniform(0.1, 10)}, n_candidates=2, cv=2),
    ]
)
def test_scikit_learn_estimator_checks(estimator, check) -> None:
    check(estimator)


def test_tpe_finds_better_models_than_random_at_equal_budget() -> None:
    # SVC on digits: only a narrow band of gamma scores well, which a model of the space finds
    X, y = load_digits(return_X_y=True)
    X, y = X[:400], y[:400]
    space = {"C": stats.loguniform(1e-3, 1e3), "gamma": stats.loguniform(1e-6, 1e1)}
    best = {"random": [], "tpe": []}
    for seed in range(3):
        for name, sampler in (("random", RandomSampler(seed=seed)), ("tpe", TPESampler(seed=seed))):
            search = SearchCV(SVC(), space, n_trials=25, cv=3, sampler=sampler, refit=False).fit(X, y)
            best[name].append(search.best_score_)
    assert np.mean(best["tpe"]) > np.mean(best["random"])
    assert all(t >= r - 0.005 for t, r in zip(best["tpe"], best["random"], strict=True))
