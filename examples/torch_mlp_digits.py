"""Tune a PyTorch MLP on the digits data: architecture and training settings together.

Run:  python examples/torch_mlp_digits.py [--n-trials 50] [--epochs 30] [--pruner hyperband|median|none]

scikit-learn's bundled 8x8 digits (1,797 images, no download) are split 60/20/20 into train,
validation and test sets. Each trial builds an MLP (depth, widths, activation, dropout), an
optimizer (SGD with momentum, Adam, AdamW or RMSprop; learning rate and weight decay on a log
scale) and a cosine learning-rate schedule, then trains it with ``ferrotune.torch.fit``: the
validation accuracy is reported each epoch, the pruner may stop the trial, training stops early
after 6 epochs without improvement, and every epoch is checkpointed. After the study the best
model is reloaded from its checkpoint, scored on the test set, and a results JSON is written.

Needs ``pip install "ferrotune[torch]"`` (scikit-learn too). Runs on a CUDA GPU when there is one.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch.utils.data import DataLoader, TensorDataset

import ferrotune
import ferrotune.torch as ft

PRUNERS = {
    "hyperband": lambda epochs: ferrotune.pruners.HyperbandPruner(min_resource=2, max_resource=epochs, reduction_factor=3),
    "median": lambda epochs: ferrotune.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=3),
    "none": lambda epochs: ferrotune.pruners.NopPruner(),
}


def digits(seed: int = 0) -> dict[str, TensorDataset]:
    """Train / validation / test splits, standardized on the training set."""
    x, y = load_digits(return_X_y=True)
    x_rest, x_test, y_rest, y_test = train_test_split(x, y, test_size=0.2, random_state=seed, stratify=y)
    x_train, x_val, y_train, y_val = train_test_split(x_rest, y_rest, test_size=0.25, random_state=seed, stratify=y_rest)
    scaler = StandardScaler().fit(x_train)

    def tensors(a: Any, b: Any) -> TensorDataset:
        return TensorDataset(torch.tensor(scaler.transform(a), dtype=torch.float32), torch.tensor(b))

    return {"train": tensors(x_train, y_train), "val": tensors(x_val, y_val), "test": tensors(x_test, y_test)}


def build_model(trial: Any) -> torch.nn.Module:
    return ft.suggest_mlp(trial, in_features=64, out_features=10, n_layers=(1, 3), width=(16, 256))


def main(argv: list[str] | None = None) -> tuple[ferrotune.Study, dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--pruner", choices=sorted(PRUNERS), default="hyperband")
    parser.add_argument("--sampler", choices=["tpe", "random"], default="tpe")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint-dir", default=None, help="where trial checkpoints go (default: a temporary directory)")
    parser.add_argument("--results", default=None, help="results JSON path (default: <checkpoint-dir>/results.json)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (a model this small trains fastest on one)")
    parser.add_argument("--quiet", action="store_true", help="no log line per trial")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.quiet:
        ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)

    data = digits(args.seed)
    val_loader = DataLoader(data["val"], batch_size=512)
    checkpoint_dir = Path(args.checkpoint_dir or tempfile.mkdtemp(prefix="ferrotune-mlp-"))

    def objective(trial: ferrotune.Trial) -> float:
        ft.seed_everything(args.seed * 10_000 + trial.number)
        model = build_model(trial)
        batch_size = trial.suggest_categorical("batch_size", [32, 64, 128])
        train_loader = DataLoader(data["train"], batch_size=batch_size, shuffle=True)
        optimizer = ft.suggest_optimizer(trial, model.parameters(), lr=(1e-4, 1e-1))
        scheduler = ft.suggest_lr_scheduler(trial, optimizer, args.epochs, schedulers="cosine")
        result = ft.fit(
            trial,
            model,
            optimizer,
            torch.nn.CrossEntropyLoss(),
            train_loader,
            val_loader,
            epochs=args.epochs,
            scheduler=scheduler,
            patience=6,
            checkpoint_dir=checkpoint_dir,
        )
        return result.best_value

    sampler = ferrotune.samplers.TPESampler(seed=args.seed) if args.sampler == "tpe" else ferrotune.samplers.RandomSampler(seed=args.seed)
    study = ferrotune.create_study(study_name="mlp-digits", direction="maximize", sampler=sampler, pruner=PRUNERS[args.pruner](args.epochs))
    start = time.perf_counter()
    study.optimize(objective, n_trials=args.n_trials)
    wall = time.perf_counter() - start

    model, params = ft.load_best_model(study, build_model, checkpoint_dir)
    test_accuracy = ft.evaluate(model, DataLoader(data["test"], batch_size=512))
    results = ft.save_results(
        args.results or checkpoint_dir / "results.json",
        study,
        test_metrics={"accuracy": test_accuracy},
        checkpoint_dir=checkpoint_dir,
        extra={"wall_seconds": wall, "pruner": args.pruner, "sampler": args.sampler, "epochs": args.epochs},
    )
    best = study.best_trial
    n_pruned = sum(t.state == ferrotune.TrialState.PRUNED for t in study.trials)
    epochs_trained = sum(len(t.intermediate_values) for t in study.trials)
    print(
        f"\n{len(study.trials)} trials in {wall:.1f} s; {n_pruned} pruned; {epochs_trained} epochs trained of {args.n_trials * args.epochs}"
    )
    print(f"Best trial: #{best.number}")
    print(f"  validation accuracy: {best.value:.4f}")
    print(f"  test accuracy:       {test_accuracy:.4f}")
    for name, value in params.items():
        print(f"  {name}: {value}")
    print(f"Results: {args.results or checkpoint_dir / 'results.json'}")
    return study, results


if __name__ == "__main__":
    main()
