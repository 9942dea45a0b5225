"""Callbacks run on trials failed for a stale heartbeat."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ferrotune._deprecation import warn_deprecated, warn_experimental
from ferrotune.exceptions import FerrotuneValueError

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial


class RetryHeartbeatStaleTrialCallback:
    """Re-enqueues a trial failed for a stale heartbeat as a new WAITING trial with the same
    parameters, at most ``max_retry`` times per original trial (``None``: always).

    The new trial's system attributes ``failed_trial`` (the first trial of the retry series)
    and ``retry_history`` (every trial number of the series so far) are read back with
    :meth:`retried_trial_number` and :meth:`retry_history`. With
    ``inherit_intermediate_values=True`` it starts with the failed trial's reported values.
    """

    def __init__(self, max_retry: int | None = None, inherit_intermediate_values: bool = False) -> None:
        warn_experimental("RetryHeartbeatStaleTrialCallback", "2.8.0")
        if max_retry is not None and (isinstance(max_retry, bool) or not isinstance(max_retry, int) or max_retry < 0):
            raise FerrotuneValueError(f"max_retry must be None or a non-negative int, got {max_retry!r}")
        self._max_retry = max_retry
        self._inherit_intermediate_values = bool(inherit_intermediate_values)

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        from ferrotune.trial import TrialState, create_trial

        system_attrs: dict[str, Any] = {"failed_trial": trial.number, "retry_history": [], **trial.system_attrs}
        system_attrs["retry_history"] = [*system_attrs["retry_history"], trial.number]
        if self._max_retry is not None and self._max_retry < len(system_attrs["retry_history"]):
            return
        study.add_trial(
            create_trial(
                state=TrialState.WAITING,
                params=trial.params,
                distributions=trial.distributions,
                user_attrs=trial.user_attrs,
                system_attrs=system_attrs,
                intermediate_values=trial.intermediate_values if self._inherit_intermediate_values else None,
            )
        )

    @staticmethod
    def retried_trial_number(trial: FrozenTrial) -> int | None:
        """The number of the first failed trial this one retries, ``None`` for a first attempt."""
        warn_experimental("retried_trial_number", "2.8.0")
        return trial.system_attrs.get("failed_trial", None)

    @staticmethod
    def retry_history(trial: FrozenTrial) -> list[int]:
        """The numbers of the trials this one retries, oldest first (empty for a first attempt)."""
        warn_experimental("retry_history", "3.0.0")
        history: list[int] = trial.system_attrs.get("retry_history", [])
        return history


class RetryFailedTrialCallback(RetryHeartbeatStaleTrialCallback):
    """Optuna's older name of :class:`RetryHeartbeatStaleTrialCallback` (deprecated there)."""

    def __init__(self, max_retry: int | None = None, inherit_intermediate_values: bool = False) -> None:
        warn_deprecated("RetryFailedTrialCallback", "4.9.0", "RetryHeartbeatStaleTrialCallback")
        super().__init__(max_retry, inherit_intermediate_values)
