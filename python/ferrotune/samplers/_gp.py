"""GPSampler: Gaussian-process Bayesian optimization, in the Rust core."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ferrotune import _core
from ferrotune._convert import as_callable, as_count, as_float, as_seed, as_str
from ferrotune._deprecation import warn_deprecated
from ferrotune.samplers._base import BaseSampler
from ferrotune.samplers._core_backed import CoreBackedSampler, check_independent
from ferrotune.trial import FrozenTrial


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
        constraints_func: ``constraints_func(frozen_trial)`` -> constraint values, ``<= 0``
            feasible, stored on each finished trial (deprecated as in Optuna 5: prefer
            :meth:`Trial.set_constraint`). Values set either way make the study constrained.
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

    Constrained studies (values set with :meth:`Trial.set_constraint` or returned by
    ``constraints_func``) fit one GP per constraint as well and maximize log constrained EI:
    log EI over the best feasible value plus the log probability that every constraint holds
    (with no feasible trial yet, the probability alone). Multi-objective studies fit one GP per
    objective and maximize log expected hypervolume improvement over the feasible trials,
    estimated from 128 quasi-Monte Carlo draws of the posterior with the non-dominated region
    split into boxes. ``acquisition`` and ``beta`` apply to unconstrained single-objective
    studies; ``batch_mode`` to every study.
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
        self._constraints_func = as_callable("constraints_func", constraints_func)
        # Converted here; the core parses acquisition and batch_mode and checks the ranges.
        self._independent_sampler = check_independent(independent_sampler, "GPSampler")
        self._args: dict[str, Any] = {
            "n_startup_trials": as_count("n_startup_trials", n_startup_trials),
            "deterministic_objective": bool(deterministic_objective),
            "acquisition": as_str("acquisition", acquisition),
            "beta": as_float("beta", beta),
            "batch_mode": as_str("batch_mode", batch_mode),
            "n_preliminary_samples": as_count("n_preliminary_samples", n_preliminary_samples),
            "n_local_search": as_count("n_local_search", n_local_search),
            "warn_independent_sampling": bool(warn_independent_sampling),
            "warp_outputs": bool(warp_outputs),
        }
        self._core_sampler = self._build_core(as_seed(seed))
        if constraints_func is not None:
            warn_deprecated("`constraints_func`", "5.0.0", "`Trial.set_constraint`")

    def _build_core(self, seed: int | None) -> _core.Sampler:
        independent_core = getattr(self._independent_sampler, "_core_sampler", None)
        return _core.Sampler.gp(seed=seed, independent=independent_core, **self._args)

    def reseed_rng(self) -> None:
        if self._independent_sampler is not None:
            self._independent_sampler.reseed_rng()
        self._core_sampler = self._build_core(None)

    def __repr__(self) -> str:
        return f"GPSampler(seed={self.seed}, acquisition={self._args['acquisition']!r}, batch_mode={self._args['batch_mode']!r})"
