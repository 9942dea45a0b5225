"""Synthetic learning curves and a driver that runs them through a study's pruner.

The driver only uses the API ferrotune shares with Optuna (ask, report, should_prune, tell), so
the same function runs either library and their decision logs can be compared.
"""

from __future__ import annotations

import math
import random
from typing import Any


def curves(seed: int, n_trials: int, n_steps: int, *, nan_rate: float = 0.0, ties: bool = False) -> list[list[float]]:
    """Noisy exponential learning curves ``a + b * exp(-c * step)`` (losses: lower is better).

    ``nan_rate`` replaces values by NaN; ``ties`` rounds values so equal values occur."""
    rng = random.Random(seed)
    out = []
    for _ in range(n_trials):
        a, b, c = rng.uniform(0.0, 1.0), rng.uniform(0.5, 2.0), rng.uniform(0.05, 0.5)
        noise = rng.uniform(0.0, 0.1)
        curve = []
        for s in range(n_steps):
            v = a + b * math.exp(-c * s) + rng.gauss(0.0, noise)
            if ties:
                v = round(v, 1)
            if rng.random() < nan_rate:
                v = float("nan")
            curve.append(v)
        out.append(curve)
    return out


def run(
    lib: Any,
    pruner: Any,
    trials: list[list[float]],
    *,
    direction: str = "minimize",
    study_name: str = "pruning-scenario",
    workers: int = 1,
    seed: int = 0,
    steps: list[list[int]] | None = None,
    final: str = "last",
    ask_every: int = 1,
) -> list[tuple[int, int | None]]:
    """Runs each curve as a trial (``trials[i][k]`` reported at ``steps[i][k]``, default ``k``),
    asking ``should_prune`` after each report; a pruned trial is told PRUNED, a finished one
    COMPLETE with its last value (``final="mean"``: the mean of its values).

    With ``ask_every=k``, ``should_prune`` is asked only after every k-th report of a trial
    (a training loop that checks now and then).

    With ``workers > 1``, that many trials are open at once and a seeded random schedule picks
    which one reports next, as parallel workers on one storage would. Returns, per trial in
    start order, ``(trial number, index of the report at which it was pruned or None)``.
    """
    study = lib.create_study(study_name=study_name, direction=direction, pruner=pruner)
    pruned_state = lib.trial.TrialState.PRUNED
    rng = random.Random(seed)
    queue = list(range(len(trials)))
    open_: dict[int, tuple[Any, int]] = {}  # curve index -> (trial, next report index)
    log: dict[int, tuple[int, int | None]] = {}

    def finish(i: int, trial: Any, pruned_at: int | None) -> None:
        if pruned_at is not None:
            study.tell(trial, state=pruned_state)
        else:
            vals = [v for v in trials[i] if not math.isnan(v)] or [0.0]
            study.tell(trial, trials[i][-1] if final == "last" and not math.isnan(trials[i][-1]) else sum(vals) / len(vals))
        log[i] = (trial.number, pruned_at)

    while queue or open_:
        while queue and len(open_) < workers:
            i = queue.pop(0)
            open_[i] = (study.ask(), 0)
        i = rng.choice(sorted(open_)) if workers > 1 else next(iter(open_))
        trial, k = open_[i]
        step = steps[i][k] if steps is not None else k
        trial.report(trials[i][k], step)
        if (k + 1) % ask_every == 0 and trial.should_prune():
            del open_[i]
            finish(i, trial, k)
        elif k + 1 == len(trials[i]):
            del open_[i]
            finish(i, trial, None)
        else:
            open_[i] = (trial, k + 1)
    return [log[i] for i in range(len(trials))]
