"""WilcoxonPruner: a paired signed-rank test against the best trial."""

from __future__ import annotations

from ferrotune import _core
from ferrotune._convert import as_float, as_int
from ferrotune._deprecation import warn_experimental
from ferrotune.pruners._core_backed import CoreBackedPruner


class WilcoxonPruner(CoreBackedPruner):
    """Prunes a trial when a one-sided Wilcoxon signed-rank test finds, at level
    ``p_threshold``, that it is worse than the best complete trial (Optuna's ``WilcoxonPruner``).

    Steps are instances (cross-validation folds, problems of a benchmark, questions), reported
    in any order: the test pairs the trial's value at each step with the best trial's value at
    the same step, zeros split between signs (SciPy's ``zero_method="zsplit"``). The p-value is
    SciPy's, computed in the Rust core without SciPy: exact for up to 50 pairs without ties or
    zeros, an exact sign-flip permutation test for up to 13 pairs with ties or zeros, the normal
    approximation otherwise. As in Optuna, a trial whose mean is not worse than the best
    trial's mean is kept whatever the test says, and trials with infinite or NaN values are
    never pruned (with a warning).

    Return the mean of the values so far instead of raising ``TrialPruned`` to give a pruned
    trial a comparable value.

    Args:
        p_threshold: In ``[0, 1]``; larger prunes more.
        n_startup_steps: No pruning before this many paired steps (and never before 2).
    """

    def __init__(self, *, p_threshold: float = 0.1, n_startup_steps: int = 2) -> None:
        warn_experimental("WilcoxonPruner", "3.6.0")
        self._p_threshold = as_float("p_threshold", p_threshold)
        self._n_startup_steps = as_int("n_startup_steps", n_startup_steps)
        self._core_pruner = self._build_core()

    def _build_core(self) -> _core.Pruner:
        return _core.Pruner.wilcoxon(self._p_threshold, self._n_startup_steps)

    def __repr__(self) -> str:
        return f"WilcoxonPruner(p_threshold={self._p_threshold}, n_startup_steps={self._n_startup_steps})"
