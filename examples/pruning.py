"""Pruning: stop unpromising training runs early with Hyperband.

Run:  python examples/pruning.py [--n-trials 60] [--epochs 30] [--seed 0]

A linear classifier (scikit-learn's SGDClassifier) is trained on the bundled digits data one
epoch at a time (partial_fit); after each epoch the trial reports its validation accuracy and
asks whether to stop. HyperbandPruner runs several brackets of successive halving, so most
configurations get a few epochs and only the promising ones get all of them. Prints how many
trials were pruned, the epochs trained against the epochs a study without pruning would train,
and the best trial.
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import ferrotune


def main(argv: list[str] | None = None) -> ferrotune.Study:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=int, default=60)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    X, y = load_digits(return_X_y=True)
    X_train, X_valid, y_train, y_valid = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_train)
    X_train, X_valid = scaler.transform(X_train), scaler.transform(X_valid)
    classes = np.unique(y)
    epochs_trained = 0

    def objective(trial: ferrotune.Trial) -> float:
        nonlocal epochs_trained
        alpha = trial.suggest_float("alpha", 1e-7, 1e-1, log=True)
        eta0 = trial.suggest_float("eta0", 1e-5, 1e-1, log=True)
        loss = trial.suggest_categorical("loss", ["hinge", "log_loss", "modified_huber"])
        model = SGDClassifier(alpha=alpha, eta0=eta0, loss=loss, learning_rate="constant", random_state=trial.number)
        rng = np.random.default_rng(trial.number)
        accuracy = 0.0
        for epoch in range(args.epochs):
            order = rng.permutation(len(X_train))
            model.partial_fit(X_train[order], y_train[order], classes=classes)
            epochs_trained += 1
            accuracy = model.score(X_valid, y_valid)
            trial.report(accuracy, epoch)
            if trial.should_prune():
                raise ferrotune.TrialPruned()
        return accuracy

    study = ferrotune.create_study(
        study_name="sgd-digits",
        direction="maximize",
        sampler=ferrotune.samplers.TPESampler(seed=args.seed),
        pruner=ferrotune.pruners.HyperbandPruner(min_resource=1, max_resource=args.epochs, reduction_factor=3),
    )
    study.optimize(objective, n_trials=args.n_trials)

    pruned = [t for t in study.trials if t.state == ferrotune.trial.TrialState.PRUNED]
    best = study.best_trial
    print(f"\n{len(pruned)} of {len(study.trials)} trials pruned; {epochs_trained} epochs trained instead of {args.n_trials * args.epochs}")
    print(f"Best trial: #{best.number}")
    print(f"  validation accuracy: {best.value:.4f}")
    for name, value in best.params.items():
        print(f"  {name}: {value}")
    return study


if __name__ == "__main__":
    main()
