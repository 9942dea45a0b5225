"""GP optimization quality: ferrotune vs Optuna GPSampler (and ferrotune TPE, random) on test functions.

Each sampler minimizes each function for the largest budget (default 100 trials) once per seed;
the best value found after 30, 50 and 100 trials is read from that one run. A sampler sees only
the history, so the first 30 trials of a 100-trial run are exactly a 30-trial run.

    python benches/gp_quality.py                     # 10 seeds, budgets 30/50/100, all functions
    python benches/gp_quality.py --markdown          # also print the tables as markdown
    python benches/gp_quality.py --functions branin,rosenbrock4 --seeds 20
    python benches/gp_quality.py --quick             # small smoke test

Samplers, each seeded with seed = k for run k (seeds mean different streams in the two
libraries, which is fine: the comparison is between distributions over seeds):

- ``ferrotune GP``:   ``ferrotune.samplers.GPSampler(seed=k)``, defaults otherwise
  (10 random start-up trials, logEI, noise fitted);
- ``optuna GP``:      ``optuna.samplers.GPSampler(seed=k)``, defaults otherwise (the same);
- ``ferrotune TPE``:  ``ferrotune.samplers.TPESampler(seed=k)``, defaults otherwise;
- ``random``:         ``ferrotune.samplers.RandomSampler(seed=k)``, the baseline.

Functions: those of tpe_quality.py (defined in _functions.py, shared by both): ``branin``
(2 floats), ``ackley5``, ``rastrigin5`` (5 floats, multimodal), ``rosenbrock4`` (4 floats, a
curved valley) and ``mixed`` (ints, a stepped int, a log int and a categorical); all minimized,
with known minimum f_min.

Normalized regret = (best - f_min) / (f_ref - f_min), where f_ref is the median of f over
10,000 points drawn the way a random sampler draws them (numpy default_rng(12345)): 0 is the
optimum, 1 is as good as a typical random point. The regret table gives, per function, budget
and sampler, the median over the seeds and the interquartile range [25th, 75th percentile]
(numpy's linear interpolation).

Verdicts, per function and budget, on the best values of the seeds: ferrotune GP vs Optuna GP
and ferrotune GP vs ferrotune TPE, each a two-sided Mann-Whitney U test
(scipy.stats.mannwhitneyu); p < 0.05 gives "better" or "worse" by the medians, otherwise "no
worse within noise" (or "worse, not significant" when ferrotune GP's median is higher).
W/T/L counts the seeds k where ferrotune GP's best is lower / equal / higher than the other
sampler's with the same k. (ferrotune GP and TPE with the same k may share their random
start-up trials; Mann-Whitney treats the samples as independent, which only makes it more
conservative there.)

Targets, printed with the verdicts: ferrotune GP at least as good as Optuna GP on every
function (no budget where it is significantly worse), and clearly better than ferrotune TPE
(significantly better, p < 0.05) on the smooth low-dimensional functions branin and rosenbrock4,
at each budget.

Wall time per sampler is the sum of the ``study.optimize`` times (objective included; the
objectives cost microseconds, so this is the samplers' time).

Threads: ``OMP_NUM_THREADS=1`` is set before numpy and torch are imported (unless already set;
the header shows it), as Optuna's GPSampler documentation recommends; Optuna's GPSampler also
limits torch to one intra-op thread itself, and batches its L-BFGS-B runs with greenlet when
that is installed (the header says). ferrotune's GP runs with its default threads (all cores;
``FERROTUNE_GP_THREADS`` sets the number, the header shows it); the proposals, and so the
quality figures, are the same whatever the number of threads.

Needs Optuna, torch, SciPy (and greenlet for Optuna's fast path):
pip install -e '.[bench-gp]'
"""

from __future__ import annotations

import os

# Optuna's GPSampler docs: set OMP_NUM_THREADS=1 before torch (and numpy) are imported.
os.environ.setdefault("OMP_NUM_THREADS", "1")
# ferrotune's GP spreads candidate blocks and local searches over all cores unless
# FERROTUNE_GP_THREADS says otherwise; its proposals do not depend on the number of threads.

import argparse
import statistics
import sys
import time
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # finds _common.py under runpy.run_path too
import _common as common
import _functions
import _quality
from _functions import FUNCTIONS

ALPHA = _quality.ALPHA
SAMPLERS = ("ferrotune GP", "optuna GP", "ferrotune TPE", "random")
SMOOTH = ("branin", "rosenbrock4")  # where ferrotune GP should clearly beat TPE


# ------------------------------------------------------------------------------------------------
# Imports with clear messages


