"""Pruning a real training run: a PyTorch MLP on scikit-learn's digits, ferrotune against Optuna.

Each trial trains a two-layer MLP for 30 epochs (Adam; learning rate, hidden width, weight decay,
dropout and batch size are the hyperparameters), reports the validation accuracy after every
epoch (step = epoch) and asks ``should_prune()``. 60 configurations are drawn at random once
(seeded) and enqueued in the same order in both libraries, so both evaluate the same points with
the same seeds: trial k trains with ``torch.manual_seed(k)`` on one thread, and its learning
curve is the same in both libraries until it is stopped. For each pruner (none, MedianPruner,
SuccessiveHalvingPruner (ASHA), HyperbandPruner) and library the table shows the wall time of
``optimize``, the epochs trained, the trials pruned, the best validation accuracy, and how many
trials both libraries stopped at the same epoch.

Run from the repository root (after ``pip install -e '.[bench-pruning]'``; torch runs on the CPU):

    python benches/pruning_mlp.py --markdown
    python benches/pruning_mlp.py --quick          # 12 trials of 6 epochs: a smoke test
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from typing import Any

import _common as common
import numpy as np

STUDY_NAME = "digits-mlp"


def load_data(seed: int) -> tuple[Any, Any, Any, Any]:
    """Digits, standardized, split 75/25 (validation), as torch tensors."""
    import torch
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    x, y = load_digits(return_X_y=True)
    xtr, xva, ytr, yva = train_test_split(x, y, test_size=0.25, random_state=seed, stratify=y)
    scaler = StandardScaler().fit(xtr)
    f = lambda a: torch.tensor(scaler.transform(a), dtype=torch.float32)  # noqa: E731
    return f(xtr), torch.tensor(ytr), f(xva), torch.tensor(yva)


def configurations(n: int, seed: int) -> list[dict[str, Any]]:
    """n random configurations, drawn once for both libraries."""
    rng = np.random.default_rng(seed)
    return [
        {
            "lr": float(10 ** rng.uniform(-4, -1)),
            "hidden": round(2 ** rng.uniform(4, 8)),
            "weight_decay": float(10 ** rng.uniform(-6, -2)),
            "dropout": float(rng.uniform(0.0, 0.5)),
            "batch_size": int(rng.choice([32, 64, 128])),
        }
        for _ in range(n)
    ]


def make_objective(
    lib: Any, data: tuple[Any, Any, Any, Any], epochs: int, log: dict[int, tuple[int, bool, float]]
) -> Callable[[Any], float]:
    import torch
    from torch import nn

    xtr, ytr, xva, yva = data

    def objective(trial: Any) -> float:
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        hidden = trial.suggest_int("hidden", 16, 256, log=True)
        wd = trial.suggest_float("weight_decay", 1e-6, 1e-2, log=True)
        dropout = trial.suggest_float("dropout", 0.0, 0.5)
        batch = trial.suggest_categorical("batch_size", [32, 64, 128])
        torch.manual_seed(trial.number)
        model = nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, 10))
        opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=wd)
        loss_fn = nn.CrossEntropyLoss()
        gen = torch.Generator().manual_seed(trial.number)
        acc = 0.0
        for epoch in range(epochs):
            model.train()
            for idx in torch.randperm(len(xtr), generator=gen).split(batch):
                opt.zero_grad()
                loss_fn(model(xtr[idx]), ytr[idx]).backward()
                opt.step()
            model.eval()
            with torch.no_grad():
                acc = float((model(xva).argmax(1) == yva).float().mean())
            trial.report(acc, epoch)
            if trial.should_prune():
                log[trial.number] = (epoch, True, acc)
                raise lib.TrialPruned()
        log[trial.number] = (epochs - 1, False, acc)
        return acc

    return objective


def pruners(lib: Any, epochs: int) -> dict[str, Callable[[], Any]]:
    p = lib.pruners
    return {
        "none": p.NopPruner,
        "median": lambda: p.MedianPruner(n_startup_trials=5, n_warmup_steps=5),
        "asha": p.SuccessiveHalvingPruner,
        "hyperband": lambda: p.HyperbandPruner(min_resource=1, max_resource=epochs, reduction_factor=3),
    }


def run(lib: Any, pruner: Any, configs: list[dict[str, Any]], data: Any, epochs: int) -> tuple[float, dict[int, tuple[int, bool, float]]]:
    log: dict[int, tuple[int, bool, float]] = {}
    study = lib.create_study(study_name=STUDY_NAME, direction="maximize", pruner=pruner, sampler=lib.samplers.RandomSampler(seed=0))
    for c in configs:
        study.enqueue_trial(c)
    objective = make_objective(lib, data, epochs, log)
    t0 = time.perf_counter()
    study.optimize(objective, n_trials=len(configs))
    return time.perf_counter() - t0, log


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=60, help="trials per study (default 60)")
    ap.add_argument("--epochs", type=int, default=30, help="epochs per full trial (default 30)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the configurations and the split (default 0)")
    ap.add_argument("--quick", action="store_true", help="12 trials of 6 epochs")
    ap.add_argument("--markdown", action="store_true", help="also print the table as markdown")
    args = ap.parse_args(argv)
    if args.quick:
        args.trials, args.epochs = 12, 6
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        import sklearn  # noqa: F401
        import torch
    except ImportError as e:
        sys.exit(f"error: {e}; this benchmark needs torch and scikit-learn: pip install -e '.[bench-pruning]'")
    torch.set_num_threads(1)
    libs = common.both_libraries()
    ft, optuna = libs["ferrotune"], libs["optuna"]
    header = common.header_lines(
        common.ferrotune_source(ft),
        optuna.__version__,
        f"MLP 64-h-10 on load_digits (75/25 split), Adam, {args.epochs} epochs, validation accuracy reported "
        f"each epoch; {args.trials} random configurations enqueued in both libraries; torch "
        f"{torch.__version__} on the CPU, 1 thread",
    )
    print("\n".join(header), flush=True)
    data = load_data(args.seed)
    configs = configurations(args.trials, args.seed)
    # Warm-up (torch's first forward and backward passes are slow), not timed.
    run(ft, ft.pruners.NopPruner(), configs[:1], data, 1)
    rows = []
    for name in pruners(ft, args.epochs):
        res = {}
        for lib_name, lib in libs.items():
            res[lib_name] = run(lib, pruners(lib, args.epochs)[name](), configs, data, args.epochs)
        logs = {k: v[1] for k, v in res.items()}
        same = sum(1 for k in range(args.trials) if logs["ferrotune"].get(k, (None,))[:2] == logs["optuna"].get(k, (None,))[:2])

        def cell(f: Callable[[dict[int, tuple[int, bool, float]]], float], fmt: str) -> str:
            return " / ".join(format(f(logs[n]), fmt) for n in libs)  # noqa: B023 (called in this iteration)

        def best(log: dict[int, tuple[int, bool, float]]) -> float:
            done = [acc for (_, pruned, acc) in log.values() if not pruned]
            return max(done) if done else math.nan

        rows.append(
            [
                name,
                " / ".join(f"{res[n][0]:.1f}" for n in libs),
                cell(lambda log: sum(e + 1 for e, _, _ in log.values()), ",.0f"),
                cell(lambda log: sum(p for _, p, _ in log.values()), ".0f"),
                cell(best, ".4f"),
                f"{same} of {args.trials}",
            ]
        )
        print(f"  {name}: done", file=sys.stderr, flush=True)
    head = ["pruner", "wall s ft / optuna", "epochs ft / optuna", "pruned ft / optuna", "best val acc ft / optuna", "same decisions"]
    right = [False, True, True, True, True, True]
    common.print_tables(header, head, rows, right, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
