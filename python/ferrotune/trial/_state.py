"""Trial states, with Optuna's names and integer values."""

from __future__ import annotations

import enum


class TrialState(enum.IntEnum):
    """Where a trial is in its life: RUNNING, COMPLETE, PRUNED, FAIL or WAITING (enqueued)."""

    RUNNING = 0
    COMPLETE = 1
    PRUNED = 2
    FAIL = 3
    WAITING = 4

    def __repr__(self) -> str:
        return f"TrialState.{self.name}"

    # "TrialState.COMPLETE", not "1", in str() and f-strings, as Optuna's states print.
    __str__ = enum.Enum.__str__
    __format__ = enum.Enum.__format__

    def is_finished(self) -> bool:
        """True for COMPLETE, PRUNED and FAIL."""
        return self in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
