"""Successive halving over a resource: the schedule scikit-learn's ``HalvingGridSearchCV`` and
``HalvingRandomSearchCV`` follow, and the loop that runs a study's trials through its rungs.

Each iteration (rung) scores every remaining candidate with ``n_resources`` of the resource (the
number of training and test samples, or an estimator parameter such as ``n_estimators``) and
keeps the best ``ceil(n / factor)``. Each rung's mean test score is reported to the candidate's
trial as step ``iter``; candidates dropped before the last rung end ``PRUNED``, the last rung's
end ``COMPLETE`` with their last score.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.utils import resample

from ferrotune.exceptions import FerrotuneTypeError, FerrotuneValueError
from ferrotune.sklearn._results import Candidate
from ferrotune.study import Study
from ferrotune.trial import Trial, TrialState

Splits = list[tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Halving:
    """Settings of a successive-halving search (``SearchCV(halving=Halving(...))``).

    Args:
        factor: Each iteration keeps ``ceil(n / factor)`` candidates and multiplies the
            resource by ``factor``.
        resource: ``"n_samples"`` (subsample the training and test folds) or the name of an
            estimator parameter taking a positive int (``"n_estimators"``, ``"max_iter"``).
        min_resources: Resource of the first iteration: an int, ``"smallest"`` (``2 * n_splits``
            samples, times the number of classes for a classifier; 1 for a parameter) or
            ``"exhaust"`` (as large as lets the last iteration use ``max_resources``).
        max_resources: Largest resource of an iteration: an int, or ``"auto"`` (the number of
            samples; only with ``resource="n_samples"``).
        aggressive_elimination: Run enough iterations to narrow the candidates down to
            ``factor`` or fewer, repeating the first iteration's resource if needed.
    """

    factor: float = 3
    resource: str = "n_samples"
    min_resources: int | str = "smallest"
    max_resources: int | str = "auto"
    aggressive_elimination: bool = False

    def check(self) -> None:
        """Raises a ferrotune exception naming the bad setting."""
        if isinstance(self.factor, bool) or not isinstance(self.factor, numbers.Real) or not self.factor > 1:
            raise FerrotuneValueError(
                f"factor must be a number greater than 1 (the share of candidates kept is 1/factor), got {self.factor!r}"
            )
        if not isinstance(self.resource, str):
            raise FerrotuneTypeError(f"resource must be 'n_samples' or an estimator parameter name, got {self.resource!r}")
        for name, value, words in (
            ("min_resources", self.min_resources, ("smallest", "exhaust")),
            ("max_resources", self.max_resources, ("auto",)),
        ):
            if isinstance(value, str):
                if value not in words:
                    raise FerrotuneValueError(f"{name} must be a positive int or one of {words}, got {value!r}")
            elif isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
                raise FerrotuneValueError(f"{name} must be a positive int or one of {words}, got {value!r}")
        if not isinstance(self.aggressive_elimination, bool):
            raise FerrotuneTypeError(f"aggressive_elimination must be a bool, got {self.aggressive_elimination!r}")


def as_halving(value: Any) -> Halving | None:
    """``SearchCV``'s ``halving`` argument: False/None (off), True (defaults) or a ``Halving``."""
    if value is None or value is False:
        return None
    if value is True:
        return Halving()
    if isinstance(value, Halving):
        return value
    raise FerrotuneTypeError(f"halving must be a bool or ferrotune.sklearn.Halving(...), got {value!r}")


@dataclass
class Plan:
    """The schedule of one fit (scikit-learn's fitted attributes of the same names)."""

    min_resources_: int
    max_resources_: int
    n_required_iterations_: int = 0
    n_possible_iterations_: int = 0
    n_iterations_: int = 0


def resources(halving: Halving, estimator_params: dict[str, Any], n_splits: int, n_samples: int, n_classes: int | None) -> Plan:
    """``min_resources_`` and ``max_resources_`` before the candidates are known (``exhaust``
    starts as ``smallest``). ``n_classes`` is None for a non-classifier."""
    halving.check()
    if halving.resource != "n_samples" and halving.resource not in estimator_params:
        raise FerrotuneValueError(
            f"resource={halving.resource!r} is not a parameter of the estimator: give 'n_samples' or one of its parameters"
        )
    if isinstance(halving.min_resources, str):
        low = 2 * n_splits * (n_classes if n_classes is not None else 1) if halving.resource == "n_samples" else 1
    else:
        low = int(halving.min_resources)
    if halving.max_resources == "auto":
        if halving.resource != "n_samples":
            raise FerrotuneValueError("max_resources='auto' needs resource='n_samples': give max_resources as an int")
        high = n_samples
    else:
        high = int(halving.max_resources)
    if low > high:
        raise FerrotuneValueError(f"min_resources_={low} is greater than max_resources_={high}: lower min_resources or raise max_resources")
    return Plan(low, high)


