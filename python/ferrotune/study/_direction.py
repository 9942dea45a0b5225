"""Optimization directions, with Optuna's names and integer values."""

from __future__ import annotations

import enum
from typing import Any

from ferrotune.exceptions import FerrotuneValueError


class StudyDirection(enum.IntEnum):
    NOT_SET = 0
    MINIMIZE = 1
    MAXIMIZE = 2

    def __repr__(self) -> str:
        return f"StudyDirection.{self.name}"


def parse_direction(d: Any, where: str = "direction") -> StudyDirection:
    """'minimize' / 'maximize' / StudyDirection -> StudyDirection."""
    if isinstance(d, StudyDirection) and d != StudyDirection.NOT_SET:
        return d
    if isinstance(d, str) and d.lower() in ("minimize", "maximize"):
        return StudyDirection.MINIMIZE if d.lower() == "minimize" else StudyDirection.MAXIMIZE
    raise FerrotuneValueError(f"{where} must be 'minimize' or 'maximize', got {d!r}")
