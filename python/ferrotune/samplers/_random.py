"""RandomSampler: each parameter uniformly in its own scale, in the Rust core."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ferrotune import _core
from ferrotune._convert import as_seed
from ferrotune.distributions import BaseDistribution
from ferrotune.samplers._base import BaseSampler
from ferrotune.samplers._core_backed import CoreSamplerState
from ferrotune.trial import FrozenTrial

if TYPE_CHECKING:
    from ferrotune.study import Study


class RandomSampler(CoreSamplerState, BaseSampler):
    """Random search.

    Floats are uniform on ``[low, high]`` (log-uniform with ``log=True``), stepped values uniform
    over their grid, categorical choices equally likely. A value is a pure function of
    ``(seed, trial number, parameter name)``: the same seed gives the same suggestions, also
    with ``n_jobs > 1``.

    Args:
        seed: Seed of the random stream; ``None`` draws one from the operating system.
    """

    def __init__(self, seed: int | None = None) -> None:
        self._core_sampler = self._build_core(as_seed(seed))

    def _build_core(self, seed: int | None) -> _core.Sampler:
        return _core.Sampler.random(seed)

    @property
    def seed(self) -> int:
        """The seed in use (drawn from the OS when none was given)."""
        return self._core_sampler.seed

    def sample_independent(self, study: Study, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution) -> Any:
        v = self._core_sampler.random_draw(trial.number, param_name, param_distribution._spec())
        return param_distribution.to_external_repr(v)

    def reseed_rng(self) -> None:
        self._core_sampler = self._build_core(None)

    def __repr__(self) -> str:
        return f"RandomSampler(seed={self.seed})"
