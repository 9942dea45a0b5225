"""How the suggest_* helpers read their range arguments.

Each tunable argument is either fixed or searched:
- a 2-tuple ``(low, high)``: ``suggest_int`` / ``suggest_float`` (``log`` as the helper says);
- a list: ``suggest_categorical`` over it (a one-element list is just that value);
- anything else (a number, a string, ``None``): that value, fixed, nothing suggested.
"""

from __future__ import annotations

from typing import Any

from ferrotune.exceptions import FerrotuneValueError


def tune(trial: Any, name: str, spec: Any, *, arg: str, integer: bool = False, log: bool = False) -> Any:
    """The value of hyperparameter ``name`` under ``spec`` (see the module docstring)."""
    if isinstance(spec, tuple):
        if len(spec) != 2:
            raise FerrotuneValueError(f"{arg} must be a (low, high) tuple, a list of choices or one value; got {spec!r}")
        low, high = spec
        if integer:
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in spec):
                raise FerrotuneValueError(f"{arg} must hold ints, got {spec!r}")
        elif not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in spec):
            raise FerrotuneValueError(f"{arg} must hold numbers, got {spec!r}")
        if low > high:
            raise FerrotuneValueError(f"{arg} has low > high: {spec!r}; give (low, high)")
        if log and low <= 0:
            raise FerrotuneValueError(f"{arg} is searched on a log scale and needs low > 0, got {spec!r}")
        if low == high:
            return low
        if integer:
            return trial.suggest_int(name, low, high, log=log)
        return trial.suggest_float(name, float(low), float(high), log=log)
    if isinstance(spec, list):
        if not spec:
            raise FerrotuneValueError(f"{arg} is an empty list; give at least one choice")
        if len(spec) == 1:
            return spec[0]
        return trial.suggest_categorical(name, spec)
    return spec


def choices(spec: Any, allowed: dict[str, Any], *, arg: str) -> list[str]:
    """``spec`` (one name or a sequence of names) checked against ``allowed``, as a list."""
    names = [spec] if isinstance(spec, str) else list(spec)
    if not names:
        raise FerrotuneValueError(f"{arg} is empty; give at least one of {sorted(allowed)}")
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise FerrotuneValueError(f"{arg} has unknown names {unknown}; choose among {sorted(allowed)}")
    return names
