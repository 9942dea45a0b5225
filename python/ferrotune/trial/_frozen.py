"""FrozenTrial: a snapshot of a trial, and create_trial to build one."""

from __future__ import annotations

import copy
import datetime
import math
from collections.abc import Sequence
from typing import Any

from ferrotune import _core, _json
from ferrotune import logging as ft_logging
from ferrotune.distributions import (
    BaseDistribution,
    _from_spec,
    check_distribution_compatibility,
)
from ferrotune.exceptions import FerrotuneValueError, MultiObjectiveError
from ferrotune.trial._base import _OfflineTrial
from ferrotune.trial._constraints import attr_for as constraint_attr
from ferrotune.trial._state import TrialState


def _check_state(state: Any) -> TrialState:
    try:
        return TrialState(state)
    except ValueError:
        raise FerrotuneValueError(f"state must be a TrialState, got {state!r}") from None


_STATES = list(TrialState)
_fromtimestamp = datetime.datetime.fromtimestamp


class FrozenTrial(_OfflineTrial):
    """A finished (or snapshotted) trial: number, state, values, parameters, attributes,
    intermediate values and timestamps. Its ``suggest_*`` methods return its own parameters,
    so an objective can be re-run on it."""

    def __init__(
        self,
        number: int,
        state: TrialState,
        value: float | None,
        datetime_start: datetime.datetime | None,
        datetime_complete: datetime.datetime | None,
        params: dict[str, Any],
        distributions: dict[str, BaseDistribution],
        user_attrs: dict[str, Any],
        system_attrs: dict[str, Any],
        intermediate_values: dict[int, float],
        trial_id: int,
        *,
        values: Sequence[float] | None = None,
    ) -> None:
        if value is not None and values is not None:
            raise FerrotuneValueError("specify only one of value and values")
        self._number = number
        self.state = _check_state(state)
        try:
            self._values: list[float] | None = (
                [float(value)] if value is not None else (None if values is None else [float(v) for v in values])
            )
        except (TypeError, ValueError, OverflowError):
            raise FerrotuneValueError(f"value/values must be numbers, got value={value!r}, values={values!r}") from None
        self._datetime_start = datetime_start
        self.datetime_complete = datetime_complete
        self._params = dict(params)
        self._distributions = dict(distributions)
        self._user_attrs = dict(user_attrs)
        self._system_attrs = dict(system_attrs)
        self.intermediate_values = dict(intermediate_values)
        self._trial_id = trial_id

    # -- construction from the core's export --------------------------------------------------
    @classmethod
    def _from_export(cls, export: _core.TrialExport) -> list[FrozenTrial]:
        """Trials from ``Engine.export_trials``/``export_trial``.

        Distribution objects are built once per distinct distribution of the export and shared
        by the trials (distributions are immutable)."""
        names = export.names
        dists = [_from_spec(d) for d in export.distributions]
        return [cls._from_row(r, names, dists) for r in export.rows]

    @classmethod
    def _from_row(cls, row: _core.TrialRow, names: list[str], dists: list[BaseDistribution]) -> FrozenTrial:
        t = cls.__new__(cls)
        t._number = row.number
        t.state = _STATES[row.state]
        t._values = row.values
        start, complete = row.datetime_start, row.datetime_complete
        t._datetime_start = None if start is None else _fromtimestamp(start)
        t.datetime_complete = None if complete is None else _fromtimestamp(complete)
        ps: dict[str, Any] = {}
        ds: dict[str, BaseDistribution] = {}
        for ni, v, si in row.params:
            d = dists[si]
            name = names[ni]
            ds[name] = d
            ps[name] = d.to_external_repr(v)
        t._params = ps
        t._distributions = ds
        uattrs, sattrs, inter, fixed = row.user_attrs, row.system_attrs, row.intermediate, row.fixed_params
        t._user_attrs = _json.loads_map(uattrs) if uattrs else {}
        sa = _json.loads_map(sattrs) if sattrs else {}
        if fixed:
            sa["fixed_params"] = dict(fixed)
        t._system_attrs = sa
        t.intermediate_values = dict(inter) if inter else {}
        t._trial_id = row.trial_id
        return t

    def _copy(self) -> FrozenTrial:
        t = FrozenTrial.__new__(FrozenTrial)
        t.__dict__.update(self.__dict__)
        t._params = dict(self._params)
        t._distributions = dict(self._distributions)
        # Attribute values may be lists or dicts the caller could mutate.
        t._user_attrs = copy.deepcopy(self._user_attrs) if self._user_attrs else {}
        t._system_attrs = copy.deepcopy(self._system_attrs) if self._system_attrs else {}
        t.intermediate_values = dict(self.intermediate_values)
        t._values = None if self._values is None else list(self._values)
        return t

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenTrial:
        return self._copy()

    # -- values -------------------------------------------------------------------------------
    @property
    def value(self) -> float | None:
        """The objective value (single-objective trials)."""
        if self._values is None:
            return None
        if len(self._values) > 1:
            raise MultiObjectiveError("this trial has several values; use trial.values")
        return self._values[0]

    @value.setter
    def value(self, v: float | None) -> None:
        if self._values is not None and len(self._values) > 1:
            raise MultiObjectiveError("this trial has several values; set trial.values")
        self._values = None if v is None else [float(v)]

    @property
    def values(self) -> list[float] | None:
        """The objective values, one per direction."""
        return self._values

    @values.setter
    def values(self, v: Sequence[float] | None) -> None:
        self._values = None if v is None else [float(x) for x in v]

    # -- BaseTrial ----------------------------------------------------------------------------
    @property
    def number(self) -> int:
        return self._number

    @number.setter
    def number(self, n: int) -> None:
        self._number = n

    @property
    def params(self) -> dict[str, Any]:
        return self._params

    @params.setter
    def params(self, p: dict[str, Any]) -> None:
        self._params = p

    @property
    def distributions(self) -> dict[str, BaseDistribution]:
        return self._distributions

    @distributions.setter
    def distributions(self, d: dict[str, BaseDistribution]) -> None:
        self._distributions = d

    @property
    def user_attrs(self) -> dict[str, Any]:
        return self._user_attrs

    @user_attrs.setter
    def user_attrs(self, a: dict[str, Any]) -> None:
        self._user_attrs = a

    @property
    def system_attrs(self) -> dict[str, Any]:
        return self._system_attrs

    @system_attrs.setter
    def system_attrs(self, a: dict[str, Any]) -> None:
        self._system_attrs = a

    @property
    def datetime_start(self) -> datetime.datetime | None:
        return self._datetime_start

    @datetime_start.setter
    def datetime_start(self, d: datetime.datetime | None) -> None:
        self._datetime_start = d

    @property
    def duration(self) -> datetime.timedelta | None:
        """Time from start to completion, or None while running."""
        if self._datetime_start and self.datetime_complete:
            return self.datetime_complete - self._datetime_start
        return None

    @property
    def last_step(self) -> int | None:
        """The largest step with an intermediate value."""
        return max(self.intermediate_values) if self.intermediate_values else None

    def _suggest(self, name: str, distribution: BaseDistribution) -> Any:
        if name not in self._params:
            raise FerrotuneValueError(f"parameter '{name}' is not among this trial's parameters ({', '.join(self._params) or 'none'})")
        value = self._params[name]
        if not distribution._contains(distribution.to_internal_repr(value)):
            # As Optuna: the trial's value is the answer, and the range it misses is reported.
            ft_logging._warn(f"the value {value!r} of parameter '{name}' is outside {distribution!r}; it is used as given")
        first = self._distributions.get(name)
        if first is not None:
            check_distribution_compatibility(first, distribution)
        self._distributions[name] = distribution
        return value

    # -- validation, comparison, display ---------------------------------------------------------
    def _validate(self) -> None:
        """Optuna's checks when a trial is created (``create_trial``): its shape, its values for
        its state, and each parameter value inside its distribution."""
        self._validate_shape()
        if self.state == TrialState.COMPLETE:
            if self._values is None:
                raise FerrotuneValueError("a COMPLETE trial needs value= or values=")
            if any(math.isnan(v) for v in self._values):
                raise FerrotuneValueError("a COMPLETE trial's values must not be NaN")
        elif self.state == TrialState.FAIL and self._values is not None:
            raise FerrotuneValueError("a FAIL trial cannot have values")
        for name, value in self._params.items():
            d = self._distributions[name]
            if not d._contains(self._internal_param(name)):
                raise FerrotuneValueError(f"value {value!r} of parameter '{name}' is not in {d!r}")

    def _internal_param(self, name: str) -> float:
        """The internal form of parameter ``name``; a value with none (a choice that is not
        among the choices) is refused here, as there is nothing to hand the core."""
        d, value = self._distributions[name], self._params[name]
        try:
            return d.to_internal_repr(value)
        except ValueError:
            raise FerrotuneValueError(f"value {value!r} of parameter '{name}' is not in {d!r}") from None

    def _validate_shape(self) -> None:
        """What ``Study.add_trial`` checks before handing the trial to the core: the timestamps
        (which the core stores as given) and that each parameter has a distribution to convert
        it with. The values and parameter values are the core's to check, with its messages."""
        if self._datetime_start is None and self.state != TrialState.WAITING:
            raise FerrotuneValueError("datetime_start is required unless the trial is WAITING")
        if self.state.is_finished() and self.datetime_complete is None:
            raise FerrotuneValueError("datetime_complete is required for a finished trial")
        if not self.state.is_finished() and self.datetime_complete is not None:
            raise FerrotuneValueError(f"datetime_complete must be None for a {self.state.name} trial (it has not finished)")
        for name, d in self._distributions.items():
            if not isinstance(d, BaseDistribution):
                raise FerrotuneValueError(f"distributions['{name}'] must be a distribution such as FloatDistribution(0, 1), got {d!r}")
        if set(self._params) != set(self._distributions):
            raise FerrotuneValueError(
                f"params and distributions must have the same keys: {sorted(self._params)} vs {sorted(self._distributions)}"
            )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FrozenTrial):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, FrozenTrial):
            return NotImplemented
        return self._number < other._number

    def __le__(self, other: object) -> bool:
        if not isinstance(other, FrozenTrial):
            return NotImplemented
        return self._number <= other._number

    __hash__ = None  # type: ignore[assignment]  # mutable, like Optuna's

    def __repr__(self) -> str:
        return (
            f"FrozenTrial(number={self._number}, state={self.state!r}, values={self._values}, "
            f"datetime_start={self._datetime_start!r}, datetime_complete={self.datetime_complete!r}, "
            f"params={self._params}, user_attrs={self._user_attrs}, system_attrs={self._system_attrs}, "
            f"intermediate_values={self.intermediate_values}, distributions={self._distributions}, "
            f"trial_id={self._trial_id})"
        )


