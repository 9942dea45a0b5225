"""Search spaces as scikit-learn users write them: mapping, draws, grid order, bad input."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")
stats = pytest.importorskip("scipy.stats")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from sklearn.base import BaseEstimator, RegressorMixin  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.model_selection import ParameterGrid  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

from ferrotune.distributions import CategoricalDistribution, FloatDistribution, IntDistribution  # noqa: E402
from ferrotune.exceptions import FerrotuneTypeError, FerrotuneValueError  # noqa: E402
from ferrotune.sklearn import GridSearchCV, RandomizedSearchCV, SearchCV  # noqa: E402
from ferrotune.sklearn._space import RVS_ATTR_PREFIX, SearchSpace  # noqa: E402

X_IRIS, Y_IRIS = load_iris(return_X_y=True)


class _Params(RegressorMixin, BaseEstimator):
    """Takes any values and predicts zeros: a search over it only draws parameters."""

    def __init__(self, a=None, b=None, c=None, d=None, e=None):
        self.a, self.b, self.c, self.d, self.e = a, b, c, d, e

    def fit(self, X, y):
        return self

    def predict(self, X):
        return np.zeros(len(X))


class _Coin:
    """An object with rvs only (no scipy)."""

    def rvs(self, random_state=None):
        return ["heads", "tails"][int(np.random.default_rng(random_state).integers(2))]


def test_scipy_distributions_map_to_ferrotune_distributions() -> None:
    space = SearchSpace(
        {
            "a": stats.uniform(1, 2),
            "b": stats.loguniform(1e-3, 1e2),
            "c": stats.randint(2, 7),
            "d": stats.norm(5, 2),
            "e": [0.1, "x", None],
            "f": [SVC(), (1, 2)],
            "g": FloatDistribution(0, 1, step=0.25),
            "h": stats.loguniform(1e-3, 1e2, loc=1),
        },
        grid=False,
    )
    params = {p.name: p for p in space.subspaces[0]}
    assert params["a"].distribution == FloatDistribution(1.0, 3.0)
    assert params["b"].distribution == FloatDistribution(1e-3, 1e2, log=True)
    assert params["c"].distribution == IntDistribution(2, 6)
    assert params["d"].distribution is None and params["d"].rvs is not None  # unbounded: drawn through rvs
    assert params["e"].distribution == CategoricalDistribution([0.1, "x", None])
    assert params["f"].distribution == CategoricalDistribution([0, 1]) and params["f"].by_index
    assert params["g"].distribution == FloatDistribution(0, 1, step=0.25)
    assert params["h"].distribution is None  # a shifted log-uniform is not log-uniform


def test_random_search_draws_from_the_scipy_distributions() -> None:
    space = {"a": stats.uniform(1, 2), "b": stats.loguniform(1e-3, 1e2), "c": stats.randint(2, 7), "d": stats.norm(5, 2), "e": _Coin()}
    n = 300
    X, y = np.zeros((8, 1)), np.arange(8.0)
    search = RandomizedSearchCV(_Params(), space, n_iter=n, cv=2, random_state=0, refit=False).fit(X, y)
    drawn = {k: np.array([p[k] for p in search.cv_results_["params"]]) for k in "abcde"}
    assert stats.kstest(drawn["a"], stats.uniform(1, 2).cdf).pvalue > 1e-3
    assert stats.kstest(drawn["b"], stats.loguniform(1e-3, 1e2).cdf).pvalue > 1e-3
    assert stats.kstest(drawn["d"], stats.norm(5, 2).cdf).pvalue > 1e-3
    counts = np.array([(drawn["c"] == v).sum() for v in range(2, 7)])
    assert counts.sum() == n and stats.chisquare(counts).pvalue > 1e-3
    assert set(drawn["e"]) == {"heads", "tails"}
    # the mapped ones are study parameters; rvs draws are kept as user attributes
    trial = search.trials_[0]
    assert set(trial.params) == {"a", "b", "c"}
    assert trial.user_attrs[RVS_ATTR_PREFIX + "d"] == search.cv_results_["params"][0]["d"]
    assert trial.params["b"] == search.cv_results_["params"][0]["b"]


def test_list_of_dicts_keeps_each_subspace_apart() -> None:
    space = [{"kernel": ["linear"], "C": [0.1, 1.0]}, {"kernel": ["rbf"], "gamma": stats.loguniform(1e-3, 1)}]
    search = SearchCV(SVC(), space, n_trials=12, cv=2, random_state=1).fit(X_IRIS, Y_IRIS)
    for params in search.cv_results_["params"]:
        assert set(params) in ({"kernel", "C"}, {"kernel", "gamma"})
        if params["kernel"] == "linear":
            assert params["C"] in (0.1, 1.0)
        else:
            assert 1e-3 <= params["gamma"] <= 1
    gamma = search.cv_results_["param_gamma"]
    assert np.ma.getmaskarray(gamma).tolist() == [p["kernel"] == "linear" for p in search.cv_results_["params"]]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["a", "b", "c__d", "e"]),
            st.lists(st.one_of(st.integers(-3, 3), st.sampled_from(["x", "y"]), st.none()), min_size=1, max_size=3),
            max_size=3,
        ),
        min_size=1,
        max_size=3,
    )
)
def test_grid_points_follow_parameter_grid(grid: list[dict]) -> None:
    points = [decoded for _, decoded in SearchSpace(grid, grid=True).grid_points()]
    expected = list(ParameterGrid(grid))
    assert points == expected
    assert [list(p) for p in points] == [list(p) for p in expected]  # key order too


def test_unknown_parameter_names_the_key() -> None:
    with pytest.raises(ValueError, match="Invalid parameter 'gama' for estimator SVC"):
        GridSearchCV(SVC(), {"C": [1.0], "gama": [0.1]}).fit(X_IRIS, Y_IRIS)
    with pytest.raises(FerrotuneValueError, match="'clf__C'"):
        SearchCV(SVC(), {"clf__C": [1.0]}, n_trials=1).fit(X_IRIS, Y_IRIS)


def test_bad_spaces_name_the_key() -> None:
    with pytest.raises(ValueError, match="'C' need to be a non-empty sequence"):
        GridSearchCV(SVC(), {"C": []}).fit(X_IRIS, Y_IRIS)
    with pytest.raises(TypeError, match="'C' needs to be a list"):
        GridSearchCV(SVC(), {"C": stats.uniform()}).fit(X_IRIS, Y_IRIS)
    with pytest.raises(FerrotuneTypeError, match="'C' is not iterable or a distribution"):
        SearchCV(SVC(), {"C": object()}, n_trials=1).fit(X_IRIS, Y_IRIS)
    with pytest.raises(ValueError, match="No fits were performed"):
        GridSearchCV(SVC(), []).fit(X_IRIS, Y_IRIS)
    with pytest.raises(TypeError, match="must be a dict or a list of dicts"):
        SearchCV(SVC(), "C", n_trials=1).fit(X_IRIS, Y_IRIS)


def test_unknown_scoring_is_scikit_learns_error() -> None:
    with pytest.raises(ValueError, match="accurcy"):
        SearchCV(SVC(), {"C": [1.0]}, scoring="accurcy", n_trials=1).fit(X_IRIS, Y_IRIS)
    with pytest.raises(ValueError, match="f2_macro"):
        SearchCV(SVC(), {"C": [1.0]}, scoring=["accuracy", "f2_macro"], refit="accuracy", n_trials=1).fit(X_IRIS, Y_IRIS)
