"""GP overhead per suggestion: ferrotune vs Optuna GPSampler, side by side in one process.

What is timed is the sampler's cost per trial at a given history size N and dimension d: each
study is first filled with N finished trials, then K further trials run under the GP sampler
with a cheap objective (d float suggestions in [-5, 5], the closed-form function below), in-memory
storage, logging at WARNING. The objective costs microseconds, so the time is the sampler's:
fitting the GP's hyperparameters to the history and maximizing the acquisition function.

    python benches/gp_overhead.py                    # N = 100/300/1,000 x d = 5/20, both libraries
    python benches/gp_overhead.py --markdown         # also print the table as markdown
    python benches/gp_overhead.py --no-optuna-1000   # skip Optuna at N >= 1,000 (seconds per trial)
    python benches/gp_overhead.py --quick            # small smoke test

Method. Each study is pre-populated with ``study.add_trials`` from N random finished trials
built with ``create_trial`` (x_i uniform in [-5, 5], from random.Random(seed)); both libraries
get the same parameter draws and the same objective values

    f(x) = sum_i (x_i - s_i)^2 + sum_i sin(3 x_i) + 0.5 x_0 x_1,   s_i = -2 + 4 (i mod 5) / 4,

a shifted sum of squares with some ripple and one interaction, so that the fitted GP is a
meaningful model (not a flat one) and its hyperparameter fit does real work. Then, for each
repeat, in alternating library order (ferrotune first on even repeats):

1. a fresh study with ``GPSampler(seed=seed)`` (every other argument at its default:
   n_startup_trials=10, deterministic_objective=False, logEI; ferrotune's defaults also
   n_preliminary_samples=2048, n_local_search=10, like Optuna's fixed values) receives the N
   trials (not timed);
2. one GP trial runs untimed; its time is shown apart as "first trial": it includes the first
   hyperparameter fit, which starts from default hyperparameters (later fits in both libraries
   start from the previous trial's);
3. ``study.optimize(objective, n_trials=K)`` is timed with time.perf_counter(), after
   gc.collect(); the figure is that time / K.

The history grows from N + 1 to N + K during the timed window. The figure reported per cell is
the median over the repeats. K defaults to 10 for ferrotune and 3 for Optuna (whose trials take
up to seconds at N = 1,000).

Threads. Optuna's documentation recommends ``OMP_NUM_THREADS=1`` before torch is imported; this
script sets it (unless it is already set; the header shows the value) before importing numpy or
torch, which also leaves numpy's OpenBLAS at one thread. Optuna's GPSampler moreover limits
torch to one intra-op thread (``torch.set_num_threads(1)``) and, with SciPy >= 1.15, sets
OPENBLAS_NUM_THREADS=1 while it optimizes. ferrotune's GPSampler runs in Rust with the GIL
released and, by default, spreads the independent parts of a suggestion (candidate blocks, local
searches) over all cores; ``FERROTUNE_GP_THREADS`` sets the number of threads. This script leaves
it as the environment has it (the header shows it): unset, each library runs with its defaults.
To compare both on one core: ``FERROTUNE_GP_THREADS=1 python benches/gp_overhead.py``.

Optuna's GPSampler runs its batched L-BFGS-B (the acquisition function's local searches) with
greenlet when that is installed (it is in Optuna's "optional" extra) and warns and falls back
to sequential runs when not; the header says which of the two was timed. Install greenlet to
time Optuna at its best; ``--no-greenlet`` hides an installed greenlet from Optuna (to time
its fallback).

Sanity checks outside the timed window: each study ends with N + 1 + K complete trials of d
parameters, and ferrotune emitted no warning (such as the one for falling back to independent
sampling) during the GP trials.

Needs Optuna and torch (Optuna's GPSampler imports it), and greenlet for Optuna's fast path:
pip install -e '.[bench-gp]'
"""

from __future__ import annotations

import os

# Optuna's GPSampler docs: set OMP_NUM_THREADS=1 before torch (and numpy) are imported.
os.environ.setdefault("OMP_NUM_THREADS", "1")
# ferrotune's GP spreads candidate blocks and local searches over all cores unless
# FERROTUNE_GP_THREADS says otherwise (read once, on first use): left as the caller set it.

