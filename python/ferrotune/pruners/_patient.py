"""PatientPruner: early stopping with patience, around another pruner."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ferrotune import _core
from ferrotune._convert import as_float, as_int
from ferrotune._deprecation import warn_experimental
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.pruners._base import BasePruner
from ferrotune.pruners._core_backed import CoreBackedPruner
from ferrotune.trial import FrozenTrial

if TYPE_CHECKING:
    from ferrotune.study import Study


class PatientPruner(CoreBackedPruner):
    """Lets ``wrapped_pruner`` prune a trial only once the trial has stopped improving
    (Optuna's ``PatientPruner``).

    With ``n`` reported steps, the trial has stalled when ``n > patience + 1`` and the best of
    its values at the last ``patience + 1`` steps is worse than the best before them by more
    than ``min_delta`` (NaN values ignored; no decision without numbers on both sides). A
    stalled trial is pruned if ``wrapped_pruner`` says so, or right away when it is ``None``.

    Args:
        wrapped_pruner: Any pruner (built-in or written in Python), or ``None`` for plain
            early stopping.
        patience: Steps without improvement to tolerate; at least 0.
        min_delta: The improvement that counts as progress; at least 0.
    """

    def __init__(self, wrapped_pruner: BasePruner | None, patience: int, min_delta: float = 0.0) -> None:
        warn_experimental("PatientPruner", "2.8.0")
        if wrapped_pruner is not None and not isinstance(wrapped_pruner, BasePruner):
            raise FerrotuneValueError(
                f"wrapped_pruner must be a pruner (a ferrotune.pruners.BasePruner) or None, got {type(wrapped_pruner).__name__}"
            )
        self._wrapped = wrapped_pruner
        self._patience = as_int("patience", patience)
        self._min_delta = as_float("min_delta", min_delta)
        # A pruner written in Python: the core checks the patience, Python asks the pruner.
        fast = isinstance(wrapped_pruner, CoreBackedPruner) and wrapped_pruner._fast()
        self._py_wrapped: BasePruner | None = None if fast else wrapped_pruner
        self._core_pruner = self._build_core()

    def _build_core(self) -> _core.Pruner:
        wrapped = self._wrapped
        core_wrapped = wrapped._core_pruner if self._py_wrapped is None and isinstance(wrapped, CoreBackedPruner) else None
        return _core.Pruner.patient(core_wrapped, self._patience, self._min_delta)

    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        stalled_or_pruned = CoreBackedPruner.prune(self, study, trial)
        if self._py_wrapped is None or not stalled_or_pruned:
            return stalled_or_pruned
        return bool(self._py_wrapped.prune(study, trial))

    def _fast(self) -> bool:
        return self._py_wrapped is None and type(self).prune is PatientPruner.prune

    def __repr__(self) -> str:
        return f"PatientPruner({self._wrapped!r}, patience={self._patience}, min_delta={self._min_delta})"
