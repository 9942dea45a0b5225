"""A trial's constraint values as Optuna 5 reads them: the list of a sampler's
``constraints_func`` (system attribute ``constraints``) and the values of
``Trial.set_constraint`` (``constraints:<name>``). The core reads the same attributes to keep
infeasible trials out of the best trial, the Pareto front and TPE's good group."""

from __future__ import annotations

import math
from typing import Any

from ferrotune import logging as ft_logging
from ferrotune.exceptions import FerrotuneTypeError, FerrotuneValueError

LIST_ATTR = "constraints"
PREFIX = "constraints:"


def read(system_attrs: dict[str, Any]) -> dict[str, float]:
    """Every constraint value by name: the list's by position ("0", "1", ...), then the named ones."""
    out: dict[str, float] = {}
    for i, v in enumerate(system_attrs.get(LIST_ATTR) or ()):
        out[str(i)] = v
    for key, v in system_attrs.items():
        if key.startswith(PREFIX):
            if key[len(PREFIX) :] in out:
                ft_logging._warn(f"constraint {key[len(PREFIX) :]!r} is in both the list and a named value; the named value is used")
            out[key[len(PREFIX) :]] = v
    return out


def attr_for(key: Any, value: Any, where: str = "set_constraint") -> tuple[str, float]:
    """The system attribute and value ``set_constraint(key, value)`` stores (``where`` names the
    call in messages)."""
    if not isinstance(key, str):
        raise FerrotuneValueError(f"{where}: key must be a str naming the constraint, got {key!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise FerrotuneTypeError(
            f"{where}: value must be a number (<= 0 is feasible), got {value!r} of type {type(value).__name__}"
        ) from None
    if math.isnan(v):
        raise FerrotuneValueError(f"{where}: the value of constraint {key!r} is NaN; give a number (<= 0 is feasible)")
    return PREFIX + key, v
