"""Leading arguments given by position where Optuna now wants keywords: still accepted, with the
``FutureWarning`` Optuna gives, so code written for an older Optuna keeps running."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar

from ferrotune import logging as ft_logging
from ferrotune.exceptions import FerrotuneTypeError

_P = ParamSpec("_P")
_T = TypeVar("_T")


def keywords_once_positional(names: Sequence[str], since: str, removal: str) -> Callable[[Callable[_P, _T]], Callable[_P, _T]]:
    """Wraps a keyword-only function so that its first ``len(names)`` arguments, named ``names``,
    may also come by position (deprecated in Optuna ``since``, to be refused from ``removal``)."""

    def wrap(func: Callable[_P, _T]) -> Callable[_P, _T]:
        @functools.wraps(func)
        def call(*args: Any, **kwargs: Any) -> _T:
            if args:
                if len(args) > len(names):
                    raise FerrotuneTypeError(f"{func.__name__}() takes {len(names)} positional arguments but {len(args)} were given")
                given = dict(zip(names, args, strict=False))
                twice = sorted(set(given) & set(kwargs))
                if twice:
                    raise FerrotuneTypeError(f"{func.__name__}() got multiple values for {', '.join(twice)}")
                ft_logging._warn(
                    f"{func.__name__}() got {', '.join(given)} as positional arguments; positional arguments "
                    f"{list(names)} have been deprecated since v{since} and will be refused from v{removal}: "
                    "pass them by keyword",
                    FutureWarning,
                )
                kwargs.update(given)
            # Every argument is now a keyword, which is how the wrapped function takes them.
            return func(**kwargs)  # type: ignore[call-arg]

        return call

    return wrap
