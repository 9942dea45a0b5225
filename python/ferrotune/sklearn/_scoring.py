"""``scoring`` and ``refit`` as scikit-learn's searches read them: one scorer or several."""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from sklearn.metrics import check_scoring, get_scorer

from ferrotune.exceptions import FerrotuneTypeError, FerrotuneValueError

Scorer = Callable[..., Any]


class MultiScorer:
    """Several named scorers called as one: ``scorer(estimator, X, y) -> {name: score}``
    (what ``search.scorer_`` holds for multi-metric scoring)."""

    def __init__(self, scorers: Mapping[str, Scorer]) -> None:
        self.scorers = dict(scorers)

    def __call__(self, estimator: Any, X: Any, y: Any = None, **kwargs: Any) -> dict[str, float]:
        return {name: scorer(estimator, X, y, **kwargs) for name, scorer in self.scorers.items()}

    def __repr__(self) -> str:
        return f"MultiScorer({self.scorers!r})"


def _named_scorers(estimator: Any, scoring: Any) -> dict[str, Scorer]:
    if isinstance(scoring, Mapping):
        if not scoring:
            raise FerrotuneValueError("scoring is an empty dict: give at least one metric")
        out: dict[str, Scorer] = {}
        for key, value in scoring.items():
            if not isinstance(key, str):
                raise FerrotuneTypeError(f"scoring dict keys must be metric names (str), got {key!r}")
            out[key] = get_scorer(value) if isinstance(value, str) else value
            if not callable(out[key]):
                raise FerrotuneTypeError(f"scoring[{key!r}] must be a scorer name or a callable, got {value!r}")
        return out
    names = list(scoring)
    if not names:
        raise FerrotuneValueError("scoring is an empty list: give at least one metric name")
    if len(set(names)) != len(names):
        raise FerrotuneValueError(f"scoring has duplicate metric names: {names!r}")
    for name in names:
        if not isinstance(name, str):
            raise FerrotuneTypeError(
                f"scoring given as a list must hold metric names (str), got {name!r}: use a dict {{name: callable}} for callables"
            )
    return {name: get_scorer(name) for name in names}


def resolve(estimator: Any, scoring: Any, refit: Any) -> tuple[Scorer, bool, str]:
    """Returns ``(scorer, multimetric, refit_metric)``: a scorer for ``scorer_``, whether the
    metrics are several, and the metric that ranks candidates (``"score"`` for one metric).

    A scorer name scikit-learn does not know raises scikit-learn's own ``ValueError``.
    """
    if scoring is None or isinstance(scoring, str) or callable(scoring):
        scorer = scoring if callable(scoring) else check_scoring(estimator, scoring)
        return scorer, False, "score"
    if not isinstance(scoring, (list, tuple, set, frozenset, Mapping)):
        raise FerrotuneTypeError(f"scoring must be None, a str, a callable, a list/tuple/set of names or a dict, got {scoring!r}")
    scorers = _named_scorers(estimator, scoring)
    check_refit(refit, scorers)
    refit_metric = refit if isinstance(refit, str) else next(iter(scorers))
    return MultiScorer(scorers), True, refit_metric


def check_refit(refit: Any, names: Mapping[str, Any] | list[str]) -> None:
    """Multi-metric ``refit`` must be False, a metric name or a callable (as in scikit-learn)."""
    if refit is False or callable(refit) or (isinstance(refit, str) and refit in names):
        return
    raise FerrotuneValueError(
        "For multi-metric scoring, the parameter refit must be set to a scorer key or a callable to refit "
        "an estimator with the best parameter setting on the whole data and make the best_* attributes "
        f"available for that metric. If this is not needed, refit should be set to False explicitly. {refit!r} "
        f"was passed (metrics: {sorted(names)!r})."
    )


def accepts_sample_weight(scorer: Scorer) -> bool:
    """Whether a scorer takes ``sample_weight`` (scikit-learn's scorers say so themselves)."""
    if hasattr(scorer, "_accept_sample_weight"):
        return bool(scorer._accept_sample_weight())
    try:
        return "sample_weight" in inspect.signature(scorer).parameters
    except (TypeError, ValueError):
        return False


def weighted_call(scorer: Scorer, estimator: Any, X: Any, y: Any, sample_weight: Any) -> Any:
    """Calls ``scorer``, giving ``sample_weight`` to each scorer that takes it (as
    scikit-learn's searches do when ``fit`` gets a ``sample_weight``)."""
    if sample_weight is None:
        return scorer(estimator, X, y)
    if isinstance(scorer, MultiScorer):
        return {name: weighted_call(one, estimator, X, y, sample_weight) for name, one in scorer.scorers.items()}
    if accepts_sample_weight(scorer):
        return scorer(estimator, X, y, sample_weight=sample_weight)
    return scorer(estimator, X, y)


def warn_unweighted(scorer: Scorer, search: Any) -> None:
    """Warns for each scorer that cannot take the ``sample_weight`` the search was fitted with."""
    scorers = scorer.scorers if isinstance(scorer, MultiScorer) else {"": scorer}
    for name, one in scorers.items():
        if not accepts_sample_weight(one):
            label = f"{name}={one}" if name else str(one)
            warnings.warn(
                f"The scoring {label} does not support sample_weight, which may lead to statistically incorrect "
                f"results when fitting {search} with sample_weight.",
                UserWarning,
                stacklevel=3,
            )
