"""The progress bar of ``optimize(show_progress_bar=True)``, as Optuna draws it: one tick per
finished trial (or elapsed seconds when only a timeout is given), the best trial and value in
its description, and log lines written above the bar instead of through it."""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from ferrotune import logging as ft_logging

if TYPE_CHECKING:
    from ferrotune.study import Study


class _AboveTheBar(logging.Handler):
    """Writes log records with ``tqdm.write`` so they do not break the bar's line."""

    def __init__(self, tqdm: Any) -> None:
        super().__init__(logging.INFO)
        self._tqdm = tqdm

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._tqdm.write(self.format(record))
            self.flush()
        except Exception:
            self.handleError(record)


class ProgressBar:
    """A tqdm bar over ``n_trials`` trials, or over ``timeout`` seconds without ``n_trials``."""

    def __init__(self, n_trials: int | None, timeout: float | None) -> None:
        from tqdm.auto import tqdm  # the caller checked that it imports

        self._n_trials = n_trials
        self._timeout = timeout
        self._start = time.monotonic()
        self._seconds_shown = 0.0
        self._lock = threading.Lock()  # n_jobs workers update one bar
        if n_trials is not None:
            self._bar = tqdm(total=n_trials)
        else:
            assert timeout is not None
            fmt = "{desc} {percentage:3.0f}%|{bar}| {elapsed}/" + tqdm.format_interval(timeout)
            self._bar = tqdm(total=timeout, bar_format=fmt)
        self._handler = _AboveTheBar(tqdm)
        self._handler.setFormatter(ft_logging._default_formatter())
        self._swapped = ft_logging._swap_default_handler(self._handler)

    def update(self, study: Study) -> None:
        """One trial finished: tick, and show the best trial so far."""
        with self._lock:
            if not study._is_multi_objective():
                best = study._engine.best_number()
                if best is not None:
                    self._bar.set_description(f"Best trial: {best}. Best value: {study._engine.best_value():.6g}")
            elapsed = time.monotonic() - self._start
            if self._n_trials is not None:
                self._bar.update(1)
                if self._timeout is not None:
                    self._bar.set_postfix_str(f"{elapsed:.02f}/{self._timeout} seconds")
            else:
                assert self._timeout is not None
                shown = min(elapsed, self._timeout)
                self._bar.update(shown - self._seconds_shown)
                self._seconds_shown = shown

    def close(self) -> None:
        self._bar.close()
        if self._swapped:
            ft_logging._swap_default_handler(None)


def progress_bar(show: bool, n_trials: int | None, timeout: float | None) -> ProgressBar | None:
    """The bar of one ``optimize`` call, or ``None`` when none is drawn (with Optuna's warnings)."""
    if not show:
        return None
    if n_trials is None and timeout is None:
        ft_logging._warn("the progress bar is not shown because neither n_trials nor timeout is given")
        return None
    try:
        import tqdm.auto  # noqa: F401
    except ImportError:
        ft_logging._warn("show_progress_bar=True needs tqdm: pip install tqdm")
        return None
    return ProgressBar(n_trials, timeout)