import argparse
import gc
import math
import random
import statistics
import sys
import time
import warnings
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # finds _common.py under runpy.run_path too
import _common as common

DEFAULT_SIZES = (100, 300, 1_000)
QUICK_SIZES = (50, 100)
DEFAULT_DIMS = (5, 20)
DEFAULT_OPTUNA_MAX = 1_000
DEFAULT_K = 3  # timed Optuna trials per study
DEFAULT_K_FERROTUNE = 10  # timed ferrotune trials per study
RATIO_TARGET_N = 300  # Optuna / ferrotune >= RATIO_TARGET at this N, each dimension
RATIO_TARGET = 20.0
MS_TARGET_N = 1_000  # ferrotune < MS_TARGET ms per suggestion at this N, each dimension
MS_TARGET = 1_000.0
LOW, HIGH = -5.0, 5.0


def _shift(i: int) -> float:
    return -2.0 + 4.0 * (i % 5) / 4.0


def f(xs: list[float]) -> float:
    """The objective: shifted sum of squares, a ripple per coordinate and one interaction."""
    return sum((x - _shift(i)) ** 2 for i, x in enumerate(xs)) + sum(math.sin(3.0 * x) for x in xs) + 0.5 * xs[0] * xs[1]


def make_objective(d: int) -> Any:
    names = [f"x{i}" for i in range(d)]

    def objective(trial: Any) -> float:
        return f([trial.suggest_float(n, LOW, HIGH) for n in names])

    return objective


def _history(n: int, d: int, seed: int) -> list[tuple[dict[str, float], float]]:
    """n random parameter sets (plain floats) and their objective values."""
    rng = random.Random(seed * 1_000_003 + d)
    out = []
    for _ in range(n):
        xs = [rng.uniform(LOW, HIGH) for _ in range(d)]
        out.append(({f"x{i}": x for i, x in enumerate(xs)}, f(xs)))
    return out


def _frozen(lib: Any, history: list[tuple[dict[str, float], float]], d: int) -> list[Any]:
    dists = {f"x{i}": lib.distributions.FloatDistribution(LOW, HIGH) for i in range(d)}
    return [lib.create_trial(params=p, distributions=dists, value=v) for p, v in history]


# ------------------------------------------------------------------------------------------------
# One timed run


def _run(lib: Any, trials: list[Any], d: int, k: int, seed: int) -> tuple[float, float]:
    """(seconds of the first GP trial, seconds of the next k trials) on a study pre-filled with trials."""
    objective = make_objective(d)
    study = lib.create_study(sampler=lib.samplers.GPSampler(seed=seed))
    study.add_trials(trials)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()
        t0 = time.perf_counter()
        study.optimize(objective, n_trials=1)
        first = time.perf_counter() - t0
        gc.collect()
        t0 = time.perf_counter()
        study.optimize(objective, n_trials=k)
        dt = time.perf_counter() - t0
    if lib.__name__ == "ferrotune" and caught:
        sys.exit(f"error: ferrotune warned during the GP trials (N={len(trials)}, d={d}): {caught[0].message}")
    _check(lib, study, len(trials) + 1 + k, d)
    del study
    gc.collect()
    return first, dt


def _check(lib: Any, study: Any, n: int, d: int) -> None:
    """Sanity check outside the timed window: n complete trials, the last one with d parameters."""
    trials = study.get_trials(deepcopy=False, states=(lib.trial.TrialState.COMPLETE,))
    if len(trials) != n or len(trials[-1].params) != d:
        sys.exit(f"error: {lib.__name__} study does not hold {n} complete trials ending with a {d}-parameter GP trial")


# ------------------------------------------------------------------------------------------------
# Header


