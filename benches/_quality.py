"""What the quality benchmarks (tpe_quality.py, gp_quality.py) share: one seeded run of a
sampler on a test function, and the verdict comparing two samplers' best values over seeds.
Standard library only; SciPy's statistics module is passed in by the caller."""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from typing import Any

import _common as common

ALPHA = 0.05


def run(study: Any, name: str, fn: dict[str, Any], seed: int, n: int) -> tuple[list[float], float]:
    """The objective values of n trials of fn on study, in order, and the seconds optimize took."""
    t0 = time.perf_counter()
    study.optimize(fn["objective"], n_trials=n)
    dt = time.perf_counter() - t0
    values = [t.value for t in study.get_trials(deepcopy=False)]
    if len(values) != n or any(v is None or not math.isfinite(v) for v in values):
        sys.exit(f"error: {name} on {fn['name']} (seed {seed}) did not finish {n} trials with finite values")
    return values, dt


def verdict(ours: list[float], theirs: list[float], stats: Any) -> dict[str, Any]:
    """Our best values against another sampler's, seed by seed (W/T/L) and as samples (a
    two-sided Mann-Whitney U test; p < ALPHA gives "better" or "worse" by the medians)."""
    wins = sum(a < b for a, b in zip(ours, theirs, strict=True))
    losses = sum(a > b for a, b in zip(ours, theirs, strict=True))
    ties = len(ours) - wins - losses
    if ours == theirs or len(set(ours) | set(theirs)) == 1:
        p = 1.0
    else:
        p = float(stats.mannwhitneyu(ours, theirs, alternative="two-sided").pvalue)
    m_ours, m_theirs = statistics.median(ours), statistics.median(theirs)
    if p < ALPHA:
        word = "better" if m_ours < m_theirs else "worse"
    elif m_ours <= m_theirs:
        word = "no worse within noise"
    else:
        word = "worse, not significant"
    return {"p": p, "wins": wins, "ties": ties, "losses": losses, "median_ft": m_ours, "median_op": m_theirs, "verdict": word}


def fmt(v: float) -> str:
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1000 or a < 1e-3:
        return f"{v:.3e}"
    return f"{v:#.4g}" if a < 1 else f"{v:.4f}"


def fmt_regret(v: float) -> str:
    return f"{v:.4f}" if v == 0 or abs(v) >= 1e-3 else f"{v:.2e}"


def parse_args(
    argv: list[str] | None, description: str, functions: list[str], budgets: list[int], quick_budgets: list[int]
) -> argparse.Namespace:
    """The common command line of the quality scripts: --seeds, --budgets, --functions, --quick,
    --markdown, --verbose."""

    def int_list(text: str) -> list[int]:
        return sorted(set(common.int_list(text, 1, "expected integers separated by commas", "expected positive integers")))

    p = argparse.ArgumentParser(description=description)
    p.add_argument("--seeds", type=int, default=None, help="runs per sampler and function, seeds 0..n-1 (default 10; --quick: 3)")
    b, qb = ",".join(map(str, budgets)), "/".join(map(str, quick_budgets))
    p.add_argument(
        "--budgets", type=int_list, default=None, help=f"comma-separated trial budgets (default {b}; --quick: {qb.replace('/', ',')})"
    )
    p.add_argument("--functions", default=None, help=f"comma-separated subset of {','.join(functions)} (default all)")
    p.add_argument("--quick", action="store_true", help=f"3 seeds, budgets {qb}: a smoke test")
    p.add_argument("--markdown", action="store_true", help="also print the tables as markdown")
    p.add_argument("--verbose", action="store_true", help="print every run's final best values")
    a = p.parse_args(argv)
    if a.seeds is None:
        a.seeds = 3 if a.quick else 10
    if a.budgets is None:
        a.budgets = list(quick_budgets) if a.quick else list(budgets)
    if a.seeds < 1:
        p.error("--seeds must be at least 1")
    names = list(functions) if a.functions is None else [s.strip() for s in a.functions.split(",") if s.strip()]
    unknown = [s for s in names if s not in functions]
    if not names or unknown:
        p.error(f"unknown function(s) {unknown}; choose from {', '.join(functions)}")
    a.functions = names
    return a
