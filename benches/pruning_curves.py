"""Pruners on synthetic learning curves: ferrotune against Optuna, the same curves in one run.

Part 1, decisions and outcomes. A family of learning curves (validation losses to minimize) with
known final values: ``curve_i(t) = final_i + a_i exp(-t / tau_i) + noise``, 200 configurations,
100 steps each. Most configurations converge within 3-15 steps; 15% are late bloomers
(``tau`` 30-60: they look bad early and end among the best). Trial k runs configuration k, reports
its value at every step and asks ``should_prune()`` after each report; a trial that is not pruned
returns its value at step 99. Each pruner runs once per library with the same arguments, the same
study name (Hyperband's brackets hash it) and the same order of configurations, sequentially.
Per pruner and library the table shows the steps consumed (over all trials), the trials pruned,
the best final value among the trials that ran to the end, the regret against no pruning (that
best value minus the best one without a pruner), and how many trials both libraries stopped at
the same step (or both ran to the end).

Part 2, bookkeeping cost. A study holds 1,000 complete trials with 100 intermediate values each
(added with ``add_trials``); then ``--probes`` new trials (50) each report steps 0-99 and ask
``should_prune()`` after each report, until they are pruned or reach step 99 (and are told
PRUNED or COMPLETE). The figures are the mean time of one should_prune call and of one
report + should_prune pair over all those calls, after one untimed trial whose first call is
shown apart ("first call": ferrotune's pruners take in the loaded history there, once), with
MedianPruner, SuccessiveHalvingPruner and
HyperbandPruner (explicit ``max_resource``), in-memory storage in both libraries.

Run from the repository root (after ``pip install -e '.[bench]'``):

    python benches/pruning_curves.py --markdown
    python benches/pruning_curves.py --quick          # smoke test
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from typing import Any

import _common as common
import numpy as np

N_CONFIGS = 200
N_STEPS = 100
STUDY_NAME = "curves"


# ------------------------------------------------------------------------------------------------
# Curves


def make_curves(n: int, steps: int, seed: int) -> np.ndarray:
    """n learning curves of `steps` values each (validation loss, lower is better)."""
    rng = np.random.default_rng(seed)
    late = rng.random(n) < 0.15
    final = np.where(late, rng.uniform(0.02, 0.15, n), rng.uniform(0.05, 0.6, n))
    amp = rng.uniform(0.5, 1.5, n)
    tau = np.where(late, rng.uniform(30.0, 60.0, n), rng.uniform(3.0, 15.0, n))
    t = np.arange(steps)
    noise = rng.normal(0.0, 0.01, (n, steps))
    return final[:, None] + amp[:, None] * np.exp(-t[None, :] / tau[:, None]) + noise


# ------------------------------------------------------------------------------------------------
# Part 1: one study per pruner and library


def pruners(lib: Any) -> dict[str, Callable[[], Any]]:
    """The pruners compared, built the same way in both libraries."""
    p = lib.pruners
    return {
        "none": p.NopPruner,
        "median": lambda: p.MedianPruner(n_startup_trials=5, n_warmup_steps=10),
        "percentile 25": lambda: p.PercentilePruner(25.0, n_startup_trials=5, n_warmup_steps=10),
        "threshold 1.0": lambda: p.ThresholdPruner(upper=1.0, n_warmup_steps=5),
        "patient(median, 3)": lambda: p.PatientPruner(p.MedianPruner(n_startup_trials=5, n_warmup_steps=10), patience=3),
        "successive halving": p.SuccessiveHalvingPruner,
        "hyperband": lambda: p.HyperbandPruner(min_resource=1, max_resource=N_STEPS, reduction_factor=3),
    }


def run_study(lib: Any, pruner: Any, curves: np.ndarray) -> tuple[list[int], list[bool], float]:
    """Runs every configuration; returns each trial's last reported step, whether it was pruned,
    and the wall time of optimize()."""
    last = [-1] * len(curves)
    pruned = [False] * len(curves)
    study = lib.create_study(study_name=STUDY_NAME, direction="minimize", pruner=pruner, sampler=lib.samplers.RandomSampler(seed=0))

    def objective(trial: Any) -> float:
        k = trial.number
        c = curves[k]
        for step in range(len(c)):
            trial.report(float(c[step]), step)
            last[k] = step
            if trial.should_prune():
                pruned[k] = True
                raise lib.TrialPruned()
        return float(c[-1])

    t0 = time.perf_counter()
    study.optimize(objective, n_trials=len(curves))
    return last, pruned, time.perf_counter() - t0


def outcome(curves: np.ndarray, last: list[int], pruned: list[bool]) -> dict[str, float]:
    finals = [float(curves[k][-1]) for k in range(len(curves)) if not pruned[k]]
    return {
        "steps": float(sum(s + 1 for s in last)),
        "pruned": float(sum(pruned)),
        "best": min(finals) if finals else math.inf,
    }


# ------------------------------------------------------------------------------------------------
# Part 2: the cost of one report + should_prune at 1,000 trials x 100 steps


def timing_pruners(lib: Any) -> dict[str, Callable[[], Any]]:
    p = lib.pruners
    return {
        "median": lambda: p.MedianPruner(n_startup_trials=5, n_warmup_steps=0),
        "successive halving": lambda: p.SuccessiveHalvingPruner(min_resource=1, reduction_factor=4),
        "hyperband": lambda: p.HyperbandPruner(min_resource=1, max_resource=N_STEPS, reduction_factor=3),
    }


def loaded_study(lib: Any, pruner: Any, curves: np.ndarray) -> Any:
    study = lib.create_study(study_name=STUDY_NAME, direction="minimize", pruner=pruner)
    dist = lib.distributions.FloatDistribution(0.0, 1.0)
    trials = [
        lib.trial.create_trial(
            params={"x": 0.5},
            distributions={"x": dist},
            value=float(c[-1]),
            intermediate_values={s: float(v) for s, v in enumerate(c)},
        )
        for c in curves
    ]
    study.add_trials(trials)
    return study


def probe_trial(lib: Any, study: Any, curve: np.ndarray) -> tuple[float, float, int]:
    """One new trial reporting step after step and asking after each report until it is pruned
    or reaches its last step, as a training loop would; returns the time spent in should_prune,
    in report + should_prune, and the number of calls."""
    trial = study.ask()
    trial.suggest_float("x", 0.0, 1.0)
    t_ask = t_pair = 0.0
    pruned = False
    calls = 0
    for step in range(len(curve)):
        t0 = time.perf_counter()
        trial.report(float(curve[step]), step)
        t1 = time.perf_counter()
        pruned = trial.should_prune()
        t2 = time.perf_counter()
        t_ask += t2 - t1
        t_pair += t2 - t0
        calls += 1
        if pruned:
            break
    if pruned:
        study.tell(trial, state=lib.trial.TrialState.PRUNED)
    else:
        study.tell(trial, float(curve[-1]))
    return t_ask, t_pair, calls


def time_calls(lib: Any, pruner: Any, history: np.ndarray, probe: np.ndarray) -> tuple[float, float, float]:
    """On a study holding `history`: the first trial's first should_prune call (it takes in the
    loaded history), then the mean seconds per should_prune call and per report + should_prune
    pair over the calls of the `probe` trials."""
    study = loaded_study(lib, pruner, history)
    first, _, _ = probe_trial(lib, study, probe[0][:1])
    t_ask = t_pair = 0.0
    calls = 0
    for curve in probe:
        a, p, c = probe_trial(lib, study, curve)
        t_ask, t_pair, calls = t_ask + a, t_pair + p, calls + c
    return t_ask / calls, t_pair / calls, first


# ------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0, help="seed of the curves (default 0)")
    ap.add_argument("--timing-trials", type=int, default=1000, help="complete trials in the timed study (default 1000)")
    ap.add_argument("--probes", type=int, default=50, help="timed trials per pruner and library (default 50)")
    ap.add_argument("--quick", action="store_true", help="60 configurations, a 200-trial timed study, 5 timed trials")
    ap.add_argument("--markdown", action="store_true", help="also print the tables as markdown")
    args = ap.parse_args(argv)
    args.n_configs = 60 if args.quick else N_CONFIGS
    if args.quick:
        args.timing_trials, args.probes = 200, 5
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    libs = common.both_libraries()
    ft, optuna = libs["ferrotune"], libs["optuna"]
    header = common.header_lines(
        common.ferrotune_source(ft),
        optuna.__version__,
        f"{args.n_configs} synthetic learning curves x {N_STEPS} steps (15% late bloomers, seed {args.seed}), "
        f"one sequential study per pruner and library, RandomSampler(seed=0), study_name={STUDY_NAME!r}; "
        f"timing: {args.timing_trials} complete trials x {N_STEPS} steps, mean over the calls of {args.probes} new trials",
    )
    print("\n".join(header), flush=True)
    curves = make_curves(args.n_configs, N_STEPS, args.seed)

    # Part 1
    rows = []
    best_none: dict[str, float] = {}
    for name in pruners(ft):
        res = {}
        for lib_name, lib in libs.items():
            make_lib = pruners(lib)[name]
            last, pruned, wall = run_study(lib, make_lib(), curves)
            res[lib_name] = (last, pruned, outcome(curves, last, pruned), wall)
            if name == "none":
                best_none[lib_name] = res[lib_name][2]["best"]
        same = sum(
            1 for k in range(len(curves)) if res["ferrotune"][0][k] == res["optuna"][0][k] and res["ferrotune"][1][k] == res["optuna"][1][k]
        )
        fo, oo = res["ferrotune"][2], res["optuna"][2]
        rows.append(
            [
                name,
                f"{fo['steps']:,.0f} / {oo['steps']:,.0f}",
                f"{fo['pruned']:.0f} / {oo['pruned']:.0f}",
                f"{fo['best']:.4f} / {oo['best']:.4f}",
                f"{fo['best'] - best_none['ferrotune']:.4f} / {oo['best'] - best_none['optuna']:.4f}",
                f"{same} of {len(curves)}",
                f"{res['ferrotune'][3] * 1e3:,.0f} / {res['optuna'][3] * 1e3:,.0f}",
            ]
        )
        print(f"  {name}: done", file=sys.stderr, flush=True)
    head1 = [
        "pruner",
        "steps ft / optuna",
        "pruned ft / optuna",
        "best final ft / optuna",
        "regret ft / optuna",
        "same decisions",
        "wall ms ft / optuna",
    ]
    right1 = [False] + [True] * 6
    print()
    print(common.table(head1, rows, right1))

    # Part 2
    history = make_curves(args.timing_trials, N_STEPS, args.seed + 1)
    probe = make_curves(max(args.probes, 1), N_STEPS, args.seed + 2)
    rows2 = []
    for name in timing_pruners(ft):
        t = {lib_name: time_calls(lib, timing_pruners(lib)[name](), history, probe) for lib_name, lib in libs.items()}
        ratio = t["optuna"][0] / t["ferrotune"][0]
        rows2.append(
            [
                name,
                f"{t['ferrotune'][0] * 1e6:,.2f}",
                f"{t['optuna'][0] * 1e6:,.1f}",
                f"{ratio:,.1f}x",
                f"{t['ferrotune'][1] * 1e6:,.2f} / {t['optuna'][1] * 1e6:,.1f}",
                f"{t['ferrotune'][2] * 1e3:,.2f} / {t['optuna'][2] * 1e3:,.2f}",
                "met" if ratio >= 50 else "not met",
            ]
        )
        print(f"  timing {name}: done", file=sys.stderr, flush=True)
    head2 = [
        "pruner",
        "ft us/should_prune",
        "optuna us/should_prune",
        "optuna/ferrotune",
        "us/(report + should_prune) ft / optuna",
        "first call ms ft / optuna",
        ">= 50x",
    ]
    right2 = [False, True, True, True, True, True, False]
    print()
    print(f"should_prune at {args.timing_trials:,} complete trials x {N_STEPS} steps:")
    print(common.table(head2, rows2, right2))
    if args.markdown:
        print()
        print(common.markdown_heading(header))
        print(common.table(head1, rows, right1, markdown=True))
        print()
        print(common.table(head2, rows2, right2, markdown=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
