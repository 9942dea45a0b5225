"""The built-in pruners: their decisions are made in the Rust core, one call per decision."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ferrotune.pruners._base import BasePruner
from ferrotune.trial import FrozenTrial

if TYPE_CHECKING:
    from ferrotune import _core
    from ferrotune.study import Study


class CoreBackedPruner(BasePruner):
    """A pruner whose work is done by ``self._core_pruner`` (a ``ferrotune._core.Pruner``).

    A study asks the core directly from :meth:`Trial.should_prune`, one call per decision, as
    long as :meth:`prune` is not overridden. :meth:`prune` serves code that calls a pruner
    itself (a wrapper pruner written in Python): it judges the stored trial numbered
    ``trial.number`` in ``study``.
    """

    _core_pruner: _core.Pruner

    def _build_core(self) -> _core.Pruner:
        """The core pruner for this object's arguments (also rebuilt when unpickling)."""
        raise NotImplementedError

    # The core object does not pickle: a pickle (or copy) holds the Python attributes, the
    # constructor's arguments, and the core pruner is rebuilt from them.
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_core_pruner"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._core_pruner = self._build_core()

    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        """True when the trial numbered ``trial.number`` in ``study`` should stop now."""
        return study._context.prune_with(self._core_pruner, trial.number)

    def _fast(self) -> bool:
        """True when a study may ask the core without calling :meth:`prune`."""
        return type(self).prune is CoreBackedPruner.prune
