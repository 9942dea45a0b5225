"""The importance evaluators' base class and the arguments they share."""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ferrotune import _core
from ferrotune.exceptions import FerrotuneTypeError
from ferrotune.trial import TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial


class BaseImportanceEvaluator(abc.ABC):
    """Abstract parameter importance evaluator (Optuna's ``BaseImportanceEvaluator``)."""

    @abc.abstractmethod
    def evaluate(
        self,
        study: Study,
        params: list[str] | None = None,
        *,
        target: Callable[[FrozenTrial], float] | None = None,
    ) -> dict[str, float]:
        """Importances of ``params`` in ``study``'s completed trials, largest first.

        Args:
            study: An optimized study.
            params: Names of the parameters to assess; ``None`` for the evaluator's default.
            target: The value to assess against, computed from each trial; ``None`` for the
                objective value.

        Returns:
            Parameter names mapped to their importances, in descending order.
        """
        raise NotImplementedError


def check_params(params: object) -> list[str] | None:
    """``params`` as a list of names, or a ``FerrotuneTypeError`` saying what to pass."""
    if params is None:
        return None
    if not isinstance(params, (list, tuple)):
        raise FerrotuneTypeError(f"params must be a list of parameter names; got {params!r}. Pass e.g. params=['x', 'y'].")
    if any(not isinstance(p, str) for p in params):
        raise FerrotuneTypeError(f"params must be specified by their names as strings; got {params!r}.")
    return list(params)


class ObjectiveTarget:
    """The target ``lambda t: t.values[index]`` as an object the evaluators recognise: its values
    are read from the study's columns in one core call instead of from ``FrozenTrial`` objects
    (a plot of every objective's importances needs one per objective)."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    def __call__(self, trial: FrozenTrial) -> float:
        return float(trial.values[self.index]) if trial.values is not None else float("nan")


def target_values(study: Study, target: Callable[[FrozenTrial], float] | None) -> list[tuple[int, float]] | None:
    """``(number, target(trial))`` for the completed trials, or ``None`` without a target.

    A user's target runs on trials in Python; everything else is read by the core."""
    if target is None:
        return None
    if isinstance(target, ObjectiveTarget):
        frame = _core.study_frame(study._storage._core, study._study_id, False, False)
        states = np.frombuffer(frame.states, dtype=np.uint8)
        column = np.frombuffer(frame.values[target.index], dtype=np.float64)
        rows = np.flatnonzero(states == int(TrialState.COMPLETE))
        return list(zip(rows.tolist(), column[rows].tolist(), strict=True))
    return [(t.number, float(target(t))) for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))]
