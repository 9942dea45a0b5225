"""The Optuna sampler hooks of the samplers that run in the Rust core."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ferrotune.distributions import BaseDistribution, _from_spec
from ferrotune.samplers._base import BaseSampler
from ferrotune.trial import FrozenTrial

if TYPE_CHECKING:
    from ferrotune import _core
    from ferrotune.study import Study


class CoreBackedSampler(BaseSampler):
    """A sampler whose work is done by ``self._core_sampler`` (a ``ferrotune._core.Sampler``).

    Studies call the core directly; these hooks serve wrapper samplers written in Python that
    ask a built-in sampler for its proposals, as Optuna's hooks do.
    """

    _core_sampler: _core.Sampler

    @property
    def seed(self) -> int:
        """The seed in use (drawn from the OS when none was given)."""
        return self._core_sampler.seed

    def infer_relative_search_space(self, study: Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        """The parameters the sampler proposes jointly for the study as it is now."""
        space = study._engine.relative_search_space_with(self._core_sampler, trial.number)
        return {name: _from_spec(spec) for name, spec in space}

    def sample_relative(self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]) -> dict[str, Any]:
        """The joint proposal for the parameters of ``search_space`` (empty when there is none)."""
        rel = study._engine.sample_relative_with(self._core_sampler, trial.number)
        return {name: _from_spec(spec).to_external_repr(v) for name, v, spec in rel if name in search_space}

    def sample_independent(self, study: Study, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution) -> Any:
        """A value for one parameter outside the joint proposal."""
        v = study._engine.sample_independent_with(self._core_sampler, trial.number, param_name, param_distribution._spec())
        return param_distribution.to_external_repr(v)
