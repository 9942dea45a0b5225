"""What samplers, pruners and the heartbeat code may ask of a study.

They receive a ``Study`` (Optuna's hook signatures) but need a few calls into the engine and
the storage behind it; ``study._context`` gives them those calls and nothing else, so they do
not depend on the study's private state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ferrotune import _json
from ferrotune.distributions import BaseDistribution, _from_spec

if TYPE_CHECKING:
    from ferrotune import _core
    from ferrotune.storages import BaseStorage
    from ferrotune.trial import FrozenTrial


class StudyContext:
    """The calls a study's sampler, pruner and heartbeat code make on its behalf."""

    def __init__(self, engine: _core.Engine, storage: BaseStorage, study_id: int, trial: Callable[[int], FrozenTrial]) -> None:
        self._engine = engine
        self._trial = trial
        #: The study's storage and its id there (heartbeats and stale trials live in it).
        self.storage = storage
        self.study_id = study_id

    # -- samplers ------------------------------------------------------------------------------
    def relative_search_space(self, sampler: _core.Sampler, number: int) -> dict[str, BaseDistribution]:
        """The parameters ``sampler`` would propose jointly for trial ``number``."""
        return {name: _from_spec(spec) for name, spec in self._engine.relative_search_space_with(sampler, number)}

    def sample_relative(self, sampler: _core.Sampler, number: int) -> dict[str, Any]:
        """``sampler``'s joint proposal for trial ``number``, as user values."""
        return {name: _from_spec(spec).to_external_repr(v) for name, v, spec in self._engine.sample_relative_with(sampler, number)}

    def sample_independent(self, sampler: _core.Sampler, number: int, name: str, distribution: BaseDistribution) -> Any:
        """``sampler``'s value for one parameter of trial ``number``, as a user value."""
        v = self._engine.sample_independent_with(sampler, number, name, distribution._spec())
        return distribution.to_external_repr(v)

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        """Stores a JSON-compatible system attribute on trial ``trial_id`` (running or not)."""
        self._engine.set_trial_attr(trial_id, False, key, _json.dumps(key, value))

    def is_exhausted(self) -> bool:
        """True when the study's grid has no unclaimed point left."""
        return self._engine.is_exhausted()

    # -- pruners -------------------------------------------------------------------------------
    def prune_with(self, pruner: _core.Pruner, number: int) -> bool:
        """The decision of ``pruner`` on the stored trial ``number``."""
        return self._engine.prune_with(pruner, number)

    # -- heartbeats ----------------------------------------------------------------------------
    def trial_of_id(self, trial_id: int) -> FrozenTrial:
        """The trial with storage id ``trial_id``."""
        number, _ = self._engine.locate(trial_id)
        return self._trial(number)
