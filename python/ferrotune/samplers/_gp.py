"""GPSampler: Gaussian-process Bayesian optimization, in the Rust core."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from ferrotune import _core
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.samplers._base import BaseSampler
from ferrotune.samplers._core_backed import CoreBackedSampler
from ferrotune.samplers._seed import check_seed
from ferrotune.trial import FrozenTrial

_ACQUISITIONS = ("logei", "logpi", "ucb")
_BATCH_MODES = ("believer", "liar", "none")


def _check_int(name: str, v: Any, minimum: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise FerrotuneValueError(f"{name} must be an int >= {minimum}, got {v!r}")
    return v


class GPSampler(CoreBackedSampler):
    """Bayesian optimization with a Gaussian-process surrogate, with Optuna's arguments.

    After ``n_startup_trials`` complete trials (sampled by ``independent_sampler``), each trial
    proposes the parameters of the intersection search space jointly: a Gaussian process with a
    Matérn-5/2 kernel (one lengthscale per parameter, Hamming distance for categoricals) is
    fitted to the standardized objective values by maximizing the marginal likelihood under
    priors, then the acquisition function is maximized by a scrambled Sobol sweep of
    ``n_preliminary_samples`` candidates and ``n_local_search`` local searches (L-BFGS over
    continuous parameters, per-parameter search over discrete ones). Log parameters are
    modelled in log space; integer and stepped ones are kept on their grid. The model and the
    search run in Rust with the GIL released.

    Args:
        seed: Seed; the same seed and history give the same suggestions.
        independent_sampler: Sampler for start-up trials and for parameters outside the joint
            space (a built-in ferrotune sampler). Default: a :class:`RandomSampler` with ``seed``.
        n_startup_trials: Complete trials before the GP is used.
        deterministic_objective: Fix the observation noise at its floor (1e-6 of the output
            variance) instead of fitting it: for objectives that return the same value for the
            same parameters.
        constraints_func: Not supported yet; passing one raises an error (use
            :class:`TPESampler` for constrained studies).
        warn_independent_sampling: Warn when a parameter is sampled by the independent sampler
            after start-up (a dynamic search space).
        acquisition: ``"logei"`` (log expected improvement, default), ``"logpi"`` (log
            probability of improvement) or ``"ucb"`` (upper confidence bound ``mean + sqrt(beta) sd``).
        beta: Exploration weight of ``"ucb"``.
        batch_mode: How running trials (``n_jobs > 1``, several workers) enter the model so
            that workers do not propose the same point: ``"believer"`` (default, kriging
            believer: each running trial counts as observed at the model's predicted value),
            ``"liar"`` (constant liar: at the worst value seen so far, which spreads workers
            further apart) or ``"none"``.
        n_preliminary_samples: Candidates of the Sobol sweep of the acquisition function.
        n_local_search: Local searches started from the best candidates.
        warp_outputs: Model the objective values through a Yeo-Johnson power transform whose
            exponent is fitted by maximum likelihood (the identity unless it is clearly more
            likely): objectives whose values spread over orders of magnitude then look Gaussian
            to the model. The transform is monotone, so the best trial stays the best.

    Single-objective studies only: multi-objective studies are sampled by the independent
    sampler, with a warning.
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        independent_sampler: BaseSampler | None = None,
        n_startup_trials: int = 10,
        deterministic_objective: bool = False,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
        warn_independent_sampling: bool = True,
        acquisition: str = "logei",
        beta: float = 2.0,
        batch_mode: str = "believer",
        n_preliminary_samples: int = 2048,
        n_local_search: int = 10,
        warp_outputs: bool = True,
    ) -> None:
        _check_int("n_startup_trials", n_startup_trials, 0)
        _check_int("n_preliminary_samples", n_preliminary_samples, 1)
        _check_int("n_local_search", n_local_search, 1)
        if constraints_func is not None:
            raise FerrotuneValueError(
                "GPSampler does not support constraints_func yet; use TPESampler(constraints_func=...) for constrained studies"
            )
        if not isinstance(acquisition, str) or acquisition.lower() not in _ACQUISITIONS:
            raise FerrotuneValueError(f"acquisition must be one of {', '.join(map(repr, _ACQUISITIONS))}, got {acquisition!r}")
        if not isinstance(batch_mode, str) or batch_mode.lower() not in _BATCH_MODES:
            raise FerrotuneValueError(f"batch_mode must be one of {', '.join(map(repr, _BATCH_MODES))}, got {batch_mode!r}")
        try:
            beta = float(beta)
        except (TypeError, ValueError):
            raise FerrotuneValueError(f"beta must be a number, got {beta!r}") from None
        if not (math.isfinite(beta) and beta >= 0):
            raise FerrotuneValueError(f"beta must be a finite number >= 0, got {beta}")
        independent_core = None
        if independent_sampler is not None:
            if not isinstance(independent_sampler, BaseSampler):
                raise FerrotuneValueError(f"independent_sampler must be a ferrotune sampler or None, got {independent_sampler!r}")
            independent_core = getattr(independent_sampler, "_core_sampler", None)
            if independent_core is None:
                raise FerrotuneValueError(
                    "independent_sampler must be a built-in ferrotune sampler (RandomSampler, TPESampler, QMCSampler, ...); "
                    f"{type(independent_sampler).__name__} is written in Python"
                )
        self._independent_sampler = independent_sampler
        self._args: dict[str, Any] = dict(
            n_startup_trials=n_startup_trials,
            deterministic_objective=bool(deterministic_objective),
            acquisition=acquisition.lower(),
            beta=beta,
            batch_mode=batch_mode.lower(),
            n_preliminary_samples=n_preliminary_samples,
            n_local_search=n_local_search,
            warn_independent_sampling=bool(warn_independent_sampling),
            warp_outputs=bool(warp_outputs),
        )
        self._core_sampler = self._build_core(check_seed(seed))

    def _build_core(self, seed: int | None) -> _core.Sampler:
        independent_core = getattr(self._independent_sampler, "_core_sampler", None)
        return _core.Sampler.gp(seed=seed, independent=independent_core, **self._args)

    def reseed_rng(self) -> None:
        if self._independent_sampler is not None:
            self._independent_sampler.reseed_rng()
        self._core_sampler = self._build_core(None)

    def __repr__(self) -> str:
        return f"GPSampler(seed={self.seed}, acquisition={self._args['acquisition']!r}, batch_mode={self._args['batch_mode']!r})"
