"""Seed validation shared by the samplers."""

from __future__ import annotations

from typing import Any

from ferrotune.exceptions import FerrotuneValueError


def check_seed(seed: Any) -> int | None:
    """Returns the seed as a non-negative int below 2**64, or None."""
    if seed is None:
        return None
    item = getattr(seed, "item", None)
    if callable(item) and getattr(seed, "shape", None) == ():
        seed = item()
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise FerrotuneValueError(f"seed must be an int or None, got {seed!r}")
    if not 0 <= seed < 2**64:
        raise FerrotuneValueError(f"seed must be in [0, 2**64), got {seed}; use a non-negative seed")
    return seed
