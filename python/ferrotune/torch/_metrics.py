"""Validation metrics: named ones, or any function of the model's outputs and the targets."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Any

import torch

from ferrotune.exceptions import FerrotuneValueError

Metric = Callable[[torch.Tensor, torch.Tensor], Any]


def accuracy(outputs: torch.Tensor, targets: torch.Tensor) -> float:
    """Share of rows whose largest output is at the target class."""
    return (outputs.argmax(dim=1) == targets).float().mean().item()


# name -> (function or None for the loss, direction)
NAMED: dict[str, tuple[Metric | None, str]] = {"accuracy": (accuracy, "maximize"), "loss": (None, "minimize")}


def resolve(metric: str | Metric) -> tuple[Metric | None, str | None]:
    """The metric function (None: the loss) and its direction (None for a user function)."""
    if isinstance(metric, str):
        if metric not in NAMED:
            raise FerrotuneValueError(f"metric {metric!r} is unknown; use one of {sorted(NAMED)} or a function (outputs, targets) -> float")
        return NAMED[metric]
    if not callable(metric):
        raise FerrotuneValueError(f"metric must be a name or a function (outputs, targets) -> float, got {metric!r}")
    return metric, None


def split_batch(batch: Any) -> tuple[Any, Any]:
    """(inputs, targets) of a batch from a data loader."""
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return batch[0], batch[1]
    raise FerrotuneValueError(
        f"each batch must be an (inputs, targets) pair, got {type(batch).__name__}; use a TensorDataset(x, y) or a dataset returning (x, y)"
    )


def to_device(x: Any, device: torch.device) -> Any:
    if isinstance(x, torch.Tensor):
        return x.to(device, non_blocking=True)
    if isinstance(x, (tuple, list)):
        return type(x)(to_device(v, device) for v in x)
    if isinstance(x, dict):
        return {k: to_device(v, device) for k, v in x.items()}
    return x


def evaluate(
    model: torch.nn.Module,
    loader: Iterable[Any],
    metric: str | Metric = "accuracy",
    *,
    loss_fn: Callable[[Any, Any], torch.Tensor] | None = None,
    device: torch.device | str | None = None,
    autocast: Callable[[], Any] | None = None,
) -> float:
    """The metric of ``model`` over every batch of ``loader``, in evaluation mode, no gradients.

    A named metric or a function sees the outputs and targets of the whole loader at once (so
    it may be any statistic, not only a per-batch mean). ``metric="loss"`` is ``loss_fn``
    averaged over samples.
    """
    fn, _ = resolve(metric)
    if fn is None and loss_fn is None:
        raise FerrotuneValueError("metric='loss' needs loss_fn")
    if device is None:
        device = next((p.device for p in model.parameters()), torch.device("cpu"))
    device = torch.device(device)
    was_training = model.training
    model.eval()
    outputs, targets = [], []
    total, n = 0.0, 0
    try:
        with torch.no_grad(), autocast() if autocast else contextlib.nullcontext():
            for batch in loader:
                x, y = split_batch(batch)
                x, y = to_device(x, device), to_device(y, device)
                out = model(x)
                if fn is None:
                    size = len(y)
                    total += float(loss_fn(out, y).float()) * size  # type: ignore[misc]
                    n += size
                else:
                    outputs.append(out.float())
                    targets.append(y)
    finally:
        model.train(was_training)
    if fn is None:
        if n == 0:
            raise FerrotuneValueError("the validation loader yielded no batches; give it at least one sample")
        return total / n
    if not outputs:
        raise FerrotuneValueError("the validation loader yielded no batches; give it at least one sample")
    value = fn(torch.cat(outputs), torch.cat(targets))
    return float(value.item() if isinstance(value, torch.Tensor) else value)
