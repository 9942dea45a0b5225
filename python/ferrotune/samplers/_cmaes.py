"""CmaEsSampler: the covariance matrix adaptation evolution strategy, in the Rust core."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ferrotune import _core
from ferrotune import logging as ft_logging
from ferrotune._convert import as_count, as_float, as_int, as_seed, as_str
from ferrotune._deprecation import warn_experimental_argument
from ferrotune.distributions import FloatDistribution, IntDistribution
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.samplers._base import BaseSampler
from ferrotune.samplers._core_backed import CoreBackedSampler, check_independent, reseed_independent_only
from ferrotune.trial import FrozenTrial


def _x0(x0: Any) -> list[tuple[str, float]] | None:
    """``x0`` as (name, number) pairs; the core checks the numbers are finite."""
    if x0 is None:
        return None
    if not isinstance(x0, Mapping):
        raise FerrotuneValueError(f"x0 must be a dict of parameter name to initial value, got {x0!r}")
    out = []
    for name, value in x0.items():
        if not isinstance(name, str):
            raise FerrotuneValueError(f"x0 keys must be parameter names (str), got {name!r}")
        out.append((name, as_float(f"x0[{name!r}]", value)))
    return out


def _source_trials(trials: Any) -> list[tuple[str, float | None, list[str], list[tuple[str, float]]]] | None:
    """The warm start's trials as (state, value, parameter names, numeric parameter values)."""
    if trials is None:
        return None
    if isinstance(trials, (str, bytes)) or not isinstance(trials, Sequence):
        raise FerrotuneValueError(f"source_trials must be a list of FrozenTrial, got {type(trials).__name__}")
    out = []
    for i, t in enumerate(trials):
        if not isinstance(t, FrozenTrial):
            raise FerrotuneValueError(f"source_trials[{i}] must be a FrozenTrial (e.g. from study.trials), got {type(t).__name__}")
        values = [
            (name, float(t.params[name]))
            for name, d in t.distributions.items()
            if isinstance(d, (FloatDistribution, IntDistribution)) and name in t.params
        ]
        value = t.value if t.values is not None and len(t.values) == 1 else None
        out.append((t.state.name, value, list(t.distributions), values))
    return out


