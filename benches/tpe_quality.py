"""TPE optimization quality: ferrotune vs Optuna TPESampler (and random search) on test functions.

Each sampler minimizes each function for the largest budget (default 200 trials) once per seed;
the best value found after 50, 100 and 200 trials is read from that one run. A sampler sees only
the history, so the first 50 trials of a 200-trial run are exactly a 50-trial run.

    python benches/tpe_quality.py                     # 10 seeds, budgets 50/100/200, all functions
    python benches/tpe_quality.py --markdown          # also print the tables as markdown
    python benches/tpe_quality.py --functions branin,mixed --seeds 20
    python benches/tpe_quality.py --quick             # small smoke test

Samplers, each seeded with seed = k for run k (seeds mean different streams in the two
libraries, which is fine: the comparison is between distributions over seeds):

- ``ferrotune TPE``:  ``ferrotune.samplers.TPESampler(seed=k)``, defaults otherwise;
- ``optuna TPE``:     ``optuna.samplers.TPESampler(seed=k)``, defaults otherwise;
- ``random``:         ``ferrotune.samplers.RandomSampler(seed=k)``, the baseline.

Functions (defined in _functions.py, shared with gp_quality.py; all minimized; f_min is the known
global minimum):

- ``branin``:      Branin-Hoo on x1 in [-5, 10], x2 in [0, 15]; f_min = 0.397887;
- ``ackley5``:     Ackley (a=20, b=0.2, c=2 pi) on [-32.768, 32.768]^5; f_min = 0 at the origin;
- ``rastrigin5``:  Rastrigin on [-5.12, 5.12]^5; f_min = 0 at the origin;
- ``rosenbrock4``: Rosenbrock on [-5, 10]^4; f_min = 0 at (1, 1, 1, 1);
- ``mixed``:       two ints a, b in [-10, 10], a stepped int d in [0, 100] step 5, a log int
  u in [1, 1024] and a categorical opt in {adam, rmsprop, sgd, adagrad}:
  f = (a - 3)^2 + (b + 2)^2 + ((d - 35) / 5)^2 + (log2(u) - 5)^2 + {0, 1, 2, 4}[opt];
  f_min = 0 at a = 3, b = -2, d = 35, u = 32, opt = adam.

Normalized regret = (best - f_min) / (f_ref - f_min), where f_ref is the median of f over
10,000 points drawn the way a random sampler draws them (uniform; log-uniform for the log int),
with numpy's default_rng(12345): 0 is the optimum, 1 is as good as a typical random point.

Verdict per function (ferrotune TPE vs Optuna TPE, best values at the largest budget over the
seeds): a two-sided Mann-Whitney U test (scipy.stats.mannwhitneyu); p < 0.05 gives "better" or
"worse" by the medians, otherwise "no worse within noise" (or "worse, not significant" when
ferrotune's median is higher). W/T/L counts the seeds k where ferrotune TPE's best is lower /
equal / higher than Optuna TPE's with the same k (a sign test's counts; the same k is a
different random stream in each library, so these are independent pairs).

Wall time per sampler is the sum of the ``study.optimize`` times (objective included).

Needs Optuna and SciPy: pip install -e '.[bench]' scipy
"""

from __future__ import annotations

import argparse
import os
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


# ------------------------------------------------------------------------------------------------
# Imports with clear messages


def _imports() -> tuple[Any, Any, Any]:
    ferrotune = common.import_ferrotune(tpe=True)
    optuna = common.import_optuna(quiet_experimental=True)
    try:
        import scipy.stats
    except ImportError:
        sys.exit("error: scipy is not installed; the verdicts use scipy.stats.mannwhitneyu: pip install scipy")
    return ferrotune, optuna, scipy.stats


SAMPLERS = ("ferrotune TPE", "optuna TPE", "random")


def _make_study(name: str, ft: Any, optuna: Any, seed: int) -> Any:
    if name == "ferrotune TPE":
        return ft.create_study(sampler=ft.samplers.TPESampler(seed=seed))
    if name == "optuna TPE":
        return optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    return ft.create_study(sampler=ft.samplers.RandomSampler(seed=seed))


def _run(name: str, fn: dict[str, Any], ft: Any, optuna: Any, seed: int, n: int) -> tuple[list[float], float]:
    """The objective values of n trials, in order, and the seconds study.optimize took."""
    return _quality.run(_make_study(name, ft, optuna, seed), name, fn, seed, n)


# ------------------------------------------------------------------------------------------------
# Statistics and verdicts


