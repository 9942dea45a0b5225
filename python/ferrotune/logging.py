"""Logging in Optuna's style: a ``ferrotune`` logger, one line per finished trial.

A level or handlers set on ``logging.getLogger("optuna")`` (as code written for Optuna does)
apply to ferrotune's records too.

>>> import ferrotune
>>> ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
"""

from __future__ import annotations

import logging as _logging
import os
import sys
import threading
import warnings as _warnings
from logging import CRITICAL, DEBUG, ERROR, FATAL, INFO, WARN, WARNING

__all__ = [
    "CRITICAL",
    "DEBUG",
    "ERROR",
    "FATAL",
    "INFO",
    "WARN",
    "WARNING",
    "get_logger",
    "get_verbosity",
    "set_verbosity",
    "disable_default_handler",
    "enable_default_handler",
    "disable_propagation",
    "enable_propagation",
]

_ROOT = "ferrotune"
_lock = threading.Lock()
_default_handler: _logging.Handler | None = None


class _Formatter(_logging.Formatter):
    def format(self, record: _logging.LogRecord) -> str:
        record.levelletter = record.levelname[:1]
        return super().format(record)


def _root() -> _logging.Logger:
    return _logging.getLogger(_ROOT)


def _below_optuna_level(record: _logging.LogRecord) -> bool:
    level = _logging.getLogger("optuna").level
    return level != _logging.NOTSET and record.levelno < level


class _OptunaLevel(_logging.Filter):
    """Drops, from the default handler's output, records below a level set on
    ``logging.getLogger("optuna")`` (as code written for Optuna silences it)."""

    def filter(self, record: _logging.LogRecord) -> bool:
        return not _below_optuna_level(record)


class _OptunaHandlers(_logging.Handler):
    """Hands ferrotune's records to the handlers added to ``logging.getLogger("optuna")``
    (Optuna's own default handler excepted, when Optuna is imported too, so nothing is
    printed twice)."""

    def emit(self, record: _logging.LogRecord) -> None:
        optuna = _logging.getLogger("optuna")
        if not optuna.handlers or _below_optuna_level(record):
            return
        theirs = getattr(sys.modules.get("optuna.logging"), "_default_handler", None)
        for handler in optuna.handlers:
            if handler is not theirs and handler is not self and record.levelno >= handler.level:
                handler.handle(record)


def _default_formatter() -> _logging.Formatter:
    return _Formatter("[%(levelletter)s %(asctime)s] %(message)s")


def _configure() -> None:
    global _default_handler  # noqa: PLW0603 -- one handler per process, installed lazily
    with _lock:
        if _default_handler is not None:
            return
        _default_handler = _logging.StreamHandler(sys.stderr)
        _default_handler.setFormatter(_default_formatter())
        root = _root()
        root.addHandler(_default_handler)
        root.setLevel(INFO)
        root.propagate = False
        _default_handler.addFilter(_OptunaLevel())
        root.addHandler(_OptunaHandlers())


def get_logger(name: str) -> _logging.Logger:
    """Returns a child of the ``ferrotune`` logger, configuring the default handler once."""
    _configure()
    return _logging.getLogger(name)


def get_verbosity() -> int:
    """The level of the ``ferrotune`` logger (``INFO`` by default)."""
    _configure()
    return _root().getEffectiveLevel()


def set_verbosity(verbosity: int) -> None:
    """Sets the level of the ``ferrotune`` logger, e.g. ``ferrotune.logging.WARNING`` to silence
    the per-trial lines."""
    _configure()
    _root().setLevel(verbosity)


def disable_default_handler() -> None:
    """Stops ferrotune writing its own log lines to stderr."""
    _configure()
    assert _default_handler is not None
    _root().removeHandler(_default_handler)


def enable_default_handler() -> None:
    """Restores the stderr handler removed by :func:`disable_default_handler`."""
    _configure()
    assert _default_handler is not None
    _root().addHandler(_default_handler)


_swapped_in: _logging.Handler | None = None


def _swap_default_handler(handler: _logging.Handler | None) -> bool:
    """While a progress bar is drawn, ``handler`` writes the log lines in place of the default
    handler (if the user has not removed it); ``None`` puts the default handler back. Returns
    whether the swap was made."""
    global _swapped_in  # noqa: PLW0603 -- at most one bar swaps at a time
    _configure()
    assert _default_handler is not None
    root = _root()
    with _lock:
        if handler is not None:
            if _swapped_in is not None or _default_handler not in root.handlers:
                return False
            root.removeHandler(_default_handler)
            handler.addFilter(_OptunaLevel())
            root.addHandler(handler)
            _swapped_in = handler
            return True
        if _swapped_in is None:
            return False
        root.removeHandler(_swapped_in)
        root.addHandler(_default_handler)
        _swapped_in = None
        return True


def disable_propagation() -> None:
    """Stops ferrotune's records reaching the root logger (the default)."""
    _configure()
    _root().propagate = False


def enable_propagation() -> None:
    """Lets ferrotune's records reach the root logger's handlers too."""
    _configure()
    _root().propagate = True


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _warn(message: str, category: type[Warning] = UserWarning) -> None:
    """Emits ``message`` once, as a warning attributed to the innermost frame outside ferrotune
    (the user's line that led to it), whichever ferrotune function or glue call found it."""
    frame = sys._getframe(1)
    level = 2  # stacklevel 2 is this function's caller
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    _warnings.warn(message, category, stacklevel=level)
