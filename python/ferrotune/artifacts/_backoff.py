"""Retrying an artifact store's calls with exponential backoff."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, BinaryIO, TypeVar

from ferrotune import logging as ft_logging
from ferrotune.artifacts.exceptions import ArtifactNotFound
from ferrotune.exceptions import FerrotuneValueError

if TYPE_CHECKING:
    from ferrotune.artifacts._protocol import ArtifactStore

_logger = ft_logging.get_logger(__name__)
_T = TypeVar("_T")


class Backoff:
    """An artifact store that passes each call to ``backend`` and retries it when it fails
    (Optuna's ``Backoff``), for stores whose calls fail now and then (networks, object stores).

    A call that raises anything but :class:`~ferrotune.artifacts.exceptions.ArtifactNotFound`
    is retried after ``min_delay`` seconds, then after delays growing by ``multiplier`` up to
    ``max_delay``, ``max_retries`` tries in all; the last failure is raised. A retried
    ``write`` rewinds ``content_body`` to its start first. Each failure before the last is
    logged at ERROR level.

    Args:
        backend: The store to call.
        max_retries: Tries per call, at least 1.
        multiplier: The growth of the delay between tries (positive).
        min_delay: The first delay in seconds (positive).
        max_delay: The longest delay in seconds (greater than ``min_delay``).

    Example:
        .. code-block:: python

            from ferrotune.artifacts import Backoff, Boto3ArtifactStore

            artifact_store = Backoff(Boto3ArtifactStore("my-bucket"))
    """

    def __init__(
        self,
        backend: ArtifactStore,
        *,
        max_retries: int = 10,
        multiplier: float = 2,
        min_delay: float = 0.1,
        max_delay: float = 30,
    ) -> None:
        if type(max_retries) is not int or max_retries < 1:
            raise FerrotuneValueError(f"max_retries must be an int of at least 1, got {max_retries!r}")
        for name, value in (("multiplier", multiplier), ("min_delay", min_delay), ("max_delay", max_delay)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                raise FerrotuneValueError(f"{name} must be a positive finite number, got {value!r}")
        if max_delay <= min_delay:
            raise FerrotuneValueError(f"max_delay ({max_delay!r}) must be greater than min_delay ({min_delay!r})")
        self._backend = backend
        self._max_retries = max_retries
        self._multiplier = multiplier
        self._min_delay = min_delay
        self._max_delay = max_delay

    def _get_sleep_secs(self, n_retry: int) -> float:
        """The delay after the ``n_retry``-th failed try (0-based)."""
        # min() first would overflow a float for large n_retry: compare exponents instead.
        if self._multiplier > 1 and n_retry * math.log(self._multiplier) > math.log(self._max_delay / self._min_delay):
            return self._max_delay
        return min(self._min_delay * self._multiplier**n_retry, self._max_delay)

    def _retry(self, what: str, artifact_id: str, call: Callable[[], _T], before_retry: Callable[[], object] | None = None) -> _T:
        for i in range(self._max_retries):
            try:
                return call()
            except ArtifactNotFound:
                raise
            except Exception as e:
                if i == self._max_retries - 1:
                    raise
                _logger.error(f"Failed to {what} artifact={artifact_id} n_retry={i}", exc_info=e)
            if before_retry is not None:
                before_retry()
            time.sleep(self._get_sleep_secs(i))
        raise AssertionError("unreachable: the last try returns or raises")

    def open_reader(self, artifact_id: str) -> BinaryIO:
        """The backend's reader, retried."""
        return self._retry("open", artifact_id, lambda: self._backend.open_reader(artifact_id))

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        """The backend's write, retried from the start of ``content_body``."""
        self._retry("write", artifact_id, lambda: self._backend.write(artifact_id, content_body), lambda: content_body.seek(0))

    def remove(self, artifact_id: str) -> None:
        """The backend's remove, retried."""
        self._retry("remove", artifact_id, lambda: self._backend.remove(artifact_id))
