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
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingGridSearchCV

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
        ("scikit-learn HalvingGridSearchCV", lambda: HalvingGridSearchCV(_noop_estimator(), grid, cv=3, random_state=0)),
        ("ferrotune HalvingGridSearchCV", lambda: fts.HalvingGridSearchCV(_noop_estimator(), grid, cv=3, random_state=0)),
    ]
    times: dict[str, list[float]] = {name: [] for name, _ in searches}
    for r in range(repeats):
        order = searches if r % 2 == 0 else list(reversed(searches))
        for name, make in order:
            gc.collect()
            search = make()
            start = time.perf_counter()
            search.fit(X, y)
            # halving scores fewer rows than candidates: per fit is per (row, fold)
            times[name].append((time.perf_counter() - start) / (len(search.cv_results_["params"]) * 3))
    rows = []
    anchors = {
        "Grid": statistics.median(times[searches[0][0]]),
        "Rand": statistics.median(times[searches[2][0]]),
        "Halving": statistics.median(times[searches[5][0]]),
    }
    for name, _ in searches:
        per_fit = statistics.median(times[name])
        anchor = anchors["Halving"] if "Halving" in name else anchors["Grid"] if "Grid" in name else anchors["Rand"]
        rows.append([name, f"{per_fit * 1e3:.3f}", "" if name.startswith("scikit") else f"{anchor / per_fit:.1f}x"])
    print(f"\nOverhead per fit: no-op estimator, {n_candidates} candidates x 3 folds, median of {repeats}")
    common.print_tables(header, ["search", "ms per fit", "scikit-learn / ferrotune"], rows, [False, True, True], markdown)


def _problems(quick: bool) -> list[tuple[str, Any, Any, Any, dict[str, Any]]]:
    """(name, estimator, X, y, space): scikit-learn's bundled data sets, subsampled so that one
    fit takes milliseconds, with SVC/SVR, random forests, gradient boosting and an MLP."""
    from scipy.stats import loguniform, randint, uniform
    from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor, RandomForestClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC, SVR

    Xd, yd = load_digits(return_X_y=True)
    Xb, yb = load_breast_cancer(return_X_y=True)
    Xw, yw = load_wine(return_X_y=True)
    Xr, yr = load_diabetes(return_X_y=True)
    svc = {"svc__C": loguniform(1e-3, 1e3), "svc__gamma": loguniform(1e-6, 1e1)}
    problems = [
        ("digits[:600], SVC", make_pipeline(SVC()), Xd[:600], yd[:600], svc),
        ("breast cancer, scaled SVC", make_pipeline(StandardScaler(), SVC()), Xb, yb, svc),
        ("wine, scaled SVC", make_pipeline(StandardScaler(), SVC()), Xw, yw, svc),
        (
            "diabetes, scaled SVR",
            make_pipeline(StandardScaler(), SVR()),
            Xr,
            yr,
            {"svr__C": loguniform(1e-2, 1e4), "svr__gamma": loguniform(1e-5, 1e1), "svr__epsilon": loguniform(1e-2, 1e2)},
        ),
        (
            "breast cancer, random forest",
            RandomForestClassifier(n_estimators=25, random_state=0),
            Xb,
            yb,
            {"max_depth": randint(1, 12), "min_samples_leaf": randint(1, 40), "max_features": uniform(0.05, 0.95)},
        ),
        (
            "wine, gradient boosting",
            GradientBoostingClassifier(n_estimators=30, random_state=0),
            Xw,
            yw,
            {"learning_rate": loguniform(1e-3, 1.0), "max_depth": randint(1, 6), "subsample": uniform(0.3, 0.7)},
        ),
        (
            "diabetes, gradient boosting",
            GradientBoostingRegressor(n_estimators=30, random_state=0),
            Xr,
            yr,
            {"learning_rate": loguniform(1e-3, 1.0), "max_depth": randint(1, 6), "min_samples_leaf": randint(1, 60)},
        ),
        (
            "digits[:400], scaled MLP",
            make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(32,), max_iter=60, random_state=0)),
            Xd[:400],
            yd[:400],
            {"mlpclassifier__alpha": loguniform(1e-6, 1e1), "mlpclassifier__learning_rate_init": loguniform(1e-4, 1e-1)},
        ),
    ]
    return problems[:2] + problems[4:6] if quick else problems


def _grid_of(space: dict[str, Any], n_candidates: int) -> dict[str, list[Any]]:
    """A grid of at most ``n_candidates`` points: ``k`` values per parameter spread over its
    support (log-spaced for log-uniform ones), ``k ** d <= n_candidates``."""
    k = max(2, int(n_candidates ** (1 / len(space)) + 1e-9))
    grid: dict[str, list[Any]] = {}
    for name, dist in space.items():
        low, high = dist.support()
        if dist.dist.name == "randint":
            grid[name] = sorted({int(v) for v in np.linspace(low, high, k).round()})
        elif dist.dist.name in ("loguniform", "reciprocal"):
            grid[name] = list(np.geomspace(low, high, k + 2)[1:-1])
        else:
            grid[name] = list(np.linspace(low, high, k + 2)[1:-1])
    return grid


TARGET = "ferrotune SearchCV TPE"  # the search SearchCV runs by default


