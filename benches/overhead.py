"""Framework overhead per trial: ferrotune vs Optuna, side by side in one process.

Both libraries run the same no-op objective (five mixed suggestions, returns 0.0) with their
RandomSampler and default in-memory storage, logging at WARNING. What is timed is the
framework's own cost per trial: ask, five suggestions, tell and the bookkeeping around them.

    python benches/overhead.py                  # the default run (sizes 1k/10k/100k, ask/tell, 1M)
    python benches/overhead.py --markdown       # also print the tables as markdown
    python benches/overhead.py --breakdown      # also time ask / suggests / tell separately
    python benches/overhead.py --quick          # small smoke test
    python benches/overhead.py --optuna-max 100000   # let Optuna run N=100,000 too (slow)

Method: for each N and each repeat, both libraries run one fresh study each, in alternating
order (ferrotune first on even repeats, Optuna first on odd ones), with gc.collect() before every
run. Only ``study.optimize(objective, n_trials=N)`` (or the ask/tell loop) is inside the
time.perf_counter() window; creating the study is not. The figure reported is the median of the
repeats (``--stat best`` reports the fastest instead). The 1,000,000-trial ferrotune study runs
in a child process so that its peak RSS (resource.getrusage) is ferrotune's alone.

Needs Optuna: pip install -e '.[bench]'
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # finds _common.py under runpy.run_path too
import _common as common

DEFAULT_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (100, 1_000)
DEFAULT_OPTUNA_MAX = 10_000
ASK_TELL_N = 10_000
MILLION = 1_000_000

TARGET_N = 10_000
TARGET_RATIO = 30.0  # ferrotune at least this many times faster than Optuna at N = TARGET_N
TARGET_MILLION_S = 60.0  # seconds for the 1M-trial random study (on a 2-core machine)

CHOICES = ("relu", "tanh", "gelu")


def _suggest_five(trial: Any) -> None:
    trial.suggest_float("x", -10.0, 10.0)
    trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    trial.suggest_int("layers", 1, 8)
    trial.suggest_int("units", 16, 1024, log=True)
    trial.suggest_categorical("activation", CHOICES)


def objective(trial: Any) -> float:
    """No-op objective: five mixed parameters, constant result. Works for both libraries."""
    _suggest_five(trial)
    return 0.0


# ------------------------------------------------------------------------------------------------
# One timed run


def _time_optimize(lib: Any, n: int, seed: int) -> float:
    study = lib.create_study(sampler=lib.samplers.RandomSampler(seed=seed))
    gc.collect()
    t0 = time.perf_counter()
    study.optimize(objective, n_trials=n)
    dt = time.perf_counter() - t0
    _check_count(lib, study, n)
    del study
    gc.collect()
    return dt


def _time_ask_tell(lib: Any, n: int, seed: int) -> float:
    study = lib.create_study(sampler=lib.samplers.RandomSampler(seed=seed))
    ask, tell, suggest = study.ask, study.tell, _suggest_five
    gc.collect()
    t0 = time.perf_counter()
    for _ in range(n):
        trial = ask()
        suggest(trial)
        tell(trial, 0.0)
    dt = time.perf_counter() - t0
    _check_count(lib, study, n)
    del study
    gc.collect()
    return dt


def _phases(lib: Any, n: int, seed: int) -> dict[str, float]:
    """The ask/tell loop with a clock between its phases: seconds spent in ask, in the five
    suggestions and in tell (each includes one time.perf_counter() call, ~0.1 us)."""
    study = lib.create_study(sampler=lib.samplers.RandomSampler(seed=seed))
    ask, tell, suggest, clock = study.ask, study.tell, _suggest_five, time.perf_counter
    t_ask = t_suggest = t_tell = 0.0
    gc.collect()
    for _ in range(n):
        t0 = clock()
        trial = ask()
        t1 = clock()
        suggest(trial)
        t2 = clock()
        tell(trial, 0.0)
        t3 = clock()
        t_ask += t1 - t0
        t_suggest += t2 - t1
        t_tell += t3 - t2
    _check_count(lib, study, n)
    del study
    gc.collect()
    return {"ask": t_ask, "5 suggests": t_suggest, "tell": t_tell}


def _check_count(lib: Any, study: Any, n: int) -> None:
    """Sanity check outside the timed window: the study holds n finished trials.

    Reading every trial back is itself costly, so only small studies are checked in full."""
    if n > 10_000:
        return
    trials = study.get_trials(deepcopy=False)
    complete = lib.trial.TrialState.COMPLETE
    if len(trials) != n or any(t.state != complete or len(t.params) != 5 for t in trials):
        sys.exit(f"error: {lib.__name__} study does not hold {n} complete trials with 5 parameters")


# ------------------------------------------------------------------------------------------------
# The 1M-trial run, in a child process


def _million_child(n: int, seed: int) -> None:
    """Runs in a fresh interpreter: one n-trial ferrotune study; prints a JSON line."""
    import resource

    ft = common.import_ferrotune()
    ft.logging.set_verbosity(ft.logging.WARNING)
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    study = ft.create_study(sampler=ft.samplers.RandomSampler(seed=seed))
    gc.collect()
    t0 = time.perf_counter()
    study.optimize(objective, n_trials=n)
    dt = time.perf_counter() - t0
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    # Completeness check outside the timed window. Reading 1M trials back as FrozenTrial objects
    # would take longer than the run, so ask the engine for its per-state counts when it has them
    # (an internal handle; only this check uses it) and read the best trial through the API.
    ok = True
    engine = getattr(study, "_engine", None)
    if engine is not None and hasattr(engine, "state_counts"):
        ok = engine.state_counts()[int(ft.trial.TrialState.COMPLETE)] == n
    best = study.best_trial
    ok = ok and best.value == 0.0 and len(best.params) == 5
    print(json.dumps({"n": n, "seconds": dt, "rss_before": rss_before, "rss_peak": rss_peak, "ok": ok}))


def _run_million(n: int, seed: int) -> dict[str, Any]:
    cmd = [sys.executable, os.path.abspath(__file__), "--_million-child", str(n), "--seed", str(seed)]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"error: the {n:,}-trial child run failed (exit {proc.returncode}):\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------------------
# Machine description


def _versions() -> tuple[str, str, str]:
    """ferrotune's version and location and Optuna's version, read without importing either
    (importing them would grow this process before the 1M-trial child starts)."""
    import importlib.metadata
    import importlib.util

    def version(dist: str) -> str:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return "unknown"

    spec = importlib.util.find_spec("ferrotune")
    where = os.path.dirname(spec.origin) if spec is not None and spec.origin else "not found"
    return version("ferrotune"), where, version("optuna")


def _header(stat: str, repeats: int) -> list[str]:
    ft_version, ft_where, optuna_version = _versions()
    return common.header_lines(
        f"{ft_version} ({ft_where})",
        optuna_version,
        (
            "RandomSampler, in-memory storage, no-op objective with 5 suggestions; "
            f"{stat} of {repeats} repeat(s), alternating order, gc.collect() between runs"
        ),
    )


# ------------------------------------------------------------------------------------------------
# Tables


def _fmt_ms(seconds: float | None, n: int) -> str:
    return "-" if seconds is None else f"{seconds / n * 1e3:.5f}"


def _ratio(ft_s: float | None, op_s: float | None) -> float | None:
    if ft_s is None or op_s is None or ft_s <= 0:
        return None
    return op_s / ft_s


def _rows(results: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for r in results:
        ratio = _ratio(r["ferrotune"], r["optuna"])
        target = ""
        if r["target"]:
            if ratio is None:
                target = f">= {TARGET_RATIO:.0f}x: not measured"
            else:
                target = f">= {TARGET_RATIO:.0f}x: {'met' if ratio >= TARGET_RATIO else 'MISSED'}"
        rows.append(
            [
                r["loop"],
                f"{r['n']:,}",
                _fmt_ms(r["ferrotune"], r["n"]),
                _fmt_ms(r["optuna"], r["n"]),
                "-" if ratio is None else f"{ratio:.1f}x",
                target,
            ]
        )
    return rows


HEAD = ["loop", "N", "ferrotune ms/trial", "optuna ms/trial", "optuna/ferrotune", "target"]
RIGHT = [False, True, True, True, True, False]


def _breakdown_lines(n: int, phases: dict[str, dict[str, float]], markdown: bool = False) -> list[str]:
    names = list(phases)
    head = ["ask/tell phase", *(f"{k} us/trial" for k in names)]
    body = [[ph, *(f"{phases[k][ph] / n * 1e6:.2f}" for k in names)] for ph in phases[names[0]]]
    body.append(["total", *(f"{sum(phases[k].values()) / n * 1e6:.2f}" for k in names)])
    lines = common.table(head, body, [False] + [True] * len(names), markdown).split("\n")
    return lines if markdown else [f"ask/tell loop by phase, N={n:,}:", *lines]


def _million_lines(m: dict[str, Any], runs: int, stat: str) -> list[str]:
    mib = 1024 * 1024
    verdict = "met" if m["seconds"] < TARGET_MILLION_S else "MISSED"
    return [
        f"ferrotune, {m['n']:,}-trial random study (study.optimize, separate process, {stat} of {runs}):",
        f"  wall time  {m['seconds']:.2f} s  ({m['seconds'] / m['n'] * 1e3:.5f} ms/trial)   target < {TARGET_MILLION_S:.0f} s: {verdict}",
        f"  peak RSS   {m['rss_peak'] / mib:.0f} MiB  (after import, before the study: {m['rss_before'] / mib:.0f} MiB)",
    ]


# ------------------------------------------------------------------------------------------------
# Main


def _parse_sizes(text: str) -> list[int]:
    return common.int_list(text, 1, "sizes must be integers separated by commas", "sizes must be positive")


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Per-trial overhead of ferrotune vs Optuna (RandomSampler, in-memory, no-op objective).",
    )
    p.add_argument(
        "--sizes",
        type=_parse_sizes,
        default=None,
        help="comma-separated trial counts for study.optimize (default 1000,10000,100000; --quick: 100,1000)",
    )
    p.add_argument("--repeats", type=int, default=None, help="runs per library and size (default 5; --quick: 1)")
    p.add_argument("--stat", choices=("median", "best"), default="median", help="which of the repeats to report (default median)")
    p.add_argument("--seed", type=int, default=0, help="sampler seed of every study (default 0)")
    p.add_argument(
        "--optuna-max",
        type=int,
        default=DEFAULT_OPTUNA_MAX,
        help=f"largest N Optuna runs (default {DEFAULT_OPTUNA_MAX}; it is slow at 100,000)",
    )
    p.add_argument(
        "--ask-tell-n", type=int, default=None, help=f"trials of the ask/tell loop (default {ASK_TELL_N}; --quick: 1000; 0 skips it)"
    )
    p.add_argument(
        "--million",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run the 1,000,000-trial ferrotune study (default: on, off with --quick)",
    )
    p.add_argument("--million-n", type=int, default=MILLION, help=argparse.SUPPRESS)
    p.add_argument("--million-repeats", type=int, default=3, help="runs of the 1M-trial study, a fresh process each (default 3)")
    p.add_argument("--quick", action="store_true", help="small sizes, one repeat, no 1M study: a smoke test")
    p.add_argument("--markdown", action="store_true", help="also print the tables as markdown")
    p.add_argument("--breakdown", action="store_true", help="also time ask, the five suggestions and tell separately (ask/tell loop)")
    p.add_argument("--verbose", action="store_true", help="print every repeat's time")
    p.add_argument("--_million-child", type=int, default=None, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.sizes is None:
        a.sizes = list(QUICK_SIZES if a.quick else DEFAULT_SIZES)
    if a.repeats is None:
        a.repeats = 1 if a.quick else 5
    if a.ask_tell_n is None:
        a.ask_tell_n = 1_000 if a.quick else ASK_TELL_N
    if a.million is None:
        a.million = not a.quick
    if a.repeats < 1 or a.million_repeats < 1:
        p.error("--repeats and --million-repeats must be at least 1")
    if a.optuna_max < 0 or a.ask_tell_n < 0:
        p.error("--optuna-max and --ask-tell-n must be non-negative")
    return a


def _summary(times: list[float], stat: str) -> float:
    return min(times) if stat == "best" else statistics.median(times)


def _measure(
    label: str,
    timer: Callable[[Any, int, int], float],
    n: int,
    libs: dict[str, Any],
    args: argparse.Namespace,
    target: bool,
) -> dict[str, Any]:
    names = ["ferrotune"] + (["optuna"] if n <= args.optuna_max else [])
    times: dict[str, list[float]] = {k: [] for k in names}
    for r in range(args.repeats):
        order = names if r % 2 == 0 else names[::-1]
        for name in order:
            gc.collect()
            times[name].append(timer(libs[name], n, args.seed))
    if args.verbose:
        for name in names:
            print(f"  {label} N={n:,} {name}: " + ", ".join(f"{t:.4f}s" for t in times[name]), flush=True)
    return {
        "loop": label,
        "n": n,
        "ferrotune": _summary(times["ferrotune"], args.stat),
        "optuna": _summary(times["optuna"], args.stat) if "optuna" in times else None,
        "target": target,
    }


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    if args._million_child is not None:
        _million_child(args._million_child, args.seed)
        return 0

    import importlib.util

    if importlib.util.find_spec("ferrotune") is None:
        common.import_ferrotune()  # exits with the install hint
    if importlib.util.find_spec("optuna") is None:
        common.import_optuna()  # exits with the install hint

    header = _header(args.stat, args.repeats)
    print("\n".join(header), flush=True)
    print(flush=True)

    # The 1M-trial study runs first, while this process is still small: on Linux a child's
    # ru_maxrss starts from the parent's peak RSS at the fork, so running it after the Optuna
    # studies had grown this process would report the parent's memory, not ferrotune's.
    million = None
    if args.million:
        print(
            f"study.optimize, N={args.million_n:,} (ferrotune only, {args.million_repeats} run(s), each in a fresh process) ...", flush=True
        )
        runs = [_run_million(args.million_n, args.seed) for _ in range(args.million_repeats)]
        for m in runs:
            if not m["ok"]:
                sys.exit(f"error: the {args.million_n:,}-trial study did not end with {args.million_n:,} complete trials")
            if args.verbose:
                print(f"  {m['seconds']:.3f} s, peak RSS {m['rss_peak'] / 2**20:.0f} MiB", flush=True)
        million = {
            "n": args.million_n,
            "seconds": _summary([m["seconds"] for m in runs], args.stat),
            "rss_before": max(m["rss_before"] for m in runs),
            "rss_peak": max(m["rss_peak"] for m in runs),
        }
        print(flush=True)

    ft = common.import_ferrotune()
    optuna = common.import_optuna()
    ft.logging.set_verbosity(ft.logging.WARNING)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    libs = {"ferrotune": ft, "optuna": optuna}

    # Warm-up (untimed): imports, first-call caches, allocator.
    for lib in libs.values():
        _time_optimize(lib, 200, args.seed)
        _time_ask_tell(lib, 200, args.seed)

    results = []
    for n in args.sizes:
        print(f"study.optimize, N={n:,} ...", flush=True)
        results.append(_measure("optimize", _time_optimize, n, libs, args, target=(n == TARGET_N)))
    if args.ask_tell_n:
        n = args.ask_tell_n
        print(f"ask/tell loop, N={n:,} ...", flush=True)
        results.append(_measure("ask/tell", _time_ask_tell, n, libs, args, target=False))

    breakdown = None
    if args.breakdown and args.ask_tell_n:
        n = args.ask_tell_n
        print(f"ask/tell phases, N={n:,} ...", flush=True)
        names = ["ferrotune"] + (["optuna"] if n <= args.optuna_max else [])
        phase_runs: dict[str, list[dict[str, float]]] = {k: [] for k in names}
        for r in range(args.repeats):
            for name in names if r % 2 == 0 else names[::-1]:
                gc.collect()
                phase_runs[name].append(_phases(libs[name], n, args.seed))
        breakdown = (n, {k: {ph: _summary([x[ph] for x in v], args.stat) for ph in v[0]} for k, v in phase_runs.items()})

    rows = _rows(results)
    print()
    print(common.table(HEAD, rows, RIGHT))
    if not any(r["target"] for r in results):
        print(f"(target: ferrotune >= {TARGET_RATIO:.0f}x faster than Optuna at N={TARGET_N:,}; that size was not run)")
    if breakdown is not None:
        print()
        print("\n".join(_breakdown_lines(*breakdown)))
    if million is not None:
        print()
        print("\n".join(_million_lines(million, args.million_repeats, args.stat)))

    if args.markdown:
        print()
        print(common.markdown_heading(header))
        print(common.table(HEAD, rows, RIGHT, markdown=True))
        if breakdown is not None:
            print()
            print("\n".join(_breakdown_lines(*breakdown, markdown=True)))
        if million is not None:
            mib = 1024 * 1024
            print()
            print("| ferrotune, random study | N | wall time | ms/trial | peak RSS | target |")
            print("| :--- | ---: | ---: | ---: | ---: | :--- |")
            verdict = "met" if million["seconds"] < TARGET_MILLION_S else "MISSED"
            print(
                f"| study.optimize | {million['n']:,} | {million['seconds']:.2f} s | "
                f"{million['seconds'] / million['n'] * 1e3:.5f} | {million['rss_peak'] / mib:.0f} MiB | "
                f"< {TARGET_MILLION_S:.0f} s: {verdict} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
