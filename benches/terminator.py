"""The terminator's improvement evaluators: ferrotune vs Optuna, side by side in one process.

Both libraries get the same trials (``--trials`` trials of ``--params`` float parameters in
[0, 1], the value a smooth bowl plus a little noise), added to an in-memory study with
``add_trials``. Timed: one ``evaluator.evaluate(study.trials, study.direction)`` of
``RegretBoundEvaluator(seed=0)`` and ``EMMREvaluator(seed=0)`` (a GP fit on the top half of the
trials, two GP fits on all of them), the median of ``--repeats`` runs, the libraries alternating
which runs first; for ferrotune also ``Terminator.should_terminate(study)`` with a static error,
which reads the trials from the study's history in the core instead of building them.
Sanity check: the two libraries' values agree within a factor of two.

    python benches/terminator.py                       # 100, 300 and 1,000 trials x 4 params
    python benches/terminator.py --trials 300 --repeats 1
    python benches/terminator.py --markdown            # also print the table as markdown
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from typing import Any

import numpy as np
from _common import ferrotune_source, header_lines, print_tables

import ferrotune
import ferrotune.terminator

try:
    import optuna
    import optuna.terminator
except ImportError:  # pragma: no cover
    raise SystemExit("this benchmark needs optuna: pip install -e '.[bench]'") from None


def trials(n: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((n, d))
    return x, ((x - 0.3) ** 2).sum(axis=1) + 0.01 * rng.normal(size=n)


def build(lib: Any, x: np.ndarray, y: np.ndarray) -> Any:
    study = lib.create_study()
    dist = lib.distributions.FloatDistribution(0.0, 1.0)
    names = [f"x{i}" for i in range(x.shape[1])]
    dists = dict.fromkeys(names, dist)
    study.add_trials(
        [
            lib.trial.create_trial(params=dict(zip(names, map(float, row), strict=True)), distributions=dists, value=float(v))
            for row, v in zip(x, y, strict=True)
        ]
    )
    return study


def evaluator(lib: Any, name: str) -> Any:
    return getattr(lib.terminator, name)(seed=0)


def timed_evaluate(lib: Any, study: Any, name: str) -> tuple[float, float]:
    e = evaluator(lib, name)
    t0 = time.perf_counter()
    v = e.evaluate(study.trials, study.direction)
    return time.perf_counter() - t0, float(v)


def timed_terminator(study: Any, name: str) -> float:
    t = ferrotune.terminator.Terminator(evaluator(ferrotune, name), ferrotune.terminator.StaticErrorEvaluator(0.0), min_n_trials=1)
    t0 = time.perf_counter()
    t.should_terminate(study)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, nargs="*", default=[100, 300, 1000])
    ap.add_argument("--params", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--evaluators", nargs="*", default=["RegretBoundEvaluator", "EMMREvaluator"])
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    warnings.simplefilter("ignore")
    rows = []
    for n in a.trials:
        x, y = trials(n, a.params, seed=n)
        studies = {"ferrotune": (ferrotune, build(ferrotune, x, y)), "optuna": (optuna, build(optuna, x, y))}
        for name in a.evaluators:
            times: dict[str, list[float]] = {"ferrotune": [], "optuna": []}
            values: dict[str, list[float]] = {"ferrotune": [], "optuna": []}
            study_times = []
            for r in range(a.repeats):
                for lib in ("ferrotune", "optuna") if r % 2 == 0 else ("optuna", "ferrotune"):
                    t, v = timed_evaluate(*studies[lib], name)
                    times[lib].append(t)
                    values[lib].append(v)
                study_times.append(timed_terminator(studies["ferrotune"][1], name))
            ft_v, op_v = statistics.median(values["ferrotune"]), statistics.median(values["optuna"])
            assert 0.5 < ft_v / op_v < 2.0, f"{name} at {n} trials: ferrotune {ft_v} vs Optuna {op_v}"
            ft, op, st = statistics.median(times["ferrotune"]), statistics.median(times["optuna"]), statistics.median(study_times)
            rows.append(
                [name, f"{n:,}", f"{ft * 1e3:.1f}", f"{st * 1e3:.1f}", f"{op * 1e3:.1f}", f"{op / ft:.1f}x", f"{ft_v:.4g} / {op_v:.4g}"]
            )
    header = header_lines(
        ferrotune_source(ferrotune),
        optuna.__version__,
        f"evaluator.evaluate(study.trials, study.direction), median of {a.repeats} runs, {a.params} float params; "
        "ferrotune's Terminator.should_terminate reads the study's history in the core",
    )
    print("\n".join(header))
    print_tables(
        header,
        ["evaluator", "trials", "ferrotune ms", "ferrotune should_terminate ms", "optuna ms", "optuna / ferrotune", "value ft / optuna"],
        rows,
        [False] + [True] * 6,
        a.markdown,
    )


if __name__ == "__main__":
    main()
