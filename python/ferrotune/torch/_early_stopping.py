"""Early stopping on a validation metric: patience and minimum improvement."""

from __future__ import annotations

import math
from typing import Any

from ferrotune.exceptions import FerrotuneValueError


class EarlyStopping:
    """Stops training once the metric has not improved for ``patience`` epochs.

    An epoch improves on the best so far when it beats it by more than ``min_delta``
    (``mode="max"``: higher is better; ``"min"``: lower is better). Call :meth:`step` once
    per epoch with the validation metric; it returns whether that epoch is the new best.
    :attr:`should_stop` turns true after ``patience`` epochs in a row without improvement.

    >>> stopper = EarlyStopping(patience=2, mode="max")
    >>> [stopper.step(v) for v in (0.5, 0.7, 0.69, 0.7)]
    [True, True, False, False]
    >>> stopper.should_stop, stopper.best, stopper.best_epoch
    (True, 0.7, 1)
    """

    def __init__(self, patience: int = 10, min_delta: float = 0.0, mode: str = "max") -> None:
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise FerrotuneValueError(f"patience must be an int >= 1, got {patience!r}")
        if not isinstance(min_delta, (int, float)) or isinstance(min_delta, bool) or not math.isfinite(min_delta) or min_delta < 0:
            raise FerrotuneValueError(f"min_delta must be a finite number >= 0, got {min_delta!r}")
        if mode not in ("max", "min"):
            raise FerrotuneValueError(f"mode must be 'max' or 'min', got {mode!r}")
        self.patience = patience
        self.min_delta = float(min_delta)
        self.mode = mode
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.epoch = -1
        self.bad_epochs = 0

    def improves(self, value: float) -> bool:
        """Whether ``value`` would count as an improvement on the best so far."""
        if self.best is None:
            return not math.isnan(value)
        if self.mode == "max":
            return value > self.best + self.min_delta
        return value < self.best - self.min_delta

    def step(self, value: float) -> bool:
        """Records the next epoch's metric; True when it is the new best."""
        value = float(value)
        self.epoch += 1
        if self.improves(value):
            self.best, self.best_epoch, self.bad_epochs = value, self.epoch, 0
            return True
        self.bad_epochs += 1
        return False

    @property
    def should_stop(self) -> bool:
        return self.bad_epochs >= self.patience

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "best_epoch": self.best_epoch, "epoch": self.epoch, "bad_epochs": self.bad_epochs}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.best_epoch = state["best"], state["best_epoch"]
        self.epoch, self.bad_epochs = state["epoch"], state["bad_epochs"]

    def __repr__(self) -> str:
        return f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, mode={self.mode!r})"
