"""The terminator as a callback of ``Study.optimize``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ferrotune.logging import get_logger
from ferrotune.terminator.terminator import Terminator

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.terminator.terminator import BaseTerminator
    from ferrotune.trial import FrozenTrial

_logger = get_logger(__name__)


class TerminatorCallback:
    """Stops ``study.optimize`` once ``terminator`` says so, checked after each trial.

    Args:
        terminator: The terminator to ask; by default a :class:`Terminator` with its default
            evaluators.
    """

    def __init__(self, terminator: BaseTerminator | None = None) -> None:
        self._terminator = terminator or Terminator()

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        if self._terminator.should_terminate(study=study):
            _logger.info("The study has been stopped by the terminator.")
            study.stop()
