"""Time to build each plot: ferrotune.visualization against optuna.visualization, side by side.

Both libraries get the same trials, added to an in-memory study with ``add_trials``: a
single-objective study with five parameters (a float, a log float, an int, a categorical, a
float in a conditional branch taken by half the trials) and three intermediate values per
trial, and a two-objective study with the same parameters. Each plot function is called with
its default arguments, as a user calls it, and the call is timed (building the plotly figure
object; not rendering it in a browser). The median of ``--repeats`` calls, the libraries
alternating which goes first.

Optuna's plots take minutes at large studies (a contour matrix, one trace per trial for the
intermediate values), so each Optuna call runs in a forked child with a ``--optuna-timeout``
(default 120 s); a call that runs out is reported as "> 120 s".

    python benches/visualization.py                     # 1,000, 10,000 and 100,000 trials
    python benches/visualization.py --trials 1000 --plots plot_slice plot_contour
    python benches/visualization.py --markdown          # also print the table as markdown
"""

from __future__ import annotations

import argparse
import datetime
import os
import pickle
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from _common import ferrotune_source, header_lines, print_tables

import ferrotune

try:
    import optuna
    import plotly  # noqa: F401
except ImportError:  # pragma: no cover
    raise SystemExit("this benchmark needs optuna and plotly: pip install -e '.[bench,plot]'") from None

PLOTS = [
    "plot_optimization_history",
    "plot_intermediate_values",
    "plot_parallel_coordinate",
    "plot_contour",
    "plot_slice",
    "plot_param_importances",
    "plot_edf",
    "plot_rank",
    "plot_timeline",
    "plot_pareto_front",
    "plot_hypervolume_history",
    "plot_terminator_improvement",
]
MULTI = {"plot_pareto_front", "plot_hypervolume_history"}
ARGS: dict[str, dict[str, Any]] = {"plot_hypervolume_history": {"reference_point": [2.0, 2.0]}}


def trials(lib: Any, n: int, n_objectives: int, seed: int) -> list[Any]:
    """``n`` finished trials of ``lib`` with the bench's five parameters."""
    rng = np.random.default_rng(seed)
    d = lib.distributions
    dists = {
        "x0": d.FloatDistribution(0.0, 1.0),
        "x1": d.FloatDistribution(1e-5, 1.0, log=True),
        "x2": d.IntDistribution(0, 100),
        "x3": d.CategoricalDistribution(["a", "b", "c"]),
        "x4": d.FloatDistribution(-5.0, 5.0),
    }
    start = datetime.datetime(2026, 1, 1)
    out = []
    for i in range(n):
        p = {
            "x0": float(rng.random()),
            "x1": float(10 ** rng.uniform(-5, 0)),
            "x2": int(rng.integers(0, 101)),
            "x3": ["a", "b", "c"][i % 3],
        }
        if p["x3"] == "a" or i % 2 == 0:
            p["x4"] = float(rng.uniform(-5, 5))
        f = (p["x0"] - 0.3) ** 2 + abs(np.log10(p["x1"]) + 2) / 5 + p["x2"] / 100 + p.get("x4", 0.0) ** 2 / 25
        values = [f, 1.0 - p["x0"] + p["x2"] / 200][:n_objectives]
        inter = {s: f * (3 - s) for s in range(3)} if n_objectives == 1 else None
        t0 = start + datetime.timedelta(seconds=i)
        out.append(
            lib.trial.create_trial(
                params=p,
                distributions={k: dists[k] for k in p},
                values=values,
                intermediate_values=inter,
            )
        )
        out[-1].datetime_start, out[-1].datetime_complete = t0, t0 + datetime.timedelta(seconds=0.5 + (i % 7))
    return out


def studies(lib: Any, n: int) -> dict[str, Any]:
    single = lib.create_study()
    single.add_trials(trials(lib, n, 1, seed=n))
    multi = lib.create_study(directions=["minimize", "minimize"])
    multi.add_trials(trials(lib, n, 2, seed=n + 1))
    return {"single": single, "multi": multi}


