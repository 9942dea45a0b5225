"""The study as a sampler sees it under Hyperband: only the trials of one bracket."""

from __future__ import annotations

from collections.abc import Container

from ferrotune.study._study import Study
from ferrotune.trial import FrozenTrial, TrialState


class _BracketStudy(Study):
    """Shares every attribute with the study it is built from; :meth:`get_trials` (and so
    :attr:`trials`) returns only the trials of bracket ``bracket_id``. Samplers written in
    Python receive it under :class:`~ferrotune.pruners.HyperbandPruner`, as Optuna's samplers do.
    """

    __slots__ = ("bracket_id",)

    def __init__(self, study: Study, bracket_id: int) -> None:
        # The same state, not a copy: stop(), attributes and the engine are the study's.
        self.__dict__ = study.__dict__
        self.bracket_id = bracket_id

    def get_trials(self, deepcopy: bool = True, states: Container[TrialState] | None = None) -> list[FrozenTrial]:
        trials = super().get_trials(deepcopy=deepcopy, states=states)
        brackets = self._engine.trial_brackets()
        if brackets is None:
            return trials
        return [t for t in trials if t.number < len(brackets) and brackets[t.number] == self.bracket_id]

    def __repr__(self) -> str:
        return f"_BracketStudy(study_name={self.study_name!r}, bracket_id={self.bracket_id})"
