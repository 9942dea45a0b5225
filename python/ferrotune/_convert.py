"""Python values to the types the core takes, for the arguments of samplers and pruners.

These only convert: a value that has no core form (a str for a count, a negative number for an
unsigned one, an int beyond 64 bits) is refused here, naming the argument, because the glue
would otherwise raise a bare ``TypeError`` or ``OverflowError``. Whether a value is acceptable
(``n_ei_candidates >= 1``, ``0 <= percentile <= 100``, a known ``acquisition``) is the core's
decision, and its ``FerrotuneValueError`` reaches the user as it is.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ferrotune.distributions import _plain
from ferrotune.exceptions import FerrotuneValueError


def as_int(name: str, value: Any) -> int:
    """A signed 64-bit integer (numpy integers accepted; bool is not a number here)."""
    v = _plain(value)
    if isinstance(v, bool) or not isinstance(v, int):
        raise FerrotuneValueError(f"{name} must be an int, got {value!r}")
    if not -(2**63) <= v < 2**63:
        raise FerrotuneValueError(f"{name}={v} is out of range; use a value below 2**63")
    return v


def as_count(name: str, value: Any) -> int:
    """An unsigned 64-bit integer: a count or a size."""
    v = _plain(value)
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise FerrotuneValueError(f"{name} must be an int >= 0, got {value!r}")
    if v >= 2**64:
        raise FerrotuneValueError(f"{name}={v} is out of range; use a value below 2**64")
    return v


def as_seed(seed: Any) -> int | None:
    """A seed: None (drawn by the operating system) or an int in ``[0, 2**64)``."""
    if seed is None:
        return None
    v = _plain(seed)
    if isinstance(v, bool) or not isinstance(v, int):
        raise FerrotuneValueError(f"seed must be an int or None, got {seed!r}")
    if not 0 <= v < 2**64:
        raise FerrotuneValueError(f"seed must be in [0, 2**64), got {v}; use a non-negative seed")
    return v


def as_float(name: str, value: Any) -> float:
    """A float from a real number (int, float or a numpy scalar; not bool or str)."""
    v = _plain(value)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise FerrotuneValueError(f"{name} must be a number, got {value!r}")
    try:
        return float(v)
    except OverflowError:
        raise FerrotuneValueError(f"{name}={v} is too large for a float") from None


def as_str(name: str, value: Any) -> str:
    """A str (the core parses its meaning)."""
    if not isinstance(value, str):
        raise FerrotuneValueError(f"{name} must be a str, got {value!r}")
    return value


def as_callable(name: str, value: Any) -> Callable[..., Any] | None:
    """A callable or None: the core calls it only when it needs a value, so a non-callable
    would otherwise fail at the first trial that uses it."""
    if value is None:
        return None
    if not callable(value):
        raise FerrotuneValueError(f"{name} must be callable or None, got {value!r}")
    f: Callable[..., Any] = value
    return f


__all__ = ["as_callable", "as_count", "as_float", "as_int", "as_seed", "as_str"]


def as_told_values(values: Any) -> tuple[list[float], str | None]:
    """Told objective value(s) -> floats for the core, with why one is not a number (it is sent
    as NaN; the core decides what that means for the trial's state)."""
    from ferrotune.study._optimize import _as_value_list

    converted = [_float_or_none(v) for v in _as_value_list(values)]
    bad = next((v for v, f in converted if f is None), None)
    reason = None if bad is None else f"the told value {bad!r} is not a number; tell a float"
    return [math.nan if f is None else f for _, f in converted], reason


def _float_or_none(v: Any) -> tuple[Any, float | None]:
    try:
        return v, float(v)
    except (TypeError, ValueError, OverflowError):
        return v, None
