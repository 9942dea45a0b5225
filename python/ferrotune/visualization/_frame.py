"""A study's trials as numpy columns, read from the core in one call (``_core.study_frame``).

Every plot starts here instead of iterating ``FrozenTrial`` objects: a 100,000-trial study
becomes a handful of arrays in milliseconds. Only a user's ``target`` callable needs trials,
and it gets them (it is Python code written for ``FrozenTrial``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune import _core
from ferrotune import logging as ft_logging
from ferrotune.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution, _from_spec
from ferrotune.exceptions import FerrotuneTypeError, FerrotuneValueError
from ferrotune.trial import TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial


class ParamFrame:
    """One parameter across every trial of a study.

    Attributes:
        name: The parameter's name.
        internal: float64 internal values (the number itself; a categorical's choice index into
            its row's distribution), NaN where the trial did not use the parameter.
        dist_idx: uint32 index of each row's distribution in ``distributions``.
        distributions: The distributions the study suggested the parameter with (usually one).
    """

    __slots__ = ("name", "internal", "dist_idx", "distributions")

    def __init__(self, name: str, internal: np.ndarray, dist_idx: np.ndarray, distributions: list[BaseDistribution]) -> None:
        self.name = name
        self.internal = internal
        self.dist_idx = dist_idx
        self.distributions = distributions

    @property
    def present(self) -> np.ndarray:
        """Rows (trials) that used the parameter."""
        present: np.ndarray = ~np.isnan(self.internal)
        return present

    @property
    def is_categorical(self) -> bool:
        """Whether any of its distributions is categorical (Optuna then draws a categorical axis)."""
        return any(isinstance(d, CategoricalDistribution) for d in self.distributions)

    @property
    def is_log(self) -> bool:
        """Whether its numeric distributions are log-scaled (Optuna then draws a log axis)."""
        return any(isinstance(d, (FloatDistribution, IntDistribution)) and d.log for d in self.distributions)

    @property
    def is_int(self) -> bool:
        """Whether every distribution is an integer one."""
        return all(isinstance(d, IntDistribution) for d in self.distributions)

    def bounds(self) -> tuple[float, float]:
        """The smallest low and largest high of its numeric distributions."""
        num = [d for d in self.distributions if isinstance(d, (FloatDistribution, IntDistribution))]
        return float(min(d.low for d in num)), float(max(d.high for d in num))

    def external(self, rows: np.ndarray | None = None) -> np.ndarray:
        """The user's values at ``rows`` (default: every row that used the parameter): float64
        for numeric parameters, an object array of choices for categorical ones."""
        if rows is None:
            rows = np.flatnonzero(self.present)
        x = self.internal[rows]
        if not self.is_categorical:
            return x
        out = np.empty(len(rows), dtype=object)
        idx = self.dist_idx[rows]
        for i, d in enumerate(self.distributions):
            sel = idx == i
            if not sel.any():
                continue
            if isinstance(d, CategoricalDistribution):
                choices = np.empty(len(d.choices), dtype=object)
                choices[:] = list(d.choices)
                out[sel] = choices[x[sel].astype(np.intp)]
            else:
                out[sel] = x[sel]
        return out


class StudyFrame:
    """Every trial of a study as numpy arrays; row ``r`` is trial number ``r``.

    Attributes:
        states: uint8 Optuna state codes.
        values: ``(n_trials, n_objectives)`` float64 objective values, NaN without values.
        datetime_start, datetime_complete: float64 Unix times, NaN where unset.
        violation: float64 constraint violation, NaN for trials without constraint values.
        params: Parameters by name, in the order the study first used them.
        inter_rows, inter_steps, inter_values: intermediate values as parallel arrays, sorted
            by trial then step (empty unless read ``with_intermediate``).
        hover: each trial's hover text (number, values, params, user attributes; empty unless
            read ``with_hover``).
    """

    def __init__(self, study: Study, *, with_intermediate: bool = True, with_hover: bool = False) -> None:
        self.study = study
        f = _core.study_frame(study._storage._core, study._study_id, with_intermediate, with_hover)
        n = len(f)
        self.states = np.frombuffer(f.states, dtype=np.uint8)
        cols = [np.frombuffer(c, dtype=np.float64) for c in f.values]
        self.values = np.stack(cols, axis=1) if cols else np.empty((n, 0))
        self.datetime_start = np.frombuffer(f.datetime_start, dtype=np.float64)
        self.datetime_complete = np.frombuffer(f.datetime_complete, dtype=np.float64)
        self.violation = np.frombuffer(f.violation, dtype=np.float64)
        self.params: dict[str, ParamFrame] = {}
        for p in f.params:
            internal = np.frombuffer(p.values, dtype=np.float64)
            if not np.isnan(internal).all():
                dists = [_from_spec(d) for d in p.distributions]
                self.params[p.name] = ParamFrame(p.name, internal, np.frombuffer(p.dist_idx, dtype=np.uint32), dists)
        self.inter_rows = np.frombuffer(f.inter_rows, dtype=np.uint32)
        self.inter_steps = np.frombuffer(f.inter_steps, dtype=np.int64)
        self.inter_values = np.frombuffer(f.inter_values, dtype=np.float64)
        #: Each trial's hover text as Optuna's plots show it (``with_hover`` only).
        self.hover: list[str] = f.hover

    def __len__(self) -> int:
        return len(self.states)

    @property
    def numbers(self) -> np.ndarray:
        """Trial numbers (``0 .. n-1``)."""
        return np.arange(len(self.states))

    def mask(self, *states: TrialState) -> np.ndarray:
        """Rows in any of ``states``."""
        m = np.zeros(len(self.states), dtype=bool)
        for s in states:
            m |= self.states == int(s)
        return m

    @property
    def feasible(self) -> np.ndarray:
        """Rows whose constraints hold (a trial without constraint values is feasible)."""
        ok: np.ndarray = np.isnan(self.violation) | (self.violation == 0.0)
        return ok

    def trials(self) -> list[FrozenTrial]:
        """The study's trials as ``FrozenTrial`` objects (for a user's ``target`` only)."""
        return self.study.get_trials(deepcopy=False)

    def target_values(self, rows: np.ndarray, target: Callable[[FrozenTrial], float] | None, objective: int = 0) -> np.ndarray:
        """float64 values at ``rows``: objective ``objective``, or ``target(trial)`` when given."""
        if target is None:
            return self.values[rows, objective] if self.values.shape[1] else np.full(len(rows), np.nan)
        trials = self.trials()
        out = np.empty(len(rows), dtype=np.float64)
        for i, r in enumerate(rows):
            value = target(trials[r])
            try:
                out[i] = float(value)
            except (TypeError, ValueError) as e:
                # Optuna warns and raises here too; the error names the argument to fix.
                ft_logging._warn(f"Trial{int(r)}'s target value {value!r} could not be cast to float.")
                kind = FerrotuneTypeError if isinstance(e, TypeError) else FerrotuneValueError
                raise kind(f"target must return a float for every trial; it returned {value!r} for trial {int(r)}.") from e
        return out


def frames_of(study: Study | Sequence[Study], *, with_intermediate: bool = False, with_hover: bool = False) -> list[StudyFrame]:
    """One frame per study, for the functions that take a study or a list of them."""
    from ferrotune.visualization._utils import studies_of

    studies: Sequence[Any] = studies_of(study)
    return [StudyFrame(s, with_intermediate=with_intermediate, with_hover=with_hover) for s in studies]
