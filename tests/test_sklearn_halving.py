"""Successive halving: HalvingGridSearchCV against scikit-learn's, HalvingRandomSearchCV's draws,
and SearchCV(halving=...) with a model-based sampler whose study holds every iteration."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("sklearn")
pd = pytest.importorskip("pandas")
stats = pytest.importorskip("scipy.stats")

from sklearn.base import BaseEstimator, RegressorMixin  # noqa: E402
from sklearn.datasets import load_diabetes, load_iris  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.experimental import enable_halving_search_cv  # noqa: E402, F401
from sklearn.linear_model import Ridge, RidgeClassifier  # noqa: E402
from sklearn.model_selection import HalvingGridSearchCV as SkHalvingGrid  # noqa: E402
from sklearn.model_selection import HalvingRandomSearchCV as SkHalvingRandom  # noqa: E402
from sklearn.model_selection import KFold  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

from ferrotune.exceptions import FerrotuneTypeError, FerrotuneValueError  # noqa: E402
from ferrotune.samplers import TPESampler  # noqa: E402
from ferrotune.sklearn import Halving, HalvingGridSearchCV, HalvingRandomSearchCV, SearchCV  # noqa: E402
from ferrotune.sklearn._halving import keep_best  # noqa: E402
from ferrotune.trial import TrialState  # noqa: E402

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
GRID = [{"kernel": ["rbf"], "C": [0.1, 1, 10], "gamma": ["scale", 0.1]}, {"kernel": ["linear"], "C": [0.5, 5]}]
SCHEDULE = (
    "n_resources_",
    "n_candidates_",
    "n_iterations_",
    "n_possible_iterations_",
    "n_required_iterations_",
    "min_resources_",
    "max_resources_",
    "n_remaining_candidates_",
)


def _same_results(ours: dict, theirs: dict) -> None:
    assert list(ours) == list(theirs)
    a, b = pd.DataFrame(ours), pd.DataFrame(theirs)
    assert a.dtypes.equals(b.dtypes)
    keep = [c for c in a.columns if "time" not in c]
    pd.testing.assert_frame_equal(a[keep], b[keep])
    for key in ours:
        if key.startswith("param_"):
            np.testing.assert_array_equal(np.ma.getmaskarray(ours[key]), np.ma.getmaskarray(theirs[key]))


def _same_search(ours: HalvingGridSearchCV, theirs: SkHalvingGrid) -> None:
    _same_results(ours.cv_results_, theirs.cv_results_)
    for name in SCHEDULE:
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.best_index_ == theirs.best_index_
    assert ours.best_params_ == theirs.best_params_
    assert ours.best_score_ == pytest.approx(theirs.best_score_)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"cv": 3, "random_state": 0},
        {"cv": 3, "random_state": 1, "factor": 2, "aggressive_elimination": True, "return_train_score": False},
        {"cv": 3, "random_state": 0, "min_resources": 30, "scoring": "balanced_accuracy"},
        {"cv": KFold(3, shuffle=True, random_state=0), "random_state": 2, "min_resources": "smallest", "factor": 2.5},
        {"cv": 4, "random_state": 0, "max_resources": 120, "n_jobs": 2},
    ],
)
def test_halving_grid_equals_scikit_learn(kwargs: dict) -> None:
    ours = HalvingGridSearchCV(SVC(), GRID, **kwargs).fit(X_IRIS, Y_IRIS)
    theirs = SkHalvingGrid(SVC(), GRID, **kwargs).fit(X_IRIS, Y_IRIS)
    _same_search(ours, theirs)
    np.testing.assert_array_equal(ours.predict(X_IRIS), theirs.predict(X_IRIS))
    assert ours.cv_results_["iter"].tolist() == sorted(ours.cv_results_["iter"].tolist())


def test_halving_grid_over_an_estimator_parameter_equals_scikit_learn() -> None:
    grid = {"max_depth": [1, 2, 3, None], "min_samples_leaf": [1, 5]}
    kwargs = {"resource": "n_estimators", "max_resources": 30, "cv": 3, "factor": 2}
    ours = HalvingGridSearchCV(RandomForestClassifier(random_state=0), grid, **kwargs).fit(X_IRIS, Y_IRIS)
    theirs = SkHalvingGrid(RandomForestClassifier(random_state=0), grid, **kwargs).fit(X_IRIS, Y_IRIS)
    _same_search(ours, theirs)
    assert ours.n_resources_ == [3, 6, 12, 24]
    assert set(ours.cv_results_["param_n_estimators"].tolist()) == {3, 6, 12, 24}
    assert ours.best_estimator_.n_estimators == ours.best_params_["n_estimators"] == 24


def test_halving_grid_regression_with_default_cv() -> None:
    X, y = load_diabetes(return_X_y=True)
    grid = {"alpha": [0.01, 0.1, 1.0, 10.0, 100.0]}
    ours = HalvingGridSearchCV(Ridge(), grid, random_state=0).fit(X, y)
    theirs = SkHalvingGrid(Ridge(), grid, random_state=0).fit(X, y)
    _same_search(ours, theirs)


def test_the_study_holds_every_iteration() -> None:
    search = HalvingGridSearchCV(SVC(), GRID, cv=3, factor=2, random_state=0).fit(X_IRIS, Y_IRIS)
    results = search.cv_results_
    trials = search.study_.get_trials()
    assert len(trials) == search.n_candidates_[0] == 8
    last = search.n_iterations_ - 1
    for trial in trials:
        rows = [i for i in range(len(results["params"])) if search._candidate_trials[i].number == trial.number]
        # one step per iteration the candidate took part in, holding that iteration's mean test score
        assert sorted(trial.intermediate_values) == [int(results["iter"][i]) for i in rows]
        for i in rows:
            assert trial.intermediate_values[int(results["iter"][i])] == pytest.approx(results["mean_test_score"][i])
        if results["iter"][rows[-1]] == last:
            assert trial.state == TrialState.COMPLETE and trial.value == pytest.approx(results["mean_test_score"][rows[-1]])
        else:
            assert trial.state == TrialState.PRUNED
    assert search.best_trial_.number == search.study_.best_trial.number


def test_halving_random_draws_from_the_distributions() -> None:
    space = {"alpha": stats.loguniform(1e-2, 1e2), "tol": stats.uniform(1e-4, 1e-2), "fit_intercept": [True, False]}
    search = HalvingRandomSearchCV(
        RidgeClassifier(), space, n_candidates=150, cv=2, factor=3, random_state=0, return_train_score=False
    ).fit(X_IRIS, Y_IRIS)
    first = [p for p, it in zip(search.cv_results_["params"], search.cv_results_["iter"], strict=True) if it == 0]
    assert len(first) == search.n_candidates_[0] == 150
    c = np.array([p["alpha"] for p in first])
    assert stats.kstest(c, stats.loguniform(1e-2, 1e2).cdf).pvalue > 1e-3
    assert stats.kstest([p["tol"] for p in first], stats.uniform(1e-4, 1e-2).cdf).pvalue > 1e-3
    n_true = sum(p["fit_intercept"] for p in first)
    assert stats.binomtest(n_true, 150).pvalue > 1e-3
    # the same schedule as scikit-learn's for the same numbers
    theirs = SkHalvingRandom(RidgeClassifier(), space, n_candidates=150, cv=2, random_state=0).fit(X_IRIS, Y_IRIS)
    for name in SCHEDULE:
        assert getattr(search, name) == getattr(theirs, name), name


def test_halving_random_exhaust_fills_the_last_iteration() -> None:
    search = HalvingRandomSearchCV(SVC(), {"C": stats.loguniform(0.1, 10)}, cv=3, random_state=0).fit(X_IRIS, Y_IRIS)
    theirs = SkHalvingRandom(SVC(), {"C": stats.loguniform(0.1, 10)}, cv=3, random_state=0).fit(X_IRIS, Y_IRIS)
    assert search.min_resources_ == 18 and search.n_candidates_[0] == 150 // 18
    for name in SCHEDULE:
        assert getattr(search, name) == getattr(theirs, name), name
    assert list(search.cv_results_)[:2] == ["iter", "n_resources"]


def test_searchcv_halving_with_tpe() -> None:
    space = {"C": stats.loguniform(1e-2, 1e2), "gamma": stats.loguniform(1e-3, 1e1)}
    search = SearchCV(
        SVC(), space, n_trials=27, cv=3, sampler=TPESampler(seed=0, n_startup_trials=5), halving=Halving(factor=3), random_state=0
    )
    search.fit(X_IRIS, Y_IRIS)
    assert search.n_candidates_ == [27, 9, 3][: search.n_iterations_]
    assert search.n_resources_[-1] <= 150
    states = [t.state for t in search.study_.trials]
    assert states.count(TrialState.COMPLETE) == search.n_candidates_[-1]
    assert states.count(TrialState.PRUNED) == 27 - search.n_candidates_[-1]
    best = search.study_.best_trial
    assert best.params == {"C": search.best_params_["C"], "gamma": search.best_params_["gamma"]}
    assert best.value == pytest.approx(search.best_score_)
    assert search.score(X_IRIS, Y_IRIS) > 0.9


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 1), st.just(float("nan"))), min_size=1, max_size=30), st.integers(1, 40))
def test_keep_best_keeps_the_best(scores: list[float], k: int) -> None:
    arr = np.array(scores)
    kept = keep_best(arr, k)
    assert len(kept) == min(k, len(arr)) and len(set(kept.tolist())) == len(kept)
    dropped = np.setdiff1d(np.arange(len(arr)), kept)
    finite_dropped = arr[dropped][~np.isnan(arr[dropped])]
    if len(finite_dropped):
        # a NaN is kept only when nothing finite was dropped; a kept finite score beats every dropped one
        assert not np.isnan(arr[kept]).any()
        assert arr[kept].min() >= finite_dropped.max()
    assert list(arr[kept][~np.isnan(arr[kept])]) == sorted(arr[kept][~np.isnan(arr[kept])])


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda: HalvingGridSearchCV(SVC(), GRID, resource="n_trees", max_resources=10), FerrotuneValueError, "resource='n_trees'"),
        (lambda: HalvingGridSearchCV(SVC(), {"C": [1, 2]}, resource="C", max_resources=10), FerrotuneValueError, "searched parameter"),
        (lambda: HalvingGridSearchCV(SVC(), GRID, resource="C"), FerrotuneValueError, "max_resources='auto'"),
        (lambda: HalvingGridSearchCV(SVC(), GRID, min_resources=200, cv=3), FerrotuneValueError, "min_resources_=200"),
        (lambda: HalvingGridSearchCV(SVC(), GRID, factor=1), FerrotuneValueError, "factor"),
        (lambda: HalvingGridSearchCV(SVC(), GRID, min_resources="all"), FerrotuneValueError, "min_resources"),
        (lambda: HalvingGridSearchCV(SVC(), GRID, scoring=["accuracy", "f1_macro"], refit="accuracy"), FerrotuneValueError, "one metric"),
        (lambda: HalvingRandomSearchCV(SVC(), GRID, min_resources="exhaust"), FerrotuneValueError, "exhaust"),
        (lambda: SearchCV(SVC(), GRID, halving=True, timeout=5.0), FerrotuneValueError, "timeout"),
        (lambda: HalvingRandomSearchCV(SVC(), GRID, n_candidates="all"), FerrotuneValueError, "n_candidates must be"),
        (lambda: SearchCV(SVC(), GRID, halving="yes"), FerrotuneTypeError, "halving"),
    ],
)
def test_bad_halving_arguments_name_the_fix(make, error, words: str) -> None:
    with pytest.raises(error, match=words.replace("(", r"\(").replace("[", r"\[")):
        make().fit(X_IRIS, Y_IRIS)


def test_schedule_counts() -> None:
    search = HalvingGridSearchCV(SVC(), {"C": list(np.logspace(-2, 2, 10))}, cv=2, factor=2, min_resources=10, random_state=0)
    search.fit(X_IRIS, Y_IRIS)
    assert search.n_required_iterations_ == 1 + math.floor(math.log(10, 2))
    assert search.n_possible_iterations_ == 1 + math.floor(math.log(150 // 10, 2))
    assert search.n_candidates_ == [10, 5, 3, 2][: search.n_iterations_]
    assert search.n_resources_ == [10, 20, 40, 80][: search.n_iterations_]


class _Noop(RegressorMixin, BaseEstimator):
    """Fits nothing; scores by its parameter (with ties), so the schedule is all that is tested."""

    def __init__(self, a: int = 0, n_estimators: int = 1) -> None:
        self.a = a
        self.n_estimators = n_estimators

    def fit(self, X, y):
        return self

    def predict(self, X):
        return np.zeros(len(X))

    def score(self, X, y):
        return -abs(self.a % 7 - 3) + 0.01 * len(X)


@settings(max_examples=40, deadline=None)
@given(
    n_candidates=st.integers(1, 40),
    n_samples=st.integers(20, 400),
    factor=st.sampled_from([2, 2.5, 3, 4]),
    min_resources=st.one_of(st.sampled_from(["exhaust", "smallest"]), st.integers(4, 40)),
    aggressive=st.booleans(),
    resource=st.sampled_from(["n_samples", "n_estimators"]),
)
def test_schedule_and_selection_equal_scikit_learn(
    n_candidates: int, n_samples: int, factor: float, min_resources: int | str, aggressive: bool, resource: str
) -> None:
    X, y = np.zeros((n_samples, 1)), np.arange(float(n_samples))
    kwargs = {
        "factor": factor,
        "min_resources": min_resources,
        "aggressive_elimination": aggressive,
        "resource": resource,
        "max_resources": "auto" if resource == "n_samples" else 60,
        "cv": 2,
        "random_state": 0,
        "refit": False,
    }
    grid = {"a": list(range(n_candidates))}
    ours = HalvingGridSearchCV(_Noop(), grid, **kwargs)
    theirs = SkHalvingGrid(_Noop(), grid, **kwargs)
    try:
        theirs.fit(X, y)
    except ValueError:
        # scikit-learn refuses min_resources_ > max_resources_: so does ferrotune, saying so
        with pytest.raises(FerrotuneValueError, match="min_resources_="):
            ours.fit(X, y)
        return
    ours.fit(X, y)
    _same_search(ours, theirs)
