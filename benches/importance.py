"""Parameter importance: ferrotune's evaluators vs Optuna's, side by side in one process.

Both libraries get the same trials (``--trials`` x ``--params`` float parameters in [0, 1], the
value ``sum_i w_i x_i`` with weights falling geometrically, plus a little noise), added to an
in-memory study with ``add_trials``; then ``get_param_importances(study, evaluator=...)`` is
timed for PED-ANOVA (the default) and fANOVA (``seed=0``, Optuna's default 64 trees of depth
64), the median of ``--repeats`` runs (one run for fANOVA), the libraries alternating which runs
first. Optuna's fANOVA takes minutes at 10,000 trials, so it runs only up to
``--optuna-fanova-max-trials`` trials (default 1,000; "-" in the table above that).
Sanity check: both name the same most important parameter.

    python benches/importance.py                       # 1,000 and 10,000 trials x 8 and 32 params
    python benches/importance.py --trials 1000 --params 8
    python benches/importance.py --markdown            # also print the table as markdown
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

try:
    import optuna
except ImportError:  # pragma: no cover
    raise SystemExit("this benchmark needs optuna: pip install -e '.[bench]'") from None


def trials(n: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((n, d))
    w = 0.7 ** np.arange(d)
    return x, x @ w + 0.01 * rng.normal(size=n)


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


def timed(lib: Any, study: Any, method: str) -> tuple[float, str]:
    evaluator = lib.importance.FanovaImportanceEvaluator(seed=0) if method == "fANOVA" else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        imp = lib.importance.get_param_importances(study, evaluator=evaluator)
        return time.perf_counter() - t0, next(iter(imp))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, nargs="*", default=[1000, 10000])
    ap.add_argument("--params", type=int, nargs="*", default=[8, 32])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--methods", nargs="*", default=["PED-ANOVA", "fANOVA"], choices=["PED-ANOVA", "fANOVA"])
    ap.add_argument("--optuna-fanova-max-trials", type=int, default=1000)
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    rows = []
    for n in a.trials:
        for d in a.params:
            x, y = trials(n, d, seed=n + d)
            studies = {"ferrotune": (ferrotune, build(ferrotune, x, y)), "optuna": (optuna, build(optuna, x, y))}
            for method in a.methods:
                repeats = a.repeats if method == "PED-ANOVA" else 1
                libs = ["ferrotune", "optuna"]
                if method == "fANOVA" and n > a.optuna_fanova_max_trials:
                    libs = ["ferrotune"]
                times: dict[str, list[float]] = {lib: [] for lib in libs}
                tops = set()
                for r in range(repeats):
                    for name in libs if r % 2 == 0 else libs[::-1]:
                        t, top = timed(*studies[name], method)
                        times[name].append(t)
                        tops.add(top)
                assert len(tops) == 1, f"the libraries disagree on the top parameter: {tops}"
                ft = statistics.median(times["ferrotune"])
                if "optuna" in times:
                    op = statistics.median(times["optuna"])
                    rows.append([method, f"{n:,}", str(d), f"{ft * 1e3:.1f}", f"{op * 1e3:.1f}", f"{op / ft:.0f}x"])
                else:
                    rows.append([method, f"{n:,}", str(d), f"{ft * 1e3:.1f}", "-", "-"])
    header = header_lines(
        ferrotune_source(ferrotune),
        optuna.__version__,
        f"get_param_importances(study, evaluator=...): PED-ANOVA median of {a.repeats} runs, fANOVA (seed=0) one run; "
        f"Optuna's fANOVA only up to {a.optuna_fanova_max_trials:,} trials",
    )
    print("\n".join(header))
    print_tables(
        header, ["evaluator", "trials", "params", "ferrotune ms", "optuna ms", "optuna / ferrotune"], rows, [False] + [True] * 5, a.markdown
    )


if __name__ == "__main__":
    main()
