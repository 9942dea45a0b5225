"""When to stop tuning (Optuna's ``optuna.terminator``): a terminator compares the room left for
improvement, estimated by a Gaussian process fitted in the core, with the statistical error of
the objective, and stops the study once the first is smaller."""

from ferrotune.terminator.callback import TerminatorCallback
from ferrotune.terminator.erroreval import (
    BaseErrorEvaluator,
    CrossValidationErrorEvaluator,
    StaticErrorEvaluator,
    report_cross_validation_scores,
)
from ferrotune.terminator.improvement.emmr import EMMREvaluator
from ferrotune.terminator.improvement.evaluator import BaseImprovementEvaluator, BestValueStagnationEvaluator, RegretBoundEvaluator
from ferrotune.terminator.median_erroreval import MedianErrorEvaluator
from ferrotune.terminator.terminator import BaseTerminator, Terminator

__all__ = [
    "BaseErrorEvaluator",
    "BaseImprovementEvaluator",
    "BaseTerminator",
    "BestValueStagnationEvaluator",
    "CrossValidationErrorEvaluator",
    "EMMREvaluator",
    "MedianErrorEvaluator",
    "RegretBoundEvaluator",
    "StaticErrorEvaluator",
    "Terminator",
    "TerminatorCallback",
    "report_cross_validation_scores",
]
