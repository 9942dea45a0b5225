"""BruteForceSampler overhead per trial: ferrotune vs Optuna, side by side in one process.

Both libraries exhaust the same conditional search space with ``BruteForceSampler(seed=s)`` and
a no-op objective (in-memory storage, logging at WARNING), from the first trial to the last:
``study.optimize(objective)`` without ``n_trials`` runs until the sampler reports the space
exhausted. The space (``--size`` scales it):

    c in {"a", "b", "c", "d"}
    c in {a, b}: x = suggest_int(0, X - 1), y = suggest_float(0, 1, step=0.05)   (21 values)
    c in {c, d}: z = suggest_int(0, Z - 1)

so 2 * 21 * X + 2 * Z combinations (X = 40, Z = 200 by default: 2,080). A callback stamps
``time.perf_counter()`` at every finished trial; the figures are the time per trial over the
whole study and over its last 10% of trials (where the history is largest), the median over
the repeats, the libraries alternating which runs first. Sanity checks: each study tried every
combination exactly once.

    python benches/brute_force.py              # 2,080 combinations, 3 repeats
    python benches/brute_force.py --size 0.5   # about half as many
    python benches/brute_force.py --markdown   # also print the table as markdown
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import warnings
from collections import Counter
from typing import Any

from _common import ferrotune_source, header_lines, print_tables

import ferrotune

try:
    import optuna
except ImportError:  # pragma: no cover
    raise SystemExit("this benchmark needs optuna: pip install -e '.[bench]'") from None


def space(x_n: int, z_n: int) -> Any:
    def objective(t: Any) -> float:
        c = t.suggest_categorical("c", ["a", "b", "c", "d"])
        if c in ("a", "b"):
            t.suggest_int("x", 0, x_n - 1)
            t.suggest_float("y", 0.0, 1.0, step=0.05)
        else:
            t.suggest_int("z", 0, z_n - 1)
        return 0.0

    return objective


def run(lib: Any, seed: int, x_n: int, z_n: int) -> tuple[float, float, int]:
    stamps: list[float] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = lib.create_study(sampler=lib.samplers.BruteForceSampler(seed=seed))
    gc.collect()
    start = time.perf_counter()
    study.optimize(space(x_n, z_n), callbacks=[lambda s, t: stamps.append(time.perf_counter())])
    n = len(stamps)
    tail = max(1, n // 10)
    whole = (stamps[-1] - start) / n
    last = (stamps[-1] - stamps[n - tail - 1]) / tail
    seen = Counter(tuple(sorted(t.params.items())) for t in study.trials)
    assert len(seen) == 2 * 21 * x_n + 2 * z_n and set(seen.values()) == {1}, (lib.__name__, len(seen), len(study.trials))
    return whole, last, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=float, default=1.0, help="scale of the space (1.0: 2,080 combinations)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    x_n, z_n = max(1, round(40 * args.size)), max(1, round(200 * args.size))
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    method = (
        f"BruteForceSampler exhausting {2 * 21 * x_n + 2 * z_n:,} conditional combinations, no-op objective, in memory; "
        f"median of {args.repeats} repeats"
    )
    header = header_lines(ferrotune_source(ferrotune), optuna.__version__, method)
    print("\n".join(header))
    res: dict[str, list[tuple[float, float, int]]] = {"ferrotune": [], "optuna": []}
    for r in range(args.repeats):
        order = [("ferrotune", ferrotune), ("optuna", optuna)]
        for name, lib in order if r % 2 == 0 else order[::-1]:
            res[name].append(run(lib, r, x_n, z_n))
    med = {k: (statistics.median(w for w, _, _ in v), statistics.median(last for _, last, _ in v)) for k, v in res.items()}
    rows = []
    for i, what in enumerate(["per trial, whole study", "per trial, last 10%"]):
        f, o = med["ferrotune"][i], med["optuna"][i]
        rows.append([what, f"{f * 1e6:,.0f} µs", f"{o * 1e6:,.0f} µs", f"{o / f:,.1f}x"])
    print_tables(header, ["", "ferrotune", "Optuna", "ratio"], rows, [False, True, True, True], args.markdown)


if __name__ == "__main__":
    main()
