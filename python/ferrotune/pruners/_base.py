"""BasePruner: the extension point for pruners written in Python, as in Optuna."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

from ferrotune.trial import FrozenTrial

if TYPE_CHECKING:
    from ferrotune.study import Study


class BasePruner(abc.ABC):
    """Subclass this and implement :meth:`prune` to write a pruner in Python."""

    @abc.abstractmethod
    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        """True when ``trial`` (with its intermediate values so far) should stop now."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
