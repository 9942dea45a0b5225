"""AutoSampler: a built-in sampler chosen from the study, as OptunaHub's AutoSampler chooses."""

from __future__ import annotations

import random
import threading
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ferrotune._convert import as_callable, as_seed
from ferrotune._deprecation import warn_deprecated
from ferrotune.distributions import BaseDistribution, CategoricalDistribution
from ferrotune.exceptions import ExperimentalWarning
from ferrotune.samplers._base import BaseSampler
from ferrotune.samplers._cmaes import CmaEsSampler
from ferrotune.samplers._gp import GPSampler
from ferrotune.samplers._nsga import NSGAIIISampler, NSGAIISampler
from ferrotune.samplers._random import RandomSampler
from ferrotune.samplers._separable import additive_fit_r2
from ferrotune.samplers._tpe import TPESampler
from ferrotune.study._direction import StudyDirection
from ferrotune.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from ferrotune import _core
    from ferrotune.study import Study

#: Kinds after which the choice never changes again, by number of objectives (1 or several).
_FINAL_SINGLE = frozenset({"tpe", "cmaes"})
_FINAL_MULTI = frozenset({"nsga2", "nsga3"})


class AutoSampler(BaseSampler):
    """Chooses a built-in sampler from the study as it goes, starting from OptunaHub's rules:

    * the first trial: random (nothing is known of the search space yet);
    * a conditional space (finished trials with different parameter names):
      :class:`TPESampler` (multivariate, grouped), for good;
    * one objective, a numeric unconstrained space of at least two parameters:
      :class:`GPSampler` until its best value has not improved for
      :attr:`N_STAGNANT_TRIALS_FOR_CMAES` (30) complete trials while at most
      :attr:`N_COMPLETE_TRIALS_FOR_STAGNATION` (120) are complete (unless a sum of one
      quartic per parameter explains the complete trials' values, leave-one-out R^2 of at
      least :attr:`SEPARABLE_R2_FOR_GP`), or until :attr:`N_COMPLETE_TRIALS_FOR_GP` (1,000)
      trials are complete; then :class:`CmaEsSampler` warm-started from the complete trials;
    * one objective, any other space (categorical, constrained, one parameter):
      :class:`GPSampler` until :attr:`N_COMPLETE_TRIALS_FOR_GP` trials are complete, then
      :class:`TPESampler`;
    * several objectives: :class:`GPSampler` until :attr:`N_COMPLETE_TRIALS_FOR_MULTI_OBJECTIVE_GP`
      (250) trials are complete, then :class:`TPESampler` until
      :attr:`N_COMPLETE_TRIALS_FOR_NSGA` (1,000), then :class:`NSGAIISampler`
      (:class:`NSGAIIISampler` from 4 objectives).

    OptunaHub's AutoSampler sends categorical, constrained and multi-objective studies to TPE
    from the start and leaves the GP after 250 trials; ferrotune's GP handles them all, costs
    about a twentieth of Optuna's per trial, and ``benches/auto_sampler.py`` shows it ahead of
    TPE there. The stagnation rule hands a rugged surface (Ackley, Rastrigin), where the GP
    stalls in a local minimum early, to CMA-ES in time for its long run, while a surface the GP
    keeps improving on (Rosenbrock) stays with the GP, and so does a separable smooth surface
    (Styblinski-Tang), where the GP's pause is a search between basins it later finds. Constraints (:meth:`Trial.set_constraint`
    or ``constraints_func``) are honoured by each chosen sampler. The chosen sampler runs in the
    core as it does on its own: the study asks :meth:`_choose_core` before each trial and moves
    to the new sampler's core when the choice changes. Each chosen sampler's seed is derived
    from ``seed``, so a seeded study is reproducible.

    Args:
        seed: Seed; the same seed and history give the same suggestions.
        constraints_func: ``constraints_func(frozen_trial)`` -> constraint values, ``<= 0``
            feasible (deprecated as in Optuna 5: prefer :meth:`Trial.set_constraint`).
    """

    #: Complete trials the GP serves at most in a one-objective study whose space is not
    #: conditional. OptunaHub's 250 is set by the cost of Optuna's GP; ferrotune's costs about
    #: 40 ms a trial at 1,000 trials in 5 dimensions, less than Optuna's at 250.
    N_COMPLETE_TRIALS_FOR_GP = 1000
    #: Complete trials without a better value after which the GP hands a numeric space to
    #: CMA-ES. On benches/auto_sampler.py 40 left the GP too late for Ackley-5d and
    #: Rastrigin-5d, and 20 too early on Rosenbrock-4d (the GP's pauses there are shorter than
    #: 30 trials in its first 100; significantly behind the GP on seeds 0-7).
    N_STAGNANT_TRIALS_FOR_CMAES = 30
    #: The stagnation rule applies while at most this many trials are complete. The GP stalled
    #: on Ackley-5d and Rastrigin-5d by trial 101 on every seed; a later pause is a GP refining
    #: a valley (Rosenbrock-4d, from trial 126), where CMA-ES's warm start (a step of at least
    #: a tenth of each range) starts coarser than the GP already is.
    N_COMPLETE_TRIALS_FOR_STAGNATION = 120
    #: A stalled GP keeps the study when a sum of one quartic per parameter predicts the complete
    #: trials' values with a leave-one-out R^2 of at least this: a smooth surface with basins
    #: along the axes (Styblinski-Tang: R^2 1.000 at every stall on 16 seeds), where the GP's
    #: pause is a search between basins it finds later and CMA-ES would stay in the one it is
    #: handed. Ackley-5d (at most 0.943), Rastrigin-5d (0.871) and Rosenbrock-4d (0.912) stay
    #: below it and go to CMA-ES.
    SEPARABLE_R2_FOR_GP = 0.99
    #: Complete trials the GP serves in a study of several objectives (OptunaHub's figure: the
    #: hypervolume GP's cost grows faster with the trials, and TPE then NSGA-II take over).
    N_COMPLETE_TRIALS_FOR_MULTI_OBJECTIVE_GP = 250
    #: Complete trials TPE serves in a multi-objective study before NSGA-II/III.
    N_COMPLETE_TRIALS_FOR_NSGA = 1000
    #: Objectives from which NSGA-III is used instead of NSGA-II.
    N_OBJECTIVES_FOR_NSGA3 = 4

    def __init__(self, seed: int | None = None, constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None) -> None:
        seed = as_seed(seed)
        self._constraints_func = as_callable("constraints_func", constraints_func)
        if constraints_func is not None:
            warn_deprecated("`constraints_func`", "5.0.0", "`Trial.set_constraint`")
        self._seed = random.SystemRandom().randrange(2**32) if seed is None else seed
        self._lock = threading.Lock()
        self._kind = "random"
        self._sampler: BaseSampler = self._make("random", [])

    # -- the choice -----------------------------------------------------------------------------
    def _sub_seed(self, kind: str) -> int:
        """A seed per chosen kind, fixed by ``seed`` (so a switch does not replay the same draws)."""
        index = ("random", "gp", "tpe", "cmaes", "nsga2", "nsga3").index(kind)
        return (self._seed * 0x9E3779B1 + index * 0x85EBCA77) % 2**63

    def _make(self, kind: str, complete: list[FrozenTrial]) -> BaseSampler:
        seed = self._sub_seed(kind)
        cf = self._constraints_func
        with warnings.catch_warnings():
            # the choices' own arguments are AutoSampler's business: constraints_func was warned
            # about once, above, and the experimental ones (group, source_trials) are not the user's
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", ExperimentalWarning)
            if kind == "random":
                return RandomSampler(seed=seed)
            if kind == "gp":
                return GPSampler(seed=seed, constraints_func=cf, warn_independent_sampling=False)
            if kind == "tpe":
                return TPESampler(seed=seed, multivariate=True, group=True, constraints_func=cf, warn_independent_sampling=False)
            if kind == "cmaes":
                # the warm start reads the best 10% of the trials, so it needs at least 10
                source = complete if len(complete) >= 10 else None
                return CmaEsSampler(seed=seed, source_trials=source, warn_independent_sampling=False)
            if kind == "nsga2":
                return NSGAIISampler(seed=seed, constraints_func=cf)
            return NSGAIIISampler(seed=seed, constraints_func=cf)

    def _next_kind(self, study: Study) -> tuple[str, list[FrozenTrial]]:
        """The kind the study calls for now, and the complete trials a warm start reads."""
        multi = len(study._directions) > 1
        if self._kind in (_FINAL_MULTI if multi else _FINAL_SINGLE):
            return self._kind, []
        n_complete = study._engine.state_counts()[int(TrialState.COMPLETE)]
        if multi and self._kind == "tpe":
            if n_complete < self.N_COMPLETE_TRIALS_FOR_NSGA:
                return "tpe", []
            return ("nsga2" if len(study._directions) < self.N_OBJECTIVES_FOR_NSGA3 else "nsga3"), []
        done = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED))
        if not done:
            return "random", []
        names = set(done[0].distributions)
        if any(set(t.distributions) != names for t in done):
            return "tpe", []  # a conditional space: TPE's grouped model fits it, the GP's does not
        if multi:
            return ("gp" if n_complete < self.N_COMPLETE_TRIALS_FOR_MULTI_OBJECTIVE_GP else "tpe"), []
        numeric = not any(isinstance(d, CategoricalDistribution) for d in done[0].distributions.values())
        constrained = self._constraints_func is not None or any(t.constraints for t in done)
        if len(names) < 2 or constrained or not numeric:
            # CMA-ES takes neither categoricals nor constraints, and one parameter is no search
            return ("gp" if n_complete < self.N_COMPLETE_TRIALS_FOR_GP else "tpe"), []
        complete = [t for t in done if t.state == TrialState.COMPLETE]
        stalled = n_complete <= self.N_COMPLETE_TRIALS_FOR_STAGNATION and self._stagnant(study, complete) and not self._separable(complete)
        if n_complete < self.N_COMPLETE_TRIALS_FOR_GP and not stalled:
            return "gp", []
        return "cmaes", complete

    def _stagnant(self, study: Study, complete: list[FrozenTrial]) -> bool:
        """Whether the last :attr:`N_STAGNANT_TRIALS_FOR_CMAES` complete trials found no better
        value than the ones before them (a tie is no improvement)."""
        k = max(1, self.N_STAGNANT_TRIALS_FOR_CMAES)
        sign = -1.0 if study._directions[0] == StudyDirection.MAXIMIZE else 1.0
        values = [sign * t.value for t in complete if t.value is not None]  # a complete trial has one
        return len(values) > k and min(values[-k:]) >= min(values[:-k])

    def _separable(self, complete: list[FrozenTrial]) -> bool:
        """Whether a sum of one quartic per parameter predicts each complete trial's value from
        the others (leave-one-out R^2 of at least :attr:`SEPARABLE_R2_FOR_GP`): a smooth surface
        whose basins lie along the axes, where a pause of the GP is a search between basins."""
        return additive_fit_r2(complete) >= self.SEPARABLE_R2_FOR_GP

    def _choose_core(self, study: Study) -> bool:
        """Called by the study before each trial: True when the study calls for another sampler
        than the one in use (the study then runs the new one's core)."""
        with self._lock:
            kind, complete = self._next_kind(study)
            if kind == self._kind:
                return False
            self._sampler = self._make(kind, complete)
            self._kind = kind
            return True

    @property
    def _core_sampler(self) -> _core.Sampler | None:
        """The core of the sampler in use: the study calls it directly."""
        core: _core.Sampler | None = getattr(self._sampler, "_core_sampler", None)
        return core

    @property
    def current_sampler(self) -> BaseSampler:
        """The built-in sampler chosen for the study's next trial."""
        return self._sampler

    @property
    def seed(self) -> int:
        """The seed the chosen samplers' seeds derive from (drawn from the OS when none was given)."""
        return self._seed

    # -- pickling and reseeding -----------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def reseed_rng(self) -> None:
        """Draws a new seed for the samplers chosen from now on and reseeds the one in use."""
        with self._lock:
            self._seed = random.SystemRandom().randrange(2**32)
            self._sampler.reseed_rng()

    # -- Optuna's hooks (for a study that runs them from Python, or a wrapper sampler) ----------
    def infer_relative_search_space(self, study: Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        return self._sampler.infer_relative_search_space(study, trial)

    def sample_relative(self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]) -> dict[str, Any]:
        return self._sampler.sample_relative(study, trial, search_space)

    def sample_independent(self, study: Study, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution) -> Any:
        return self._sampler.sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self._sampler.before_trial(study, trial)

    def after_trial(self, study: Study, trial: FrozenTrial, state: TrialState, values: Sequence[float] | None) -> None:
        self._sampler.after_trial(study, trial, state, values)

    def __repr__(self) -> str:
        return f"AutoSampler(seed={self._seed}, current_sampler={type(self._sampler).__name__})"
