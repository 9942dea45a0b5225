"""BaseGASampler: generations and populations for genetic algorithms written in Python.

A subclass chooses parents (:meth:`BaseGASampler.select_parent`) and makes children in its
sampling hooks; this class numbers the generations and keeps each generation's parents, as
Optuna's ``BaseGASampler`` does, with the same attribute names so either library reads the
other's studies.

Each trial's generation is fixed by a small core sampler (``_core.ga_generation_sampler``)
inside the storage's atomic create, not by the Python hooks after the trial exists: the count
of COMPLETE trials it decides from includes every trial completed before the creation, in any
worker, so two workers asking at once never read a stale count and each generation opens once.
"""

from __future__ import annotations

import abc
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

from ferrotune import _core
from ferrotune._convert import as_count
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.samplers._base import BaseSampler
from ferrotune.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study

#: How long a worker waits for the parents of a generation another worker opened (its process
#: may have died without a heartbeat to fail its trial); then it selects them itself.
PARENT_WAIT_S = 60.0


def _population_size(value: Any) -> int | None:
    """``population_size`` as the core takes it: None (set later) or an int >= 1."""
    if value is None:
        return None
    size = as_count("population_size", value)
    if size < 1:
        raise FerrotuneValueError(f"population_size must be at least 1 (trials per generation), got {value!r}")
    return size