def quality(n_candidates: int, seeds: range, quick: bool, markdown: bool, header: list[str]) -> None:
    from sklearn import model_selection as sk
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV

    from ferrotune import sklearn as fts
    from ferrotune.samplers import GPSampler, RandomSampler, TPESampler

    folds = 3
    rows = []
    reach_by: dict[str, list[int | None]] = {}
    for problem, estimator, X, y, space in _problems(quick):
        scores: dict[str, list[float]] = {}
        walls: dict[str, list[float]] = {}
        fits: dict[str, list[int]] = {}
        reach: list[int | None] = []
        grid = _grid_of(space, n_candidates)
        for seed in seeds:
            made: list[tuple[str, Any]] = [
                ("scikit-learn GridSearchCV", sk.GridSearchCV(estimator, grid, cv=folds)),
                (
                    "scikit-learn RandomizedSearchCV",
                    sk.RandomizedSearchCV(estimator, space, n_iter=n_candidates, cv=folds, random_state=seed),
                ),
                (
                    "scikit-learn HalvingRandomSearchCV",
                    HalvingRandomSearchCV(estimator, space, n_candidates=2 * n_candidates, factor=3, cv=folds, random_state=seed),
                ),
                (
                    "ferrotune SearchCV random",
                    fts.SearchCV(estimator, space, n_trials=n_candidates, cv=folds, sampler=RandomSampler(seed=seed)),
                ),
                ("ferrotune SearchCV TPE", fts.SearchCV(estimator, space, n_trials=n_candidates, cv=folds, sampler=TPESampler(seed=seed))),
                (
                    "ferrotune SearchCV TPE startup 5, multivariate",
                    fts.SearchCV(
                        estimator,
                        space,
                        n_trials=n_candidates,
                        cv=folds,
                        sampler=TPESampler(seed=seed, n_startup_trials=5, multivariate=True),
                    ),
                ),
                ("ferrotune SearchCV GP", fts.SearchCV(estimator, space, n_trials=n_candidates, cv=folds, sampler=GPSampler(seed=seed))),
                (
                    "ferrotune SearchCV GP startup 3",
                    fts.SearchCV(estimator, space, n_trials=n_candidates, cv=folds, sampler=GPSampler(seed=seed, n_startup_trials=3)),
                ),
            ]
            order = [name for name, _ in made]  # rows in this order whatever order the searches ran in
            if seed % 2:
                made.reverse()
            fitted = {}
            for name, search in made:
                if name == "scikit-learn GridSearchCV" and seed != seeds[0]:
                    continue  # a grid has no seed
                gc.collect()
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    search.fit(X, y)
                walls.setdefault(name, []).append(time.perf_counter() - start)
                scores.setdefault(name, []).append(search.best_score_)
                fits.setdefault(name, []).append(len(search.cv_results_["params"]) * folds)
                fitted[name] = search
            target = fitted["scikit-learn RandomizedSearchCV"].best_score_
            for name, search in fitted.items():
                if name.startswith("ferrotune"):
                    running = np.maximum.accumulate(np.nan_to_num(search.cv_results_["mean_test_score"], nan=-np.inf))
                    hit = np.flatnonzero(running >= target - 1e-12)
                    reach_by.setdefault(name, []).append(int(hit[0]) + 1 if hit.size else None)
            reach.append(reach_by[TARGET][-1])
        rows.extend(
            [
                problem,
                name,
                f"{statistics.mean(fits[name]):.0f}",
                f"{statistics.mean(scores[name]):.4f}",
                f"{statistics.mean(walls[name]):.2f}",
            ]
            for name in sorted(scores, key=order.index)
        )
        reached = [r for r in reach if r is not None]
        median = f"{statistics.median(reached) * folds:.0f}" if reached else "-"
        rows.append(
            [
                problem,
                f"fits TPE (the default) needs to reach RandomizedSearchCV's best ({len(reached)}/{len(seeds)} seeds within {n_candidates * folds})",
                "",
                median,
                "",
            ]
        )
    print(f"\nBest cross-validated score: {n_candidates} candidates x {folds} folds, mean over seeds {seeds.start}..{seeds.stop - 1}")
    common.print_tables(header, ["problem", "search", "fits", "best CV score", "wall s"], rows, [False, False, True, True, True], markdown)
    summary = []
    for name, reach_list in reach_by.items():
        half = sum(1 for r in reach_list if r is not None and r <= n_candidates // 2)
        within = sum(1 for r in reach_list if r is not None)
        # a miss counts as twice the budget, so the median stays defined
        median = statistics.median(r if r is not None else 2 * n_candidates for r in reach_list) * folds
        summary.append([name, f"{half}/{len(reach_list)}", f"{within}/{len(reach_list)}", f"{median:.0f}"])
    print(f"\nReaching RandomizedSearchCV's best (same seed), over every (problem, seed): {n_candidates * folds} fits each")
    common.print_tables(
        header,
        ["search", "within half the fits", "within the fits", "median fits (miss = 2x budget)"],
        summary,
        [False, True, True, True],
        markdown,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", default=None, help="seeds of part 2 as START:STOP (default 0:5, quick 0:1)")
    parser.add_argument("--skip-overhead", action="store_true", help="run part 2 only")
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
    if not args.skip_overhead:
        overhead(60 if args.quick else 300, 1 if args.quick else 5, args.markdown, header)
    start, stop = (int(v) for v in (args.seeds or ("0:1" if args.quick else "0:5")).split(":"))
    quality(8 if args.quick else 20, range(start, stop), args.quick, args.markdown, header)


if __name__ == "__main__":
    main()
