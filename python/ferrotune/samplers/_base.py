"""BaseSampler: the extension point for samplers written in Python, as in Optuna."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ferrotune.distributions import BaseDistribution
from ferrotune.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study


class BaseSampler(abc.ABC):
    """Subclass this to write a sampler in Python.

    Per trial, the study calls :meth:`before_trial`, then :meth:`infer_relative_search_space`
    and :meth:`sample_relative` for parameters sampled jointly, then
    :meth:`sample_independent` for each other parameter the objective suggests, and finally
    :meth:`after_trial`. Values are user values (not internal ones).

    The built-in samplers run in the Rust core; their methods here work too, for use from
    wrapper samplers.
    """

    def infer_relative_search_space(self, study: Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        """The parameters to sample jointly in :meth:`sample_relative` (none by default)."""
        return {}

    def sample_relative(self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]) -> dict[str, Any]:
        """Joint values for ``search_space`` (none by default)."""
        return {}

    @abc.abstractmethod
    def sample_independent(self, study: Study, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution) -> Any:
        """A value for one parameter."""

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        """Called when a trial starts."""

    def after_trial(self, study: Study, trial: FrozenTrial, state: TrialState, values: Sequence[float] | None) -> None:
        """Called when a trial is told, before its result is stored."""

    def reseed_rng(self) -> None:
        """Draws a new seed (called for each worker process by parallel runners)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
