"""``suggest_optimizer``: a torch optimizer and its settings chosen by the trial."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import torch

from ferrotune.exceptions import FerrotuneValueError
from ferrotune.torch._space import choices, tune

OPTIMIZERS: dict[str, type[torch.optim.Optimizer]] = {
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "rmsprop": torch.optim.RMSprop,
}
_WITH_MOMENTUM = ("sgd", "rmsprop")


def suggest_optimizer(
    trial: Any,
    params: Iterable[Any],
    *,
    optimizers: str | Sequence[str] = ("sgd", "adam", "adamw", "rmsprop"),
    lr: Any = (1e-5, 1e-1),
    weight_decay: Any = (1e-6, 1e-2),
    momentum: Any = (0.0, 0.99),
    prefix: str = "",
) -> torch.optim.Optimizer:
    """An optimizer over ``params`` (``model.parameters()``).

    The trial picks ``"optimizer"`` among ``optimizers`` (``"sgd"``, ``"adam"``, ``"adamw"``,
    ``"rmsprop"``), ``"lr"`` on a log scale, ``"weight_decay"`` on a log scale (L2 for SGD,
    Adam and RMSprop, decoupled for AdamW) and, for SGD and RMSprop only, ``"momentum"``.
    Range arguments follow the helpers' convention: ``(low, high)`` is searched, a list is a
    categorical choice, one value is fixed (``weight_decay=0`` turns it off).
    """
    names = choices(optimizers, OPTIMIZERS, arg="optimizers")
    params = list(params)
    if not params:
        raise FerrotuneValueError("params is empty; pass model.parameters() of a model with parameters")
    name = tune(trial, f"{prefix}optimizer", names if len(names) > 1 else names[0], arg="optimizers")
    kwargs: dict[str, Any] = {"lr": tune(trial, f"{prefix}lr", lr, arg="lr", log=True)}
    wd = tune(trial, f"{prefix}weight_decay", weight_decay, arg="weight_decay", log=True)
    kwargs["weight_decay"] = 0.0 if wd is None else wd
    if name in _WITH_MOMENTUM:
        m = tune(trial, f"{prefix}momentum", momentum, arg="momentum")
        kwargs["momentum"] = 0.0 if m is None else m
    for key in ("lr", "weight_decay", "momentum"):
        if key in kwargs and (not isinstance(kwargs[key], (int, float)) or isinstance(kwargs[key], bool) or kwargs[key] < 0):
            raise FerrotuneValueError(f"{key} must be a number >= 0, got {kwargs[key]!r}")
    return OPTIMIZERS[name](params, **kwargs)
