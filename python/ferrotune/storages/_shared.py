"""What the storages shared by several processes (journal file, SQLite, PostgreSQL) have in common."""

from __future__ import annotations

from typing import Any

from ferrotune._deprecation import warn_experimental_argument
from ferrotune.storages._heartbeat import BaseHeartbeat, StaleTrialCallback, check_heartbeat_args
from ferrotune.storages._in_memory import BaseStorage


class SharedStorage(BaseStorage, BaseHeartbeat):
    """A storage that outlives the process and whose running trials can record heartbeats.

    With ``heartbeat_interval`` (seconds), a trial running in ``Study.optimize`` records a
    heartbeat that often; before each new trial, ``optimize`` fails the running trials whose last
    heartbeat is older than ``grace_period`` (default ``2 * heartbeat_interval``: their worker
    died) and runs ``heartbeat_stale_trial_callback(study, frozen_trial)`` on each, e.g.
    ``RetryHeartbeatStaleTrialCallback()``. ``failed_trial_callback`` is its older name.
    """

    heartbeat_interval: float | None
    grace_period: float | None
    heartbeat_stale_trial_callback: StaleTrialCallback | None
    failed_trial_callback: StaleTrialCallback | None

    def _init_heartbeats(
        self,
        heartbeat_interval: Any,
        grace_period: Any,
        heartbeat_stale_trial_callback: Any,
        failed_trial_callback: Any,
    ) -> None:
        self.heartbeat_interval, self.grace_period, self.heartbeat_stale_trial_callback = check_heartbeat_args(
            heartbeat_interval, grace_period, heartbeat_stale_trial_callback, failed_trial_callback
        )
        self.failed_trial_callback = self.heartbeat_stale_trial_callback
        if self.heartbeat_interval is not None:
            warn_experimental_argument("heartbeat_interval")  # as Optuna's storages

    def _heartbeat_repr(self) -> str:
        if self.heartbeat_interval is None:
            return ""
        return f", heartbeat_interval={self.heartbeat_interval!r}, grace_period={self.grace_period!r}"

    def _grace(self) -> float:
        if self.grace_period is not None:
            return self.grace_period
        return 2.0 * (self.heartbeat_interval or 0.0)

    def record_heartbeat(self, trial_id: int) -> None:
        self._core.record_heartbeat(trial_id)

    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        if self.heartbeat_interval is None:
            return []
        return self._core.stale_trials(study_id, self._grace())

    def _fail_stale_trial_ids(self, study_id: int) -> list[int]:
        if self.heartbeat_interval is None:
            return []
        return self._core.fail_stale_trials(study_id, self._grace())

    def get_heartbeat_interval(self) -> float | None:
        return self.heartbeat_interval

    def get_heartbeat_stale_trial_callback(self) -> StaleTrialCallback | None:
        return self.heartbeat_stale_trial_callback
