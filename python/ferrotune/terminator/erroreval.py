"""Estimates of the statistical error of the objective: the base class, the error from
cross-validation scores and a constant."""

from __future__ import annotations

import abc
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ferrotune._deprecation import warn_experimental
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.study import StudyDirection
from ferrotune.terminator._trials import complete

if TYPE_CHECKING:
    from ferrotune.trial import FrozenTrial, Trial

# The system attribute under which a trial's cross-validation scores are kept (Optuna's key, so
# that studies move between the two libraries with their scores).
_CROSS_VALIDATION_SCORES_KEY = "terminator:cv_scores"


class BaseErrorEvaluator(metaclass=abc.ABCMeta):
    """Estimates the statistical error of the objective (Optuna's ``BaseErrorEvaluator``): an
    improvement smaller than it is noise."""

    @abc.abstractmethod
    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """The statistical error given ``trials`` (all states; the complete ones count)."""


class CrossValidationErrorEvaluator(BaseErrorEvaluator):
    """The standard error of the best trial's cross-validation mean.

    The objective is taken to be the mean of ``k`` cross-validation scores, reported with
    :func:`report_cross_validation_scores`; the error is ``sqrt((1/k + 1/(k-1)) var(scores))``
    over the best trial's scores (the corrected resampled variance of Nadeau and Bengio, with
    the test share taken as ``1/(k-1)``).
    """

    def __init__(self) -> None:
        warn_experimental("CrossValidationErrorEvaluator", "3.2.0")

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """The error of the best complete trial of ``trials``.

        Raises:
            FerrotuneValueError: No trial is complete, or the best one has no scores reported.
        """
        done = complete(trials)
        if not done:
            raise FerrotuneValueError("no trial has completed yet, so the cross-validation error cannot be evaluated")
        sign = 1.0 if study_direction == StudyDirection.MAXIMIZE else -1.0
        best = max(done, key=lambda t: sign * float(t.value))  # type: ignore[arg-type]
        scores = best.system_attrs.get(_CROSS_VALIDATION_SCORES_KEY)
        if scores is None:
            raise FerrotuneValueError(
                f"the best trial (number {best.number}) has no cross-validation scores; call "
                "report_cross_validation_scores(trial, scores) in the objective with the list of fold scores"
            )
        k = len(scores)
        return math.sqrt((1.0 / k + 1.0 / (k - 1)) * float(np.var(np.asarray(scores, dtype=float))))


def report_cross_validation_scores(trial: Trial, scores: Sequence[float] | np.ndarray) -> None:
    """Stores a trial's cross-validation scores, which :class:`CrossValidationErrorEvaluator`
    reads. Call it in the objective, which then returns the scores' mean.

    Args:
        trial: The running trial.
        scores: One score per fold (at least two).

    Raises:
        FerrotuneValueError: Fewer than two scores.
    """
    values = [float(s) for s in np.asarray(scores, dtype=float).ravel()]
    if len(values) <= 1:
        raise FerrotuneValueError(f"scores must hold more than one score (one per fold), got {len(values)}")
    trial.set_system_attr(_CROSS_VALIDATION_SCORES_KEY, values)


class StaticErrorEvaluator(BaseErrorEvaluator):
    """A constant error: the terminator then stops once the improvement estimate falls below it.

    Args:
        constant: The error returned by every evaluation.
    """

    def __init__(self, constant: float) -> None:
        warn_experimental("StaticErrorEvaluator", "3.2.0")
        self._constant = constant

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """``constant``, whatever the trials."""
        return self._constant
