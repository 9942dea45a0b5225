"""What the quality benchmarks (tpe_quality.py, gp_quality.py) share: one seeded run of a
sampler on a test function, and the verdict comparing two samplers' best values over seeds.
Standard library only; SciPy's statistics module is passed in by the caller."""

from __future__ import annotations

import math
import statistics
import sys
import time
from typing import Any

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
    wins = sum(a < b for a, b in zip(ours, theirs))
    losses = sum(a > b for a, b in zip(ours, theirs))
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
