"""An error threshold set once from the median of an improvement evaluator's first values."""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING

from ferrotune._deprecation import warn_experimental
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.terminator._trials import complete
from ferrotune.terminator.erroreval import BaseErrorEvaluator

if TYPE_CHECKING:
    from ferrotune.study import StudyDirection
    from ferrotune.terminator.improvement.evaluator import BaseImprovementEvaluator
    from ferrotune.trial import FrozenTrial


class MedianErrorEvaluator(BaseErrorEvaluator):
    """A threshold relative to the improvement at the start of the study (the heuristic of
    Ishibashi et al., 2023): ``threshold_ratio`` times the median of the paired improvement
    evaluator's values over trials ``warm_up_trials + 1`` to ``warm_up_trials +
    n_initial_trials`` (each on the trials after the warm-up up to it). Computed once, when
    enough trials have completed; before that it is a tiny negative number (never terminate).

    Args:
        paired_improvement_evaluator: The improvement evaluator the terminator uses with it.
        warm_up_trials: Initial trials left out (often random sampling).
        n_initial_trials: Trials after the warm-up the median is taken over.
        threshold_ratio: The threshold as a share of that median.
    """

    def __init__(
        self,
        paired_improvement_evaluator: BaseImprovementEvaluator,
        warm_up_trials: int = 10,
        n_initial_trials: int = 20,
        threshold_ratio: float = 0.01,
    ) -> None:
        warn_experimental("MedianErrorEvaluator", "4.0.0")
        if warm_up_trials < 0:
            raise FerrotuneValueError(f"warm_up_trials must be an integer >= 0, got {warm_up_trials!r}")
        if n_initial_trials <= 0:
            raise FerrotuneValueError(f"n_initial_trials must be an integer >= 1, got {n_initial_trials!r}")
        if not (math.isfinite(threshold_ratio) and threshold_ratio > 0.0):
            raise FerrotuneValueError(f"threshold_ratio must be a finite number > 0, got {threshold_ratio!r}")
        self._paired_improvement_evaluator = paired_improvement_evaluator
        self._warm_up_trials = warm_up_trials
        self._n_initial_trials = n_initial_trials
        self._threshold_ratio = threshold_ratio
        self._threshold: float | None = None

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """The threshold (fixed at the first call with enough complete trials)."""
        if self._threshold is not None:
            return self._threshold
        done = sorted(complete(trials), key=lambda t: t.number)
        start = self._warm_up_trials
        if len(done) < start + self._n_initial_trials:
            return -sys.float_info.min  # improvements are never negative: do not terminate
        evaluate = self._paired_improvement_evaluator.evaluate
        criteria = sorted(evaluate(done[start : start + i], study_direction) for i in range(1, self._n_initial_trials + 1))
        self._threshold = min(sys.float_info.max, criteria[len(criteria) // 2] * self._threshold_ratio)
        return self._threshold