def _imports() -> tuple[Any, Any, Any]:
    ferrotune = common.import_ferrotune(tpe=True)
    if not hasattr(ferrotune.samplers, "GPSampler"):
        sys.exit(f"error: this ferrotune has no samplers.GPSampler; rebuild it from the repository root: {common.INSTALL_HINT}")
    optuna = common.import_optuna(quiet_experimental=True)
    try:
        import torch  # noqa: F401
    except ImportError:
        sys.exit("error: torch is not installed; Optuna's GPSampler needs it: pip install torch")
    try:
        import scipy.stats
    except ImportError:
        sys.exit("error: scipy is not installed; the verdicts use scipy.stats.mannwhitneyu: pip install scipy")
    return ferrotune, optuna, scipy.stats


def _make_study(name: str, ft: Any, optuna: Any, seed: int) -> Any:
    if name == "ferrotune GP":
        return ft.create_study(sampler=ft.samplers.GPSampler(seed=seed))
    if name == "optuna GP":
        return optuna.create_study(sampler=optuna.samplers.GPSampler(seed=seed))
    if name == "ferrotune TPE":
        return ft.create_study(sampler=ft.samplers.TPESampler(seed=seed))
    return ft.create_study(sampler=ft.samplers.RandomSampler(seed=seed))


def _run(name: str, fn: dict[str, Any], ft: Any, optuna: Any, seed: int, n: int) -> tuple[list[float], float]:
    """The objective values of n trials, in order, and the seconds study.optimize took."""
    return _quality.run(_make_study(name, ft, optuna, seed), name, fn, seed, n)


# ------------------------------------------------------------------------------------------------
# Statistics and verdicts


_verdict = _quality.verdict


_fmt = _quality.fmt
_fmt_regret = _quality.fmt_regret


def _regret_cell(regret: list[float]) -> str:
    q1, med, q3 = (float(x) for x in np.percentile(regret, [25, 50, 75]))
    return f"{_fmt_regret(med)} [{_fmt_regret(q1)}, {_fmt_regret(q3)}]"


# ------------------------------------------------------------------------------------------------
# Header


def _header(ft: Any, optuna: Any, args: argparse.Namespace) -> list[str]:
    import scipy
    import torch

    return common.header_lines(
        common.ferrotune_source(ft),
        f"{optuna.__version__} (torch {torch.__version__}; {common.greenlet_note()})",
        (
            f"seeds 0..{args.seeds - 1}; one {max(args.budgets)}-trial run per sampler, function and seed, "
            f"best-so-far read at {'/'.join(str(b) for b in args.budgets)}; GP and TPE samplers at their defaults "
            "but seed; random = ferrotune RandomSampler; sampler order rotates with the seed; "
            f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '')}, FERROTUNE_GP_THREADS={os.environ.get('FERROTUNE_GP_THREADS', 'unset: all cores')}"
        ),
        python_extra=f", numpy {np.__version__}, scipy {scipy.__version__}",
    )


# ------------------------------------------------------------------------------------------------
# Main


def _args(argv: list[str] | None) -> argparse.Namespace:
    description = "GP optimization quality on test functions: ferrotune GP vs Optuna GP vs ferrotune TPE vs random."
    return _quality.parse_args(argv, description, list(FUNCTIONS), [30, 50, 100], [15, 30])


