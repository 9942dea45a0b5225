"""TPE cost per trial along a real study: ferrotune vs Optuna TPESampler, side by side.

tpe_overhead.py measures a trial on top of a history of random trials. A real TPE study
concentrates its trials where it samples, which changes how much of the above estimator is
within reach of a candidate. This benchmark runs a study with TPE from the start on the same
ten parameters (a quadratic objective with known optimum) and reports the time per trial over
consecutive blocks of trials, for both libraries, in one process.

    python benches/tpe_long_study.py                      # 1,500 trials, blocks of 500, both modes
    python benches/tpe_long_study.py --trials 3000 --no-optuna
    python benches/tpe_long_study.py --quick              # smoke test

Needs Optuna for the side-by-side rows: pip install -e '.[bench]'
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

ACTIVATIONS = ("relu", "tanh", "gelu", "silu")
OPTIMIZERS = ("adam", "sgd", "rmsprop")


def objective(trial: Any) -> float:
    x = [trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(4)]
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    dropout = trial.suggest_float("dropout", 0.0, 0.5, step=0.05)
    layers = trial.suggest_int("layers", 1, 8)
    units = trial.suggest_int("units", 16, 1024, log=True)
    act = trial.suggest_categorical("activation", ACTIVATIONS)
    opt = trial.suggest_categorical("optimizer", OPTIMIZERS)
    return (
        sum((v - 1.0) ** 2 for v in x)
        + (math.log10(lr) + 3.0) ** 2
        + (dropout - 0.2) ** 2
        + (layers - 3) ** 2
        + (math.log2(units) - 7.0) ** 2
        + ACTIVATIONS.index(act)
        + OPTIMIZERS.index(opt)
    )


def run(lib: Any, multivariate: bool, trials: int, block: int) -> tuple[list[float], float]:
    lib.logging.set_verbosity(lib.logging.WARNING)
    study = lib.create_study(sampler=lib.samplers.TPESampler(seed=0, multivariate=multivariate))
    per_block = []
    for _ in range(trials // block):
        t0 = time.perf_counter()
        study.optimize(objective, n_trials=block)
        per_block.append((time.perf_counter() - t0) / block * 1e3)
    return per_block, study.best_value


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--trials", type=int, default=1500)
    p.add_argument("--block", type=int, default=500)
    p.add_argument("--no-optuna", action="store_true")
    p.add_argument("--quick", action="store_true", help="60 trials in blocks of 20")
    args = p.parse_args(argv)
    if args.quick:
        args.trials, args.block = 60, 20
    import ferrotune

    libs: list[tuple[str, Any]] = [("ferrotune", ferrotune)]
    if not args.no_optuna:
        try:
            import optuna

            libs.append(("optuna", optuna))
        except ImportError:
            print("optuna not installed: ferrotune only (pip install -e '.[bench]')")
    blocks = [f"{i * args.block + 1}-{(i + 1) * args.block}" for i in range(args.trials // args.block)]
    print(f"ms per trial over blocks of {args.block} trials; TPESampler(seed=0, multivariate=...) else defaults")
    print(f"| mode | library | {' | '.join(blocks)} | best value |")
    print("| :--- | :--- |" + " ---: |" * (len(blocks) + 1))
    for mv in (True, False):
        for name, lib in libs:
            per, best = run(lib, mv, args.trials, args.block)
            mode = "multivariate" if mv else "independent"
            print(f"| {mode} | {name} | {' | '.join(f'{v:.2f}' for v in per)} | {best:.4f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