class BaseGASampler(BaseSampler, abc.ABC):
    """Subclass this to write a genetic-algorithm sampler (Optuna's ``BaseGASampler``).

    Trials form generations. A trial's generation is the newest generation that has a COMPLETE
    trial, or the next one once that generation has ``population_size`` COMPLETE trials; the
    first trials are generation 0. It is stored as the trial's system attribute
    ``<ClassName>:generation`` (:meth:`_get_generation_key`) when the trial is created, so
    every worker of a study (threads, processes on a journal, SQLite or PostgreSQL storage)
    agrees on it. Trials still running when their generation's successor opens stay members of
    their generation (:meth:`get_population` returns them once COMPLETE) but were not seen by
    the parents already chosen for the successor.

    A subclass implements :meth:`select_parent` (the parents of a generation, usually chosen
    from :meth:`get_population` and :meth:`get_parent_population` of the one before) and the
    sampling hooks (``sample_relative``/``sample_independent``), where it calls
    :meth:`get_trial_generation` and :meth:`get_parent_population` to breed the trial's values.

    Args:
        population_size: Trials per generation (at least 1). ``None`` leaves it to be set
            later through :attr:`population_size`; until then trials are not tagged when
            created, and :meth:`get_trial_generation` tags them as Optuna does.
    """

    _GENERATION_KEY = "BaseGASampler:generation"
    _PARENT_CACHE_KEY_PREFIX = "BaseGASampler:parent:"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # each subclass keys its generations by its own name, so two GA samplers can share a study
        super().__init_subclass__(**kwargs)
        cls._GENERATION_KEY = f"{cls.__name__}:generation"
        cls._PARENT_CACHE_KEY_PREFIX = f"{cls.__name__}:parent:"

    @classmethod
    def _get_generation_key(cls) -> str:
        """The trial system attribute holding a trial's generation."""
        return cls._GENERATION_KEY

    @classmethod
    def _get_parent_cache_key_prefix(cls) -> str:
        """The study system attribute prefix of a generation's parents (followed by its number)."""
        return cls._PARENT_CACHE_KEY_PREFIX

    def __init__(self, population_size: int | None) -> None:
        self._population_size = _population_size(population_size)
        self._core_sampler = self._build_generation_core()
        self._init_local()

    def _build_generation_core(self) -> _core.Sampler:
        return _core.ga_generation_sampler(type(self).__name__, self._token, self._population_size)

    def _init_local(self) -> None:
        # per object (so per process): parents already read ({(study id, generation): trial
        # ids}), which never change once stored; a lock so this object's threads select a
        # generation's parents once
        self._parents_seen: dict[tuple[int, int], list[int]] = {}
        self._parents_lock = threading.Lock()

    @property
    def _token(self) -> str:
        # marks the trials whose generation this object opened (a copy in another process
        # gets its own, see __setstate__)
        token: str | None = self.__dict__.get("_token_value")
        if token is None:
            token = self.__dict__["_token_value"] = uuid.uuid4().hex
        return token

    @property
    def population_size(self) -> int | None:
        """Trials per generation. Assigning it takes effect for the studies that get this
        sampler afterwards (``study.sampler = sampler`` re-attaches it to an existing study)."""
        return self._population_size

    @population_size.setter
    def population_size(self, value: int) -> None:
        self._population_size = _population_size(value)
        self._core_sampler = self._build_generation_core()

    @abc.abstractmethod
    def select_parent(self, study: Study, generation: int) -> list[FrozenTrial]:
        """The parents of generation ``generation`` (>= 1), chosen by the subclass.

        Called by :meth:`get_parent_population` once per generation; the result is stored in
        the study, so every worker breeds the generation from the same parents.
        """

    def get_trial_generation(self, study: Study, trial: FrozenTrial) -> int:
        """The generation of ``trial``.

        Normally stored when the trial was created. A trial created without it (before
        :attr:`population_size` was set, or by another sampler) gets it now, from the COMPLETE
        trials as they are, and keeps it.
        """
        key = self._get_generation_key()
        stored = trial.system_attrs.get(key)
        if stored is not None:
            generation: int = stored
            return generation
        size = self._population_size
        if size is None:
            raise FerrotuneValueError(
                f"{type(self).__name__}.population_size is None; set it (the number of trials per generation) "
                "before trials ask for their generation"
            )
        newest, count = -1, 0
        for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
            g = t.system_attrs.get(key)
            if g is None:
                continue
            if g > newest:
                newest, count = g, 1
            elif g == newest:
                count += 1
        generation = 0 if newest < 0 else newest + 1 if count >= size else newest
        study._context.set_trial_system_attr(trial._trial_id, key, generation)
        return generation

    def get_population(self, study: Study, generation: int) -> list[FrozenTrial]:
        """The COMPLETE trials of generation ``generation``, in trial order."""
        key = self._get_generation_key()
        return [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)) if t.system_attrs.get(key) == generation]

    def get_parent_population(self, study: Study, generation: int) -> list[FrozenTrial]:
        """The parents of generation ``generation`` (none for generation 0): in
        :meth:`select_parent`'s order when this call selected them, else in trial order.

        They are selected once per study, by the worker that created the generation's first
        trial (the core marks it when it creates it): that worker calls :meth:`select_parent`
        and stores the trials' ids as the study system attribute
        ``<ClassName>:parent:<generation>``; every other worker waits for them and reads them
        from there. A worker selects them itself (and may then disagree with another, as in
        Optuna) only when the opening trial finished without storing them, when no trial was
        marked (tagged by :meth:`get_trial_generation`), or after :data:`PARENT_WAIT_S`.
        """
        if generation == 0:
            return []
        ids = self._stored_parents(study, generation)
        if ids is None:
            ids = self._await_parents(study, generation)
        if ids is None:
            with self._parents_lock:
                ids = self._stored_parents(study, generation)
                if ids is None:
                    parents = list(self.select_parent(study, generation))
                    self._check_parents(parents)
                    ids = self._stored_parents(study, generation)
                    if ids is None:
                        chosen = [t._trial_id for t in parents]
                        study.set_system_attr(self._get_parent_cache_key_prefix() + str(generation), chosen)
                        self._parents_seen[(study._study_id, generation)] = chosen
                        return parents
        wanted = set(ids)
        return [t for t in study.get_trials(deepcopy=False) if t._trial_id in wanted]

    def _await_parents(self, study: Study, generation: int) -> list[int] | None:
        """The parents of a generation another worker opened, once it stored them; None when
        this object opened it (it selects them), when no trial was marked as opening it, when
        the opening trial finished without storing them, or after :data:`PARENT_WAIT_S`."""
        gen_key, opener_key = self._get_generation_key(), f"{type(self).__name__}:opens_generation"
        opener = next(
            (t for t in study.get_trials(deepcopy=False) if t.system_attrs.get(gen_key) == generation and opener_key in t.system_attrs),
            None,
        )
        if opener is None or opener.system_attrs[opener_key] == self._token:
            return None
        deadline = time.monotonic() + PARENT_WAIT_S
        pause = 0.001
        while True:
            ids = self._stored_parents(study, generation)
            if ids is not None or study._trial(opener.number).state.is_finished() or time.monotonic() > deadline:
                return ids
            time.sleep(pause)
            pause = min(2 * pause, 0.05)

    def _stored_parents(self, study: Study, generation: int) -> list[int] | None:
        seen = self._parents_seen.get((study._study_id, generation))
        if seen is not None:
            return seen
        stored = study.system_attrs.get(self._get_parent_cache_key_prefix() + str(generation))
        if stored is None:
            return None
        ids = [int(i) for i in stored]
        self._parents_seen[(study._study_id, generation)] = ids
        return ids

    def _check_parents(self, parents: list[Any]) -> None:
        for p in parents:
            if not isinstance(p, FrozenTrial):
                raise FerrotuneValueError(
                    f"{type(self).__name__}.select_parent must return a list of FrozenTrial (trials of the study), got {p!r}"
                )

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for name in ("_core_sampler", "_parents_seen", "_parents_lock", "_token_value"):
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._core_sampler = self._build_generation_core()
        self._init_local()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(population_size={self._population_size})"
