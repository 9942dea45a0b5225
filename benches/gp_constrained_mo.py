"""GP with constraints and with two objectives: ferrotune vs Optuna GPSampler, side by side.

Two measurements, both on the same problems in one process run:

1. Quality. Each library's ``GPSampler(seed=k)`` (defaults otherwise: 10 random start-up
   trials) runs a study from its first trial for ``--trials`` trials, once per seed k. Reported
   per problem: the mean over the seeds of the best feasible value (constrained problems,
   minimized; a run without a feasible trial counts as the worst feasible value any run found)
   or of the hypervolume of the feasible trials (two-objective problems, both minimized, against
   a fixed reference point), the ratio ferrotune / Optuna (below 1 is better for the best value,
   above 1 for the hypervolume) and W/T/L, the seeds where ferrotune's figure is better / equal /
   worse than Optuna's for the same k.
2. Time per suggestion at 300 trials. A study with ``GPSampler(seed=0, n_startup_trials=300)``
   runs 300 random trials (untimed: the independent sampler), one GP trial (untimed: its fit
   starts from default hyperparameters, later ones from the previous fit), then K GP trials
   timed with time.perf_counter() after gc.collect(); the figure is that time / K, the ratio
   Optuna / ferrotune. The objectives cost microseconds, so the time is the sampler's.

    python benches/gp_constrained_mo.py            # 5 seeds, 40 trials; timing with K = 10 / 3
    python benches/gp_constrained_mo.py --quick    # 2 seeds, 25 trials, K = 3 / 1
    python benches/gp_constrained_mo.py --markdown # also print the tables as markdown

Problems (``trial.set_constraint(name, value)`` in both libraries, <= 0 feasible):

- ``branin-2c``: Branin on [-5, 10] x [0, 15] with a disc of radius 3 around (5, 7.5) cut out
  and x <= 8 (two of the three global minima, 0.397887, stay feasible);
- ``sphere5-lin``: sum_i (x_i - 1)^2 on [-2, 2]^5 subject to sum_i x_i <= 2 (optimum 1.2 on
  the boundary, at x_i = 0.4);
- ``zdt1-4d``: ZDT1 in 4 variables, reference point (1.1, 11);
- ``convex-pair``: (x^2 + y^2, (x-1)^2 + (y-1)^2) on [0, 1]^2, reference point (2, 2);
- ``convex-pair-c``: the same with x + y >= 0.6 (a constraint that cuts the front).

Threads: ``OMP_NUM_THREADS=1`` is set before torch is imported (unless set), as Optuna's
documentation recommends; ferrotune's GP uses its default threads (``FERROTUNE_GP_THREADS``).
Needs Optuna, torch and SciPy: pip install -e '.[bench-gp]'.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(__file__))

from _common import both_libraries, ferrotune_source, greenlet_note, header_lines, hypervolume_2d, print_tables


def branin_2c(t: Any) -> float:
    x, y = t.suggest_float("x", -5, 10), t.suggest_float("y", 0, 15)
    t.set_constraint("disc", 9.0 - ((x - 5.0) ** 2 + (y - 7.5) ** 2))
    t.set_constraint("right", x - 8.0)
    b, c, s = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (y - b * x * x + c * x - 6) ** 2 + 10 * (1 - s) * math.cos(x) + 10


def sphere5_lin(t: Any) -> float:
    x = [t.suggest_float(f"x{i}", -2, 2) for i in range(5)]
    t.set_constraint("sum", sum(x) - 2.0)
    return sum((v - 1.0) ** 2 for v in x)


def zdt1_4d(t: Any) -> tuple[float, float]:
    x = [t.suggest_float(f"x{i}", 0, 1) for i in range(4)]
    g = 1 + 9 * sum(x[1:]) / 3
    return x[0], g * (1 - math.sqrt(x[0] / g))


def convex_pair(t: Any) -> tuple[float, float]:
    x, y = t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)
    return x * x + y * y, (x - 1) ** 2 + (y - 1) ** 2


def convex_pair_c(t: Any) -> tuple[float, float]:
    x, y = t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)
    t.set_constraint("line", 0.6 - x - y)
    return x * x + y * y, (x - 1) ** 2 + (y - 1) ** 2


# name -> (objective, directions, hypervolume reference point or None for best feasible value)
PROBLEMS: dict[str, tuple[Callable[[Any], Any], int, tuple[float, float] | None]] = {
    "branin-2c": (branin_2c, 1, None),
    "sphere5-lin": (sphere5_lin, 1, None),
    "zdt1-4d": (zdt1_4d, 2, (1.1, 11.0)),
    "convex-pair": (convex_pair, 2, (2.0, 2.0)),
    "convex-pair-c": (convex_pair_c, 2, (2.0, 2.0)),
}


def feasible(t: Any) -> bool:
    return all(v <= 0 for v in (t.constraints or {}).values())


def figure(study: Any, reference: tuple[float, float] | None) -> float:
    done = [t for t in study.trials if t.values is not None and feasible(t)]
    if reference is None:
        return min((t.values[0] for t in done), default=math.inf)
    return hypervolume_2d([(t.values[0], t.values[1]) for t in done], reference)


def study_for(lib: Any, n_obj: int, **kw: Any) -> Any:
    return lib.create_study(directions=["minimize"] * n_obj, sampler=lib.samplers.GPSampler(**kw))


def quality(libs: dict[str, Any], seeds: int, trials: int) -> list[list[str]]:
    rows = []
    for name, (fn, n_obj, ref) in PROBLEMS.items():
        figs: dict[str, list[float]] = {"ferrotune": [], "optuna": []}
        for k in range(seeds):
            for lib_name, lib in libs.items():
                s = study_for(lib, n_obj, seed=k)
                s.optimize(fn, n_trials=trials)
                figs[lib_name].append(figure(s, ref))
        ours, theirs = figs["ferrotune"], figs["optuna"]
        if ref is None:  # a run with no feasible trial counts as the worst feasible value seen
            worst = max(v for v in ours + theirs if math.isfinite(v))
            ours = [v if math.isfinite(v) else worst for v in ours]
            theirs = [v if math.isfinite(v) else worst for v in theirs]
            better = [a < b for a, b in zip(ours, theirs, strict=True)]
        else:
            better = [a > b for a, b in zip(ours, theirs, strict=True)]
        ties = sum(a == b for a, b in zip(ours, theirs, strict=True))
        wins = sum(better)
        mo, mt = statistics.fmean(ours), statistics.fmean(theirs)
        kind = "hypervolume" if ref else "best feasible"
        print(f"  {name}: {kind} ferrotune {mo:.4f}, optuna {mt:.4f}", flush=True)
        rows.append([name, kind, f"{mo:.4f}", f"{mt:.4f}", f"{mo / mt:.3f}" if mt else "-", f"{wins}/{ties}/{seeds - wins - ties}"])
    return rows


def timing(libs: dict[str, Any], k_ft: int, k_opt: int, history: int) -> list[list[str]]:
    rows = []
    for name, (fn, n_obj, _) in PROBLEMS.items():
        per: dict[str, float] = {}
        for lib_name, lib in libs.items():
            s = study_for(lib, n_obj, seed=0, n_startup_trials=history)
            s.optimize(fn, n_trials=history + 1)
            k = k_ft if lib_name == "ferrotune" else k_opt
            gc.collect()
            t0 = time.perf_counter()
            s.optimize(fn, n_trials=k)
            per[lib_name] = (time.perf_counter() - t0) / k
            assert len(s.trials) == history + 1 + k
        ratio = per["optuna"] / per["ferrotune"]
        print(f"  {name}: ferrotune {per['ferrotune'] * 1e3:.1f} ms, optuna {per['optuna'] * 1e3:.0f} ms, {ratio:.0f}x", flush=True)
        rows.append([name, f"{per['ferrotune'] * 1e3:.1f}", f"{per['optuna'] * 1e3:.0f}", f"{ratio:.0f}x"])
    return rows


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=None, help="seeds per problem (default 5; --quick: 2)")
    p.add_argument("--trials", type=int, default=None, help="trials per quality run (default 40; --quick: 25)")
    p.add_argument("--history", type=int, default=300, help="trials before the timed suggestions (default 300)")
    p.add_argument("--quick", action="store_true", help="a small smoke test")
    p.add_argument("--no-timing", action="store_true", help="skip the time per suggestion")
    p.add_argument("--no-quality", action="store_true", help="skip the quality runs")
    p.add_argument("--markdown", action="store_true", help="also print the tables as markdown")
    args = p.parse_args(argv)
    seeds = args.seeds or (2 if args.quick else 5)
    trials = args.trials or (25 if args.quick else 40)
    k_ft, k_opt = (3, 1) if args.quick else (10, 3)
    warnings.simplefilter("ignore")  # Optuna's experimental and deprecation warnings
    libs = both_libraries()
    header = header_lines(
        ferrotune_source(libs["ferrotune"]),
        f"{libs['optuna'].__version__} ({greenlet_note()})",
        f"quality: {seeds} seeds x {trials} trials; timing: {args.history} random trials, then "
        f"K = {k_ft} (ferrotune) / {k_opt} (Optuna) timed GP trials",
        f"; OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}, FERROTUNE_GP_THREADS={os.environ.get('FERROTUNE_GP_THREADS', 'unset')}",
    )
    print("\n".join(header), flush=True)
    if not args.no_quality:
        print("quality:", flush=True)
        rows = quality(libs, seeds, trials)
        head = ["problem", "figure (mean)", "ferrotune", "optuna", "ratio ft/optuna", "W/T/L"]
        print_tables(header, head, rows, [False, False, True, True, True, True], args.markdown)
    if not args.no_timing:
        print(f"time per suggestion after {args.history} trials:", flush=True)
        rows = timing(libs, k_ft, k_opt, args.history)
        head = ["problem", "ferrotune ms", "optuna ms", "optuna / ferrotune"]
        print_tables(header, head, rows, [False, True, True, True], args.markdown)


if __name__ == "__main__":
    main()
