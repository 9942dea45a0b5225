"""Study summaries: one line of facts per study in a storage (Optuna's ``StudySummary`` and
``get_all_study_summaries``), for listing what a shared storage holds."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from ferrotune.exceptions import FerrotuneRuntimeError, FerrotuneValueError
from ferrotune.storages import get_storage
from ferrotune.study._direction import StudyDirection
from ferrotune.study._study import load_study
from ferrotune.trial import FrozenTrial


class StudySummary:
    """Name, directions, best trial, user attributes, trial count and start of one study.

    Attributes:
        study_name: The study's name.
        direction: Its direction (single-objective studies only; see ``directions``).
        directions: One direction per objective.
        best_trial: The best complete trial of a single-objective study (``None`` when no trial
            has completed, for a multi-objective study, or when not asked for).
        user_attrs: The study's user attributes.
        n_trials: How many trials it has, in every state.
        datetime_start: When its first trial started (``None`` before any did).
    """

    def __init__(
        self,
        study_name: str,
        direction: StudyDirection | None,
        best_trial: FrozenTrial | None,
        user_attrs: dict[str, Any],
        n_trials: int,
        datetime_start: datetime.datetime | None,
        study_id: int,
        *,
        directions: Sequence[StudyDirection] | None = None,
    ) -> None:
        if directions is None:
            if direction is None:
                raise FerrotuneValueError("StudySummary needs one of direction= and directions=")
            directions = [direction]
        elif direction is not None:
            raise FerrotuneValueError("StudySummary takes direction= or directions=, not both")
        self.study_name = study_name
        self._directions = list(directions)
        self.best_trial = best_trial
        self.user_attrs = user_attrs
        self.n_trials = n_trials
        self.datetime_start = datetime_start
        self._study_id = study_id

    @property
    def direction(self) -> StudyDirection:
        if len(self._directions) > 1:
            raise FerrotuneRuntimeError("a multi-objective study has no single direction; use directions")
        return self._directions[0]

    @property
    def directions(self) -> Sequence[StudyDirection]:
        return self._directions

    # Summaries compare as Optuna's do: equal when every field is, ordered by study id.
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StudySummary):
            return NotImplemented
        return other.__dict__ == self.__dict__

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, StudySummary):
            return NotImplemented
        return self._study_id < other._study_id

    def __le__(self, other: object) -> bool:
        if not isinstance(other, StudySummary):
            return NotImplemented
        return self._study_id <= other._study_id

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        return f"StudySummary(study_name={self.study_name!r}, directions={self._directions!r}, n_trials={self.n_trials})"


def get_all_study_summaries(storage: Any, include_best_trial: bool = True) -> list[StudySummary]:
    """One :class:`StudySummary` per study in ``storage`` (a storage object, journal path or URL).

    ``include_best_trial=False`` leaves ``best_trial`` as ``None``.
    """
    st = get_storage(storage)
    summaries = []
    for study_id, name, _directions, _n_trials in st._core.studies():
        study = load_study(study_name=name, storage=st)
        trials = study.get_trials(deepcopy=False)
        multi = len(study.directions) > 1
        best = None
        if include_best_trial and not multi and study._engine.best_number() is not None:
            best = study.best_trial
        starts = [t.datetime_start for t in trials if t.datetime_start is not None]
        summaries.append(
            StudySummary(
                study_name=name,
                direction=None if multi else study.direction,
                directions=study.directions if multi else None,
                best_trial=best,
                user_attrs=study.user_attrs,
                n_trials=len(trials),
                datetime_start=min(starts, default=None),
                study_id=study_id,
            )
        )
    return summaries


__all__ = ["StudySummary", "get_all_study_summaries"]
