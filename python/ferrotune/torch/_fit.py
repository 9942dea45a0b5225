"""``fit``: one trial's training loop, reporting to the trial and honouring its pruner."""

from __future__ import annotations

import contextlib
import math
import os
import uuid
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from ferrotune.exceptions import FerrotuneError, FerrotuneValueError, TrialPruned
from ferrotune.torch._checkpoint import TrialCheckpoint
from ferrotune.torch._device import select_device
from ferrotune.torch._early_stopping import EarlyStopping
from ferrotune.torch._metrics import Metric, evaluate, resolve, split_batch, to_device
from ferrotune.torch._schedule import scheduler_interval
from ferrotune.torch._seed import rng_state, set_rng_state

CHECKPOINT_FORMAT = 1
# System attribute naming the run a trial's checkpoints belong to. A retried trial inherits its
# predecessor's system attributes (RetryFailedTrialCallback copies them), so it resumes; a trial
# of another study that lands in the same directory does not.
RUN_ATTR = "ferrotune.torch:run"


class TrainingDiverged(FerrotuneError, FloatingPointError):
    """The training loss became NaN or infinite. Catch it with
    ``study.optimize(..., catch=(TrainingDiverged,))`` to record the trial as failed and go
    on, or pass ``on_divergence="prune"`` to ``fit``."""


@dataclass
class EpochEnd:
    """What a ``fit`` callback sees after each epoch."""

    epoch: int
    value: float
    train_loss: float
    lr: float
    improved: bool
    model: torch.nn.Module


@dataclass
class FitResult:
    """The outcome of :func:`fit`. ``model`` holds the best weights when ``restore_best``."""

    best_value: float
    best_epoch: int
    epochs_run: int
    history: list[float]
    train_losses: list[float]
    stopped_early: bool
    resumed_from: int | None
    model: torch.nn.Module = field(repr=False)


def _autocast_dtype(amp: Any, device: torch.device) -> torch.dtype | None:
    if amp is False or amp is None:
        return None
    if amp is True:
        return torch.float16 if device.type == "cuda" else torch.bfloat16
    if amp in ("float16", torch.float16):
        if device.type != "cuda":
            raise FerrotuneValueError(f"amp='float16' needs a CUDA device, training runs on {device}; use amp=True or amp='bfloat16'")
        return torch.float16
    if amp in ("bfloat16", torch.bfloat16):
        return torch.bfloat16
    raise FerrotuneValueError(f"amp must be False, True, 'float16' or 'bfloat16', got {amp!r}")


def _direction(metric: str | Metric, direction: str | None, trial: Any) -> str:
    _, named = resolve(metric)
    if direction is None:
        study = getattr(trial, "study", None)
        direction = named or (getattr(getattr(study, "direction", None), "name", "").lower() or None)
    if direction is None:
        raise FerrotuneValueError("direction is needed for a metric function outside a study: 'maximize' or 'minimize'")
    if direction not in ("maximize", "minimize"):
        raise FerrotuneValueError(f"direction must be 'maximize' or 'minimize', got {direction!r}")
    return direction


def _check_int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise FerrotuneValueError(f"{name} must be an int >= {low}, got {value!r}")
    return value


def _cpu_copy(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}


