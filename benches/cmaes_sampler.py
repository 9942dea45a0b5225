"""CMA-ES: ferrotune's CmaEsSampler against Optuna's CmaEsSampler and the `cmaes` library, side by
side in one process.

    python benches/cmaes_sampler.py                    # overhead at N = 1,000 and 10,000, then quality
    python benches/cmaes_sampler.py --overhead-only    # (a) only
    python benches/cmaes_sampler.py --quality-only     # (b) only
    python benches/cmaes_sampler.py --quick            # small smoke test of both
    python benches/cmaes_sampler.py --markdown         # also print the tables as markdown

(a) Overhead per trial along a real study. Each library runs one study from its first trial to
N trials with ``CmaEsSampler(seed=0)`` (other arguments at their defaults), in memory, with a
no-op objective that suggests ten floats in [-5, 5] and returns 0.0, logging at WARNING. A callback stamps time.perf_counter() as each trial
finishes; the figure is the time of the last 10% of the trials divided by their number, so it
is the cost per trial once the history holds 0.9 N to N trials. Optuna rescans every trial on
each ask, so its study to 10,000 takes minutes: it runs once, with progress printed.

(b) Quality. Sphere, Rosenbrock, Rastrigin and Ackley in 2, 5, 10 and 20 dimensions, each
coordinate in [-5, 5] (Ackley: [-32.768, 32.768]; optima shifted off-centre by 0.5 of a unit
per coordinate for Sphere, Rastrigin and Ackley so the initial mean is not the optimum), with a
budget of 100 d evaluations (capped at 1,000), 20 seeds. Three optimizers minimize each:
ferrotune's CmaEsSampler(seed=s), Optuna's CmaEsSampler(seed=s) (both with their first trial
drawn at random, as in Optuna), and the `cmaes` library's CMA in a plain ask/tell loop on the
same box scaled to [0, 1]^d (mean 0.5, sigma 1/6, the samplers' start; seed s). The figure is
the best value found; ferrotune is compared with each of the others by a two-sided
Mann-Whitney U test over the seeds (scipy), with win/tie/loss counts seed by seed.

Needs Optuna, cmaes and scipy: pip install -e '.[bench-samplers]'
"""

from __future__ import annotations

import argparse
import importlib.metadata
import math
import statistics
import sys
import time
from typing import Any

import _common as common
import _quality as quality
import numpy as np

DIMS = 10  # parameters of the overhead study

# ------------------------------------------------------------------------------------------------
# (a) overhead


def overhead(lib: Any, n: int, progress: bool) -> tuple[float, float]:
    """(seconds per trial over the last 10% of n trials, seconds for the whole study)."""
    stamps: list[float] = []
    every = max(n // 10, 1)

    def stamp(study: Any, trial: Any) -> None:
        stamps.append(time.perf_counter())
        if progress and len(stamps) % every == 0:
            print(f"    {lib.__name__}: {len(stamps):,}/{n:,} trials, {stamps[-1] - t0:.1f} s", flush=True)

    def objective(trial: Any) -> float:
        for i in range(DIMS):
            trial.suggest_float(f"x{i}", -5.0, 5.0)
        return 0.0

    study = lib.create_study(sampler=lib.samplers.CmaEsSampler(seed=0))
    t0 = time.perf_counter()
    study.optimize(objective, n_trials=n, callbacks=[stamp])
    if len(stamps) != n:
        sys.exit(f"error: {lib.__name__} finished {len(stamps)} of {n} trials")
    tail = n // 10
    return (stamps[-1] - stamps[-tail - 1]) / tail, stamps[-1] - t0


def run_overhead(libs: dict[str, Any], sizes: list[int], markdown: bool, header: list[str]) -> None:
    rows = []
    for n in sizes:
        ft_per, ft_total = overhead(libs["ferrotune"], n, progress=False)
        print(f"  N={n:,}: ferrotune {ft_per * 1e6:.1f} us/trial (study {ft_total:.2f} s); running Optuna ...", flush=True)
        op_per, op_total = overhead(libs["optuna"], n, progress=n >= 5000)
        print(f"  N={n:,}: Optuna {op_per * 1e3:.2f} ms/trial (study {op_total:.1f} s)", flush=True)
        rows.append(
            [
                f"{n:,}",
                f"{ft_per * 1e6:.1f} us",
                f"{op_per * 1e3:.2f} ms",
                f"{op_per / ft_per:,.0f}x",
                f"{ft_total:.2f} s",
                f"{op_total:.1f} s",
            ]
        )
    head = ["N", "ferrotune / trial", "Optuna / trial", "ratio", "ferrotune study", "Optuna study"]
    common.print_tables(header, head, rows, [True] * 6, markdown)


# ------------------------------------------------------------------------------------------------
# (b) quality


def sphere(x: np.ndarray) -> float:
    return float(np.sum((x - 0.5) ** 2))


def rosenbrock(x: np.ndarray) -> float:
    return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2))


def rastrigin(x: np.ndarray) -> float:
    z = x - 0.5
    return float(10.0 * len(z) + np.sum(z * z - 10.0 * np.cos(2.0 * math.pi * z)))


def ackley(x: np.ndarray) -> float:
    z = x - 0.5
    d = len(z)
    return float(-20.0 * math.exp(-0.2 * math.sqrt(np.sum(z * z) / d)) - math.exp(np.sum(np.cos(2 * math.pi * z)) / d) + 20.0 + math.e)


