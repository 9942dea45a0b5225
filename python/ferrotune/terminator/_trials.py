"""The arrays the core's improvement estimates read, from a list of trials or from a study."""

from __future__ import annotations

import operator
import random

from ferrotune import _core
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.search_space import intersection_search_space
from ferrotune.study import StudyDirection
from ferrotune.trial import FrozenTrial, TrialState


def complete(trials: list[FrozenTrial]) -> list[FrozenTrial]:
    """The complete trials of ``trials``, in their order."""
    return [t for t in trials if t.state == TrialState.COMPLETE]


def as_arrays(
    trials: list[FrozenTrial], direction: StudyDirection
) -> tuple[list[tuple[str, _core.Distribution]], list[float], list[float], bool]:
    """The complete trials of ``trials`` on their intersection search space: ``(name,
    distribution)`` pairs, internal parameter values row-major, objective values, and whether
    the study maximizes."""
    done = complete(trials)
    space = intersection_search_space(done)
    internal = [d.to_internal_repr(t.params[name]) for t in done for name, d in space.items()]
    values = [float(t.value) if t.value is not None else float("nan") for t in done]
    return [(name, d._spec()) for name, d in space.items()], internal, values, direction == StudyDirection.MAXIMIZE


class Seeds:
    """One seed per evaluation, drawn from ``seed`` (fresh entropy when ``None``), so that a
    seeded evaluator repeats its whole sequence of evaluations."""

    def __init__(self, seed: int | None) -> None:
        self._rng = random.Random(seed)

    def next(self) -> int:
        return self._rng.getrandbits(64)


def integer_at_least(value: object, name: str, minimum: int) -> int:
    """``value`` as an int (numpy integers included), or a FerrotuneValueError naming ``name``."""
    try:
        n = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        n = None
    if isinstance(value, bool) or n is None or n < minimum:
        raise FerrotuneValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return n
