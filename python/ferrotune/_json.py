"""JSON encoding of user and system attributes, so every storage keeps them identically."""

from __future__ import annotations

import json
from typing import Any

from ferrotune.exceptions import FerrotuneValueError


def _default(o: Any) -> Any:
    # numpy scalars and arrays: store their Python equivalents.
    tolist = getattr(o, "tolist", None)
    if callable(tolist):
        return tolist()
    if isinstance(o, (set, frozenset)):
        return sorted(o, key=repr)
    raise TypeError(f"object of type {type(o).__name__} is not JSON serializable")


def dumps(key: str, value: Any) -> str:
    """Encodes an attribute value; raises a clear error naming the key when it cannot."""
    if not isinstance(key, str):
        raise FerrotuneValueError(f"attribute keys must be str, got {key!r}; use a string key")
    try:
        return json.dumps(value, default=_default, allow_nan=True)
    except (TypeError, ValueError) as e:
        raise FerrotuneValueError(
            f"attribute {key!r}: value {value!r} cannot be stored ({e}); use JSON-compatible values (numbers, strings, lists, dicts, None)"
        ) from None


def loads(text: str) -> Any:
    return json.loads(text)


def loads_map(m: dict[str, str]) -> dict[str, Any]:
    return {k: json.loads(v) for k, v in m.items()}
