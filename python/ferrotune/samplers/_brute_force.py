"""BruteForceSampler: every combination of a finite define-by-run space once, in the Rust core."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ferrotune import _core
from ferrotune._convert import as_seed
from ferrotune._deprecation import warn_experimental
from ferrotune.exceptions import FerrotuneTypeError
from ferrotune.samplers._core_backed import CoreBackedSampler

if TYPE_CHECKING:
    from ferrotune.study import Study


class BruteForceSampler(CoreBackedSampler):
    """Exhaustive search over a finite define-by-run search space, as Optuna's.

    Every combination of the parameters the objective suggests (categoricals, ints, floats
    with a ``step``; a float without ``step`` is refused) is tried once, conditional
    parameters included: the space is discovered as trials suggest, as a tree of trials.
    ``Study.optimize`` stops when nothing is left. A trial claims an untried branch of the
    known tree when it is created, inside the storage's atomic trial creation, so threads
    (``n_jobs``) and processes sharing a storage never run the same combination; a worker that
    finds every untried branch held by running trials stops, and the workers running them go
    on with what their trials reveal. A failed or pruned trial counts as tried, as in Optuna.

    Args:
        seed: Seed of the visiting order; ``None`` draws one from the operating system.
        avoid_premature_stop: Count a running trial's branch as possibly unfinished (it may
            still suggest more parameters), so the study stops only when no trial runs. A trial
            started while every untried branch is held then picks among them as Optuna does,
            which may repeat a combination.
    """

    def __init__(self, seed: int | None = None, avoid_premature_stop: bool = False) -> None:
        if not isinstance(avoid_premature_stop, bool):
            raise FerrotuneTypeError(f"avoid_premature_stop must be True or False, got {avoid_premature_stop!r}")
        self._avoid_premature_stop = avoid_premature_stop
        self._core_sampler = self._build_core(as_seed(seed))
        warn_experimental("BruteForceSampler", "3.1.0")

    def _build_core(self, seed: int | None) -> _core.Sampler:
        return _core.brute_force_sampler(seed, self._avoid_premature_stop)

    def is_exhausted(self, study: Study) -> bool:
        """True when every combination of ``study``'s known tree has been tried or is running."""
        return study._context.is_exhausted()

    def reseed_rng(self) -> None:
        self._core_sampler = self._build_core(None)

    def __repr__(self) -> str:
        return f"BruteForceSampler(seed={self.seed}, avoid_premature_stop={self._avoid_premature_stop})"