FUNCTIONS: dict[str, tuple[Any, float, float]] = {
    "sphere": (sphere, -5.0, 5.0),
    "rosenbrock": (rosenbrock, -5.0, 5.0),
    "rastrigin": (rastrigin, -5.0, 5.0),
    "ackley": (ackley, -32.768, 32.768),
}


def study_best(lib: Any, f: Any, lo: float, hi: float, d: int, n: int, seed: int) -> float:
    def objective(trial: Any) -> float:
        return f(np.array([trial.suggest_float(f"x{i}", lo, hi) for i in range(d)]))

    study = lib.create_study(sampler=lib.samplers.CmaEsSampler(seed=seed))
    study.optimize(objective, n_trials=n)
    return float(study.best_value)


def cmaes_best(f: Any, lo: float, hi: float, d: int, n: int, seed: int) -> float:
    import cmaes

    opt = cmaes.CMA(mean=np.full(d, 0.5), sigma=1.0 / 6.0, bounds=np.array([[0.0, 1.0]] * d), seed=seed, n_max_resampling=10 * d)
    best, used = math.inf, 0
    while used < n:
        sols = []
        for _ in range(min(opt.population_size, n - used)):
            u = opt.ask()
            v = f(lo + u * (hi - lo))
            used += 1
            best = min(best, v)
            sols.append((u, v))
        if used >= n:
            break
        opt.tell(sols)
    return best


def run_quality(libs: dict[str, Any], dims: list[int], seeds: int, cap: int, markdown: bool, header: list[str]) -> None:
    from scipy import stats

    rows = []
    for name, (f, lo, hi) in FUNCTIONS.items():
        for d in dims:
            n = min(100 * d, cap)
            t0 = time.perf_counter()
            ft = [study_best(libs["ferrotune"], f, lo, hi, d, n, s) for s in range(seeds)]
            t_ft = time.perf_counter() - t0
            t0 = time.perf_counter()
            op = [study_best(libs["optuna"], f, lo, hi, d, n, s) for s in range(seeds)]
            t_op = time.perf_counter() - t0
            cm = [cmaes_best(f, lo, hi, d, n, s) for s in range(seeds)]
            v_op, v_cm = quality.verdict(ft, op, stats), quality.verdict(ft, cm, stats)
            print(
                f"  {name}{d} ({n} evals): medians ferrotune {quality.fmt(statistics.median(ft))}, Optuna "
                f"{quality.fmt(statistics.median(op))}, cmaes {quality.fmt(statistics.median(cm))}; "
                f"time {t_ft:.1f} s vs {t_op:.1f} s",
                flush=True,
            )
            rows.append(
                [
                    f"{name}{d}",
                    str(n),
                    quality.fmt(v_op["median_ft"]),
                    quality.fmt(v_op["median_op"]),
                    quality.fmt(v_cm["median_op"]),
                    f"{v_op['wins']}/{v_op['ties']}/{v_op['losses']}",
                    f"{v_op['p']:.2f} {v_op['verdict']}",
                    f"{v_cm['wins']}/{v_cm['ties']}/{v_cm['losses']}",
                    f"{v_cm['p']:.2f} {v_cm['verdict']}",
                ]
            )
    head = ["problem", "evals", "ferrotune", "Optuna", "cmaes", "W/T/L vs Optuna", "p vs Optuna", "W/T/L vs cmaes", "p vs cmaes"]
    common.print_tables(header, head, rows, [False, True, True, True, True, True, False, True, False], markdown)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="CmaEsSampler overhead and quality against Optuna's and the cmaes library")
    p.add_argument("--quick", action="store_true", help="N = 200/1,000 for overhead; 2 and 5 dimensions, 5 seeds for quality")
    p.add_argument("--overhead-only", action="store_true")
    p.add_argument("--quality-only", action="store_true")
    p.add_argument("--seeds", type=int, default=None, help="seeds per problem (default 20; --quick: 5)")
    p.add_argument("--markdown", action="store_true", help="also print the tables as markdown")
    a = p.parse_args(argv)
    libs = common.both_libraries()
    import optuna

    ft = libs["ferrotune"]
    sizes = [200, 1000] if a.quick else [1000, 10000]
    dims = [2, 5] if a.quick else [2, 5, 10, 20]
    seeds = a.seeds or (5 if a.quick else 20)
    # (This script is not called benches/cmaes.py: run as a script, it would shadow the library.)
    try:
        cm = f", cmaes {importlib.metadata.version('cmaes')}"
    except importlib.metadata.PackageNotFoundError:
        sys.exit("error: the `cmaes` library is needed (pip install cmaes)")
    if not a.quality_only:
        method = f"one study per library from trial 0 to N, no-op objective over {DIMS} floats, in memory; time of the last 10% / (N/10)"
        header = common.header_lines(common.ferrotune_source(ft), optuna.__version__ + cm, method)
        print("\n".join(header))
        print("\n(a) overhead per trial")
        run_overhead(libs, sizes, a.markdown, header)
    if not a.overhead_only:
        method = f"best of min(100 d, 1000) evaluations, {seeds} seeds, two-sided Mann-Whitney U (alpha {quality.ALPHA})"
        header = common.header_lines(common.ferrotune_source(ft), optuna.__version__ + cm, method)
        print()
        print("\n".join(header))
        print("\n(b) quality: median best value (lower is better)")
        run_quality(libs, dims, seeds, 1000, a.markdown, header)


if __name__ == "__main__":
    main()