def _target_rows(verdicts: dict[tuple[str, int], dict[str, dict[str, Any]]], args: argparse.Namespace) -> list[list[str]]:
    rows = []
    for name in args.functions:
        worse = [b for b in args.budgets if verdicts[name, b]["optuna GP"]["verdict"] == "worse"]
        rows.append(
            [
                name,
                "ft GP >= optuna GP (not significantly worse at any budget)",
                "met" if not worse else f"not met (worse at {', '.join(map(str, worse))})",
            ]
        )
    for name in (n for n in SMOOTH if n in args.functions):
        better = [b for b in args.budgets if verdicts[name, b]["ferrotune TPE"]["verdict"] == "better"]
        missed = [b for b in args.budgets if b not in better]
        rows.append(
            [
                name,
                "ft GP clearly better than TPE (p < 0.05 at each budget)",
                "met" if not missed else f"not met (not significantly better at {', '.join(map(str, missed))})",
            ]
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    ft, optuna, stats = _imports()
    ft.logging.set_verbosity(ft.logging.WARNING)
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    header = _header(ft, optuna, args)
    print("\n".join(header), flush=True)
    print(flush=True)

    n_max = max(args.budgets)
    # best[fn][sampler][seed] = best-so-far list over n_max trials
    best: dict[str, dict[str, list[list[float]]]] = {}
    wall = dict.fromkeys(SAMPLERS, 0.0)
    f_refs = {}
    t_all = time.perf_counter()
    for name in args.functions:
        fn = FUNCTIONS[name]
        f_refs[name] = _functions.f_ref(fn)
        best[name] = {s: [] for s in SAMPLERS}
        t_fn = time.perf_counter()
        for seed in range(args.seeds):
            rot = seed % len(SAMPLERS)
            line = []
            for s in SAMPLERS[rot:] + SAMPLERS[:rot]:
                values, dt = _run(s, fn, ft, optuna, seed, n_max)
                wall[s] += dt
                best[name][s].append(list(np.minimum.accumulate(values)))
                line.append(f"{s} {min(values):.6g} ({dt:.2f} s)")
            if args.verbose:
                print(f"  {name} seed {seed}: " + "; ".join(line), flush=True)
        print(f"{name}: {args.seeds} seeds x {len(SAMPLERS)} samplers x {n_max} trials in {time.perf_counter() - t_fn:.1f} s", flush=True)
    total = time.perf_counter() - t_all

    rows1 = []
    rows2 = []
    verdicts: dict[tuple[str, int], dict[str, dict[str, Any]]] = {}
    for name in args.functions:
        fn = FUNCTIONS[name]
        f_min, f_ref = fn["f_min"], f_refs[name]
        for b in args.budgets:
            vals = {s: [run[b - 1] for run in best[name][s]] for s in SAMPLERS}
            rows1.append([name, str(b)] + [_regret_cell([(v - f_min) / (f_ref - f_min) for v in vals[s]]) for s in SAMPLERS])
            verdicts[name, b] = {other: _verdict(vals["ferrotune GP"], vals[other], stats) for other in ("optuna GP", "ferrotune TPE")}
            row = [name, str(b), _fmt(statistics.median(vals["ferrotune GP"]))]
            for other in ("optuna GP", "ferrotune TPE"):
                v = verdicts[name, b][other]
                row += [_fmt(statistics.median(vals[other])), f"{v['wins']}/{v['ties']}/{v['losses']}", f"{v['p']:.3f}", v["verdict"]]
            rows2.append(row)

    head1 = ["function", "budget"] + [f"{s} regret median [IQR]" for s in SAMPLERS]
    right1 = [False, True] + [True] * len(SAMPLERS)
    head2 = [
        "function",
        "budget",
        "ft GP median best",
        "optuna GP median",
        "W/T/L",
        "p",
        "ft GP vs optuna GP",
        "ft TPE median",
        "W/T/L",
        "p",
        "ft GP vs ft TPE",
    ]
    right2 = [False, True, True, True, True, True, False, True, True, True, False]
    head3 = ["function", "search space", "f_min", "f_ref (median of random points)"]
    rows3 = [[n, FUNCTIONS[n]["space"], _fmt(FUNCTIONS[n]["f_min"]), _fmt(f_refs[n])] for n in args.functions]
    n_runs = args.seeds * len(args.functions)
    head4 = ["sampler", "total optimize wall time (s)", "ms per trial", "runs"]
    rows4 = [[s, f"{wall[s]:.2f}", f"{wall[s] / (n_runs * n_max) * 1e3:.2f}", f"{n_runs} x {n_max} trials"] for s in SAMPLERS]
    gp_ratio = wall["optuna GP"] / wall["ferrotune GP"] if wall["ferrotune GP"] > 0 else float("nan")
    head5 = ["function", "target", "result"]
    rows5 = _target_rows(verdicts, args)

    for md in (False, True) if args.markdown else (False,):
        print()
        if md:
            print(common.markdown_heading(header))
        print(common.table(head3, rows3, [False, False, True, True], md))
        print()
        print(common.table(head1, rows1, right1, md))
        print()
        print(common.table(head2, rows2, right2, md))
        print()
        print(common.table(head4, rows4, [False, True, True, False], md))
        print()
        print(common.table(head5, rows5, [False, False, False], md))
        if not md:
            print()
            print(
                f"normalized regret = (best - f_min) / (f_ref - f_min), median and [25th, 75th percentile] over {args.seeds} seeds; "
                f"verdicts: two-sided Mann-Whitney U on the {args.seeds} best values at each budget, alpha {ALPHA}; "
                "W/T/L = seeds where ferrotune GP's best is lower/equal/higher than the other sampler's"
            )
            print(f"optuna GP / ferrotune GP total wall time: {gp_ratio:.1f}x")
            print(f"total wall time of the benchmark: {total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
