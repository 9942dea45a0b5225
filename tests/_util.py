"""Small helpers shared by the test modules (pytest puts tests/ on sys.path)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

import pytest

T = TypeVar("T")

# How long a test waits for an event before it calls the event lost. Generous on purpose: a
# loaded CI machine may take many seconds to start a Python process; a healthy run never waits
# anywhere near this long, and a broken one fails with a message instead of hanging.
EVENT_TIMEOUT = 120.0


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


def wait_until(
    predicate: Callable[[], T],
    *,
    what: str,
    timeout: float = EVENT_TIMEOUT,
    interval: float = 0.01,
    alive: Iterable[subprocess.Popen] = (),
) -> T:
    """Poll predicate until it returns something truthy, and return that.

    Tests wait for the event they need this way instead of sleeping a fixed time, so a slow or
    loaded machine makes them slower, never wrong. Raises AssertionError naming what was awaited
    after timeout seconds, or at once when one of the processes in alive has exited (a worker
    that crashed will never bring the event)."""
    procs = list(alive)
    deadline = time.monotonic() + timeout
    while True:
        got = predicate()
        if got:
            return got
        for proc in procs:
            code = proc.poll()
            if code is not None:
                raise AssertionError(f"process {proc.pid} exited with status {code} while waiting for {what}")
        if time.monotonic() >= deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}; it did not happen")
        time.sleep(interval)


def hypervolume_2d(points: Iterable[tuple[float, float]], reference: tuple[float, float]) -> float:
    """Area dominated by ``points`` (both objectives minimized) inside the box below ``reference``."""
    area, best_y = 0.0, reference[1]
    for x, y in sorted(p for p in points if p[0] < reference[0] and p[1] < reference[1]):
        if y < best_y:
            area += (reference[0] - x) * (best_y - y)
            best_y = y
    return area