def create_trial(
    *,
    state: TrialState = TrialState.COMPLETE,
    value: float | None = None,
    values: Sequence[float] | None = None,
    params: dict[str, Any] | None = None,
    distributions: dict[str, BaseDistribution] | None = None,
    user_attrs: dict[str, Any] | None = None,
    system_attrs: dict[str, Any] | None = None,
    intermediate_values: dict[int, float] | None = None,
    constraints: dict[str, float] | None = None,
) -> FrozenTrial:
    """Builds a validated :class:`FrozenTrial`, e.g. to pass to ``Study.add_trial``.

    ``constraints`` maps names to values as ``Trial.set_constraint`` records them (feasible when
    every value is zero or less); a NaN is a ``ValueError``, a non-number a ``TypeError``."""
    now = datetime.datetime.now()
    if constraints:
        system_attrs = dict(system_attrs or {})
        for key, v in constraints.items():
            attr, number = constraint_attr(key, v, "create_trial: constraints")
            system_attrs[attr] = number
    state = _check_state(state)
    t = FrozenTrial(
        number=-1,
        state=state,
        value=value,
        values=values,
        datetime_start=None if state == TrialState.WAITING else now,
        datetime_complete=now if state.is_finished() else None,
        params=params or {},
        distributions=distributions or {},
        user_attrs=user_attrs or {},
        system_attrs=system_attrs or {},
        intermediate_values=intermediate_values or {},
        trial_id=-1,
    )
    t._validate()
    return t
