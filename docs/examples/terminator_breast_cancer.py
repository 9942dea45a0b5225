"""When to stop tuning: a logistic regression on scikit-learn's breast cancer data, stopped by
ferrotune's terminator once the room left for improvement is below the cross-validation error.

    python docs/examples/terminator_breast_cancer.py
"""

from __future__ import annotations

import warnings

from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import ferrotune
from ferrotune.terminator import RegretBoundEvaluator, Terminator, TerminatorCallback, report_cross_validation_scores

warnings.filterwarnings("ignore", category=ferrotune.exceptions.ExperimentalWarning)
X, y = load_breast_cancer(return_X_y=True)


def objective(trial: ferrotune.Trial) -> float:
    clf = make_pipeline(
        StandardScaler(),
        LogisticRegression(
            C=trial.suggest_float("C", 1e-4, 1e2, log=True),
            l1_ratio=trial.suggest_float("l1_ratio", 0.0, 1.0),
            penalty="elasticnet",
            solver="saga",
            max_iter=300,
        ),
    )
    scores = cross_val_score(clf, X, y, cv=KFold(n_splits=5, shuffle=True, random_state=0))
    report_cross_validation_scores(trial, scores)  # the terminator's error estimate reads these
    return float(scores.mean())


ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
study = ferrotune.create_study(direction="maximize", sampler=ferrotune.samplers.TPESampler(seed=0))
terminator = Terminator(RegretBoundEvaluator(seed=0))  # error: CrossValidationErrorEvaluator
study.optimize(objective, n_trials=200, callbacks=[TerminatorCallback(terminator)])
print(f"stopped after {len(study.trials)} of 200 trials; best accuracy {study.best_value:.4f}, params {study.best_params}")
