"""PartialFixedSampler: some parameters fixed, the rest from a base sampler."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ferrotune import _core
from ferrotune._deprecation import warn_experimental
from ferrotune.distributions import BaseDistribution, IntDistribution, _plain
from ferrotune.exceptions import FerrotuneTypeError, FerrotuneValueError
from ferrotune.samplers._base import BaseSampler
from ferrotune.samplers._overrides import replaced_hooks
from ferrotune.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study


class PartialFixedSampler(BaseSampler):
    """Samples the parameters of ``fixed_params`` at their fixed values and the others with
    ``base_sampler``, as Optuna's.

    A fixed number outside the suggested range (or a float for an int parameter, truncated) is
    used with a warning; a value that is not one of a categorical's choices is an error. With
    a built-in base sampler the whole sampler runs in the Rust core; a base sampler written in
    Python (or with replaced hooks) is called through its hooks.

    Args:
        fixed_params: ``{"name": value}`` for the parameters to fix.
        base_sampler: The sampler of the other parameters.
    """

    def __init__(self, fixed_params: Mapping[str, Any], base_sampler: BaseSampler) -> None:
        if not isinstance(fixed_params, Mapping):
            raise FerrotuneTypeError(f"fixed_params must be a dict of parameter name to value, got {type(fixed_params).__name__}")
        for name in fixed_params:
            if not isinstance(name, str):
                raise FerrotuneValueError(f"fixed_params keys must be parameter names (str), got {name!r}")
        if not isinstance(base_sampler, BaseSampler):
            raise FerrotuneTypeError(
                f"base_sampler must be a ferrotune sampler (e.g. TPESampler()) or a BaseSampler subclass, got {base_sampler!r}"
            )
        self._fixed_params = dict(fixed_params)
        self._base_sampler = base_sampler
        self._core_sampler = self._build_core()
        warn_experimental("PartialFixedSampler", "2.4.0")

    def _build_core(self) -> _core.Sampler | None:
        """The core sampler when the base runs in the core untouched; else None (Python hooks)."""
        base = getattr(self._base_sampler, "_core_sampler", None)
        if base is None or replaced_hooks(self._base_sampler):
            return None
        return _core.partial_fixed_sampler([(k, _plain(v)) for k, v in self._fixed_params.items()], base)

    def _choose_core(self, study: Study) -> bool:
        """Follows a base that switches samplers as the study goes (``AutoSampler``): True when
        it switched, with this sampler's core rebuilt on the base's new one."""
        choose: Callable[[Study], bool] | None = getattr(self._base_sampler, "_choose_core", None)
        if choose is None or not choose(study):
            return False
        self._core_sampler = self._build_core()
        return True

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_core_sampler"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._core_sampler = self._build_core()

    @property
    def seed(self) -> int | None:
        """The base sampler's seed, when it has one."""
        return getattr(self._base_sampler, "seed", None)

    @property
    def _constraints_func(self) -> Callable[[FrozenTrial], Sequence[float]] | None:
        """The base sampler's ``constraints_func``: the study evaluates it for each finished
        trial, as Optuna's base sampler does in ``after_trial``."""
        func: Callable[[FrozenTrial], Sequence[float]] | None = getattr(self._base_sampler, "_constraints_func", None)
        return func

    def reseed_rng(self) -> None:
        self._base_sampler.reseed_rng()
        self._core_sampler = self._build_core()

    def infer_relative_search_space(self, study: Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        """The base sampler's joint space without the fixed parameters."""
        space = self._base_sampler.infer_relative_search_space(study, trial)
        return {k: d for k, d in space.items() if k not in self._fixed_params}

    def sample_relative(self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]) -> dict[str, Any]:
        """The base sampler's joint proposal (fixed parameters are never in ``search_space``)."""
        return self._base_sampler.sample_relative(study, trial, search_space)

    def sample_independent(self, study: Study, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution) -> Any:
        """The fixed value of a fixed parameter, else the base sampler's value."""
        if param_name not in self._fixed_params:
            return self._base_sampler.sample_independent(study, trial, param_name, param_distribution)
        value = self._fixed_params[param_name]
        internal = param_distribution.to_internal_repr(value)  # a non-choice of a categorical raises
        truncated = isinstance(param_distribution, IntDistribution) and internal != int(internal)
        if truncated or not param_distribution._contains(internal):
            warnings.warn(
                f"Fixed parameter '{param_name}' with value {value!r} is out of range for distribution {param_distribution!r}.",
                UserWarning,
                stacklevel=2,
            )
        return int(internal) if truncated else value

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self._base_sampler.before_trial(study, trial)

    def after_trial(self, study: Study, trial: FrozenTrial, state: TrialState, values: Sequence[float] | None) -> None:
        self._base_sampler.after_trial(study, trial, state, values)

    def __repr__(self) -> str:
        return f"PartialFixedSampler(fixed_params={self._fixed_params!r}, base_sampler={self._base_sampler!r})"
