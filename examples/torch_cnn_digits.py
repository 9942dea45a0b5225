"""Tune a small CNN on the digits images: convolution layers, pooling, augmentation, optimizer.

Run:  python examples/torch_cnn_digits.py [--n-trials 30] [--epochs 20]

The 8x8 digits (scikit-learn's bundled set) are used as 1-channel images, split 60/20/20 into
train, validation and test sets. Each trial picks the number of convolution blocks, their
filters and kernel sizes, the pooling type, dropout and the hidden layer
(``ferrotune.torch.suggest_cnn``), the strength of the data augmentation (shift, rotation,
noise; ``suggest_augmentation``), the optimizer and learning-rate schedule, and trains with
``fit`` under a median pruner and early stopping. The best model is reloaded from its
checkpoint and scored on the test set.

Needs ``pip install "ferrotune[torch]"`` (scikit-learn too). Runs on a CUDA GPU when there is one,
where the augmentation runs on the GPU too.
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
from torch.utils.data import DataLoader, TensorDataset

import ferrotune
import ferrotune.torch as ft


def digit_images(seed: int = 0) -> dict[str, TensorDataset]:
    """(N, 1, 8, 8) images scaled to [0, 1], in train / validation / test splits."""
    images, labels = load_digits(return_X_y=True)
    images = images.reshape(-1, 1, 8, 8) / 16.0
    i_rest, i_test, l_rest, l_test = train_test_split(images, labels, test_size=0.2, random_state=seed, stratify=labels)
    i_train, i_val, l_train, l_val = train_test_split(i_rest, l_rest, test_size=0.25, random_state=seed, stratify=l_rest)
    as_set = lambda i, lab: TensorDataset(torch.tensor(i, dtype=torch.float32), torch.tensor(lab))  # noqa: E731
    return {"train": as_set(i_train, l_train), "val": as_set(i_val, l_val), "test": as_set(i_test, l_test)}


def build_model(trial: Any) -> torch.nn.Module:
    return ft.suggest_cnn(trial, in_channels=1, num_classes=10, input_size=8, n_conv=(1, 3), filters=(8, 64), hidden=(32, 128))


def main(argv: list[str] | None = None) -> tuple[ferrotune.Study, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint-dir", default=None, help="where trial checkpoints go (default: a temporary directory)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--quiet", action="store_true", help="no log line per trial")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.quiet:
        ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)

    data = digit_images(args.seed)
    val_loader = DataLoader(data["val"], batch_size=512)
    checkpoint_dir = Path(args.checkpoint_dir or tempfile.mkdtemp(prefix="ferrotune-cnn-"))

    def objective(trial: ferrotune.Trial) -> float:
        ft.seed_everything(args.seed * 10_000 + trial.number)
        model = build_model(trial)
        augment = ft.suggest_augmentation(trial, shift=(0, 1), rotation=(0.0, 15.0), noise=(0.0, 0.1))
        train_loader = DataLoader(data["train"], batch_size=64, shuffle=True)
        optimizer = ft.suggest_optimizer(trial, model.parameters(), optimizers=("adam", "adamw", "sgd"), lr=(1e-4, 3e-2))
        scheduler = ft.suggest_lr_scheduler(
            trial, optimizer, args.epochs, steps_per_epoch=len(train_loader), schedulers=("none", "cosine", "one_cycle")
        )
        result = ft.fit(
            trial,
            model,
            optimizer,
            torch.nn.CrossEntropyLoss(),
            train_loader,
            val_loader,
            epochs=args.epochs,
            scheduler=scheduler,
            augment=augment,
            patience=5,
            checkpoint_dir=checkpoint_dir,
        )
        return result.best_value

    study = ferrotune.create_study(
        study_name="cnn-digits",
        direction="maximize",
        sampler=ferrotune.samplers.TPESampler(seed=args.seed),
        pruner=ferrotune.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=3),
    )
    start = time.perf_counter()
    study.optimize(objective, n_trials=args.n_trials)
    wall = time.perf_counter() - start

    model, _ = ft.load_best_model(study, build_model, checkpoint_dir)
    test_accuracy = ft.evaluate(model, DataLoader(data["test"], batch_size=512))
    best = study.best_trial
    n_pruned = sum(t.state == ferrotune.TrialState.PRUNED for t in study.trials)
    print(f"\n{len(study.trials)} trials in {wall:.1f} s; {n_pruned} pruned")
    print(f"Best trial: #{best.number}")
    print(f"  validation accuracy: {best.value:.4f}")
    print(f"  test accuracy:       {test_accuracy:.4f}")
    for name, value in best.params.items():
        print(f"  {name}: {value}")
    print(model)
    return study, test_accuracy


if __name__ == "__main__":
    main()