def call(lib: Any, name: str, study: Any) -> None:
    fn: Callable[..., Any] = getattr(lib.visualization, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fn(study, **ARGS.get(name, {}))


def timed(lib: Any, name: str, study: Any) -> float:
    t0 = time.perf_counter()
    call(lib, name, study)
    return time.perf_counter() - t0


def timed_in_child(lib: Any, name: str, study: Any, timeout: float) -> float | str | None:
    """``timed`` in a forked child (the study is inherited, not copied): the seconds, the error
    the call raised (as text), or None past ``timeout``."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        try:
            result: Any = timed(lib, name, study)
        except BaseException as e:  # report it, whatever it was
            result = f"{type(e).__name__}: {e}"
        os.write(w, pickle.dumps(result))
        os._exit(0)
    os.close(w)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)  # polling a child's exit; not a test, no event to wait on
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(r)
        return None
    data = b""
    while chunk := os.read(r, 1 << 16):
        data += chunk
    os.close(r)
    result = pickle.loads(data)
    if isinstance(result, str):
        return result  # the error Optuna raised, reported in the table
    return float(result)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, nargs="*", default=[1000, 10000, 100000])
    ap.add_argument("--plots", nargs="*", default=PLOTS, choices=PLOTS)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--optuna-timeout", type=float, default=120.0)
    ap.add_argument("--no-optuna", action="store_true", help="time ferrotune only")
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    ferrotune.logging.set_verbosity(ferrotune.logging.ERROR)
    plots = [p for p in a.plots if hasattr(ferrotune.visualization, p)]
    missing = sorted(set(a.plots) - set(plots))
    if missing:
        print(f"not in ferrotune.visualization yet, skipped: {', '.join(missing)}", file=sys.stderr)
    rows = []
    for n in a.trials:
        ours = studies(ferrotune, n)
        theirs = None if a.no_optuna else studies(optuna, n)
        for name in plots:
            kind = "multi" if name in MULTI else "single"
            ft_times = [timed(ferrotune, name, ours[kind]) for _ in range(a.repeats)]
            ft = statistics.median(ft_times)
            if theirs is None:
                rows.append([name, f"{n:,}", f"{ft * 1e3:.1f}", "-", "-"])
                continue
            op_times: list[float] = []
            failed = None
            for _ in range(a.repeats):
                t = timed_in_child(optuna, name, theirs[kind], a.optuna_timeout)
                if t is None:
                    break
                if isinstance(t, str):
                    failed = t.split(":")[0]
                    break
                op_times.append(t)
                if t > 10.0:  # one call this long is figure enough
                    break
            if failed is not None:
                rows.append([name, f"{n:,}", f"{ft * 1e3:.1f}", f"fails ({failed})", "-"])
            elif not op_times:
                rows.append([name, f"{n:,}", f"{ft * 1e3:.1f}", f"> {a.optuna_timeout:.0f} s", f"> {a.optuna_timeout / ft:.0f}x"])
            else:
                op = statistics.median(op_times)
                rows.append([name, f"{n:,}", f"{ft * 1e3:.1f}", f"{op * 1e3:.1f}", f"{op / ft:.0f}x"])
            print("  ".join(rows[-1]), file=sys.stderr, flush=True)
    header = header_lines(
        ferrotune_source(ferrotune),
        optuna.__version__,
        f"each plot function with its default arguments on an in-memory study, median of {a.repeats} calls; "
        f"Optuna's calls in a forked child, stopped after {a.optuna_timeout:.0f} s",
    )
    print("\n".join(header))
    print_tables(header, ["plot", "trials", "ferrotune ms", "optuna ms", "optuna / ferrotune"], rows, [False] + [True] * 4, a.markdown)


if __name__ == "__main__":
    main()
