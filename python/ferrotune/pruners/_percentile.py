"""PercentilePruner: keep the trials whose best value is within a percentile of the others'."""

from __future__ import annotations

from typing import Any

from ferrotune import _core
from ferrotune._convert import as_float, as_int
from ferrotune.pruners._core_backed import CoreBackedPruner


class PercentilePruner(CoreBackedPruner):
    """Prunes a trial whose best intermediate value so far is worse than the given percentile
    of the complete trials' values at its current step (Optuna's ``PercentilePruner``).

    At a check, the trial's best value over all its steps (NaN ignored) is compared with
    ``np.nanpercentile`` of the values the complete trials reported at the trial's last step
    (the mirrored percentile ``100 - percentile`` when maximizing). A trial whose values are all
    NaN is pruned. The complete trials' values are kept per step, sorted, in the Rust core, so
    a decision costs microseconds however many trials there are.

    Args:
        percentile: In ``[0, 100]``; 25.0 keeps the trials in the best quarter.
        n_startup_trials: No pruning until this many trials have completed.
        n_warmup_steps: No pruning while the trial's last step is below this; the first
            possible pruning is at ``step == n_warmup_steps``.
        interval_steps: Checks happen at the first report at or after each
            ``n_warmup_steps + k * interval_steps``; at least 1.
        n_min_trials: No pruning unless at least this many complete trials reported a value
            at the step (NaN values count); at least 1.
    """

    def __init__(
        self,
        percentile: float,
        n_startup_trials: int = 5,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
        *,
        n_min_trials: int = 1,
    ) -> None:
        self._args: dict[str, Any] = {
            "percentile": as_float("percentile", percentile),
            "n_startup_trials": as_int("n_startup_trials", n_startup_trials),
            "n_warmup_steps": as_int("n_warmup_steps", n_warmup_steps),
            "interval_steps": as_int("interval_steps", interval_steps),
            "n_min_trials": as_int("n_min_trials", n_min_trials),
        }
        self._core_pruner = self._build_core()

    def _build_core(self) -> _core.Pruner:
        return _core.Pruner.percentile(**self._args)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._args.items())
        return f"{type(self).__name__}({args})"
