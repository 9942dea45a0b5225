"""Heartbeats of running trials, and failing the trials whose worker stopped beating."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ferrotune._deprecation import warn_deprecated, warn_experimental
from ferrotune.exceptions import FerrotuneValueError

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial

StaleTrialCallback = Callable[["Study", "FrozenTrial"], None]


class BaseHeartbeat:
    """What a storage offers for heartbeats (Optuna's ``BaseHeartbeat``).

    While a trial runs in ``Study.optimize``, a thread records its heartbeat every
    ``get_heartbeat_interval()`` seconds; ``fail_stale_trials`` fails the running trials whose
    last heartbeat is older than the grace period and runs the stale-trial callback on them.
    """

    def record_heartbeat(self, trial_id: int) -> None:
        raise NotImplementedError

    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        raise NotImplementedError

    def _fail_stale_trial_ids(self, study_id: int) -> list[int]:
        raise NotImplementedError

    def get_heartbeat_interval(self) -> float | None:
        raise NotImplementedError

    def get_heartbeat_stale_trial_callback(self) -> StaleTrialCallback | None:
        raise NotImplementedError

    def get_failed_trial_callback(self) -> StaleTrialCallback | None:
        """Optuna's older name of :meth:`get_heartbeat_stale_trial_callback` (deprecated there)."""
        warn_deprecated("get_failed_trial_callback", "4.9.0", "get_heartbeat_stale_trial_callback")
        return self.get_heartbeat_stale_trial_callback()


def _check_seconds(name: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and value > 0):
        raise FerrotuneValueError(f"{name} must be None or a positive number of seconds, got {value!r}")
    return float(value)


def check_heartbeat_args(
    heartbeat_interval: Any, grace_period: Any, heartbeat_stale_trial_callback: Any, failed_trial_callback: Any
) -> tuple[float | None, float | None, StaleTrialCallback | None]:
    """Validates the heartbeat arguments of a storage; returns (interval, grace, callback)."""
    interval = _check_seconds("heartbeat_interval", heartbeat_interval)
    grace = _check_seconds("grace_period", grace_period)
    if heartbeat_stale_trial_callback is not None and failed_trial_callback is not None:
        raise FerrotuneValueError("give only one of heartbeat_stale_trial_callback and failed_trial_callback (its older name)")
    callback = heartbeat_stale_trial_callback if heartbeat_stale_trial_callback is not None else failed_trial_callback
    name = "heartbeat_stale_trial_callback" if heartbeat_stale_trial_callback is not None else "failed_trial_callback"
    if callback is not None and not callable(callback):
        raise FerrotuneValueError(f"{name} must be callable(study, frozen_trial), got {callback!r}")
    if interval is None:
        if grace is not None:
            raise FerrotuneValueError("grace_period needs heartbeat_interval: without heartbeats no trial can go stale")
        if callback is not None:
            raise FerrotuneValueError(f"{name} needs heartbeat_interval: without heartbeats no trial goes stale")
    return interval, grace, callback


def is_heartbeat_enabled(storage: Any) -> bool:
    """True when ``storage`` records heartbeats (it has a ``heartbeat_interval``)."""
    return isinstance(storage, BaseHeartbeat) and storage.get_heartbeat_interval() is not None


def fail_stale_trials(study: Study) -> None:
    """Fails the study's running trials whose heartbeat is older than the storage's grace period,
    then runs the storage's stale-trial callback on each (Optuna's ``fail_stale_trials``, which
    warns that it is experimental).

    The check and the failing are one atomic storage step, so of several workers calling this at
    once exactly one fails each stale trial and runs its callback. Without heartbeats it does
    nothing.
    """
    warn_experimental("fail_stale_trials", "2.9.0")
    fail_stale_trials_quietly(study)


def fail_stale_trials_quietly(study: Study) -> None:
    """:func:`fail_stale_trials` without the experimental warning (what ``optimize`` runs)."""
    context = study._context
    storage = context.storage
    if not isinstance(storage, BaseHeartbeat) or storage.get_heartbeat_interval() is None:
        return
    failed = storage._fail_stale_trial_ids(context.study_id)
    callback = storage.get_heartbeat_stale_trial_callback()
    if callback is None:
        return
    for trial_id in failed:
        callback(study, context.trial_of_id(trial_id))


class HeartbeatThread:
    """Records a trial's heartbeat now and then every ``interval`` seconds until ``stop``.

    The storage call releases the GIL; a failed record (the trial finished, or another worker
    failed it as stale) ends the thread quietly.
    """

    def __init__(self, trial_id: int, storage: BaseHeartbeat) -> None:
        self._trial_id = trial_id
        self._storage = storage
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> HeartbeatThread:
        interval = self._storage.get_heartbeat_interval()
        if interval is None:
            return self
        # The first beat is synchronous: a worker killed right after this already left one.
        if not self._beat():
            return self
        self._thread = threading.Thread(target=self._run, args=(interval,), name="ferrotune-heartbeat", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _beat(self) -> bool:
        try:
            self._storage.record_heartbeat(self._trial_id)
        except Exception:
            return False
        return True

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            if not self._beat():
                return