_verdict = _quality.verdict


_fmt = _quality.fmt
_fmt_regret = _quality.fmt_regret


# ------------------------------------------------------------------------------------------------
# Header


def _header(ft: Any, optuna: Any, args: argparse.Namespace) -> list[str]:
    import scipy

    return common.header_lines(
        common.ferrotune_source(ft),
        optuna.__version__,
        (
            f"seeds 0..{args.seeds - 1}; one {max(args.budgets)}-trial run per sampler, function and seed, "
            f"best-so-far read at {'/'.join(str(b) for b in args.budgets)}; TPE samplers at their defaults; "
            "random = ferrotune RandomSampler; sampler order rotates with the seed"
        ),
        python_extra=f", numpy {np.__version__}, scipy {scipy.__version__}",
    )


# ------------------------------------------------------------------------------------------------
# Main


def _args(argv: list[str] | None) -> argparse.Namespace:
    description = "TPE optimization quality on test functions: ferrotune vs Optuna vs random."
    return _quality.parse_args(argv, description, list(FUNCTIONS), [50, 100, 200], [20, 40])


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
            for s in SAMPLERS[rot:] + SAMPLERS[:rot]:
                values, dt = _run(s, fn, ft, optuna, seed, n_max)
                wall[s] += dt
                best[name][s].append(list(np.minimum.accumulate(values)))
                if args.verbose:
                    print(f"  {name} seed {seed} {s}: best {values and min(values):.6g} ({dt:.2f} s)", flush=True)
        print(f"{name}: {args.seeds} seeds x {len(SAMPLERS)} samplers x {n_max} trials in {time.perf_counter() - t_fn:.1f} s", flush=True)
    total = time.perf_counter() - t_all

    rows = []
    verdicts = []
    for name in args.functions:
        fn = FUNCTIONS[name]
        f_min, f_ref = fn["f_min"], f_refs[name]
        for b in args.budgets:
            for s in SAMPLERS:
                vals = [run[b - 1] for run in best[name][s]]
                regret = [(v - f_min) / (f_ref - f_min) for v in vals]
                rows.append(
                    [name, str(b), s, _fmt(statistics.fmean(vals)), _fmt(statistics.median(vals)), _fmt_regret(statistics.fmean(regret))]
                )
        finals = {s: [run[n_max - 1] for run in best[name][s]] for s in SAMPLERS}
        v = _verdict(finals["ferrotune TPE"], finals["optuna TPE"], stats)
        rnd_med = statistics.median(finals["random"])
        verdicts.append(
            [
                name,
                _fmt(v["median_ft"]),
                _fmt(v["median_op"]),
                _fmt(rnd_med),
                f"{v['wins']}/{v['ties']}/{v['losses']}",
                f"{v['p']:.3f}",
                v["verdict"],
            ]
        )

    head1 = ["function", "budget", "sampler", "mean best", "median best", "mean norm. regret"]
    right1 = [False, True, False, True, True, True]
    head2 = [
        "function",
        f"ferrotune TPE median @{n_max}",
        f"optuna TPE median @{n_max}",
        f"random median @{n_max}",
        "ft vs optuna W/T/L by seed",
        "Mann-Whitney p",
        "ferrotune TPE vs optuna TPE",
    ]
    right2 = [False, True, True, True, True, True, False]
    head3 = ["function", "search space", "f_min", "f_ref (median of random points)"]
    rows3 = [[n, FUNCTIONS[n]["space"], _fmt(FUNCTIONS[n]["f_min"]), _fmt(f_refs[n])] for n in args.functions]
    head4 = ["sampler", "total optimize wall time (s)", "runs"]
    rows4 = [[s, f"{wall[s]:.2f}", f"{args.seeds * len(args.functions)} x {n_max} trials"] for s in SAMPLERS]

    for md in (False, True) if args.markdown else (False,):
        print()
        if md:
            print(common.markdown_heading(header))
        print(common.table(head3, rows3, [False, False, True, True], md))
        print()
        print(common.table(head1, rows, right1, md))
        print()
        print(common.table(head2, verdicts, right2, md))
        print()
        print(common.table(head4, rows4, [False, True, False], md))
        if not md:
            print()
            print(
                f"normalized regret = (best - f_min) / (f_ref - f_min); verdict: two-sided Mann-Whitney U on the {args.seeds} "
                f"best values at budget {n_max}, alpha {ALPHA}; W/T/L = seeds where ferrotune TPE's best is lower/equal/higher"
            )
            print(f"total wall time of the benchmark: {total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
