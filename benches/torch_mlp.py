"""The PyTorch MLP example at a budget of 50 trials, with and without pruning, ferrotune and Optuna.

Runs the objective of examples/torch_mlp_digits.py (MLP depth, widths, activation, dropout,
optimizer, learning rate, weight decay, batch size; cosine schedule; early stopping after 6
epochs without improvement; every epoch checkpointed) with TPE in both libraries, once with no
pruner and once with Hyperband. For each run: wall time of ``optimize``, epochs trained, trials
pruned, the best validation accuracy, and the test accuracy of the best trial's weights reloaded
from its checkpoint with ``ferrotune.torch.load_best_model``. The same ``ferrotune.torch``
helpers serve both libraries (they take any trial with Optuna's methods), so the libraries
differ only in their samplers, pruners and bookkeeping.

Run from the repository root (``pip install -e '.[bench-pruning]'``; torch runs on the CPU, one thread):

    python benches/torch_mlp.py --markdown
    python benches/torch_mlp.py --trials 8 --epochs 5      # a smoke test
"""

from __future__ import annotations

import argparse
import runpy
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _common as common

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "torch_mlp_digits.py"


def run(lib: Any, pruned: bool, trials: int, epochs: int, seed: int, example: dict[str, Any]) -> dict[str, Any]:
    import torch
    from torch.utils.data import DataLoader

    import ferrotune
    import ferrotune.torch as ft

    data = example["digits"](seed)
    val_loader = DataLoader(data["val"], batch_size=512)
    checkpoint_dir = Path(tempfile.mkdtemp(prefix="bench-torch-mlp-"))

    def objective(trial: Any) -> float:
        ft.seed_everything(seed * 10_000 + trial.number)
        model = example["build_model"](trial)
        batch_size = trial.suggest_categorical("batch_size", [32, 64, 128])
        train_loader = DataLoader(data["train"], batch_size=batch_size, shuffle=True)
        optimizer = ft.suggest_optimizer(trial, model.parameters(), lr=(1e-4, 1e-1))
        scheduler = ft.suggest_lr_scheduler(trial, optimizer, epochs, schedulers="cosine")
        try:
            result = ft.fit(
                trial,
                model,
                optimizer,
                torch.nn.CrossEntropyLoss(),
                train_loader,
                val_loader,
                epochs=epochs,
                scheduler=scheduler,
                patience=6,
                checkpoint_dir=checkpoint_dir,
            )
        except ferrotune.TrialPruned as e:
            raise lib.TrialPruned(str(e)) from None  # Optuna knows only its own exception
        return result.best_value

    pruner = lib.pruners.HyperbandPruner(min_resource=2, max_resource=epochs, reduction_factor=3) if pruned else lib.pruners.NopPruner()
    study = lib.create_study(study_name="mlp-digits", direction="maximize", sampler=lib.samplers.TPESampler(seed=seed), pruner=pruner)
    start = time.perf_counter()
    study.optimize(objective, n_trials=trials)
    wall = time.perf_counter() - start
    model, _ = ft.load_best_model(study, example["build_model"], checkpoint_dir)
    return {
        "wall": wall,
        "epochs": sum(len(t.intermediate_values) for t in study.trials),
        "pruned": sum(t.state.name == "PRUNED" for t in study.trials),
        "val": study.best_value,
        "test": ft.evaluate(model, DataLoader(data["test"], batch_size=512)),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=50, help="trials per study (default 50)")
    ap.add_argument("--epochs", type=int, default=30, help="most epochs per trial (default 30)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--markdown", action="store_true", help="also print the table as markdown")
    args = ap.parse_args(argv)
    try:
        import sklearn  # noqa: F401
        import torch
    except ImportError as e:
        sys.exit(f"error: {e}; this benchmark needs torch and scikit-learn: pip install -e '.[bench-pruning]'")
    torch.set_num_threads(1)
    libs = common.both_libraries()
    libs["optuna"].logging.set_verbosity(libs["optuna"].logging.WARNING)
    libs["ferrotune"].logging.set_verbosity(libs["ferrotune"].logging.WARNING)
    header = common.header_lines(
        common.ferrotune_source(libs["ferrotune"]),
        libs["optuna"].__version__,
        f"examples/torch_mlp_digits.py objective, TPESampler(seed={args.seed}), {args.trials} trials of at most "
        f"{args.epochs} epochs (patience 6), digits split 60/20/20; torch {torch.__version__} on the CPU, 1 thread",
    )
    print("\n".join(header), flush=True)
    example = runpy.run_path(str(EXAMPLE))
    run(libs["ferrotune"], False, 1, 1, args.seed, example)  # warm-up: torch's first passes are slow
    rows = []
    for pruned in (False, True):
        for name, lib in libs.items():
            r = run(lib, pruned, args.trials, args.epochs, args.seed, example)
            rows.append(
                [
                    name,
                    "Hyperband" if pruned else "none",
                    f"{r['wall']:.1f}",
                    f"{r['epochs']:,}",
                    str(r["pruned"]),
                    f"{r['val']:.4f}",
                    f"{r['test']:.4f}",
                ]
            )
            print(f"  {name}, {'Hyperband' if pruned else 'no pruner'}: done", file=sys.stderr, flush=True)
    head = ["library", "pruner", "wall s", "epochs", "pruned", "best validation acc", "test acc of best"]
    right = [False, False, True, True, True, True, True]
    common.print_tables(header, head, rows, right, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
