"""Small helpers shared by the test modules (pytest puts tests/ on sys.path)."""

from __future__ import annotations

import pytest


def assert_message(excinfo: pytest.ExceptionInfo, *fragments: str) -> None:
    """The raised error's message contains every fragment: it names the problem and the fix."""
    msg = str(excinfo.value)
    for f in fragments:
        assert f in msg, f"{f!r} not in error message {msg!r}"


def pareto_front(points: list[tuple[float, ...]], directions: list[str]) -> set[int]:
    """Indices of the points no other point dominates (brute force, O(n^2))."""
    sign = [1.0 if d == "minimize" else -1.0 for d in directions]

    def dominates(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
        no_worse = all(s * x <= s * y for s, x, y in zip(sign, a, b, strict=True))
        better = any(s * x < s * y for s, x, y in zip(sign, a, b, strict=True))
        return no_worse and better

    return {i for i, p in enumerate(points) if not any(dominates(q, p) for q in points)}