def fit(
    trial: Any,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[Any, Any], torch.Tensor],
    train_loader: Iterable[Any],
    val_loader: Iterable[Any],
    *,
    epochs: int,
    scheduler: Any = None,
    scheduler_step: str = "auto",
    metric: str | Metric = "accuracy",
    direction: str | None = None,
    patience: int | None = None,
    min_delta: float = 0.0,
    checkpoint_dir: str | os.PathLike[str] | None = None,
    restore_best: bool = True,
    device: Any = "auto",
    amp: bool | str = False,
    grad_clip: float | None = None,
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
    on_divergence: str = "raise",
    callbacks: Sequence[Callable[[EpochEnd], None]] = (),
) -> FitResult:
    """Trains ``model`` for up to ``epochs`` epochs and returns the best validation metric.

    Each epoch trains on ``train_loader`` (batches of ``(inputs, targets)``), evaluates
    ``metric`` on ``val_loader``, reports it to ``trial`` with the epoch as step and raises
    :class:`ferrotune.TrialPruned` when ``trial.should_prune()`` says so. ``trial=None``
    trains without a study.

    - ``scheduler``: a ``torch.optim.lr_scheduler`` scheduler; ``scheduler_step="auto"`` steps
      one-cycle and cyclic schedules after every batch, ``ReduceLROnPlateau`` with the metric,
      the others after every epoch (or force ``"batch"`` / ``"epoch"``).
    - ``metric``: ``"accuracy"``, ``"loss"`` or a function ``(outputs, targets) -> float`` of the
      whole validation set; ``direction`` defaults to the metric's, or the study's.
    - ``patience`` / ``min_delta``: stop after ``patience`` epochs without an improvement larger
      than ``min_delta`` (:class:`EarlyStopping`).
    - ``checkpoint_dir``: save each epoch to the trial's directory (:func:`trial_dir`) and
      resume from it when the trial (or its retry after a crash) starts again; the best weights
      go to ``best.pt`` there, for :func:`load_best_model`.
    - ``restore_best``: load the best epoch's weights into ``model`` before returning (kept in
      memory, or read back from ``best.pt`` with a checkpoint directory).
    - ``device``: ``"auto"`` (CUDA when available, one GPU per worker: :func:`select_device`).
    - ``amp``: mixed precision, ``True`` (float16 with gradient scaling on CUDA, bfloat16 on the
      CPU), ``"float16"`` or ``"bfloat16"``.
    - ``grad_clip``: clip the gradient's total norm to this value.
    - ``augment``: applied to each training batch's inputs on the device (:class:`Augmentation`).
    - ``on_divergence``: a NaN or infinite loss raises :class:`TrainingDiverged` (``"raise"``)
      or prunes the trial (``"prune"``).
    - ``callbacks``: functions called with an :class:`EpochEnd` after each epoch is saved.
    """
    epochs = _check_int("epochs", epochs, 1)
    if patience is not None:
        _check_int("patience", patience, 1)
    if not isinstance(model, torch.nn.Module):
        raise FerrotuneValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise FerrotuneValueError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
    for name, loader in (("train_loader", train_loader), ("val_loader", val_loader)):
        if not hasattr(loader, "__iter__"):
            raise FerrotuneValueError(f"{name} must be iterable over (inputs, targets) batches (a DataLoader), got {type(loader).__name__}")
    if grad_clip is not None and (isinstance(grad_clip, bool) or not isinstance(grad_clip, (int, float)) or not grad_clip > 0):
        raise FerrotuneValueError(f"grad_clip must be a number > 0 or None, got {grad_clip!r}")
    if on_divergence not in ("raise", "prune"):
        raise FerrotuneValueError(f"on_divergence must be 'raise' or 'prune', got {on_divergence!r}")
    if scheduler_step not in ("auto", "batch", "epoch"):
        raise FerrotuneValueError(f"scheduler_step must be 'auto', 'batch' or 'epoch', got {scheduler_step!r}")
    step_every = scheduler_interval(scheduler) if scheduler is not None and scheduler_step == "auto" else scheduler_step
    mode = "max" if _direction(metric, direction, trial) == "maximize" else "min"
    stopper = EarlyStopping(patience or epochs + 1, min_delta, mode)

    dev = select_device(device)
    model.to(dev)
    _move_optimizer_state(optimizer, dev)
    dtype = _autocast_dtype(amp, dev)
    autocast = (lambda: torch.autocast(device_type=dev.type, dtype=dtype)) if dtype is not None else None
    scaler = torch.amp.GradScaler(dev.type, enabled=dtype == torch.float16)

    ckpt = None
    if checkpoint_dir is not None:
        ckpt = TrialCheckpoint.for_trial(checkpoint_dir, trial) if trial is not None else TrialCheckpoint(checkpoint_dir)
    history: list[float] = []
    losses: list[float] = []
    best_state: dict[str, torch.Tensor] | None = None
    start, resumed_from = 0, None
    # Only a trial of a study can be retried; a FixedTrial or no trial resumes whatever is there.
    run = _run_token(trial) if ckpt is not None and getattr(trial, "study", None) is not None else None
    saved = ckpt.load_last(map_location=dev) if ckpt is not None else None
    if ckpt is not None and saved is not None and run is not None and saved.get("run") != run:
        raise FerrotuneValueError(
            f"{ckpt.directory} holds a checkpoint of another run (an earlier study, or another study of the same name); "
            "use a fresh checkpoint_dir for each study, or delete that directory"
        )
    if saved is not None:
        start = resumed_from = _resume(saved, trial, model, optimizer, scheduler, scaler, stopper, (train_loader, augment), epochs)
        history, losses = list(saved["history"]), list(saved["train_losses"])
    params = dict(getattr(trial, "params", {}) or {})

    for epoch in range(start, epochs):
        if stopper.should_stop:
            break
        train_loss = _train_epoch(
            model,
            optimizer,
            loss_fn,
            train_loader,
            dev,
            augment,
            autocast,
            scaler,
            grad_clip,
            scheduler if step_every == "batch" else None,
            epoch,
            on_divergence,
        )
        value = evaluate(model, val_loader, metric, loss_fn=loss_fn, device=dev, autocast=autocast)
        if math.isnan(value):
            _diverged(epoch, on_divergence)
        lr = float(optimizer.param_groups[0]["lr"])
        if scheduler is not None and step_every == "epoch":
            if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                scheduler.step(value)
            else:
                scheduler.step()
        history.append(value)
        losses.append(train_loss)
        improved = stopper.step(value)
        if improved:
            state = _cpu_copy(model)
            if ckpt is not None:
                ckpt.save_best(state, {"epoch": epoch, "value": value, "params": params, "trial_number": getattr(trial, "number", None)})
            else:
                best_state = state
        if ckpt is not None:
            ckpt.save_last(
                {
                    "format": CHECKPOINT_FORMAT,
                    "run": run,
                    "epochs_done": epoch + 1,
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict() if scheduler is not None else None,
                    "scaler": scaler.state_dict(),
                    "stopper": stopper.state_dict(),
                    "history": history,
                    "train_losses": losses,
                    "params": params,
                    "rng": rng_state(train_loader, augment),
                }
            )
        for cb in callbacks:
            cb(EpochEnd(epoch=epoch, value=value, train_loss=losses[-1], lr=lr, improved=improved, model=model))
        if trial is not None:
            trial.report(value, epoch)
            if trial.should_prune():
                raise TrialPruned(f"pruned at epoch {epoch} with validation {value:.6g}")

    if stopper.best is None or stopper.best_epoch is None:
        raise FerrotuneValueError("no epoch produced a validation value to compare; check the metric and val_loader")
    if restore_best:
        if ckpt is not None:
            best_state = ckpt.load_best(map_location="cpu")["model"]
        if best_state is not None:
            model.load_state_dict(best_state)
    if trial is not None and hasattr(trial, "set_user_attr"):
        trial.set_user_attr("best_epoch", stopper.best_epoch)
    return FitResult(
        best_value=stopper.best,
        best_epoch=stopper.best_epoch,
        epochs_run=len(history),
        history=history,
        train_losses=losses,
        stopped_early=stopper.should_stop and len(history) < epochs,
        resumed_from=resumed_from,
        model=model,
    )


