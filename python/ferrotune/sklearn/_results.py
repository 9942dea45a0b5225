"""Per-candidate fold results and ``cv_results_`` in scikit-learn's own layout."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.ma import MaskedArray
from scipy.stats import rankdata


@dataclass
class Fold:
    """One fold's times and scores; ``test`` is None when the fit or scoring failed (its scores
    are ``error_score``)."""

    fit_time: float
    score_time: float
    test: dict[str, float] | None
    train: dict[str, float] | None


@dataclass
class Candidate:
    """One candidate's folds in order (a pruned candidate has fewer than ``n_splits``)."""

    number: int  # the trial number (sort key for sampled searches)
    order: int  # the grid position (sort key for grids)
    params: dict[str, Any]
    folds: list[Fold] = field(default_factory=list)
    pruned: bool = False

    def scores(self, metric: str, n_splits: int, error_score: float, *, train: bool = False) -> list[float]:
        """One score per fold: ``error_score`` for failed folds, NaN for folds never run."""
        out = []
        for fold in self.folds:
            scores = fold.train if train else fold.test
            out.append(error_score if scores is None or fold.test is None else scores.get(metric, float("nan")))
        return out + [float("nan")] * (n_splits - len(out))

    def mean(self, metric: str, error_score: float) -> float:
        """The mean test score over the folds run so far."""
        values = [error_score if f.test is None else f.test.get(metric, float("nan")) for f in self.folds]
        return float(np.mean(values)) if values else float("nan")


def _param_column(n: int, entries: dict[int, Any]) -> MaskedArray:
    """A masked column: masked where a candidate lacks the parameter (sub-spaces). Numeric
    values keep their dtype; strings, sequences and objects become ``object`` (scikit-learn's
    convention)."""
    values = list(entries.values())
    try:
        arr = np.array(values)
        dtype = arr.dtype if arr.dtype.kind != "U" and arr.ndim == 1 else np.dtype(object)
    except ValueError:  # ragged sequences
        dtype = np.dtype(object)
    column = MaskedArray(np.empty(n, dtype=dtype), mask=True)
    for index, value in entries.items():
        column[index] = value
    return column


def _store(results: dict[str, Any], key: str, matrix: np.ndarray, *, splits: bool, rank: bool) -> None:
    if splits:
        for k in range(matrix.shape[1]):
            results[f"split{k}_{key}"] = matrix[:, k]
    means = matrix.mean(axis=1) if matrix.shape[1] else np.full(matrix.shape[0], np.nan)
    results[f"mean_{key}"] = means
    results[f"std_{key}"] = np.sqrt(((matrix - means[:, None]) ** 2).mean(axis=1)) if matrix.shape[1] else means.copy()
    if rank:
        if np.isnan(means).all():
            results[f"rank_{key}"] = np.ones(len(means), dtype=np.int32)
        else:
            # NaN (failed or pruned) ties with the worst
            filled = np.where(np.isnan(means), np.nanmin(means) - 1, means)
            results[f"rank_{key}"] = rankdata(-filled, method="min").astype(np.int32)


def cv_results(
    candidates: list[Candidate], n_splits: int, metrics: list[str], return_train_score: bool, error_score: float
) -> dict[str, Any]:
    """``cv_results_``: the same keys, order and dtypes as scikit-learn's searches."""
    n = len(candidates)
    results: dict[str, Any] = {}

    def matrix(rows: list[list[float]]) -> np.ndarray:
        return np.array(rows, dtype=np.float64).reshape(n, n_splits)

    def times(c: Candidate, attr: str) -> list[float]:
        return [getattr(f, attr) for f in c.folds] + [float("nan")] * (n_splits - len(c.folds))

    _store(results, "fit_time", matrix([times(c, "fit_time") for c in candidates]), splits=False, rank=False)
    _store(results, "score_time", matrix([times(c, "score_time") for c in candidates]), splits=False, rank=False)
    columns: dict[str, dict[int, Any]] = {}
    for index, c in enumerate(candidates):
        for name, value in c.params.items():
            columns.setdefault(f"param_{name}", {})[index] = value
    for key, entries in columns.items():
        results[key] = _param_column(n, entries)
    results["params"] = [c.params for c in candidates]
    for metric in metrics:
        test = matrix([c.scores(metric, n_splits, error_score) for c in candidates])
        _store(results, f"test_{metric}", test, splits=True, rank=True)
        if return_train_score:
            train = matrix([c.scores(metric, n_splits, error_score, train=True) for c in candidates])
            _store(results, f"train_{metric}", train, splits=True, rank=False)
    return results
