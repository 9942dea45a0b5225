"""ferrotune.sklearn's searches against scikit-learn's, side by side in one process.

Two questions:

1. Overhead per fit: a no-op estimator (fit does nothing, score returns a parameter), 300
   candidates x 3 folds. What is timed is everything around the estimator: splitting, cloning,
   setting parameters, scoring, bookkeeping, cv_results_. scikit-learn's GridSearchCV and
   RandomizedSearchCV (n_jobs=None) against ferrotune's look-alikes and SearchCV (TPE).
2. Best cross-validated score at equal numbers of fits: SVC (C and gamma log-uniform) on
   digits (first 600 samples) and on breast cancer (scaled), 20 candidates x 3 folds, several
   seeds: scikit-learn's RandomizedSearchCV and HalvingRandomSearchCV (40 candidates, factor 3:
   its fit count is printed, on growing subsamples) against ferrotune's SearchCV with the random,
   TPE and GP samplers; and how many candidates ferrotune's default (TPE) needs to reach
   RandomizedSearchCV's best score of the same seed.

    python benches/sklearn_search.py              # both parts
    python benches/sklearn_search.py --markdown   # also print the tables as markdown
    python benches/sklearn_search.py --quick      # small smoke test

Method: repeats alternate the order of the searches, gc.collect() before each; part 1 reports
the median of the repeats; part 2 reports the mean over the seeds (and the median candidates).
Needs scikit-learn and scipy: pip install -e '.[sklearn]'
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # finds _common.py under runpy.run_path too
import _common as common
import numpy as np


def _noop_estimator() -> Any:
    from sklearn.base import BaseEstimator, RegressorMixin

    class Noop(RegressorMixin, BaseEstimator):
        def __init__(self, a: float = 0.0) -> None:
            self.a = a

        def fit(self, X: Any, y: Any) -> Any:
            return self

        def predict(self, X: Any) -> Any:
            return np.zeros(len(X))

        def score(self, X: Any, y: Any) -> float:
            return -abs(self.a - 0.5)

    return Noop()


def overhead(n_candidates: int, repeats: int, markdown: bool, header: list[str]) -> None:
    from scipy.stats import uniform
    from sklearn import model_selection as sk

    from ferrotune import sklearn as fts

    X, y = np.zeros((60, 2)), np.arange(60.0)
    grid = {"a": list(np.linspace(0, 1, n_candidates))}
    dist = {"a": uniform()}
    searches: list[tuple[str, Callable[[], Any]]] = [
        ("scikit-learn GridSearchCV", lambda: sk.GridSearchCV(_noop_estimator(), grid, cv=3)),
        ("ferrotune GridSearchCV", lambda: fts.GridSearchCV(_noop_estimator(), grid, cv=3)),
        (
            "scikit-learn RandomizedSearchCV",
            lambda: sk.RandomizedSearchCV(_noop_estimator(), dist, n_iter=n_candidates, cv=3, random_state=0),
        ),
        (
            "ferrotune RandomizedSearchCV",
            lambda: fts.RandomizedSearchCV(_noop_estimator(), dist, n_iter=n_candidates, cv=3, random_state=0),
        ),
        ("ferrotune SearchCV (TPE)", lambda: fts.SearchCV(_noop_estimator(), dist, n_trials=n_candidates, cv=3, random_state=0)),
    ]
    times: dict[str, list[float]] = {name: [] for name, _ in searches}
    for r in range(repeats):
        order = searches if r % 2 == 0 else list(reversed(searches))
        for name, make in order:
            gc.collect()
            search = make()
            start = time.perf_counter()
            search.fit(X, y)
            times[name].append((time.perf_counter() - start) / (n_candidates * 3))
    rows = []
    anchors = {"Grid": statistics.median(times[searches[0][0]]), "Rand": statistics.median(times[searches[2][0]])}
    for name, _ in searches:
        per_fit = statistics.median(times[name])
        anchor = anchors["Grid"] if "Grid" in name else anchors["Rand"]
        rows.append([name, f"{per_fit * 1e3:.3f}", "" if name.startswith("scikit") else f"{anchor / per_fit:.1f}x"])
    print(f"\nOverhead per fit: no-op estimator, {n_candidates} candidates x 3 folds, median of {repeats}")
    common.print_tables(header, ["search", "ms per fit", "scikit-learn / ferrotune"], rows, [False, True, True], markdown)


def _problems() -> list[tuple[str, Any, Any, Any]]:
    from sklearn.datasets import load_breast_cancer, load_digits
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    Xd, yd = load_digits(return_X_y=True)
    Xb, yb = load_breast_cancer(return_X_y=True)
    return [
        ("digits[:600], SVC", SVC(), Xd[:600], yd[:600]),
        ("breast cancer, scaled SVC", make_pipeline(StandardScaler(), SVC()), Xb, yb),
    ]


def quality(n_candidates: int, seeds: int, markdown: bool, header: list[str]) -> None:
    from scipy.stats import loguniform
    from sklearn import model_selection as sk
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV

    from ferrotune import sklearn as fts
    from ferrotune.samplers import GPSampler, RandomSampler

    rows = []
    for problem, estimator, X, y in _problems():
        prefix = "svc__" if hasattr(estimator, "steps") else ""
        space = {f"{prefix}C": loguniform(1e-3, 1e3), f"{prefix}gamma": loguniform(1e-6, 1e1)}
        scores: dict[str, list[float]] = {}
        walls: dict[str, list[float]] = {}
        fits: dict[str, list[int]] = {}
        reach: list[int | None] = []
        for seed in range(seeds):
            made: list[tuple[str, Any]] = [
                ("scikit-learn RandomizedSearchCV", sk.RandomizedSearchCV(estimator, space, n_iter=n_candidates, cv=3, random_state=seed)),
                (
                    "scikit-learn HalvingRandomSearchCV",
                    HalvingRandomSearchCV(estimator, space, n_candidates=2 * n_candidates, factor=3, cv=3, random_state=seed),
                ),
                (
                    "ferrotune SearchCV random",
                    fts.SearchCV(estimator, space, n_trials=n_candidates, cv=3, sampler=RandomSampler(seed=seed)),
                ),
                ("ferrotune SearchCV TPE (default)", fts.SearchCV(estimator, space, n_trials=n_candidates, cv=3, random_state=seed)),
                ("ferrotune SearchCV GP", fts.SearchCV(estimator, space, n_trials=n_candidates, cv=3, sampler=GPSampler(seed=seed))),
            ]
            if seed % 2:
                made.reverse()
            fitted = {}
            for name, search in made:
                gc.collect()
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    search.fit(X, y)
                walls.setdefault(name, []).append(time.perf_counter() - start)
                scores.setdefault(name, []).append(search.best_score_)
                fits.setdefault(name, []).append(len(search.cv_results_["params"]) * 3)
                fitted[name] = search
            target = fitted["scikit-learn RandomizedSearchCV"].best_score_
            running = np.maximum.accumulate(
                np.nan_to_num(fitted["ferrotune SearchCV TPE (default)"].cv_results_["mean_test_score"], nan=-np.inf)
            )
            hit = np.flatnonzero(running >= target)
            reach.append(int(hit[0]) + 1 if hit.size else None)
        rows.extend(
            [
                problem,
                name,
                f"{statistics.mean(fits[name]):.0f}",
                f"{statistics.mean(scores[name]):.4f}",
                f"{statistics.mean(walls[name]):.2f}",
            ]
            for name in scores
        )
        reached = [r for r in reach if r is not None]
        median = f"{statistics.median(reached):.0f}" if reached else "-"
        rows.append(
            [
                problem,
                f"TPE candidates to reach RandomizedSearchCV's best ({len(reached)}/{seeds} seeds within {n_candidates})",
                "",
                median,
                "",
            ]
        )
    print(f"\nBest cross-validated score: {n_candidates} candidates x 3 folds, mean over {seeds} seeds")
    common.print_tables(header, ["problem", "search", "fits", "best CV score", "wall s"], rows, [False, False, True, True, True], markdown)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    import sklearn

    ft = common.import_ferrotune()
    ft.logging.set_verbosity(ft.logging.WARNING)
    header = common.header_lines(
        common.ferrotune_source(ft),
        f"not used (scikit-learn {sklearn.__version__} is the anchor)",
        "part 1: median of repeats, order alternating; part 2: mean over seeds",
    )
    print("\n".join(header))
    overhead(60 if args.quick else 300, 1 if args.quick else 5, args.markdown, header)
    quality(8 if args.quick else 20, 1 if args.quick else 5, args.markdown, header)


if __name__ == "__main__":
    main()
