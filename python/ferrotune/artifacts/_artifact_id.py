"""Artifact ids: UUIDs that sort in the order they were made.

A study's or trial's system attributes are kept ordered by key in every ferrotune storage, so
the metadata key ``artifacts:<artifact_id>`` lists artifacts in upload order only if the ids
sort that way. Optuna uses random (version 4) UUIDs and relies on its storages keeping
insertion order; ferrotune makes version 7 UUIDs (RFC 9562): a millisecond Unix timestamp, then
a 12-bit counter that orders the ids made in one millisecond by this process, then 62 random
bits. They are still UUIDs in the usual text form, which is all Optuna and optuna-dashboard
expect of an artifact id.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid

_COUNTER_MAX = (1 << 12) - 1


class _Clock:
    """The last timestamp and counter used, so ids made by this process strictly increase."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ms = -1
        self._counter = 0

    def tick(self) -> tuple[int, int]:
        now = time.time_ns() // 1_000_000
        with self._lock:
            if now > self._ms:
                # A fresh millisecond: a random start in the counter's lower half leaves room to
                # count up while keeping ids of two processes in one millisecond unpredictable.
                self._ms, self._counter = now, secrets.randbits(11)
            elif self._counter < _COUNTER_MAX:
                # The same millisecond, or the wall clock stepped back: count on from the last id.
                self._counter += 1
            else:
                self._ms, self._counter = self._ms + 1, 0
            return self._ms, self._counter


_clock = _Clock()


def new_artifact_id() -> str:
    """A new artifact id: a version 7 UUID, greater than every id this process made before."""
    ms, counter = _clock.tick()
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62 | secrets.randbits(62)
    return str(uuid.UUID(int=value))