class CmaEsSampler(CoreBackedSampler):
    """CMA-ES, the covariance matrix adaptation evolution strategy, with Optuna's arguments.

    Each generation draws ``popsize`` points from a multivariate normal distribution over the
    float and integer parameters (log ones in log space), then moves its mean towards the best
    half, adapts its step size from the path the mean took, and its covariance from the
    successful steps (Hansen's CMA-ES with negative weights). Parameters are searched in
    coordinates scaled to [0, 1]; integer and stepped ones are rounded to their grid.

    The first ``n_startup_trials`` trials, categorical parameters and parameters outside the
    search space (those not in every complete trial) are sampled by ``independent_sampler``.

    Generations are shared by every worker of the study (threads, processes on one journal
    file or database): each trial is tagged with its generation in its system attributes
    (``cma:generation``, as Optuna), and the optimizer's state is derived from the stored
    trials and the seed, so every process computes the same one; workers must use the same
    ``seed``. The state is kept per study and brought up to date incrementally, so the cost
    per trial does not grow with the number of trials. Single-objective studies only.

    Args:
        x0: Initial mean, as a dict of parameter values (default: the middle of each range).
            A parameter it does not name starts mid-range; values outside a range are clipped.
        sigma0: Initial step size in the coordinates scaled to [0, 1] (default 1/6).
        n_startup_trials: Finished trials sampled by ``independent_sampler`` before CMA-ES starts.
        independent_sampler: A built-in ferrotune sampler for start-up trials, categorical and
            dynamic parameters (default: ``RandomSampler(seed)``).
        warn_independent_sampling: Warn when a parameter is sampled by the independent sampler
            after start-up.
        seed: Seed of the draws: the same seed and history give the same trials.
        consider_pruned_trials: Count pruned trials, valued at their last intermediate value.
        restart_strategy: ``None`` (no restarts), ``"ipop"`` (restart with ``inc_popsize``
            times the population when a run converges or stalls) or ``"bipop"`` (alternate
            large and small populations). Optuna 5 ignores this argument; ferrotune runs it.
        popsize: Individuals per generation (default ``4 + floor(3 ln(dimensions))``).
        inc_popsize: Population growth per restart (-1: the default, 2).
        use_separable_cma: Keep the covariance diagonal (sep-CMA-ES): faster learning on
            separable problems and in high dimensions.
        with_margin: CMA-ES with margin for integer and stepped parameters: keeps the chance of
            leaving the current grid value from collapsing, so they keep being explored.
        lr_adapt: Learning-rate adaptation, for multimodal and noisy problems.
        source_trials: Finished trials of a related study to warm-start from (WS-CMA-ES): the
            best 10% of those with exactly this study's parameters give the initial mean and
            covariance.
    """

    def __init__(
        self,
        x0: dict[str, Any] | None = None,
        sigma0: float | None = None,
        n_startup_trials: int = 1,
        independent_sampler: BaseSampler | None = None,
        warn_independent_sampling: bool = True,
        seed: int | None = None,
        *,
        consider_pruned_trials: bool = False,
        restart_strategy: str | None = None,
        popsize: int | None = None,
        inc_popsize: int = -1,
        use_separable_cma: bool = False,
        with_margin: bool = False,
        lr_adapt: bool = False,
        source_trials: list[FrozenTrial] | None = None,
    ) -> None:
        for given, name in ((x0, "x0"), (sigma0, "sigma0")):
            if given is not None:
                # deprecated in Optuna 4.9 (still honoured there and here)
                ft_logging._warn(
                    f"`{name}` has been deprecated in v4.9.0. This feature will be removed in v6.0.0. "
                    "See https://github.com/optuna/optuna/releases/tag/v4.9.0.",
                    FutureWarning,
                )
        for flag, name in (
            (consider_pruned_trials, "consider_pruned_trials"),
            (use_separable_cma, "use_separable_cma"),
            (source_trials is not None, "source_trials"),
            (with_margin, "with_margin"),
            (lr_adapt, "lr_adapt"),
        ):
            if flag:
                warn_experimental_argument(name)
        self._independent_sampler = check_independent(independent_sampler, "CmaEsSampler")
        # Converted here; the core checks ranges and combinations.
        self._args: dict[str, Any] = {
            "x0": _x0(x0),
            "sigma0": None if sigma0 is None else as_float("sigma0", sigma0),
            "n_startup_trials": as_count("n_startup_trials", n_startup_trials),
            "warn_independent_sampling": bool(warn_independent_sampling),
            "consider_pruned_trials": bool(consider_pruned_trials),
            "restart_strategy": None if restart_strategy is None else as_str("restart_strategy", restart_strategy),
            "popsize": None if popsize is None else as_count("popsize", popsize),
            "inc_popsize": as_int("inc_popsize", inc_popsize),
            "use_separable_cma": bool(use_separable_cma),
            "with_margin": bool(with_margin),
            "lr_adapt": bool(lr_adapt),
            "source_trials": _source_trials(source_trials),
        }
        self._core_sampler = self._build_core(as_seed(seed))

    def _build_core(self, seed: int | None) -> _core.Sampler:
        independent = self._independent_sampler
        name = "RandomSampler" if independent is None else type(independent).__name__
        core_independent = getattr(independent, "_core_sampler", None)
        return _core.cmaes_sampler(independent=core_independent, independent_name=name, seed=seed, **self._args)

    def reseed_rng(self) -> None:
        """Reseeds the independent sampler only: every worker must draw generations with one seed."""
        reseed_independent_only(self)

    def __repr__(self) -> str:
        extras = [k for k in ("use_separable_cma", "with_margin", "lr_adapt") if self._args[k]]
        rs = self._args["restart_strategy"]
        return (
            f"CmaEsSampler(seed={self.seed}" + (f", restart_strategy={rs!r}" if rs else "") + "".join(f", {k}=True" for k in extras) + ")"
        )


__all__ = ["CmaEsSampler"]
