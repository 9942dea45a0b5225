"""The intersection search space: the parameters that every finished trial suggested, each with
one and the same distribution. A sampler that proposes parameters jointly works on it; a
parameter whose range changed between trials, or that some trials lack, falls out of it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ferrotune.distributions import BaseDistribution
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study


def _fold(
    space: dict[str, BaseDistribution] | None, trials: Iterable[FrozenTrial], states: tuple[TrialState, ...]
) -> dict[str, BaseDistribution] | None:
    for trial in trials:
        if trial.state in states:
            seen = trial.distributions
            space = dict(seen) if space is None else {name: d for name, d in space.items() if seen.get(name) == d}
    return space


def _states(include_pruned: bool) -> tuple[TrialState, ...]:
    return (TrialState.COMPLETE, TrialState.PRUNED) if include_pruned else (TrialState.COMPLETE,)


def intersection_search_space(trials: list[FrozenTrial], include_pruned: bool = False) -> dict[str, BaseDistribution]:
    """The parameters common to every complete trial of ``trials`` (and pruned ones with
    ``include_pruned=True``) with identical distributions, sorted by name; ``{}`` when none."""
    space = _fold(None, trials, _states(include_pruned)) or {}
    return dict(sorted(space.items()))


class IntersectionSearchSpace:
    """The intersection search space of one study, updated incrementally: each call folds in only
    the trials that finished since the last one.

    Args:
        include_pruned: Whether pruned trials count as well as complete ones.
    """

    def __init__(self, include_pruned: bool = False) -> None:
        self._states = _states(include_pruned)
        self._space: dict[str, BaseDistribution] | None = None
        self._folded = 0  # trials [0, _folded) are finished and already in _space
        self._study_key: tuple[int, int] | None = None

    def calculate(self, study: Study, use_cache: bool = False) -> dict[str, BaseDistribution]:
        """The intersection search space of ``study``'s finished trials, sorted by name.

        ``use_cache`` is accepted for Optuna's signature; trial reads are always cached.
        """
        key = (id(study._storage), study._study_id)
        if self._study_key is None:
            self._study_key = key
        elif self._study_key != key:
            raise FerrotuneValueError("an IntersectionSearchSpace follows one study; make one per study")
        trials = study.get_trials(deepcopy=False)
        # Fold in the finished trials up to the first unfinished one; later ones wait for it.
        end = self._folded
        while end < len(trials) and trials[end].state.is_finished():
            end += 1
        self._space = _fold(self._space, trials[self._folded : end], self._states)
        self._folded = end
        current = _fold(self._space, trials[end:], self._states) or {}
        return dict(sorted(current.items()))
