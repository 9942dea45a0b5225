"""What a hypervolume-history plot shows (both backends): the hypervolume of the feasible
complete trials after each complete trial, computed incrementally by the core in one call
(``_core.hypervolume_history``)."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ferrotune import _core
from ferrotune import logging as ft_logging
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.study import StudyDirection
from ferrotune.trial import TrialState
from ferrotune.visualization._frame import StudyFrame

if TYPE_CHECKING:
    from ferrotune.study import Study

_logger = ft_logging.get_logger(__name__)


class HypervolumeHistoryInfo(NamedTuple):
    """Trial numbers of the complete trials and the hypervolume after each."""

    trial_numbers: np.ndarray
    values: np.ndarray


def check_reference_point(study: Study, reference_point: Sequence[float]) -> list[float]:
    """Optuna's checks: a multi-objective study, and one reference coordinate per objective."""
    if not study._is_multi_objective():
        raise FerrotuneValueError(
            "Study must be multi-objective. For single-objective optimization, please use plot_optimization_history instead."
        )
    if isinstance(reference_point, (str, bytes)) or not isinstance(reference_point, Sequence | np.ndarray):
        raise FerrotuneValueError(f"`reference_point` must be a sequence of numbers, one per objective; got {reference_point!r}.")
    if len(reference_point) != len(study.directions):
        raise FerrotuneValueError("The dimension of the reference point must be the same as the number of objectives.")
    if not all(isinstance(x, numbers.Real) and not isinstance(x, bool) for x in reference_point):
        raise FerrotuneValueError(f"`reference_point` must hold numbers; got {list(reference_point)!r}.")
    return [float(x) for x in reference_point]


def get_hypervolume_history_info(study: Study, reference_point: Sequence[float]) -> HypervolumeHistoryInfo:
    """The hypervolume history of ``study`` bounded by ``reference_point`` (checked first)."""
    reference = check_reference_point(study, reference_point)
    numbers_, values = _core.hypervolume_history(study._storage._core, study._study_id, reference)
    if not numbers_:
        _logger.warning("Your study does not have any completed trials.")
    # As Optuna: warn when no feasible trial lies inside the reference box, so nothing counted.
    frame = StudyFrame(study, with_intermediate=False)
    rows = np.flatnonzero(frame.mask(TrialState.COMPLETE) & frame.feasible)
    signs = np.array([-1.0 if d == StudyDirection.MAXIMIZE else 1.0 for d in study.directions])
    inside = (frame.values[rows] * signs <= np.asarray(reference) * signs).all(axis=1)
    if not inside.any():
        _logger.warning("Your study does not have any feasible trials.")
    return HypervolumeHistoryInfo(np.asarray(numbers_, dtype=np.int64), np.asarray(values, dtype=np.float64))