def _train_epoch(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[Any, Any], torch.Tensor],
    loader: Iterable[Any],
    dev: torch.device,
    augment: Callable[[torch.Tensor], torch.Tensor] | None,
    autocast: Callable[[], Any] | None,
    scaler: torch.amp.GradScaler,
    grad_clip: float | None,
    batch_scheduler: Any,
    epoch: int,
    on_divergence: str,
) -> float:
    """One pass over the training data; returns the mean training loss per sample."""
    model.train()
    total, count = 0.0, 0
    for batch in loader:
        x, y = split_batch(batch)
        x, y = to_device(x, dev), to_device(y, dev)
        if augment is not None:
            x = augment(x)
        optimizer.zero_grad(set_to_none=True)
        with autocast() if autocast else contextlib.nullcontext():
            loss = loss_fn(model(x), y)
        value = loss.item()  # the one device sync per batch
        if not math.isfinite(value):
            _diverged(epoch, on_divergence)
        torch.autograd.backward(scaler.scale(loss))  # loss.backward(), through a typed function
        if grad_clip is not None:
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), float(grad_clip))
        scaler.step(optimizer)
        scaler.update()
        if batch_scheduler is not None:
            batch_scheduler.step()
        n = len(y) if hasattr(y, "__len__") else 1
        total += value * n
        count += n
    if count == 0:
        raise FerrotuneValueError("the training loader yielded no batches; give it at least one sample")
    return total / count


