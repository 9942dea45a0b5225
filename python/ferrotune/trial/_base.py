"""The interface shared by live, frozen and fixed trials."""

from __future__ import annotations

import abc
import datetime
from collections.abc import Sequence
from typing import Any

from ferrotune._deprecation import warn_deprecated
from ferrotune.distributions import (
    BaseDistribution,
    CategoricalChoiceType,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from ferrotune.exceptions import FerrotuneValueError, InvalidDistributionError
from ferrotune.logging import _warn
from ferrotune.trial import _constraints


def _check_name(name: Any) -> str:
    """The parameter name of a ``suggest_*`` call; anything but a str is refused before the
    bounds are looked at, so the error blames the name."""
    if not isinstance(name, str):
        raise FerrotuneValueError(
            f"name must be the parameter's name as a str, got {name!r} of type {type(name).__name__}; "
            "pass the name first, as in suggest_float('x', 0.0, 1.0)"
        )
    return name


def _distribution_for(name: str, cls: type[BaseDistribution], *args: Any, **kwargs: Any) -> Any:
    """Builds the distribution of a ``suggest_*`` call; a malformed one raises an error that
    names the parameter, as the core does for the suggestions it validates itself."""
    try:
        return cls(*args, **kwargs)
    except InvalidDistributionError as e:
        msg = str(e).removeprefix("invalid distribution: ")
        raise InvalidDistributionError(f"parameter '{name}': {msg}") from None


class BaseTrial(abc.ABC):
    """What an objective function may call on its ``trial`` argument."""

    @abc.abstractmethod
    def suggest_float(self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False) -> float: ...

    @abc.abstractmethod
    def suggest_int(self, name: str, low: int, high: int, *, step: int = 1, log: bool = False) -> int: ...

    @abc.abstractmethod
    def suggest_categorical(self, name: str, choices: Sequence[CategoricalChoiceType]) -> Any: ...

    @abc.abstractmethod
    def report(self, value: float, step: int) -> None: ...

    @abc.abstractmethod
    def should_prune(self) -> bool: ...

    @abc.abstractmethod
    def set_user_attr(self, key: str, value: Any) -> None: ...

    @property
    @abc.abstractmethod
    def params(self) -> dict[str, Any]: ...

    @property
    @abc.abstractmethod
    def distributions(self) -> dict[str, BaseDistribution]: ...

    @property
    @abc.abstractmethod
    def user_attrs(self) -> dict[str, Any]: ...

    @property
    @abc.abstractmethod
    def number(self) -> int: ...

    @property
    @abc.abstractmethod
    def datetime_start(self) -> datetime.datetime | None: ...

    @property
    @abc.abstractmethod
    def system_attrs(self) -> dict[str, Any]: ...

    @abc.abstractmethod
    def set_system_attr(self, key: str, value: Any) -> None: ...

    # -- constraints (Optuna 5) ----------------------------------------------------------------
    @property
    def constraints(self) -> dict[str, float]:
        """The trial's constraint values by name (feasible when every one is <= 0): those of
        :meth:`set_constraint`, and a sampler's ``constraints_func`` values by position."""
        return _constraints.read(self.system_attrs)

    def set_constraint(self, key: str, value: float) -> None:
        """Records constraint ``key``'s value for this trial (<= 0: satisfied). A feasible trial
        satisfies every one; only feasible trials can be the best trial or on the Pareto front,
        and TPE keeps infeasible ones out of its good group. A second value for the same key is
        ignored with a warning, as in Optuna."""
        attr, v = _constraints.attr_for(key, value)
        if attr in self.system_attrs:
            _warn(f"constraint {key!r} already has a value in this trial; the new value {v} is ignored (the first one wins)")
            return
        self.set_system_attr(attr, v)

    # Optuna's pre-3.0 names, kept so old objectives run unchanged.
    def suggest_uniform(self, name: str, low: float, high: float) -> float:
        warn_deprecated("suggest_uniform", "3.0.0", "suggest_float(..., log=False)")
        return self.suggest_float(name, low, high)

    def suggest_loguniform(self, name: str, low: float, high: float) -> float:
        warn_deprecated("suggest_loguniform", "3.0.0", "suggest_float(..., log=True)")
        return self.suggest_float(name, low, high, log=True)

    def suggest_discrete_uniform(self, name: str, low: float, high: float, q: float) -> float:
        warn_deprecated("suggest_discrete_uniform", "3.0.0", "suggest_float(..., step=...)")
        return self.suggest_float(name, low, high, step=q)


class _OfflineTrial(BaseTrial):
    """Shared by :class:`FixedTrial` and :class:`FrozenTrial`: trials outside a running study.
    ``suggest_*`` defer to ``_suggest(name, distribution)``; reports are ignored, nothing is
    pruned, attributes live in plain dicts."""

    _user_attrs: dict[str, Any]
    _system_attrs: dict[str, Any]

    @abc.abstractmethod
    def _suggest(self, name: str, distribution: BaseDistribution) -> Any: ...

    def suggest_float(self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False) -> float:
        name = _check_name(name)
        value: float = self._suggest(name, _distribution_for(name, FloatDistribution, low, high, log=log, step=step))
        return value

    def suggest_int(self, name: str, low: int, high: int, *, step: int = 1, log: bool = False) -> int:
        name = _check_name(name)
        value: int = self._suggest(name, _distribution_for(name, IntDistribution, low, high, log=log, step=step))
        return value

    def suggest_categorical(self, name: str, choices: Sequence[CategoricalChoiceType]) -> Any:
        name = _check_name(name)
        return self._suggest(name, _distribution_for(name, CategoricalDistribution, choices))

    def report(self, value: float, step: int) -> None:
        """Does nothing: there is no running study to record it in."""

    def should_prune(self) -> bool:
        """Always False: only a running trial can be pruned."""
        return False

    def set_user_attr(self, key: str, value: Any) -> None:
        self._user_attrs[key] = value

    def set_system_attr(self, key: str, value: Any) -> None:
        self._system_attrs[key] = value
