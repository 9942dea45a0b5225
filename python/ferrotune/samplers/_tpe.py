"""TPESampler: the Tree-structured Parzen Estimator, in the Rust core."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ferrotune import _core
from ferrotune._convert import as_callable, as_count, as_float, as_seed
from ferrotune._deprecation import warn_deprecated, warn_experimental_argument
from ferrotune.samplers._core_backed import CoreBackedSampler
from ferrotune.trial import FrozenTrial

if TYPE_CHECKING:
    import numpy as np


# The core holds the defaults TPE uses when gamma or weights is None; these return its numbers,
# for Optuna code that calls, wraps or passes them.


def default_gamma(x: int) -> int:
    """``min(ceil(0.1 x), 25)``: the size of the "below" group of single-objective studies
    (the core's definition, which the sampler uses when ``gamma`` is not given)."""
    return _core.tpe_default_gamma(max(x, 0))


def default_gamma_multiobjective(x: int) -> int:
    """``ceil(0.1 x)``: the size of the "below" group of multi-objective studies (the core's
    definition)."""
    return _core.tpe_default_gamma(max(x, 0), multi_objective=True)


def hyperopt_default_gamma(x: int) -> int:
    """``min(ceil(0.25 sqrt(x)), 25)``: Hyperopt's split."""
    return min(math.ceil(0.25 * math.sqrt(x)), 25)


def default_weights(x: int) -> np.ndarray:
    """Equal weights for the newest 25 observations, a linear ramp from ``1/x`` to 1 before them
    (the core's definition, which the sampler uses when ``weights`` is not given)."""
    import numpy as np

    return np.asarray(_core.tpe_default_weights(max(x, 0)), dtype=float)


class TPESampler(CoreBackedSampler):
    """Tree-structured Parzen Estimator, with Optuna's arguments and defaults.

    After ``n_startup_trials`` random trials, each suggestion splits the finished trials into
    the best ``gamma(n)`` ("below") and the rest ("above", with running trials when
    ``constant_liar``), fits a Parzen estimator to each, draws ``n_ei_candidates`` points from
    the below one and keeps the point with the best density ratio. The estimators are built
    from the study's columnar history in Rust, with the GIL released.

    Args:
        consider_prior: Add a prior component (centered, as wide as the range) to each estimator.
        prior_weight: Weight of the prior component.
        consider_magic_clip: Keep bandwidths at least ``range / min(100, 1 + n_kernels)``.
        consider_endpoints: Let the bounds set the bandwidth of the outermost observations.
        n_startup_trials: Random trials before TPE starts.
        n_ei_candidates: Candidates drawn per suggestion.
        gamma: ``gamma(n)`` -> size of the below group (default: :func:`default_gamma`, or
            :func:`default_gamma_multiobjective` for several objectives).
        weights: ``weights(n)`` -> weights of ``n`` observations, oldest first (default:
            :func:`default_weights`).
        seed: Seed; the same seed and history give the same suggestions.
        multivariate: Model the parameters jointly. ``None`` (default): jointly for
            single-objective studies, independently for multi-objective ones.
        group: With multivariate TPE, model each group of parameters that always appear
            together jointly (for conditional, define-by-run spaces).
        warn_independent_sampling: Warn when multivariate TPE samples a parameter on its own.
        constant_liar: Count running trials as bad ones, so parallel workers spread out.
        constraints_func: ``constraints_func(frozen_trial)`` -> constraint values, ``<= 0``
            feasible; feasible trials are preferred.
        categorical_distance_func: ``{param: f(a, b) -> distance}`` for categorical parameters
            whose choices have a notion of distance.
    """

    def __init__(
        self,
        *,
        consider_prior: bool = True,
        prior_weight: float = 1.0,
        consider_magic_clip: bool = True,
        consider_endpoints: bool = False,
        n_startup_trials: int = 10,
        n_ei_candidates: int = 24,
        gamma: Callable[[int], int] | None = None,
        weights: Callable[[int], Sequence[float]] | None = None,
        seed: int | None = None,
        multivariate: bool | None = None,
        group: bool = False,
        warn_independent_sampling: bool = False,
        constant_liar: bool = True,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
        categorical_distance_func: dict[str, Callable[[Any, Any], float]] | None = None,
    ) -> None:
        # Converted here, judged by the core (n_ei_candidates >= 1, prior_weight, group).
        distances = dict(categorical_distance_func or {})
        for k, fn in distances.items():
            as_callable(f"categorical_distance_func[{k!r}]", fn)
        self._constraints_func = as_callable("constraints_func", constraints_func)
        self._args: dict[str, Any] = {
            "consider_prior": bool(consider_prior),
            "prior_weight": as_float("prior_weight", prior_weight),
            "consider_magic_clip": bool(consider_magic_clip),
            "consider_endpoints": bool(consider_endpoints),
            "n_startup_trials": as_count("n_startup_trials", n_startup_trials),
            "n_ei_candidates": as_count("n_ei_candidates", n_ei_candidates),
            "gamma": as_callable("gamma", gamma),
            "weights": as_callable("weights", weights),
            "multivariate": None if multivariate is None else bool(multivariate),
            "group": bool(group),
            "constant_liar": bool(constant_liar),
            "distances": distances,
            "warn_independent_sampling": bool(warn_independent_sampling),
            "constraints": constraints_func is not None,
        }
        self._core_sampler = self._build_core(as_seed(seed))
        # Optuna's warnings, once the core has accepted the arguments
        if group:
            warn_experimental_argument("group")
        if constraints_func is not None:
            warn_deprecated("`constraints_func`", "5.0.0", "`Trial.set_constraint`")

    def _build_core(self, seed: int | None) -> _core.Sampler:
        return _core.Sampler.tpe(seed=seed, **self._args)

    def reseed_rng(self) -> None:
        self._core_sampler = self._build_core(None)

    def __repr__(self) -> str:
        return f"TPESampler(seed={self.seed}, multivariate={self._args['multivariate']}, group={self._args['group']})"

    @staticmethod
    def hyperopt_parameters() -> dict[str, Any]:
        """The default arguments of hyperopt 0.1.2's TPE, to pass as ``TPESampler(**...)``
        (deprecated in Optuna 4.9: a ``FutureWarning``)."""
        warn_deprecated("TPESampler.hyperopt_parameters", "4.9.0", "the arguments it returns, written out")
        return {
            "consider_prior": True,
            "prior_weight": 1.0,
            "consider_magic_clip": True,
            "consider_endpoints": False,
            "n_startup_trials": 20,
            "n_ei_candidates": 24,
            "gamma": hyperopt_default_gamma,
            "weights": default_weights,
        }