def _resume(
    saved: dict[str, Any],
    trial: Any,
    model: Any,
    optimizer: Any,
    scheduler: Any,
    scaler: Any,
    stopper: EarlyStopping,
    drawers: tuple[Any, Any],
    epochs: int,
) -> int:
    """Loads a checkpoint's state; returns the number of epochs it had finished."""
    if saved.get("format") != CHECKPOINT_FORMAT:
        raise FerrotuneValueError(
            f"checkpoint format {saved.get('format')!r} is not {CHECKPOINT_FORMAT}; delete the trial's last.pt to start over"
        )
    params = dict(getattr(trial, "params", {}) or {})
    if saved.get("params") and params and saved["params"] != params:
        raise FerrotuneValueError(
            f"the checkpoint in this trial's directory was trained with other parameters ({saved['params']}, now {params}); "
            "use a fresh checkpoint_dir for a new study"
        )
    try:
        model.load_state_dict(saved["model"])
    except RuntimeError as e:
        raise FerrotuneValueError(f"the checkpoint does not fit this model ({e}); use a fresh checkpoint_dir") from None
    optimizer.load_state_dict(saved["optimizer"])
    if scheduler is not None and saved.get("scheduler") is not None:
        scheduler.load_state_dict(saved["scheduler"])
    scaler.load_state_dict(saved["scaler"])
    stopper.load_state_dict(saved["stopper"])
    set_rng_state(saved["rng"], *drawers)
    done = int(saved["epochs_done"])
    if done > epochs:
        warnings.warn(
            f"the checkpoint had trained {done} epochs, more than epochs={epochs}; training stops there", UserWarning, stacklevel=3
        )
    if trial is not None:
        # A retry is a new trial: it reports the epochs its predecessor trained, for the pruner.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # steps it inherited already hold these values
            for step, value in enumerate(saved["history"]):
                trial.report(value, step)
    return done


def _run_token(trial: Any) -> str:
    """The trial's run token, made and stored on its first attempt (see ``RUN_ATTR``). Optuna 5
    trials have no ``set_system_attr``; there it is a user attribute, which retries copy too."""
    for attrs in ("system_attrs", "user_attrs"):
        token = (getattr(trial, attrs, None) or {}).get(RUN_ATTR)
        if token is not None:
            return str(token)
    token = uuid.uuid4().hex
    if hasattr(trial, "set_system_attr"):
        trial.set_system_attr(RUN_ATTR, token)
    else:
        trial.set_user_attr(RUN_ATTR, token)
    return token


def _diverged(epoch: int, on_divergence: str) -> None:
    msg = f"the loss became NaN or infinite in epoch {epoch}; lower the learning rate, set grad_clip, or check the data"
    if on_divergence == "prune":
        raise TrialPruned(msg)
    raise TrainingDiverged(msg)


def _move_optimizer_state(optimizer: torch.optim.Optimizer, device: torch.device) -> None:
    """Optimizer buffers live where their parameters do (after ``model.to(device)``)."""
    for state in optimizer.state.values():
        for k, v in state.items():
            if isinstance(v, torch.Tensor) and k != "step":
                state[k] = v.to(device)
