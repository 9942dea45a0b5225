"""NopPruner: never prunes."""

from __future__ import annotations

from ferrotune import _core
from ferrotune.pruners._core_backed import CoreBackedPruner


class NopPruner(CoreBackedPruner):
    """A pruner that never stops a trial (the default)."""

    def __init__(self) -> None:
        self._core_pruner = self._build_core()

    def _build_core(self) -> _core.Pruner:
        return _core.Pruner.nop()
