"""The Optuna sampler hooks of the samplers that run in the Rust core."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ferrotune.distributions import BaseDistribution
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.samplers._base import BaseSampler
from ferrotune.trial import FrozenTrial

if TYPE_CHECKING:
    from ferrotune import _core
    from ferrotune.study import Study


def check_independent(sampler: Any, owner: str) -> BaseSampler | None:
    """The ``independent_sampler`` argument: None or a built-in sampler, whose core sampler
    the owner's core sampler calls."""
    if sampler is None:
        return None
    if not isinstance(sampler, BaseSampler):
        raise FerrotuneValueError(f"independent_sampler must be a ferrotune sampler or None, got {sampler!r}")
    if getattr(sampler, "_core_sampler", None) is None:
        raise FerrotuneValueError(
            f"independent_sampler={type(sampler).__name__}() is written in Python; {owner} takes a built-in "
            "ferrotune sampler (RandomSampler, TPESampler, QMCSampler, ...) or None (random search)"
        )
    return sampler


def reseed_independent_only(sampler: Any) -> None:
    """``reseed_rng`` of a sampler whose own seed every worker of a study must share (QMC's
    points, CMA-ES's generations): only its independent sampler (by default a random one,
    now with a fresh seed) draws anew, and the core sampler is rebuilt around it."""
    from ferrotune.samplers._random import RandomSampler

    if sampler._independent_sampler is None:
        sampler._independent_sampler = RandomSampler(None)
    else:
        sampler._independent_sampler.reseed_rng()
    sampler._core_sampler = sampler._build_core(sampler.seed)


class CoreSamplerState:
    """Pickling (and ``copy``) of a sampler whose work is done by ``self._core_sampler``.

    The core object does not pickle; the Python attributes (the constructor's arguments,
    user callables included) do, with the seed in use, and the core sampler is rebuilt from
    them. Core samplers draw from ``(seed, trial number, ...)`` and the study's history, not
    from a stream that advances, so the copy proposes what the original would have proposed
    for the same history. Each class defines :meth:`_build_core`.
    """

    _core_sampler: _core.Sampler

    def _build_core(self, seed: int | None) -> _core.Sampler:
        """A core sampler for this object's arguments, with ``seed`` (None: drawn by the OS)."""
        raise NotImplementedError

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_core_sampler"]
        state["_core_seed"] = self._core_sampler.seed
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        seed = state.pop("_core_seed")
        self.__dict__.update(state)
        self._core_sampler = self._build_core(seed)


class CoreBackedSampler(CoreSamplerState, BaseSampler):
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
        return study._context.relative_search_space(self._core_sampler, trial.number)

    def sample_relative(self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]) -> dict[str, Any]:
        """The joint proposal for the parameters of ``search_space`` (empty when there is none)."""
        if not search_space:
            return {}  # nothing to propose: the trial is not looked at, as in Optuna
        rel = study._context.sample_relative(self._core_sampler, trial.number)
        return {name: v for name, v in rel.items() if name in search_space}

    def sample_independent(self, study: Study, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution) -> Any:
        """A value for one parameter outside the joint proposal."""
        return study._context.sample_independent(self._core_sampler, trial.number, param_name, param_distribution)
