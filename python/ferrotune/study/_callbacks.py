"""Callbacks for ``Study.optimize``."""

from __future__ import annotations

from collections.abc import Container
from typing import TYPE_CHECKING

from ferrotune.exceptions import FerrotuneValueError
from ferrotune.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from ferrotune.study._study import Study


class MaxTrialsCallback:
    """Stops ``optimize`` once the study holds ``n_trials`` trials in ``states`` (Optuna's name).

    With several workers on one storage this is the budget of the whole study, counted from the
    storage after each trial: ``study.optimize(objective, n_trials=None,
    callbacks=[MaxTrialsCallback(200)])`` in every worker stops all of them at about 200
    trials (each may finish the trial it is running). ``states=None`` counts every trial.
    """

    def __init__(self, n_trials: int, states: Container[TrialState] | None = (TrialState.COMPLETE,)) -> None:
        if isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 0:
            raise FerrotuneValueError(f"n_trials must be a non-negative integer, got {n_trials!r}")
        self._n_trials = n_trials
        self._states = states

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        if len(study.get_trials(deepcopy=False, states=self._states)) >= self._n_trials:
            study.stop()
