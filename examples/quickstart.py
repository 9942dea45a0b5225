"""Quickstart: tune an SVM on scikit-learn's bundled digits data with ferrotune.

Run:  python examples/quickstart.py [--n-trials 40] [--seed 0]

TPE (the default sampler) over C and gamma (log scale) and the kernel, scored by
3-fold cross-validated accuracy. No data is downloaded and no server is needed: the study lives
in memory. Prints one line per trial, then the best trial.
"""

from __future__ import annotations

import argparse

from sklearn.datasets import load_digits
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import ferrotune


def main(argv: list[str] | None = None) -> ferrotune.Study:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args(argv)

    X, y = load_digits(return_X_y=True)

    def objective(trial: ferrotune.Trial) -> float:
        kernel = trial.suggest_categorical("kernel", ["rbf", "poly", "sigmoid"])
        c = trial.suggest_float("C", 1e-3, 1e3, log=True)
        gamma = trial.suggest_float("gamma", 1e-5, 1e-1, log=True)
        model = make_pipeline(StandardScaler(), SVC(kernel=kernel, C=c, gamma=gamma))
        return cross_val_score(model, X, y, cv=3, n_jobs=1).mean()

    study = ferrotune.create_study(
        study_name="svm-digits",
        direction="maximize",
        sampler=ferrotune.samplers.TPESampler(seed=args.seed),
    )
    study.optimize(objective, n_trials=args.n_trials, n_jobs=args.n_jobs)

    best = study.best_trial
    print(f"\nBest trial: #{best.number}")
    print(f"  accuracy (3-fold CV): {best.value:.4f}")
    for name, value in best.params.items():
        print(f"  {name}: {value}")
    return study


if __name__ == "__main__":
    main()
