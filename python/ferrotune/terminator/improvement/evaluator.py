"""Estimates of the room left for improvement: the base class, the GP regret bound and the
stagnation of the best value."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

from ferrotune import _core
from ferrotune._deprecation import warn_experimental
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.study import StudyDirection
from ferrotune.terminator._trials import Seeds, as_arrays, complete, integer_at_least

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial

DEFAULT_TOP_TRIALS_RATIO = 0.5
DEFAULT_MIN_N_TRIALS = 20


class BaseImprovementEvaluator(metaclass=abc.ABCMeta):
    """Estimates how much a study can still improve (Optuna's ``BaseImprovementEvaluator``).

    The terminator stops a study once this estimate falls below the error evaluator's.
    """

    @abc.abstractmethod
    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """The room left for improvement given ``trials`` (all states; the complete ones count)."""

    def _evaluate_study(self, study: Study, numbers: list[int] | None = None) -> float:
        """:meth:`evaluate` on ``study``'s trials (those numbered ``numbers`` when given); the
        built-in evaluators read the study's history in the core instead of building trials."""
        trials = study.get_trials(deepcopy=False)
        return self.evaluate(trials if numbers is None else [trials[n] for n in numbers], study.direction)


def _study_path(evaluator: BaseImprovementEvaluator, own: type[BaseImprovementEvaluator]) -> bool:
    """Whether ``evaluator`` may read the study directly: ``evaluate`` is not overridden."""
    return type(evaluator).evaluate is own.evaluate


class RegretBoundEvaluator(BaseImprovementEvaluator):
    """An upper bound on the regret of the best trial, which holds with high probability under
    a Gaussian-process model of the objective (Makarova et al., 2022, "Automatic termination
    for hyperparameter optimization").

    A GP is fitted on the best trials; the bound is the largest upper confidence bound over the
    search space minus the largest lower confidence bound over those trials, in the objective's
    units. The fit and the bound are computed in the core.

    Args:
        top_trials_ratio: The share of the complete trials (the best ones) the GP is fitted on.
        min_n_trials: The least number of trials the GP is fitted on (all when there are fewer).
        seed: Seed of the points sampled to maximize the upper confidence bound.
    """

    def __init__(
        self,
        top_trials_ratio: float = DEFAULT_TOP_TRIALS_RATIO,
        min_n_trials: int = DEFAULT_MIN_N_TRIALS,
        seed: int | None = None,
    ) -> None:
        warn_experimental("RegretBoundEvaluator", "3.2.0")
        if not (0.0 < top_trials_ratio <= 1.0):
            raise FerrotuneValueError(f"top_trials_ratio must lie in (0, 1], got {top_trials_ratio!r}; 0.5 fits the GP on the better half")
        self._top_trials_ratio = float(top_trials_ratio)
        self._min_n_trials = integer_at_least(min_n_trials, "min_n_trials", 1)
        self._seeds = Seeds(seed)

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """The regret bound of the best complete trial of ``trials``.

        Raises:
            FerrotuneValueError: No trial is complete, or the complete trials share no parameter.
        """
        space, internal, values, maximize = as_arrays(trials, study_direction)
        return _core.regret_bound_trials(space, internal, values, maximize, self._top_trials_ratio, self._min_n_trials, self._seeds.next())

    def _evaluate_study(self, study: Study, numbers: list[int] | None = None) -> float:
        if not _study_path(self, RegretBoundEvaluator):
            return super()._evaluate_study(study, numbers)
        return _core.regret_bound_study(
            study._storage._core, study._study_id, numbers, self._top_trials_ratio, self._min_n_trials, self._seeds.next()
        )


class BestValueStagnationEvaluator(BaseImprovementEvaluator):
    """The trials left before the best value has stagnated for ``max_stagnation_trials`` trials:
    ``max_stagnation_trials`` minus the number of complete trials since the best one.

    Below zero the study has stagnated longer than allowed, so the terminator pairs it with
    ``StaticErrorEvaluator(constant=0)`` by default.

    Args:
        max_stagnation_trials: The number of trials without a new best value that is tolerated.
    """

    def __init__(self, max_stagnation_trials: int = 30) -> None:
        warn_experimental("BestValueStagnationEvaluator", "3.4.0")
        if max_stagnation_trials < 0:
            raise FerrotuneValueError(f"max_stagnation_trials must not be negative, got {max_stagnation_trials!r}")
        self._max_stagnation_trials = max_stagnation_trials

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """``max_stagnation_trials`` minus the complete trials after the (first) best one.

        Raises:
            FerrotuneValueError: No trial is complete.
        """
        done = complete(trials)
        if not done:
            raise FerrotuneValueError("no trial has completed yet, so the improvement cannot be evaluated")
        sign = 1.0 if study_direction == StudyDirection.MAXIMIZE else -1.0
        best = 0
        for i, t in enumerate(done):
            if sign * float(t.value) > sign * float(done[best].value):  # type: ignore[arg-type]
                best = i
        return self._max_stagnation_trials - (len(done) - 1 - best)
