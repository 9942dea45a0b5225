"""The warnings Optuna gives for its experimental and deprecated API, given where ferrotune
offers the same API, so code and tests that filter or expect them behave alike."""

from __future__ import annotations

from ferrotune import logging as ft_logging
from ferrotune.exceptions import ExperimentalWarning


def warn_experimental(name: str, since: str) -> None:
    """``name`` is experimental in Optuna (since Optuna ``since``): an ``ExperimentalWarning``."""
    ft_logging._warn(f"{name} is experimental (supported from v{since}); its interface can change in the future", ExperimentalWarning)


def warn_experimental_argument(option: str) -> None:
    """Argument ``option`` is experimental in Optuna: an ``ExperimentalWarning`` naming it."""
    ft_logging._warn(f"Argument ``{option}`` is an experimental feature. The interface can change in the future.", ExperimentalWarning)


def warn_deprecated(name: str, since: str, instead: str) -> None:
    """``name`` is deprecated in Optuna (since Optuna ``since``): a ``FutureWarning`` naming what to use."""
    ft_logging._warn(f"{name} has been deprecated in v{since}; use {instead} instead", FutureWarning)
