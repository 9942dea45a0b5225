"""NSGA-II / NSGA-III: ferrotune against Optuna (and pymoo for quality), side by side in one run.

    python benches/nsga.py                 # overhead at N = 1,000 and 10,000; quality, 5 seeds
    python benches/nsga.py --quick         # overhead at N = 1,000; quality on ZDT1 and DTLZ2, 2 seeds
    python benches/nsga.py --markdown      # also print the tables as markdown
    python benches/nsga.py --part overhead # or --part quality: one part only
    python benches/nsga.py --part quality --seeds 30 --libs ferrotune,ferrotune-pymoo,pymoo

(a) Overhead per trial along a real study from its first trial. Each library runs one study of N
trials with ``NSGAIISampler(population_size=50, seed=...)`` (other arguments at their defaults)
and a no-op two-objective objective (five floats suggested, their first two returned), in
memory, through ``ask`` / ``tell``, logging at WARNING. Every trial's ask-suggest-tell time is
taken with time.perf_counter(); the figure is the mean over the last 10% of the N trials (so it
shows the cost at history size ~N, including whatever grows with the history). Each library
runs ``--repeats`` such studies (seeds 0, 1, ...; default 3), alternating which goes first, each
after gc.collect(); the figure is the median of the repeats.

(b) Quality at equal evaluations: the hypervolume of the non-dominated set of every evaluated
point, on ZDT1-3 (30 variables, 2 objectives; population 50 for 100 generations: 5,000
evaluations) and DTLZ1-4 (3 objectives, pymoo's default sizes; NSGA-III with the 91 reference
directions of 12 divisions, population 92 for 50 generations: 4,600 evaluations). The problems
are pymoo's own definitions, evaluated one point at a time for the samplers. The operators are
pymoo's defaults for each algorithm, in all three libraries: SBX with eta 15 and crossover
probability 0.9 (pymoo's NSGA2) or eta 30 and probability 1 (pymoo's NSGA3), each variable from
the children with probability 0.5, and polynomial mutation with eta 20 and probability 1 / n_var;
in ferrotune and Optuna ``crossover=SBXCrossover(eta)``, ``crossover_prob``,
``mutation=PolynomialMutation(20)`` (Optuna >= 5.0). ferrotune runs twice: with Optuna's
selection (the default) and with ``selection="pymoo"``. Hypervolume by pymoo's HV indicator,
with reference points (1.1, 1.1) for ZDT1-3 and (1.1, 1.1, 1.1) for DTLZ2 and DTLZ4. DTLZ1 and
DTLZ3 (multimodal) are still far from their fronts at this budget, in all three libraries:
their reference points, (5, 5, 5) and (60, 60, 60), measure the progress towards them. Means
over the seeds; the last columns are ferrotune's means over pymoo's and Optuna's.
``--libs`` runs a subset of the four columns (the others print as "-").

Needs Optuna (>= 5.0) and pymoo 0.6: pip install -e '.[bench-samplers]'
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
import warnings
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # finds _common.py under runpy.run_path too
import _common as common

POPULATION = 50
OVERHEAD_SIZES = (1_000, 10_000)
QUICK_OVERHEAD_SIZES = (1_000,)
TARGET_RATIO = 50.0  # at N = 10,000

# name, pymoo problem id, objectives, population, generations, hypervolume reference
PROBLEMS: list[tuple[str, str, int, int, int, tuple[float, ...]]] = [
    ("ZDT1", "zdt1", 2, 50, 100, (1.1, 1.1)),
    ("ZDT2", "zdt2", 2, 50, 100, (1.1, 1.1)),
    ("ZDT3", "zdt3", 2, 50, 100, (1.1, 1.1)),
    ("DTLZ1", "dtlz1", 3, 92, 50, (5.0, 5.0, 5.0)),
    ("DTLZ2", "dtlz2", 3, 92, 50, (1.1, 1.1, 1.1)),
    ("DTLZ3", "dtlz3", 3, 92, 50, (60.0, 60.0, 60.0)),
    ("DTLZ4", "dtlz4", 3, 92, 50, (1.1, 1.1, 1.1)),
]
QUICK_PROBLEMS = ("ZDT1", "DTLZ2")
# pymoo's default SBX for each algorithm: (eta, crossover probability)
SBX = {2: (15.0, 0.9), 3: (30.0, 1.0)}
COLUMNS = ("ferrotune", "ferrotune-pymoo", "optuna", "pymoo")
DIVISIONS = 12  # reference directions for three objectives: C(14, 2) = 91


# ------------------------------------------------------------------------------------------------
# (a) overhead


def noop(trial: Any) -> tuple[float, float]:
    xs = [trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(5)]
    return xs[0], xs[1]


def overhead(lib: Any, n: int, seed: int) -> float:
    """Mean seconds per trial over the last 10% of an n-trial study."""
    study = lib.create_study(directions=["minimize", "minimize"], sampler=lib.samplers.NSGAIISampler(population_size=POPULATION, seed=seed))
    gc.collect()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        trial = study.ask()
        study.tell(trial, noop(trial))
        times.append(time.perf_counter() - t0)
    tail = times[n - max(1, n // 10) :]
    return sum(tail) / len(tail)


def run_overhead(libs: dict[str, Any], sizes: tuple[int, ...], repeats: int, markdown: bool, header: list[str]) -> None:
    rows = []
    for n in sizes:
        times: dict[str, list[float]] = {"optuna": [], "ferrotune": []}
        for r in range(repeats):
            order = ("optuna", "ferrotune") if r % 2 == 0 else ("ferrotune", "optuna")
            for name in order:
                times[name].append(overhead(libs[name], n, r))
        t_opt, t_ft = statistics.median(times["optuna"]), statistics.median(times["ferrotune"])
        ratio = t_opt / t_ft
        target = f">= {TARGET_RATIO:.0f}x" if n >= 10_000 else ""
        rows.append([f"{n:,}", f"{t_opt * 1e3:.3f} ms", f"{t_ft * 1e6:.1f} us", f"{ratio:,.0f}x", target])
        print(f"N={n:>6,}: optuna {t_opt * 1e3:.3f} ms/trial, ferrotune {t_ft * 1e6:.1f} us/trial, ratio {ratio:,.0f}x", flush=True)
    common.print_tables(
        header,
        ["N", "Optuna NSGAIISampler", "ferrotune NSGAIISampler", "Optuna / ferrotune", "target"],
        rows,
        [True, True, True, True, False],
        markdown,
    )


# ------------------------------------------------------------------------------------------------
# (b) quality


def make_objective(problem: Any, record: list[Any]) -> Any:
    import numpy as np

    names = [f"x{i}" for i in range(problem.n_var)]
    lows, highs = problem.xl, problem.xu

    def objective(trial: Any) -> tuple[float, ...]:
        x = np.array([trial.suggest_float(n, float(lo), float(hi)) for n, lo, hi in zip(names, lows, highs, strict=True)])
        f = problem.evaluate(x)
        record.append(f)
        return tuple(float(v) for v in f)

    return objective


def run_sampler(lib: Any, name: str, pid: str, m: int, pop: int, gens: int, seed: int, **extra: Any) -> Any:
    import numpy as np
    from pymoo.problems import get_problem

    problem = get_problem(pid, n_obj=m) if m > 2 else get_problem(pid)
    nsgaii = lib.samplers.nsgaii
    eta, prob = SBX[m]
    ops = {"crossover": nsgaii.SBXCrossover(eta=eta), "crossover_prob": prob, "mutation": nsgaii.PolynomialMutation(20.0)}
    if m == 2:
        sampler = lib.samplers.NSGAIISampler(population_size=pop, seed=seed, **ops, **extra)
    else:
        sampler = lib.samplers.NSGAIIISampler(population_size=pop, seed=seed, dividing_parameter=DIVISIONS, **ops, **extra)
    record: list[Any] = []
    study = lib.create_study(directions=["minimize"] * m, sampler=sampler)
    study.optimize(make_objective(problem, record), n_trials=pop * gens)
    return np.array(record)


def run_pymoo(pid: str, m: int, pop: int, gens: int, seed: int) -> Any:
    import numpy as np
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.algorithms.moo.nsga3 import NSGA3
    from pymoo.core.callback import Callback
    from pymoo.optimize import minimize
    from pymoo.problems import get_problem
    from pymoo.util.ref_dirs import get_reference_directions

    problem = get_problem(pid, n_obj=m) if m > 2 else get_problem(pid)
    if m == 2:
        algo = NSGA2(pop_size=pop)
    else:
        algo = NSGA3(pop_size=pop, ref_dirs=get_reference_directions("das-dennis", m, n_partitions=DIVISIONS))

    class Keep(Callback):
        def __init__(self) -> None:
            super().__init__()
            self.f: list[Any] = []

        def notify(self, algorithm: Any) -> None:
            self.f.append(algorithm.off.get("F") if algorithm.off is not None else algorithm.pop.get("F"))

    keep = Keep()
    minimize(problem, algo, ("n_gen", gens), seed=seed, callback=keep, verbose=False)
    return np.vstack(keep.f)


def hypervolume(points: Any, ref: tuple[float, ...]) -> float:
    import numpy as np
    from pymoo.indicators.hv import HV

    pts = points[np.all(points < np.array(ref), axis=1)]
    if len(pts) == 0:
        return 0.0
    return float(HV(ref_point=np.array(ref))(pts))


def ratio(mean: dict[str, float], k: str, anchor: str) -> str:
    """Column `k`'s mean over `anchor`'s, or "-" when either did not run."""
    return f"{mean[k] / mean[anchor]:.3f}" if k in mean and mean.get(anchor, 0.0) > 0 else "-"


def run_quality(
    libs: dict[str, Any], names: tuple[str, ...], seeds: range, columns: tuple[str, ...], markdown: bool, header: list[str]
) -> None:
    rows = []
    for name, pid, m, pop, gens, ref in PROBLEMS:
        if name not in names:
            continue
        hv: dict[str, list[float]] = {k: [] for k in columns}
        for seed in seeds:
            if "ferrotune" in columns:
                hv["ferrotune"].append(hypervolume(run_sampler(libs["ferrotune"], name, pid, m, pop, gens, seed), ref))
            if "ferrotune-pymoo" in columns:
                points = run_sampler(libs["ferrotune"], name, pid, m, pop, gens, seed, selection="pymoo")
                hv["ferrotune-pymoo"].append(hypervolume(points, ref))
            if "optuna" in columns:
                hv["optuna"].append(hypervolume(run_sampler(libs["optuna"], name, pid, m, pop, gens, seed), ref))
            if "pymoo" in columns:
                hv["pymoo"].append(hypervolume(run_pymoo(pid, m, pop, gens, seed), ref))
        mean = {k: statistics.fmean(v) for k, v in hv.items()}
        sd = {k: statistics.stdev(v) if len(v) > 1 else 0.0 for k, v in hv.items()}

        algo = "NSGA-II" if m == 2 else "NSGA-III"
        row = (
            [name, algo, f"{pop * gens:,}"]
            + [f"{mean[k]:.4f} ± {sd[k]:.4f}" if k in mean else "-" for k in COLUMNS]
            + [ratio(mean, "ferrotune", "pymoo"), ratio(mean, "ferrotune-pymoo", "pymoo"), ratio(mean, "ferrotune", "optuna")]
        )
        print("  ".join(row), flush=True)
        rows.append(row)
    common.print_tables(
        header,
        [
            "problem",
            "algorithm",
            "evaluations",
            "ferrotune HV",
            'ferrotune selection="pymoo" HV',
            "Optuna HV",
            "pymoo HV",
            "ferrotune / pymoo",
            '"pymoo" / pymoo',
            "ferrotune / Optuna",
        ],
        rows,
        [False, False, True, True, True, True, True, True, True, True],
        markdown,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a short run: N = 1,000 only; ZDT1 and DTLZ2 with 2 seeds")
    ap.add_argument("--markdown", action="store_true", help="also print the tables as markdown")
    ap.add_argument("--part", choices=("overhead", "quality", "both"), default="both")
    ap.add_argument("--repeats", type=int, default=3, help="overhead studies per library and N (median; default 3)")
    ap.add_argument("--seeds", type=int, default=None, help="seeds per quality problem (default 5, 2 with --quick)")
    ap.add_argument("--first-seed", type=int, default=0, help="the quality part's first seed (default 0)")
    ap.add_argument("--problems", default=None, help="comma-separated quality problems (default: all seven)")
    ap.add_argument("--libs", default=",".join(COLUMNS), help=f"comma-separated quality columns (default: {','.join(COLUMNS)})")
    args = ap.parse_args()
    libs = common.both_libraries()
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=libs["ferrotune"].exceptions.ExperimentalWarning)
    try:
        import pymoo
    except ImportError:
        sys.exit(f"error: pymoo is not installed; the quality part compares against it. {common.INSTALL_HINT} pymoo")
    header = common.header_lines(
        common.ferrotune_source(libs["ferrotune"]),
        libs["optuna"].__version__,
        "see benches/nsga.py's docstring",
        python_extra=f"; pymoo {pymoo.__version__}",
    )
    print("\n".join(header), flush=True)
    if args.part in ("overhead", "both"):
        print(f"\n(a) overhead per trial, mean over the last 10% of N trials, median of {args.repeats} studies", flush=True)
        run_overhead(libs, QUICK_OVERHEAD_SIZES if args.quick else OVERHEAD_SIZES, args.repeats, args.markdown, header)
    if args.part in ("quality", "both"):
        seeds = args.seeds or (2 if args.quick else 5)
        names = QUICK_PROBLEMS if args.quick else tuple(p[0] for p in PROBLEMS)
        if args.problems:
            names = tuple(args.problems.split(","))
            unknown = set(names) - {p[0] for p in PROBLEMS}
            if unknown:
                sys.exit(f"error: unknown problem(s) {sorted(unknown)}; choose among {[p[0] for p in PROBLEMS]}")
        columns = tuple(args.libs.split(","))
        if set(columns) - set(COLUMNS):
            sys.exit(f"error: --libs takes some of {','.join(COLUMNS)}, got {args.libs}")
        first = args.first_seed
        print(f"\n(b) hypervolume at equal evaluations, mean ± sd over {seeds} seeds ({first}-{first + seeds - 1})", flush=True)
        run_quality(libs, names, range(first, first + seeds), columns, args.markdown, header)


if __name__ == "__main__":
    main()
