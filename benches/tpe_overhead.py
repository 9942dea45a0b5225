"""TPE overhead per trial: ferrotune vs Optuna TPESampler, side by side in one process.

What is timed is the sampler's cost per trial at a given history size N: each study is first
filled with N finished trials, then K further trials run under TPE with a no-op objective (ten
mixed suggestions, returns 0.0), in-memory storage, logging at WARNING.

    python benches/tpe_overhead.py                   # N = 1k/10k (both) and 100k (ferrotune only)
    python benches/tpe_overhead.py --markdown        # also print the table as markdown
    python benches/tpe_overhead.py --no-optuna-10k   # skip Optuna at N >= 10,000 (0.2-0.6 s/trial)
    python benches/tpe_overhead.py --quick           # small smoke test

Method. Running N TPE trials in Optuna to reach N = 10,000 would take hours, so each study is
pre-populated with ``study.add_trials`` from N random finished trials built with
``create_trial``; both libraries get the same parameter draws and the same objective values
(a closed-form function of the parameters, so that TPE's "below" group is not arbitrary). Then,
for each repeat and each library, in alternating order (ferrotune first on even repeats):

1. a fresh study with ``TPESampler(seed=..., multivariate=False or True)`` (other arguments at
   their defaults) receives the N trials (not timed);
2. one TPE trial runs untimed (its time is shown apart as "first trial"; it includes building
   whatever either library caches about the history);
3. ``study.optimize(objective, n_trials=K)`` is timed with time.perf_counter(), after
   gc.collect(); the figure is that time / K.

The history grows from N + 1 to N + K during the timed window. The figure reported is the median
of the repeats. Ten parameters: four uniform floats, a log float, a stepped float, an int, a log
int and two categoricals.

Needs Optuna: pip install -e '.[bench]'
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import statistics
import sys
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # finds _common.py under runpy.run_path too
import _common as common

DEFAULT_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (200, 1_000)
DEFAULT_OPTUNA_MAX = 10_000
DEFAULT_K = 10  # timed Optuna trials per study
DEFAULT_K_FERROTUNE = 50  # timed ferrotune trials per study
TARGETS = {1_000: 100.0, 10_000: 300.0}  # N -> minimum ratio Optuna / ferrotune

ACTIVATIONS = ("relu", "tanh", "gelu", "silu")
OPTIMIZERS = ("adam", "sgd", "rmsprop")
MODES = (("independent", False), ("multivariate", True))


def objective(trial: Any) -> float:
    """No-op objective: ten mixed parameters, constant result. Works for both libraries."""
    trial.suggest_float("x0", -5.0, 5.0)
    trial.suggest_float("x1", -5.0, 5.0)
    trial.suggest_float("x2", -5.0, 5.0)
    trial.suggest_float("x3", -5.0, 5.0)
    trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    trial.suggest_float("dropout", 0.0, 0.5, step=0.05)
    trial.suggest_int("layers", 1, 8)
    trial.suggest_int("units", 16, 1024, log=True)
    trial.suggest_categorical("activation", ACTIVATIONS)
    trial.suggest_categorical("optimizer", OPTIMIZERS)
    return 0.0


def _distributions(lib: Any) -> dict[str, Any]:
    D = lib.distributions
    return {
        "x0": D.FloatDistribution(-5.0, 5.0),
        "x1": D.FloatDistribution(-5.0, 5.0),
        "x2": D.FloatDistribution(-5.0, 5.0),
        "x3": D.FloatDistribution(-5.0, 5.0),
        "lr": D.FloatDistribution(1e-5, 1e-1, log=True),
        "dropout": D.FloatDistribution(0.0, 0.5, step=0.05),
        "layers": D.IntDistribution(1, 8),
        "units": D.IntDistribution(16, 1024, log=True),
        "activation": D.CategoricalDistribution(ACTIVATIONS),
        "optimizer": D.CategoricalDistribution(OPTIMIZERS),
    }


def _history(n: int, seed: int) -> list[tuple[dict[str, Any], float]]:
    """n random parameter sets (plain Python values) and their objective values."""
    import random

    rng = random.Random(seed)
    out = []
    for _ in range(n):
        xs = [rng.uniform(-5.0, 5.0) for _ in range(4)]
        lr = 10.0 ** rng.uniform(-5.0, -1.0)
        dropout = round(rng.randint(0, 10) * 0.05, 10)
        layers = rng.randint(1, 8)
        units = min(1024, max(16, round(math.exp(rng.uniform(math.log(15.5), math.log(1024.5))))))
        activation = rng.choice(ACTIVATIONS)
        optimizer = rng.choice(OPTIMIZERS)
        value = (
            sum(x * x for x in xs)
            + (math.log10(lr) + 3.0) ** 2
            + abs(dropout - 0.2)
            + 0.5 * abs(layers - 4)
            + abs(math.log2(units) - 7.0)
            + ACTIVATIONS.index(activation) * 0.5
            + OPTIMIZERS.index(optimizer) * 0.5
        )
        params = {
            "x0": xs[0],
            "x1": xs[1],
            "x2": xs[2],
            "x3": xs[3],
            "lr": lr,
            "dropout": dropout,
            "layers": layers,
            "units": units,
            "activation": activation,
            "optimizer": optimizer,
        }
        out.append((params, value))
    return out


def _frozen(lib: Any, history: list[tuple[dict[str, Any], float]]) -> list[Any]:
    dists = _distributions(lib)
    return [lib.create_trial(params=p, distributions=dists, value=v) for p, v in history]


# ------------------------------------------------------------------------------------------------
# One timed run


def _run(lib: Any, trials: list[Any], multivariate: bool, k: int, seed: int) -> tuple[float, float]:
    """(seconds of the first TPE trial, seconds of the next k trials) on a study pre-filled with trials."""
    study = lib.create_study(sampler=lib.samplers.TPESampler(seed=seed, multivariate=multivariate))
    study.add_trials(trials)
    gc.collect()
    t0 = time.perf_counter()
    study.optimize(objective, n_trials=1)
    first = time.perf_counter() - t0
    gc.collect()
    t0 = time.perf_counter()
    study.optimize(objective, n_trials=k)
    dt = time.perf_counter() - t0
    _check(lib, study, len(trials) + 1 + k)
    del study
    gc.collect()
    return first, dt


def _check(lib: Any, study: Any, n: int) -> None:
    """Sanity check outside the timed window: n complete trials, the last one with 10 parameters."""
    engine = getattr(study, "_engine", None)
    complete = lib.trial.TrialState.COMPLETE
    if engine is not None and hasattr(engine, "state_counts"):
        # ferrotune: per-state counts from the engine (an internal handle; only this check uses
        # it), so that a 100,000-trial history is not read back as FrozenTrial objects.
        count = engine.state_counts()[int(complete)]
        last = study.best_trial  # the timed trials return 0.0, below every pre-filled value
    else:
        trials = study.get_trials(deepcopy=False, states=(complete,))
        count, last = len(trials), trials[-1]
    if count != n or len(last.params) != 10 or last.value != 0.0:
        sys.exit(f"error: {lib.__name__} study does not hold {n} complete trials ending with a 10-parameter TPE trial")


# ------------------------------------------------------------------------------------------------
# Header


def _header(ft: Any, optuna: Any, args: argparse.Namespace) -> list[str]:
    import numpy

    return common.header_lines(
        common.ferrotune_source(ft),
        optuna.__version__,
        (
            "TPESampler(seed, multivariate) else defaults, in-memory, no-op objective with 10 "
            f"suggestions; N random trials added with add_trials, 1 untimed TPE trial, then "
            f"K = {args.k_ferrotune} (ferrotune) / {args.k} (optuna) timed trials; median of {args.repeats} "
            "repeat(s), alternating order, gc.collect() between runs"
        ),
        python_extra=f", numpy {numpy.__version__}",
    )


# ------------------------------------------------------------------------------------------------
# Tables

HEAD = ["sampling", "N", "ferrotune ms/trial", "optuna ms/trial", "optuna/ferrotune", "first trial ft / optuna ms", "target"]
RIGHT = [False, True, True, True, True, True, False]


def _rows(results: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for r in results:
        ft_ms, op_ms = r["ferrotune"], r["optuna"]
        ratio = None if ft_ms is None or op_ms is None or ft_ms <= 0 else op_ms / ft_ms
        target = ""
        if r["n"] in TARGETS:
            t = TARGETS[r["n"]]
            target = f">= {t:.0f}x: " + ("not measured" if ratio is None else "met" if ratio >= t else "not met")
        first = f"{r['ferrotune_first']:.3f} / " + ("-" if r["optuna_first"] is None else f"{r['optuna_first']:.2f}")
        rows.append(
            [
                r["mode"],
                f"{r['n']:,}",
                f"{ft_ms:.3f}",
                "-" if op_ms is None else f"{op_ms:.2f}",
                "-" if ratio is None else f"{ratio:.1f}x",
                first,
                target,
            ]
        )
    return rows


# ------------------------------------------------------------------------------------------------
# Main


def _parse_sizes(text: str) -> list[int]:
    return common.int_list(text, 0, "sizes must be integers separated by commas", "sizes must be non-negative")


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="TPE overhead per trial at history size N: ferrotune vs Optuna.")
    p.add_argument(
        "--sizes", type=_parse_sizes, default=None, help="comma-separated history sizes N (default 1000,10000,100000; --quick: 200,1000)"
    )
    p.add_argument("--k", type=int, default=None, help=f"timed Optuna trials per study (default {DEFAULT_K}; --quick: 3)")
    p.add_argument(
        "--k-ferrotune", type=int, default=None, help=f"timed ferrotune trials per study (default {DEFAULT_K_FERROTUNE}; --quick: 10)"
    )
    p.add_argument("--repeats", type=int, default=None, help="studies per library, mode and N (default 3; --quick: 1)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random history and of every TPESampler (default 0)")
    p.add_argument("--optuna-max", type=int, default=DEFAULT_OPTUNA_MAX, help=f"largest N Optuna runs (default {DEFAULT_OPTUNA_MAX})")
    p.add_argument("--no-optuna-10k", action="store_true", help="run Optuna only below N = 10,000 (same as --optuna-max 9999)")
    p.add_argument("--modes", default="independent,multivariate", help="comma-separated: independent, multivariate (default both)")
    p.add_argument("--quick", action="store_true", help="small sizes, few trials, one repeat: a smoke test")
    p.add_argument("--markdown", action="store_true", help="also print the table as markdown")
    p.add_argument("--verbose", action="store_true", help="print every repeat's figures")
    a = p.parse_args(argv)
    if a.sizes is None:
        a.sizes = list(QUICK_SIZES if a.quick else DEFAULT_SIZES)
    if a.k is None:
        a.k = 3 if a.quick else DEFAULT_K
    if a.k_ferrotune is None:
        a.k_ferrotune = 10 if a.quick else DEFAULT_K_FERROTUNE
    if a.repeats is None:
        a.repeats = 1 if a.quick else 3
    if a.no_optuna_10k:
        a.optuna_max = min(a.optuna_max, 9_999)
    if a.k < 1 or a.k_ferrotune < 1 or a.repeats < 1:
        p.error("--k, --k-ferrotune and --repeats must be at least 1")
    names = [m.strip() for m in a.modes.split(",") if m.strip()]
    known = dict(MODES)
    if not names or any(m not in known for m in names):
        p.error(f"--modes takes independent and/or multivariate, got {a.modes!r}")
    a.modes = [(m, known[m]) for m in names]
    return a


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    ft = common.import_ferrotune(tpe=True)
    optuna = common.import_optuna(quiet_experimental=True)
    ft.logging.set_verbosity(ft.logging.WARNING)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    libs = {"ferrotune": ft, "optuna": optuna}
    ks = {"ferrotune": args.k_ferrotune, "optuna": args.k}

    header = _header(ft, optuna, args)
    print("\n".join(header), flush=True)
    print(flush=True)

    # Warm-up (untimed): imports, first-call caches, allocator.
    warm = _history(100, args.seed + 1)
    for lib in libs.values():
        for _, mv in args.modes:
            _run(lib, _frozen(lib, warm), mv, 3, args.seed)

    results = []
    for n in args.sizes:
        names = ["ferrotune"] + (["optuna"] if n <= args.optuna_max else [])
        history = _history(n, args.seed)
        frozen = {name: _frozen(libs[name], history) for name in names}
        for mode, mv in args.modes:
            print(f"{mode}, N={n:,} ...", flush=True)
            per_trial: dict[str, list[float]] = {k: [] for k in names}
            firsts: dict[str, list[float]] = {k: [] for k in names}
            for r in range(args.repeats):
                for name in names if r % 2 == 0 else names[::-1]:
                    first, dt = _run(libs[name], frozen[name], mv, ks[name], args.seed)
                    firsts[name].append(first)
                    per_trial[name].append(dt / ks[name])
            if args.verbose:
                for name in names:
                    print(
                        f"  {name}: ms/trial "
                        + ", ".join(f"{t * 1e3:.3f}" for t in per_trial[name])
                        + "; first trial "
                        + ", ".join(f"{t * 1e3:.3f}" for t in firsts[name]),
                        flush=True,
                    )

            def med(d: dict[str, list[float]], name: str) -> float | None:
                return statistics.median(d[name]) * 1e3 if name in d else None

            results.append(
                {
                    "mode": mode,
                    "n": n,
                    "ferrotune": med(per_trial, "ferrotune"),
                    "optuna": med(per_trial, "optuna"),
                    "ferrotune_first": med(firsts, "ferrotune"),
                    "optuna_first": med(firsts, "optuna"),
                }
            )
        del frozen
        gc.collect()

    rows = _rows(results)
    print()
    print(common.table(HEAD, rows, RIGHT))
    print()
    print("targets: Optuna / ferrotune >= 100x at N = 1,000 and >= 300x at N = 10,000, each sampling mode")
    print("'first trial' is the untimed TPE trial right after add_trials (median, ms), not in the per-trial figures")

    if args.markdown:
        print()
        print(common.markdown_heading(header))
        print(common.table(HEAD, rows, RIGHT, markdown=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
