"""The expected minimum model regret: how much the last trial changed the GP's view of the
regret of the best trial."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ferrotune import _core
from ferrotune._deprecation import warn_experimental
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.logging import _warn
from ferrotune.terminator._trials import Seeds, as_arrays, integer_at_least
from ferrotune.terminator.improvement.evaluator import BaseImprovementEvaluator, _study_path

if TYPE_CHECKING:
    from ferrotune.study import Study, StudyDirection
    from ferrotune.trial import FrozenTrial

# What "never terminate" is reported as: a tenth of the largest float, so that sums stay finite.
MARGIN_FOR_NUMARICAL_STABILITY = 0.1


class EMMREvaluator(BaseImprovementEvaluator):
    """The expected minimum model regret (Ishibashi et al., 2023, "A stopping criterion for
    Bayesian optimization by the gap of expected minimum simple regrets").

    Two GPs are fitted, without and with the last complete trial; the criterion bounds how much
    the expected regret of the best trial moved with that trial. Small values mean the last
    trials taught the model little. Pair it with :class:`MedianErrorEvaluator`. The fits and the
    criterion are computed in the core.

    Args:
        deterministic_objective: Whether the objective is noise-free (the GP's noise is then
            fixed at its floor).
        delta: The confidence parameter of the regret bound inside the criterion.
        min_n_trials: Below this many complete trials the criterion is huge (never terminate).
        seed: Seed of the points sampled to maximize the upper confidence bound.
    """

    def __init__(
        self,
        deterministic_objective: bool = False,
        delta: float = 0.1,
        min_n_trials: int = 2,
        seed: int | None = None,
    ) -> None:
        warn_experimental("EMMREvaluator", "4.0.0")
        if not (isinstance(delta, (int, float)) and math.isfinite(delta) and delta > 0):
            raise FerrotuneValueError(f"delta must be a finite number > 0, got {delta!r}")
        self._deterministic = bool(deterministic_objective)
        self._delta = float(delta)
        self.min_n_trials = integer_at_least(min_n_trials, "min_n_trials", 2)
        self._seeds = Seeds(seed)

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """The criterion after the last complete trial of ``trials`` (in list order)."""
        space, internal, values, maximize = as_arrays(trials, study_direction)
        value, warning = _core.emmr_trials(
            space, internal, values, maximize, self._deterministic, self._delta, self.min_n_trials, self._seeds.next()
        )
        return self._warned(value, warning)

    def _evaluate_study(self, study: Study, numbers: list[int] | None = None) -> float:
        if not _study_path(self, EMMREvaluator):
            return super()._evaluate_study(study, numbers)
        value, warning = _core.emmr_study(
            study._storage._core, study._study_id, numbers, self._deterministic, self._delta, self.min_n_trials, self._seeds.next()
        )
        return self._warned(value, warning)

    @staticmethod
    def _warned(value: float, warning: str | None) -> float:
        if warning is not None:
            _warn(warning)
        return value