def _header(ft: Any, optuna: Any, args: argparse.Namespace) -> list[str]:
    import numpy
    import scipy
    import torch

    return common.header_lines(
        common.ferrotune_source(ft),
        f"{optuna.__version__} (torch {torch.__version__}, {torch.get_num_threads()} intra-op thread(s) at start, "
        f"GPSampler sets 1 while it runs; {common.greenlet_note()})",
        (
            f"GPSampler(seed={args.seed}) else defaults, in-memory, d floats in [{LOW:g}, {HIGH:g}], objective "
            "sum (x_i - s_i)^2 + sum sin(3 x_i) + 0.5 x0 x1; N random trials added with add_trials (same draws), "
            f"1 untimed GP trial, then K = {args.k_ferrotune} (ferrotune) / {args.k} (optuna) timed trials; "
            f"median of {args.repeats} repeat(s), alternating order, gc.collect() between runs; "
            f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '')}, FERROTUNE_GP_THREADS={os.environ.get('FERROTUNE_GP_THREADS', 'unset: all cores')}"
        ),
        python_extra=f", numpy {numpy.__version__}, scipy {scipy.__version__}",
    )


# ------------------------------------------------------------------------------------------------
# Tables

HEAD = ["d", "N", "ferrotune ms/trial", "optuna ms/trial", "optuna/ferrotune", "first trial ft / optuna ms", "target"]
RIGHT = [True, True, True, True, True, True, False]


