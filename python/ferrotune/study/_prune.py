"""How a study answers ``trial.should_prune()``: never, in the core, or by a pruner written in
Python. The study picks one whenever its pruner is set."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ferrotune import _core
    from ferrotune.pruners import BasePruner
    from ferrotune.study._study import Study
    from ferrotune.trial import Trial


class NeverPrune:
    """``NopPruner``: no trial is ever pruned, and nothing is asked."""

    def should_prune(self, trial: Trial) -> bool:
        return False


class CorePrune:
    """A built-in pruner: one call into the core per decision, no ``FrozenTrial`` built."""

    def __init__(self, engine: _core.Engine, pruner: BasePruner) -> None:
        self._engine = engine
        self._pruner = pruner

    def should_prune(self, trial: Trial) -> bool:
        # Successive halving and Hyperband decide only at the end of a rung: until the trial
        # reports that step, the answer is known without asking the core.
        quiet = trial._quiet
        if quiet is not None and quiet[0] is self._pruner and trial._max_step is not None and trial._max_step < quiet[1]:
            return False
        prune, until = self._engine.should_prune(trial._trial_id)
        trial._quiet = None if until is None else (self._pruner, until)
        return prune


class PythonPrune:
    """A pruner whose ``prune`` is written in Python: it gets the study and a ``FrozenTrial``."""

    def __init__(self, pruner: BasePruner, study: Study) -> None:
        self._pruner = pruner
        self._study = study

    def should_prune(self, trial: Trial) -> bool:
        return bool(self._pruner.prune(self._study, trial._frozen()))
