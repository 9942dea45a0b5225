"""ferrotune.sklearn's searches against scikit-learn's own: cv_results_, refit, scoring, cv."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")
pd = pytest.importorskip("pandas")

from sklearn import model_selection as sk  # noqa: E402
from sklearn.base import BaseEstimator, ClassifierMixin, clone  # noqa: E402
from sklearn.datasets import load_iris, make_classification  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.exceptions import FitFailedWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

import ferrotune  # noqa: E402
from ferrotune.samplers import RandomSampler  # noqa: E402
from ferrotune.sklearn import GridSearchCV, RandomizedSearchCV, SearchCV  # noqa: E402

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
GRID = [{"kernel": ["rbf"], "C": [0.1, 1, 10], "gamma": ["scale", 0.1]}, {"kernel": ["linear"], "C": [0.5, 5]}]


def _frame(results: dict) -> pd.DataFrame:
    frame = pd.DataFrame(results)
    return frame[[c for c in frame.columns if "time" not in c]]


def _same_results(ours: dict, theirs: dict) -> None:
    assert list(ours) == list(theirs)
    a, b = pd.DataFrame(ours), pd.DataFrame(theirs)
    assert a.dtypes.equals(b.dtypes)
    pd.testing.assert_frame_equal(_frame(ours), _frame(theirs))
    for key in ours:
        if key.startswith("param_"):
            np.testing.assert_array_equal(np.ma.getmaskarray(ours[key]), np.ma.getmaskarray(theirs[key]))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"cv": 3},
        {"cv": 3, "return_train_score": True},
        {"cv": KFold(4, shuffle=True, random_state=0)},
        {"cv": [(np.arange(0, 100), np.arange(100, 150)), (np.arange(50, 150), np.arange(0, 50))]},
        {"cv": 3, "scoring": ["accuracy", "f1_macro"], "refit": "f1_macro", "return_train_score": True},
        {"cv": 3, "scoring": {"acc": "accuracy", "bal": "balanced_accuracy"}, "refit": False},
    ],
)
def test_grid_cv_results_equal_scikit_learn(kwargs: dict) -> None:
    ours = GridSearchCV(SVC(), GRID, **kwargs).fit(X_IRIS, Y_IRIS)
    theirs = sk.GridSearchCV(SVC(), GRID, **kwargs).fit(X_IRIS, Y_IRIS)
    _same_results(ours.cv_results_, theirs.cv_results_)
    assert ours.n_splits_ == theirs.n_splits_ and ours.multimetric_ == theirs.multimetric_
    if kwargs.get("refit", True):
        assert ours.best_index_ == theirs.best_index_
        assert ours.best_params_ == theirs.best_params_
        assert ours.best_score_ == pytest.approx(theirs.best_score_)
        np.testing.assert_array_equal(ours.predict(X_IRIS), theirs.predict(X_IRIS))
        assert ours.score(X_IRIS, Y_IRIS) == pytest.approx(theirs.score(X_IRIS, Y_IRIS))
    else:
        assert not hasattr(ours, "best_estimator_") and not hasattr(ours, "best_index_")
        with pytest.raises(AttributeError):
            ours.predict(X_IRIS)


def test_grid_with_objects_and_threads_equals_scikit_learn() -> None:
    # values that a ferrotune categorical cannot hold (estimators, tuples) go by index
    pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=2000))])
    grid = {"scale": [StandardScaler(), "passthrough"], "clf__C": [0.01, 1.0], "clf__class_weight": [None, {0: 1, 1: 2, 2: 1}]}
    ours = GridSearchCV(pipe, grid, cv=3, n_jobs=2).fit(X_IRIS, Y_IRIS)
    theirs = sk.GridSearchCV(pipe, grid, cv=3).fit(X_IRIS, Y_IRIS)
    assert [str(p) for p in ours.cv_results_["params"]] == [str(p) for p in theirs.cv_results_["params"]]
    for key in ("mean_test_score", "rank_test_score", "split2_test_score"):
        np.testing.assert_array_equal(ours.cv_results_[key], theirs.cv_results_[key])
    assert ours.best_estimator_.named_steps["clf"].C == theirs.best_estimator_.named_steps["clf"].C


def test_delegated_methods_use_the_best_estimator() -> None:
    search = SearchCV(LogisticRegression(), {"C": [0.5, 2.0]}, n_trials=3, cv=3, random_state=0)
    search.fit(X_IRIS, Y_IRIS)
    best = search.best_estimator_
    np.testing.assert_array_equal(search.predict(X_IRIS), best.predict(X_IRIS))
    np.testing.assert_allclose(search.predict_proba(X_IRIS), best.predict_proba(X_IRIS))
    np.testing.assert_allclose(search.predict_log_proba(X_IRIS), best.predict_log_proba(X_IRIS))
    svc = SearchCV(SVC(), {"C": [0.5, 2.0]}, n_trials=2, cv=3, random_state=0).fit(X_IRIS, Y_IRIS)
    np.testing.assert_allclose(svc.decision_function(X_IRIS), svc.best_estimator_.decision_function(X_IRIS))
    np.testing.assert_array_equal(search.classes_, [0, 1, 2])
    assert search.n_features_in_ == 4
    pca = GridSearchCV(PCA(), {"n_components": [1, 2]}, cv=3).fit(X_IRIS)
    np.testing.assert_allclose(pca.transform(X_IRIS), pca.best_estimator_.transform(X_IRIS))
    theirs = sk.GridSearchCV(PCA(), {"n_components": [1, 2]}, cv=3).fit(X_IRIS)  # unsupervised: PCA's own score
    _same_results(pca.cv_results_, theirs.cv_results_)


def test_refit_callable_picks_the_index() -> None:
    def simplest_within_a_std(results: dict) -> int:
        best = np.argmax(results["mean_test_score"])
        good = results["mean_test_score"] >= results["mean_test_score"][best] - results["std_test_score"][best]
        return int(np.flatnonzero(good)[np.argmin(np.asarray(results["param_C"])[good])])

    ours = GridSearchCV(LogisticRegression(), {"C": [0.01, 0.1, 1, 10]}, cv=3, refit=simplest_within_a_std).fit(X_IRIS, Y_IRIS)
    theirs = sk.GridSearchCV(LogisticRegression(), {"C": [0.01, 0.1, 1, 10]}, cv=3, refit=simplest_within_a_std).fit(X_IRIS, Y_IRIS)
    assert ours.best_index_ == theirs.best_index_
    assert ours.best_params_ == theirs.best_params_
    assert not hasattr(ours, "best_score_")
    assert ours.best_params_["C"] == ours.best_estimator_.C


def test_multimetric_refit_must_name_a_metric() -> None:
    search = SearchCV(LogisticRegression(), {"C": [1.0]}, scoring=["accuracy", "f1_macro"], n_trials=1)
    with pytest.raises(ValueError, match="refit must be set to a scorer key"):
        search.fit(X_IRIS, Y_IRIS)


def test_multimetric_optimizes_the_refit_metric() -> None:
    search = SearchCV(
        LogisticRegression(), {"C": [0.01, 1.0]}, scoring={"a": "accuracy", "b": "neg_log_loss"}, refit="b", n_trials=4, cv=3
    ).fit(X_IRIS, Y_IRIS)
    values = {t.number: t.value for t in search.trials_}
    for number, mean in zip(
        [t.number for t in sorted(search.trials_, key=lambda t: t.number)], search.cv_results_["mean_test_b"], strict=True
    ):
        assert values[number] == pytest.approx(mean)
    assert search.best_score_ == max(search.cv_results_["mean_test_b"])
    assert search.best_trial_.value == search.best_score_
    assert search.best_trial_.user_attrs["mean_test_b"] == pytest.approx(search.best_score_)
    assert len(search.trials_dataframe()) == 4


class _FailsAbove(ClassifierMixin, BaseEstimator):
    """Fails to fit when ``C`` exceeds 1 (to exercise ``error_score``)."""

    def __init__(self, C: float = 1.0) -> None:
        self.C = C

    def fit(self, X, y):
        if self.C > 1:
            raise ValueError("C too large")
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def test_error_score_sets_failed_folds_and_warns() -> None:
    grid = {"C": [0.5, 2.0]}
    with pytest.warns(FitFailedWarning, match="3 fits failed out of a total of 6"):
        ours = GridSearchCV(_FailsAbove(), grid, cv=3, error_score=-1.0).fit(X_IRIS, Y_IRIS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = sk.GridSearchCV(_FailsAbove(), grid, cv=3, error_score=-1.0).fit(X_IRIS, Y_IRIS)
    _same_results(ours.cv_results_, theirs.cv_results_)
    assert ours.cv_results_["split1_test_score"][1] == -1.0
    with pytest.raises(ValueError, match="C too large"):
        GridSearchCV(_FailsAbove(), grid, cv=3, error_score="raise").fit(X_IRIS, Y_IRIS)
    with pytest.raises(ValueError, match="All the 3 fits failed"):
        GridSearchCV(_FailsAbove(), {"C": [5.0]}, cv=3).fit(X_IRIS, Y_IRIS)


def test_fit_params_and_groups_are_split() -> None:
    X, y = make_classification(60, 5, random_state=0)
    weights = np.where(y == 1, 3.0, 1.0)
    groups = np.arange(60) % 4
    ours = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=sk.GroupKFold(4)).fit(X, y, sample_weight=weights, groups=groups)
    theirs = sk.GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=sk.GroupKFold(4)).fit(X, y, sample_weight=weights, groups=groups)
    for key in ("split0_test_score", "split3_test_score"):
        np.testing.assert_array_equal(ours.cv_results_[key], theirs.cv_results_[key])
    np.testing.assert_allclose(ours.best_estimator_.coef_, theirs.best_estimator_.coef_)


def test_randomized_search_with_lists_uses_random_sampler() -> None:
    search = RandomizedSearchCV(LogisticRegression(), {"C": [0.01, 0.1, 1.0]}, n_iter=6, cv=2, random_state=3).fit(X_IRIS, Y_IRIS)
    assert isinstance(search.study_.sampler, RandomSampler)
    assert search.n_trials_ == 6 and len(search.cv_results_["params"]) == 6
    again = RandomizedSearchCV(LogisticRegression(), {"C": [0.01, 0.1, 1.0]}, n_iter=6, cv=2, random_state=3).fit(X_IRIS, Y_IRIS)
    assert search.cv_results_["params"] == again.cv_results_["params"]


def test_study_and_storage_resume(tmp_path) -> None:
    study = ferrotune.create_study(direction="maximize")
    space = {"C": ferrotune.distributions.FloatDistribution(1e-3, 1e2, log=True)}
    SearchCV(LogisticRegression(), space, n_trials=3, cv=2, study=study).fit(X_IRIS, Y_IRIS)
    second = SearchCV(LogisticRegression(), space, n_trials=2, cv=2, study=study).fit(X_IRIS, Y_IRIS)
    assert len(study.trials) == 5
    assert [t.number for t in second.trials_] == [3, 4]
    assert len(second.cv_results_["params"]) == 2
    url = f"sqlite:///{tmp_path}/search.db"
    SearchCV(LogisticRegression(), space, n_trials=2, cv=2, storage=url, study_name="lr").fit(X_IRIS, Y_IRIS)
    SearchCV(LogisticRegression(), space, n_trials=2, cv=2, storage=url, study_name="lr").fit(X_IRIS, Y_IRIS)
    loaded = ferrotune.load_study(study_name="lr", storage=url)
    assert len(loaded.trials) == 4
    assert all("mean_test_score" in t.user_attrs and "split1_test_score" in t.user_attrs for t in loaded.trials)
    with pytest.raises(ValueError, match="must maximize"):
        SearchCV(LogisticRegression(), space, n_trials=1, study=ferrotune.create_study()).fit(X_IRIS, Y_IRIS)


def test_pipeline_clone_get_set_params() -> None:
    pipe = Pipeline([("scale", StandardScaler()), ("clf", SVC())])
    search = SearchCV(pipe, {"clf__C": [0.1, 1.0, 10.0], "clf__kernel": ["rbf", "linear"]}, n_trials=4, cv=3, random_state=0)
    params = search.get_params(deep=True)
    assert params["n_trials"] == 4 and params["estimator__clf__C"] == 1.0
    copy = clone(search).set_params(n_trials=2, estimator__clf__gamma=0.5)
    assert copy.n_trials == 2 and copy.estimator.named_steps["clf"].gamma == 0.5 and search.estimator.named_steps["clf"].gamma == "scale"
    search.fit(X_IRIS, Y_IRIS)
    assert set(search.best_params_) == {"clf__C", "clf__kernel"}
    assert search.best_params_["clf__C"] == search.best_estimator_.named_steps["clf"].C


def test_fitted_search_pickles() -> None:
    search = SearchCV(SVC(), {"C": [0.1, 1.0, 10.0]}, n_trials=3, cv=3, random_state=0).fit(X_IRIS, Y_IRIS)
    loaded = pickle.loads(pickle.dumps(search))
    np.testing.assert_array_equal(loaded.predict(X_IRIS), search.predict(X_IRIS))
    assert loaded.best_params_ == search.best_params_
    pd.testing.assert_frame_equal(pd.DataFrame(loaded.cv_results_), pd.DataFrame(search.cv_results_))
    assert len(loaded.study_.trials) == 3


def test_nested_cross_validation() -> None:
    inner = SearchCV(LogisticRegression(), {"C": [0.01, 1.0]}, n_trials=2, cv=2, random_state=0)
    outer = cross_val_score(inner, X_IRIS, Y_IRIS, cv=StratifiedKFold(3, shuffle=True, random_state=0))
    assert outer.shape == (3,) and (outer > 0.8).all()


def test_regression_and_timeout() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + rng.normal(scale=0.1, size=40)
    search = SearchCV(Ridge(), {"alpha": ferrotune.distributions.FloatDistribution(1e-4, 1e3, log=True)}, n_trials=None, timeout=0.3, cv=3)
    search.fit(X, y)
    assert search.n_trials_ >= 1 and search.best_score_ > 0.9


def test_verbose_prints_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=3, verbose=2).fit(X_IRIS, Y_IRIS)
    out = capsys.readouterr().out
    assert "Fitting 3 folds for each of 2 candidates, totalling 6 fits" in out
    assert out.count("[CV ") == 6


def test_in_place_preprocessing_leaves_other_candidates_data_alone() -> None:
    # fold data is shared between candidates, read-only: a copy=False scaler must not alter it
    pipe = Pipeline([("scale", StandardScaler(copy=False)), ("clf", LogisticRegression(max_iter=1000))])
    grid = {"clf__C": [0.01, 0.1, 1.0, 10.0]}
    ours = GridSearchCV(pipe, grid, cv=3).fit(X_IRIS.copy(), Y_IRIS)
    theirs = sk.GridSearchCV(pipe, grid, cv=3).fit(X_IRIS.copy(), Y_IRIS)
    _same_results(ours.cv_results_, theirs.cv_results_)


def test_threads_run_every_trial_once_in_trial_order() -> None:
    space = {"C": ferrotune.distributions.FloatDistribution(1e-3, 1e2, log=True)}
    search = SearchCV(LogisticRegression(max_iter=1000), space, n_trials=6, cv=2, n_jobs=-1, random_state=0).fit(X_IRIS, Y_IRIS)
    assert sorted(t.number for t in search.trials_) == list(range(6))
    by_number = {t.number: t for t in search.trials_}
    for index, number in enumerate(sorted(by_number)):
        trial = by_number[number]
        assert search.cv_results_["params"][index] == {"C": trial.params["C"]}
        assert search.cv_results_["mean_test_score"][index] == pytest.approx(trial.value)


def _two_metrics(estimator, X, y) -> dict:
    from sklearn.metrics import accuracy_score, f1_score

    predicted = estimator.predict(X)
    return {"acc": accuracy_score(y, predicted), "f1": f1_score(y, predicted, average="macro")}


def test_callable_scoring_returning_a_dict_is_multimetric() -> None:
    grid = {"C": [0.01, 1.0]}
    ours = GridSearchCV(LogisticRegression(max_iter=1000), grid, scoring=_two_metrics, refit="f1", cv=3).fit(X_IRIS, Y_IRIS)
    theirs = sk.GridSearchCV(LogisticRegression(max_iter=1000), grid, scoring=_two_metrics, refit="f1", cv=3).fit(X_IRIS, Y_IRIS)
    _same_results(ours.cv_results_, theirs.cv_results_)
    assert ours.multimetric_ and ours.best_index_ == theirs.best_index_
    assert ours.score(X_IRIS, Y_IRIS) == pytest.approx(theirs.score(X_IRIS, Y_IRIS))
