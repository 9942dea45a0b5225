"""FixedTrial: run an objective with given parameters, outside any study."""

from __future__ import annotations

import datetime
from typing import Any

from ferrotune import logging as ft_logging
from ferrotune.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    _plain,
)
from ferrotune.exceptions import FerrotuneValueError, IncompatibleParamError, InvalidDistributionError
from ferrotune.trial._base import _OfflineTrial


class FixedTrial(_OfflineTrial):
    """A trial whose ``suggest_*`` calls return the values in ``params``.

    >>> from ferrotune.trial import FixedTrial
    >>> objective = lambda t: t.suggest_float("x", -10, 10) ** 2
    >>> objective(FixedTrial({"x": 3.0}))
    9.0
    """

    def __init__(self, params: dict[str, Any], number: int = 0) -> None:
        self._params = dict(params)
        self._suggested: dict[str, Any] = {}
        self._distributions: dict[str, BaseDistribution] = {}
        self._user_attrs: dict[str, Any] = {}
        self._system_attrs: dict[str, Any] = {}
        self._number = number
        self._datetime_start = datetime.datetime.now()

    def _suggest(self, name: str, distribution: BaseDistribution) -> Any:
        if name not in self._params:
            raise FerrotuneValueError(
                f"parameter '{name}' has no value in this FixedTrial (it has {', '.join(self._params) or 'none'}); "
                "add it to the params dict"
            )
        first = self._distributions.get(name)
        if first is not None and not first._spec().compatible_with(distribution._spec()):
            # The same error class a live Trial raises, so objectives behave alike on both.
            raise IncompatibleParamError(
                f"parameter '{name}' was already suggested as {first!r}, now as {distribution!r}; "
                "use one distribution per name within a trial"
            )
        value = self._params[name]
        fixed = distribution._spec().to_internal_fixed(_plain(value))
        if fixed is None:
            raise InvalidDistributionError(
                f"value {value!r} of parameter '{name}' is not in {distribution!r}; use a value inside the distribution"
            )
        internal, inside = fixed
        if not inside:
            # As Optuna: the fixed value is the answer, and the range it misses is reported.
            ft_logging._warn(f"the value {value!r} of parameter '{name}' is outside {distribution!r}; it is used as given")
        external = distribution.to_external_repr(internal)
        self._suggested[name] = external
        self._distributions[name] = distribution
        return value if isinstance(distribution, CategoricalDistribution) else external

    @property
    def params(self) -> dict[str, Any]:
        return dict(self._suggested)

    @property
    def distributions(self) -> dict[str, BaseDistribution]:
        return dict(self._distributions)

    @property
    def user_attrs(self) -> dict[str, Any]:
        return self._user_attrs

    @property
    def system_attrs(self) -> dict[str, Any]:
        return self._system_attrs

    @property
    def datetime_start(self) -> datetime.datetime | None:
        return self._datetime_start

    @property
    def number(self) -> int:
        return self._number
