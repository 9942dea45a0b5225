"""Estimates of the room a study has left for improvement."""

from ferrotune.terminator.improvement.emmr import EMMREvaluator
from ferrotune.terminator.improvement.evaluator import BaseImprovementEvaluator, BestValueStagnationEvaluator, RegretBoundEvaluator

__all__ = ["BaseImprovementEvaluator", "BestValueStagnationEvaluator", "EMMREvaluator", "RegretBoundEvaluator"]