def schedule(halving: Halving, plan: Plan, n_candidates: int) -> None:
    """Fills in the iteration counts once the first iteration's candidates are known."""
    factor = halving.factor
    plan.n_required_iterations_ = 1 + math.floor(math.log(n_candidates, factor))
    if halving.min_resources == "exhaust":
        plan.min_resources_ = max(plan.min_resources_, int(plan.max_resources_ // factor ** (plan.n_required_iterations_ - 1)))
    plan.n_possible_iterations_ = 1 + math.floor(math.log(plan.max_resources_ // plan.min_resources_, factor))
    if halving.aggressive_elimination:
        plan.n_iterations_ = plan.n_required_iterations_
    else:
        plan.n_iterations_ = min(plan.n_possible_iterations_, plan.n_required_iterations_)


def n_resources(halving: Halving, plan: Plan, itr: int) -> int:
    """The resource of iteration ``itr``: aggressive elimination repeats the first one's."""
    power = itr
    if halving.aggressive_elimination:
        power = max(0, itr - plan.n_required_iterations_ + plan.n_possible_iterations_)
    return min(int(halving.factor**power * plan.min_resources_), plan.max_resources_)


def subsample(splits: Splits, fraction: float, random_state: Any) -> Splits:
    """Each fold's train and test indices cut to ``fraction`` without replacement, drawn as
    scikit-learn's halving searches draw them (the same indices for the same ``random_state``)."""
    out = []
    for train, test in splits:
        train_cut = resample(train, replace=False, random_state=random_state, n_samples=int(fraction * len(train)))
        test_cut = resample(test, replace=False, random_state=random_state, n_samples=int(fraction * len(test)))
        out.append((np.asarray(train_cut), np.asarray(test_cut)))
    return out


def keep_best(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` best scores, worst first (NaN counts as worst); ties are broken as
    scikit-learn's halving searches break them, so the next iteration's order is theirs too."""
    order = np.roll(np.argsort(scores), np.count_nonzero(np.isnan(scores)))
    return np.asarray(order[-k:] if k > 0 else order[:0])


def best_index(iters: np.ndarray, means: np.ndarray) -> int:
    """The best candidate of the last iteration (the first of equals; 0 of it if all failed)."""
    last = np.flatnonzero(iters == iters.max())
    scores = means[last]
    return int(last[0 if np.isnan(scores).all() else int(np.nanargmax(scores))])


@dataclass
class Rows:
    """One row per (iteration, candidate), in the order of ``cv_results_``."""

    candidates: list[Candidate]
    iters: list[int]
    n_resources: list[int]
    n_candidates_: list[int]
    n_resources_: list[int]
    n_remaining_candidates_: int


def run(
    halving: Halving,
    plan: Plan,
    study: Study,
    trials: list[tuple[Trial, dict[str, Any]]],
    splits: Splits,
    n_samples: int,
    random_state: Any,
    evaluate: Callable[[Trial, dict[str, Any], Splits, int, int], Candidate],
    metric: str,
    error_score: float,
    n_jobs: int,
    verbose: int,
) -> Rows:
    """Runs the iterations. ``evaluate(trial, params, splits, iteration, row)`` scores one
    candidate on the iteration's folds. Every trial is told its end, also when a fit raises."""
    rows = Rows([], [], [], [], [], 0)
    open_trials = {t.number: t for t, _ in trials}
    remaining = list(trials)
    try:
        for itr in range(plan.n_iterations_):
            amount = n_resources(halving, plan, itr)
            rows.n_resources_.append(amount)
            rows.n_candidates_.append(len(remaining))
            if verbose > 0:
                print(f"iter {itr}: {len(remaining)} candidates, n_resources={amount}")
            if halving.resource == "n_samples":
                rung_splits = subsample(splits, amount / n_samples, random_state)
                jobs = [(t, p) for t, p in remaining]
            else:
                rung_splits = splits
                jobs = [(t, {**p, halving.resource: amount}) for t, p in remaining]
            first = len(rows.candidates)

            def one(
                job: tuple[int, tuple[Trial, dict[str, Any]]], rung_splits: Splits = rung_splits, itr: int = itr, first: int = first
            ) -> Candidate:
                position, (trial, params) = job
                return evaluate(trial, params, rung_splits, itr, first + position)

            if n_jobs == 1:
                scored = [one(job) for job in enumerate(jobs)]
            else:
                with ThreadPoolExecutor(max_workers=n_jobs) as pool:
                    scored = list(pool.map(one, enumerate(jobs)))
            means = np.array([c.mean(metric, error_score) for c in scored], dtype=np.float64)
            for (trial, _), mean in zip(jobs, means, strict=True):
                if np.isfinite(mean):
                    trial.report(float(mean), itr)
            rows.candidates.extend(scored)
            rows.iters.extend([itr] * len(scored))
            rows.n_resources.extend([amount] * len(scored))
            if itr == plan.n_iterations_ - 1:
                for (trial, _), mean in zip(jobs, means, strict=True):
                    study.tell(trial, float(mean)) if np.isfinite(mean) else study.tell(trial, state=TrialState.FAIL)
                    open_trials.pop(trial.number)
                rows.n_remaining_candidates_ = min(len(remaining), math.ceil(len(remaining) / halving.factor))
            else:
                kept = keep_best(means, math.ceil(len(remaining) / halving.factor))
                kept_numbers = {remaining[i][0].number for i in kept}
                for trial, _ in remaining:
                    if trial.number not in kept_numbers:
                        study.tell(trial, state=TrialState.PRUNED)
                        open_trials.pop(trial.number)
                remaining = [remaining[i] for i in kept]
    finally:
        for trial in open_trials.values():
            study.tell(trial, state=TrialState.FAIL)
    return rows
