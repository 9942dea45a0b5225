"""ThresholdPruner: stop trials whose metric leaves a range."""

from __future__ import annotations

from ferrotune import _core
from ferrotune._convert import as_float, as_int
from ferrotune.pruners._core_backed import CoreBackedPruner


class ThresholdPruner(CoreBackedPruner):
    """Prunes a trial whose last intermediate value is below ``lower``, above ``upper`` or NaN
    (Optuna's ``ThresholdPruner``).

    Args:
        lower: Prune below this value (``None``: no lower bound).
        upper: Prune above this value (``None``: no upper bound). Give at least one bound.
        n_warmup_steps: No pruning while the trial's last step is below this.
        interval_steps: Checks happen at the first report at or after each
            ``n_warmup_steps + k * interval_steps``; at least 1.
    """

    def __init__(
        self,
        lower: float | None = None,
        upper: float | None = None,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
    ) -> None:
        self._lower = None if lower is None else as_float("lower", lower)
        self._upper = None if upper is None else as_float("upper", upper)
        self._n_warmup_steps = as_int("n_warmup_steps", n_warmup_steps)
        self._interval_steps = as_int("interval_steps", interval_steps)
        self._core_pruner = self._build_core()

    def _build_core(self) -> _core.Pruner:
        return _core.Pruner.threshold(self._lower, self._upper, self._n_warmup_steps, self._interval_steps)

    def __repr__(self) -> str:
        return (
            f"ThresholdPruner(lower={self._lower!r}, upper={self._upper!r}, "
            f"n_warmup_steps={self._n_warmup_steps}, interval_steps={self._interval_steps})"
        )
