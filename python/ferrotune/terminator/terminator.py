"""The terminator: stops a study once the room left for improvement is smaller than the
statistical error of the objective."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

from ferrotune.exceptions import FerrotuneValueError
from ferrotune.terminator._trials import integer_at_least
from ferrotune.terminator.erroreval import BaseErrorEvaluator, CrossValidationErrorEvaluator, StaticErrorEvaluator
from ferrotune.terminator.improvement.evaluator import (
    DEFAULT_MIN_N_TRIALS,
    BaseImprovementEvaluator,
    BestValueStagnationEvaluator,
    RegretBoundEvaluator,
)
from ferrotune.trial import TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study


class BaseTerminator(metaclass=abc.ABCMeta):
    """Decides whether a study should stop (Optuna's ``BaseTerminator``)."""

    @abc.abstractmethod
    def should_terminate(self, study: Study) -> bool:
        """Whether ``study`` should stop now."""


class Terminator(BaseTerminator):
    """Stops a study when the improvement still possible is below the statistical error
    (Makarova et al., 2022): tuning further would chase noise.

    Args:
        improvement_evaluator: Estimates the room left for improvement; by default a
            :class:`RegretBoundEvaluator`.
        error_evaluator: Estimates the statistical error; by default
            ``StaticErrorEvaluator(constant=0)`` with a :class:`BestValueStagnationEvaluator`,
            else a :class:`CrossValidationErrorEvaluator` (which needs
            :func:`report_cross_validation_scores` in the objective).
        min_n_trials: Complete trials needed before stopping is considered.

    Raises:
        FerrotuneValueError: ``min_n_trials`` is not a positive integer.
    """

    def __init__(
        self,
        improvement_evaluator: BaseImprovementEvaluator | None = None,
        error_evaluator: BaseErrorEvaluator | None = None,
        min_n_trials: int = DEFAULT_MIN_N_TRIALS,
    ) -> None:
        self._min_n_trials = integer_at_least(min_n_trials, "min_n_trials", 1)
        self._improvement_evaluator = improvement_evaluator or RegretBoundEvaluator()
        self._error_evaluator = error_evaluator or self._default_error_evaluator()

    def _default_error_evaluator(self) -> BaseErrorEvaluator:
        if isinstance(self._improvement_evaluator, BestValueStagnationEvaluator):
            return StaticErrorEvaluator(constant=0)
        return CrossValidationErrorEvaluator()

    def should_terminate(self, study: Study) -> bool:
        """Whether the improvement estimate of ``study`` is below its error estimate (never
        before ``min_n_trials`` complete trials).

        Raises:
            FerrotuneValueError: ``study`` has several objectives.
        """
        if len(study.directions) > 1:
            raise FerrotuneValueError(
                f"the terminator supports single-objective studies only; this study has {len(study.directions)} objectives"
            )
        if len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))) < self._min_n_trials:
            return False
        evaluator = self._improvement_evaluator
        # The built-in evaluators read the study's history in the core; others get its trials.
        evaluate_study = getattr(evaluator, "_evaluate_study", None)
        improvement = evaluate_study(study) if evaluate_study is not None else evaluator.evaluate(study.trials, study.direction)
        error = self._error_evaluator.evaluate(study.trials, study.direction)
        return improvement < error
