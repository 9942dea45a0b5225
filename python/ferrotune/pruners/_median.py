"""MedianPruner: the median stopping rule."""

from __future__ import annotations

from ferrotune.pruners._percentile import PercentilePruner


class MedianPruner(PercentilePruner):
    """Prunes a trial whose best intermediate value so far is worse than the median of the
    complete trials' values at the same step (Optuna's ``MedianPruner``: a
    :class:`PercentilePruner` at 50).

    NaN values of complete trials are ignored; a trial whose values are all NaN is pruned.

    Args:
        n_startup_trials: No pruning until this many trials have completed.
        n_warmup_steps: No pruning while the trial's last step is below this.
        interval_steps: Checks happen at the first report at or after each
            ``n_warmup_steps + k * interval_steps``.
        n_min_trials: No pruning unless at least this many complete trials reported a value
            at the step.
    """

    def __init__(
        self,
        n_startup_trials: int = 5,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
        *,
        n_min_trials: int = 1,
    ) -> None:
        super().__init__(50.0, n_startup_trials, n_warmup_steps, interval_steps, n_min_trials=n_min_trials)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._args.items() if k != "percentile")
        return f"MedianPruner({args})"
