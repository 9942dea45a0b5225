"""Grid search, random search, TPE and Gaussian-process search on one budget, side by side.

Run:  python examples/compare_methods.py [--budget 27] [--epochs 10] [--seeds 3] [--plot compare_methods.png]

The same PyTorch MLP on scikit-learn's digits (train / validation / test split 60/20/20) is tuned
by each method for ``--budget`` trials over the learning rate (log scale), the hidden width (log
scale) and the dropout rate. Grid search walks a 3 x 3 x 3 grid (in random order when the budget
is smaller); the others search the continuous ranges. Within a seed every trial trains with the
same torch seed for the same trial number, so the methods differ only in the points they
choose; each method runs once per seed (``--seeds``), since one run of a method on an easy
problem says little. The table shows the mean and spread over seeds of each method's best
validation accuracy, the test accuracy of that configuration's weights, and the wall time; with
matplotlib installed (``pip install "ferrotune[plot]"``) a bar chart is saved.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch.utils.data import DataLoader, TensorDataset

import ferrotune
import ferrotune.torch as ft

GRID = {"lr": [3e-4, 3e-3, 3e-2], "hidden": [16, 64, 256], "dropout": [0.0, 0.25, 0.5]}


def samplers(seed: int) -> dict[str, ferrotune.samplers.BaseSampler]:
    return {
        "grid": ferrotune.samplers.GridSampler(GRID, seed=seed),
        "random": ferrotune.samplers.RandomSampler(seed=seed),
        "tpe": ferrotune.samplers.TPESampler(seed=seed),
        "gp": ferrotune.samplers.GPSampler(seed=seed),
    }


def splits(seed: int) -> dict[str, TensorDataset]:
    x, y = load_digits(return_X_y=True)
    x_rest, x_test, y_rest, y_test = train_test_split(x, y, test_size=0.2, random_state=seed, stratify=y)
    x_train, x_val, y_train, y_val = train_test_split(x_rest, y_rest, test_size=0.25, random_state=seed, stratify=y_rest)
    scaler = StandardScaler().fit(x_train)
    as_set = lambda a, b: TensorDataset(torch.tensor(scaler.transform(a), dtype=torch.float32), torch.tensor(b))  # noqa: E731
    return {"train": as_set(x_train, y_train), "val": as_set(x_val, y_val), "test": as_set(x_test, y_test)}


def run_method(name: str, sampler: Any, data: dict[str, TensorDataset], budget: int, epochs: int, seed: int) -> dict[str, Any]:
    """Tunes with one sampler; returns its best validation and test accuracy and wall time."""
    val_loader = DataLoader(data["val"], batch_size=512)
    best: dict[str, Any] = {"value": -1.0, "model": None}

    def objective(trial: ferrotune.Trial) -> float:
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        hidden = trial.suggest_int("hidden", 16, 256, log=True)
        dropout = trial.suggest_float("dropout", 0.0, 0.5)
        ft.seed_everything(seed * 10_000 + trial.number)
        model = torch.nn.Sequential(torch.nn.Linear(64, hidden), torch.nn.ReLU(), torch.nn.Dropout(dropout), torch.nn.Linear(hidden, 10))
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        train_loader = DataLoader(data["train"], batch_size=64, shuffle=True)
        result = ft.fit(trial, model, optimizer, torch.nn.CrossEntropyLoss(), train_loader, val_loader, epochs=epochs)
        if result.best_value > best["value"]:  # keep the best weights for the test set
            best.update(value=result.best_value, model=result.model)
        return result.best_value

    study = ferrotune.create_study(study_name=f"compare-{name}", direction="maximize", sampler=sampler)
    start = time.perf_counter()
    study.optimize(objective, n_trials=budget)
    wall = time.perf_counter() - start
    test = ft.evaluate(best["model"], DataLoader(data["test"], batch_size=512))
    return {"method": name, "validation": study.best_value, "test": test, "seconds": wall, "params": study.best_params}


def summarize(method: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean and standard deviation over seeds (sd 0 for a single run)."""

    def sd(key: str) -> float:
        return statistics.stdev(r[key] for r in runs) if len(runs) > 1 else 0.0

    return {
        "method": method,
        "validation": statistics.fmean(r["validation"] for r in runs),
        "validation_sd": sd("validation"),
        "test": statistics.fmean(r["test"] for r in runs),
        "test_sd": sd("test"),
        "seconds": statistics.fmean(r["seconds"] for r in runs),
    }


def plot(rows: list[dict[str, Any]], path: str) -> bool:
    """Saves a bar chart of validation and test accuracy by method; False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    names = [r["method"] for r in rows]
    xs = range(len(rows))
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.bar([x - 0.2 for x in xs], [r["validation"] for r in rows], yerr=[r["validation_sd"] for r in rows], width=0.4, label="validation")
    ax.bar([x + 0.2 for x in xs], [r["test"] for r in rows], yerr=[r["test_sd"] for r in rows], width=0.4, label="test")
    ax.set_xticks(list(xs), [f"{n}\n{r['seconds']:.0f} s" for n, r in zip(names, rows, strict=True)])
    low = min(min(r["validation"] - r["validation_sd"], r["test"] - r["test_sd"]) for r in rows)
    ax.set_ylim(max(0.0, low - 0.05), 1.0)
    ax.set_ylabel("accuracy (mean, sd over seeds)")
    ax.set_title("Same budget per search method (digits MLP)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=27, help="trials per method")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=3, help="runs per method, seeds 0, 1, ...")
    parser.add_argument("--methods", default="grid,random,tpe,gp", help="comma-separated subset of grid,random,tpe,gp")
    parser.add_argument("--plot", default="compare_methods.png", help="bar chart path ('' for none)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)

    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [m for m in methods if m not in samplers(0)]
    if unknown:
        parser.error(f"unknown methods {unknown}; choose among {', '.join(samplers(0))}")
    if args.seeds < 1:
        parser.error("--seeds must be at least 1")
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in methods}
    for seed in range(args.seeds):
        data = splits(seed)
        for m in methods:
            runs[m].append(run_method(m, samplers(seed)[m], data, args.budget, args.epochs, seed))
    rows = [summarize(m, runs[m]) for m in methods]

    print(f"\n{args.budget} trials per method, {args.epochs} epochs per trial, {args.seeds} seed(s); mean (sd) over seeds")
    print(f"{'method':<8} {'validation':>16} {'test':>16} {'seconds':>8}")
    for r in rows:
        print(
            f"{r['method']:<8} {r['validation']:>7.4f} ({r['validation_sd']:.4f}) {r['test']:>7.4f} ({r['test_sd']:.4f}) {r['seconds']:>8.1f}"
        )
    if args.plot:
        if plot(rows, args.plot):
            print(f"Bar chart: {args.plot}")
        else:
            print('No bar chart: matplotlib is not installed (pip install "ferrotune[plot]")')
    return rows


if __name__ == "__main__":
    main()
