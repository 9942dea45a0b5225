"""``suggest_lr_scheduler``: a learning-rate schedule chosen by the trial, from torch's own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch.optim import lr_scheduler as sched

from ferrotune.exceptions import FerrotuneValueError
from ferrotune.torch._space import choices, tune

SCHEDULES = ("none", "step", "cosine", "cosine_warm_restarts", "one_cycle", "linear_warmup")
_PER_BATCH = (sched.OneCycleLR, sched.CyclicLR)


def scheduler_interval(scheduler: Any) -> str:
    """``"batch"`` for schedules meant to step after every batch (one-cycle, cyclic), else ``"epoch"``."""
    return "batch" if isinstance(scheduler, _PER_BATCH) else "epoch"


def suggest_lr_scheduler(
    trial: Any,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    *,
    steps_per_epoch: int | None = None,
    schedulers: str | Sequence[str] = SCHEDULES,
    step_size: Any = None,
    step_gamma: Any = (0.1, 0.9),
    T_0: Any = None,
    T_mult: Any = [1, 2],  # noqa: B006 -- a list means categorical choices here; never mutated
    max_lr_factor: Any = (1.0, 10.0),
    warmup_epochs: Any = None,
    warmup_start_factor: Any = (0.01, 0.5),
    prefix: str = "",
) -> sched.LRScheduler | None:
    """A learning-rate schedule for ``optimizer`` over ``epochs`` epochs, or None for a constant rate.

    The trial picks ``"scheduler"`` among ``schedulers``, then its settings:
    - ``"step"``: multiply by ``gamma`` every ``step_size`` epochs (``StepLR``);
    - ``"cosine"``: cosine annealing to 0 over all epochs (``CosineAnnealingLR``);
    - ``"cosine_warm_restarts"``: cosine cycles of ``T_0`` epochs, each ``T_mult`` times longer
      (``CosineAnnealingWarmRestarts``);
    - ``"one_cycle"``: up to ``max_lr_factor`` times the optimizer's rate and down again over
      the whole run, stepped after every batch (``OneCycleLR``; needs ``steps_per_epoch``);
    - ``"linear_warmup"``: from ``warmup_start_factor`` times the rate up to the rate over
      ``warmup_epochs``, constant after (``LinearLR``).

    Range arguments follow the helpers' convention: ``(low, high)`` is searched, a list is a
    categorical choice, one value is fixed. ``step_size`` and ``T_0`` default to
    ``(1, epochs // 2)``, ``warmup_epochs`` to ``(1, epochs // 4)``. :func:`fit` steps the
    result at the right interval.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise FerrotuneValueError(f"epochs must be an int >= 1, got {epochs!r}")
    names = choices(schedulers, dict.fromkeys(SCHEDULES), arg="schedulers")
    if "one_cycle" in names and (
        steps_per_epoch is None or isinstance(steps_per_epoch, bool) or not isinstance(steps_per_epoch, int) or steps_per_epoch < 1
    ):
        raise FerrotuneValueError("the one_cycle schedule needs steps_per_epoch (batches per epoch, an int >= 1); pass len(train_loader)")
    name = tune(trial, f"{prefix}scheduler", names if len(names) > 1 else names[0], arg="schedulers")
    half = (1, max(1, epochs // 2))
    if name == "none":
        return None
    if name == "step":
        size = tune(trial, f"{prefix}step_size", half if step_size is None else step_size, arg="step_size", integer=True)
        gamma = tune(trial, f"{prefix}step_gamma", step_gamma, arg="step_gamma")
        return sched.StepLR(optimizer, step_size=size, gamma=gamma)
    if name == "cosine":
        return sched.CosineAnnealingLR(optimizer, T_max=epochs)
    if name == "cosine_warm_restarts":
        t0 = tune(trial, f"{prefix}T_0", half if T_0 is None else T_0, arg="T_0", integer=True)
        mult = tune(trial, f"{prefix}T_mult", T_mult, arg="T_mult", integer=True)
        return sched.CosineAnnealingWarmRestarts(optimizer, T_0=t0, T_mult=mult)
    if name == "one_cycle":
        factor = tune(trial, f"{prefix}max_lr_factor", max_lr_factor, arg="max_lr_factor", log=True)
        max_lr = [g["lr"] * factor for g in optimizer.param_groups]
        return sched.OneCycleLR(optimizer, max_lr=max_lr, epochs=epochs, steps_per_epoch=steps_per_epoch)
    quarter = (1, max(1, epochs // 4))
    warmup = tune(trial, f"{prefix}warmup_epochs", quarter if warmup_epochs is None else warmup_epochs, arg="warmup_epochs", integer=True)
    start = tune(trial, f"{prefix}warmup_start_factor", warmup_start_factor, arg="warmup_start_factor", log=True)
    return sched.LinearLR(optimizer, start_factor=start, end_factor=1.0, total_iters=warmup)
