"""AutoSampler against each single built-in sampler, per problem class.

For each problem (continuous single-objective: a valley, two rugged surfaces and one with 2^d
separate basins; mixed/categorical and conditional single-objective; two-objective ZDT1),
every sampler runs the same number of trials on a few seeds; the table gives the median
best value (single objective, lower is better) or hypervolume (two objectives, higher is
better), and whether AutoSampler is significantly worse than the best single sampler (one-sided
Mann-Whitney U, p < 0.05).

    PYTHONPATH=python python benches/auto_sampler.py --quick   # ~1.5 minutes
    PYTHONPATH=python python benches/auto_sampler.py           # 8 seeds, 300 trials, ~7 minutes
    PYTHONPATH=python python benches/auto_sampler.py --seed-offset 100   # other seeds, to check a rule
    PYTHONPATH=python python benches/auto_sampler.py --shift --problems rosenbrock-4d,ackley-5d,rastrigin-5d,styblinski-6d

Rastrigin's and Ackley's optima lie at the centre of their boxes, where CMA-ES starts by
default, so an unshifted run favours CMA-ES from its first trial (shifted optima are why
suites such as COCO/BBOB move them). ``--shift`` translates each continuous function
(Rosenbrock, Ackley, Rastrigin, Styblinski-Tang) so that its global minimum lies at a point c
drawn per seed uniformly in the inner 60% of the box (each coordinate in
[lo + 0.2 (hi - lo), hi - 0.2 (hi - lo)], from ``random.Random(seed)``): the function is
evaluated at x - c + x*, x* its unshifted minimum, and keeps its minimum value 0. Every
sampler at a seed sees the same c. The box is unchanged, so parts of the unshifted surface
move out of it and others in (Styblinski-Tang's worse basins can leave the box). The
mixed, conditional and ZDT1 problems are not shifted (ZDT1's Pareto set lies on the box's
faces; the other two are not centred), so ``--shift`` runs the four continuous ones unless
``--problems`` says otherwise. Without ``--shift`` the functions are exactly the ones of
the earlier tables.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

from _common import hypervolume_2d
from scipy.stats import mannwhitneyu

import ferrotune
from ferrotune.samplers import (
    AutoSampler,
    BaseSampler,
    CmaEsSampler,
    GPSampler,
    NSGAIISampler,
    RandomSampler,
    TPESampler,
)
from ferrotune.trial import Trial

ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
warnings.simplefilter("ignore")


def rosenbrock_f(x: list[float]) -> float:
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def ackley_f(x: list[float]) -> float:
    n = len(x)
    a = -20 * math.exp(-0.2 * math.sqrt(sum(v * v for v in x) / n))
    return a - math.exp(sum(math.cos(2 * math.pi * v) for v in x) / n) + 20 + math.e


def rastrigin_f(x: list[float]) -> float:
    return 10 * len(x) + sum(v * v - 10 * math.cos(2 * math.pi * v) for v in x)


def styblinski_tang_f(x: list[float]) -> float:
    """Styblinski-Tang, moved up so that the optimum is 0; each coordinate has two basins, the
    worse one 14.1 higher (per coordinate) than the best."""
    return sum(v**4 - 16 * v * v + 5 * v for v in x) / 2 + 39.16616570377142 * len(x)


#: name -> (function of x, dimension, box (lo, hi) per coordinate, the minimum's coordinate)
CONTINUOUS: dict[str, tuple[Callable[[list[float]], float], int, float, float, float]] = {
    "rosenbrock-4d": (rosenbrock_f, 4, -2.0, 2.0, 1.0),
    "ackley-5d": (ackley_f, 5, -5.0, 5.0, 0.0),
    "rastrigin-5d": (rastrigin_f, 5, -5.12, 5.12, 0.0),
    "styblinski-6d": (styblinski_tang_f, 6, -5.0, 5.0, -2.903534027771177),
}


def continuous(name: str, shift_seed: int | None) -> Callable[[Trial], float]:
    """The objective of a continuous problem; with ``shift_seed``, its minimum moved to a point
    drawn uniformly in the inner 60% of the box (the same point for every sampler at a seed)."""
    f, dim, lo, hi, opt = CONTINUOUS[name]
    if shift_seed is None:

        def objective(trial: Trial) -> float:
            return f([trial.suggest_float(f"x{i}", lo, hi) for i in range(dim)])

        return objective
    rng = random.Random(shift_seed)
    margin = 0.2 * (hi - lo)
    centre = [rng.uniform(lo + margin, hi - margin) for _ in range(dim)]

    def shifted(trial: Trial) -> float:
        x = [trial.suggest_float(f"x{i}", lo, hi) for i in range(dim)]
        return f([v - c + opt for v, c in zip(x, centre, strict=True)])

    return shifted


def mixed(trial: Trial) -> float:
    """A learning-rate / depth / optimizer-like surface: a log float, an int, two categoricals."""
    lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
    depth = trial.suggest_int("depth", 1, 12)
    opt = trial.suggest_categorical("opt", ["sgd", "adam", "rmsprop"])
    act = trial.suggest_categorical("act", ["relu", "tanh"])
    bias = {"sgd": 0.6, "adam": 0.0, "rmsprop": 0.3}[opt] + (0.0 if act == "relu" else 0.2)
    return (math.log10(lr) + 2.5) ** 2 + 0.05 * (depth - 7) ** 2 + bias


def conditional(trial: Trial) -> float:
    """A model choice with its own parameters (a conditional space)."""
    model = trial.suggest_categorical("model", ["linear", "tree"])
    if model == "linear":
        c = trial.suggest_float("c", 1e-3, 1e3, log=True)
        return 0.5 + (math.log10(c) - 1) ** 2 / 4
    depth = trial.suggest_int("depth", 1, 20)
    leaf = trial.suggest_float("leaf", 0.0, 1.0)
    return 0.1 * abs(depth - 9) + (leaf - 0.3) ** 2


def zdt1(trial: Trial) -> tuple[float, float]:
    x = [trial.suggest_float(f"x{i}", 0, 1) for i in range(6)]
    g = 1 + 9 * sum(x[1:]) / (len(x) - 1)
    return x[0], g * (1 - math.sqrt(x[0] / g))


SINGLE: dict[str, Callable[[int], BaseSampler]] = {
    "Auto": lambda s: AutoSampler(seed=s),
    "GP": lambda s: GPSampler(seed=s),
    "TPE": lambda s: TPESampler(seed=s, multivariate=True),
    "CMA-ES": lambda s: CmaEsSampler(seed=s),
    "Random": lambda s: RandomSampler(seed=s),
}
MULTI: dict[str, Callable[[int], BaseSampler]] = {
    "Auto": lambda s: AutoSampler(seed=s),
    "TPE": lambda s: TPESampler(seed=s, multivariate=True),
    "NSGA-II": lambda s: NSGAIISampler(seed=s),
    "GP": lambda s: GPSampler(seed=s),
    "Random": lambda s: RandomSampler(seed=s),
}


def run(objective: Callable[[Trial], Any], make: Callable[[int], BaseSampler], seed: int, n_trials: int, multi: bool) -> float:
    directions = ["minimize", "minimize"] if multi else ["minimize"]
    study = ferrotune.create_study(sampler=make(seed), directions=directions)
    study.optimize(objective, n_trials=n_trials)
    if multi:
        return hypervolume_2d([tuple(t.values) for t in study.best_trials], (1.1, 11.0))  # type: ignore[misc]
    return study.best_value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="5 seeds, fewer trials")
    ap.add_argument("--seed-offset", type=int, default=0, help="add this to every seed (to check a rule on other seeds)")
    ap.add_argument("--problems", default="", help="comma-separated subset of the problem names")
    ap.add_argument(
        "--shift",
        action="store_true",
        help="move each continuous function's minimum to a point drawn per seed in the inner 60%% of the box",
    )
    args = ap.parse_args()
    seeds = range(args.seed_offset, args.seed_offset + (5 if args.quick else 8))
    n_single, n_multi = (60, 120) if args.quick else (300, 300)
    # each problem: name, objective at a seed, two objectives?, trials
    problems: list[tuple[str, Callable[[int], Callable[[Trial], Any]], bool, int]] = [
        *[(name, lambda s, name=name: continuous(name, s if args.shift else None), False, n_single) for name in CONTINUOUS],
        ("mixed", lambda s: mixed, False, n_single),
        ("conditional", lambda s: conditional, False, n_single),
        ("zdt1-6d", lambda s: zdt1, True, n_multi),
    ]
    if args.problems:
        problems = [p for p in problems if p[0] in args.problems.split(",")]
    elif args.shift:
        problems = [p for p in problems if p[0] in CONTINUOUS]
    print(f"ferrotune {ferrotune.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}")
    print(f"{len(seeds)} seeds from {seeds[0]}; medians; 'worse?' = AutoSampler significantly worse than the best single sampler")
    if args.shift:
        print(
            "shifted optima: each continuous function's minimum moved to a point drawn per seed (random.Random(seed)) uniformly in the inner 60% of the box, the same for every sampler"
        )
    start = time.perf_counter()
    for name, objective, multi, n in problems:
        samplers = MULTI if multi else SINGLE
        if not multi and name in ("mixed", "conditional"):
            samplers = {k: v for k, v in samplers.items() if k != "CMA-ES"}  # CMA-ES: numeric spaces only
        results = {k: [run(objective(s), make, s, n, multi) for s in seeds] for k, make in samplers.items()}
        medians = {k: statistics.median(v) for k, v in results.items()}
        singles = [k for k in results if k != "Auto"]
        best = (max if multi else min)(singles, key=lambda k: medians[k])
        alternative = "less" if multi else "greater"  # Auto's HV lower / Auto's value higher
        p = mannwhitneyu(results["Auto"], results[best], alternative=alternative).pvalue
        header = "  ".join(f"{k:>10}" for k in samplers)
        cells = "  ".join(f"{medians[k]:>10.3g}" for k in samplers)
        print(f"{'':14} {'trials':>6}  {header}   best single  worse? (p)")
        print(f"{name:14} {n:>6}  {cells}   {best:>11}  {'YES' if p < 0.05 else 'no':>6} ({p:.2f})")
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