def _ms(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def _target(n: int, ft_ms: float, ratio: float | None) -> str:
    out = []
    if n == RATIO_TARGET_N:
        if ratio is None:
            out.append(f">= {RATIO_TARGET:.0f}x: not measured")
        else:
            out.append(f">= {RATIO_TARGET:.0f}x: {'met' if ratio >= RATIO_TARGET else 'not met'}")
    if n == MS_TARGET_N:
        out.append(f"ft < {MS_TARGET:,.0f} ms: {'met' if ft_ms < MS_TARGET else 'not met'}")
    return "; ".join(out)


def _rows(results: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for r in results:
        ft_ms, op_ms = r["ferrotune"], r["optuna"]
        ratio = None if op_ms is None or ft_ms <= 0 else op_ms / ft_ms
        rows.append(
            [
                str(r["d"]),
                f"{r['n']:,}",
                _ms(ft_ms),
                _ms(op_ms),
                "-" if ratio is None else f"{ratio:.1f}x",
                f"{_ms(r['ferrotune_first'])} / {_ms(r['optuna_first'])}",
                _target(r["n"], ft_ms, ratio),
            ]
        )
    return rows


# ------------------------------------------------------------------------------------------------
# Main


def _parse_sizes(text: str) -> list[int]:
    return common.int_list(text, 1, "sizes must be integers separated by commas", "sizes must be positive")


def _parse_dims(text: str) -> list[int]:
    return common.int_list(text, 2, "dimensions must be integers separated by commas", "dimensions must be at least 2")


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="GP overhead per suggestion at history size N and dimension d: ferrotune vs Optuna.")
    p.add_argument(
        "--sizes", type=_parse_sizes, default=None, help="comma-separated history sizes N (default 100,300,1000; --quick: 50,100)"
    )
    p.add_argument("--dims", type=_parse_dims, default=None, help="comma-separated dimensions d (default 5,20)")
    p.add_argument("--k", type=int, default=None, help=f"timed Optuna trials per study (default {DEFAULT_K}; --quick: 2)")
    p.add_argument(
        "--k-ferrotune", type=int, default=None, help=f"timed ferrotune trials per study (default {DEFAULT_K_FERROTUNE}; --quick: 3)"
    )
    p.add_argument("--repeats", type=int, default=None, help="studies per library, d and N (default 3; --quick: 1)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random history and of every GPSampler (default 0)")
    p.add_argument("--optuna-max", type=int, default=DEFAULT_OPTUNA_MAX, help=f"largest N Optuna runs (default {DEFAULT_OPTUNA_MAX})")
    p.add_argument("--no-optuna-1000", action="store_true", help="run Optuna only below N = 1,000 (same as --optuna-max 999)")
    p.add_argument("--no-greenlet", action="store_true", help="hide greenlet from Optuna: time its sequential L-BFGS-B fallback")
    p.add_argument("--quick", action="store_true", help="small sizes, few trials, one repeat: a smoke test")
    p.add_argument("--markdown", action="store_true", help="also print the table as markdown")
    p.add_argument("--verbose", action="store_true", help="print every repeat's figures")
    a = p.parse_args(argv)
    if a.sizes is None:
        a.sizes = list(QUICK_SIZES if a.quick else DEFAULT_SIZES)
    if a.dims is None:
        a.dims = list(DEFAULT_DIMS)
    if a.k is None:
        a.k = 2 if a.quick else DEFAULT_K
    if a.k_ferrotune is None:
        a.k_ferrotune = 3 if a.quick else DEFAULT_K_FERROTUNE
    if a.repeats is None:
        a.repeats = 1 if a.quick else 3
    if a.no_optuna_1000:
        a.optuna_max = min(a.optuna_max, 999)
    if a.k < 1 or a.k_ferrotune < 1 or a.repeats < 1:
        p.error("--k, --k-ferrotune and --repeats must be at least 1")
    return a


def _import_ferrotune_gp() -> Any:
    ft = common.import_ferrotune()
    if not hasattr(ft.samplers, "GPSampler"):
        sys.exit(f"error: this ferrotune has no samplers.GPSampler; rebuild it from the repository root: {common.INSTALL_HINT}")
    return ft


def _import_torch() -> None:
    try:
        import torch  # noqa: F401
    except ImportError:
        sys.exit("error: torch is not installed; Optuna's GPSampler needs it: pip install torch")


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    if args.no_greenlet:
        sys.modules["greenlet"] = None  # type: ignore[assignment]  # import greenlet now raises ImportError
    ft = _import_ferrotune_gp()
    optuna = common.import_optuna(quiet_experimental=True)
    _import_torch()
    ft.logging.set_verbosity(ft.logging.WARNING)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    libs = {"ferrotune": ft, "optuna": optuna}
    ks = {"ferrotune": args.k_ferrotune, "optuna": args.k}

    header = _header(ft, optuna, args)
    print("\n".join(header), flush=True)
    print(flush=True)

    # Warm-up (untimed): imports (torch), first-call caches, allocator.
    for d in args.dims:
        warm = _history(30, d, args.seed + 1)
        for lib in libs.values():
            _run(lib, _frozen(lib, warm, d), d, 2, args.seed)

    results = []
    for d in args.dims:
        for n in args.sizes:
            names = ["ferrotune"] + (["optuna"] if n <= args.optuna_max else [])
            history = _history(n, d, args.seed)
            frozen = {name: _frozen(libs[name], history, d) for name in names}
            print(f"d={d}, N={n:,} ...", flush=True)
            per_trial: dict[str, list[float]] = {k: [] for k in names}
            firsts: dict[str, list[float]] = {k: [] for k in names}
            for r in range(args.repeats):
                for name in names if r % 2 == 0 else names[::-1]:
                    first, dt = _run(libs[name], frozen[name], d, ks[name], args.seed)
                    firsts[name].append(first)
                    per_trial[name].append(dt / ks[name])
            if args.verbose:
                for name in names:
                    print(
                        f"  {name}: ms/trial "
                        + ", ".join(f"{t * 1e3:.2f}" for t in per_trial[name])
                        + "; first trial "
                        + ", ".join(f"{t * 1e3:.2f}" for t in firsts[name]),
                        flush=True,
                    )

            def med(dd: dict[str, list[float]], name: str) -> float | None:
                return statistics.median(dd[name]) * 1e3 if name in dd else None

            results.append(
                {
                    "d": d,
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
    print(
        f"targets: Optuna / ferrotune >= {RATIO_TARGET:.0f}x at N = {RATIO_TARGET_N:,}, and ferrotune < {MS_TARGET:,.0f} ms "
        f"per suggestion at N = {MS_TARGET_N:,}, each dimension"
    )
    print(
        "'first trial' is the untimed GP trial right after add_trials (median, ms; it includes the first "
        "hyperparameter fit from defaults), not in the per-trial figures"
    )

    if args.markdown:
        print()
        print(common.markdown_heading(header))
        print(common.table(HEAD, rows, RIGHT, markdown=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
