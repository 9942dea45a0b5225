"""NSGAIISampler and NSGAIIISampler: multi-objective genetic algorithms in the Rust core."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ferrotune import _core
from ferrotune._convert import as_callable, as_count, as_float, as_seed, as_str
from ferrotune._deprecation import warn_deprecated
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.samplers._core_backed import CoreBackedSampler
from ferrotune.samplers._ga._core_backed import CoreGASampler
from ferrotune.samplers.nsgaii._crossovers import BaseCrossover, UniformCrossover, _BuiltinCrossover
from ferrotune.samplers.nsgaii._mutations import BaseMutation, PolynomialMutation
from ferrotune.trial import FrozenTrial

_BUILTIN_CROSSOVERS = "UniformCrossover, BLXAlphaCrossover, SBXCrossover, VSBXCrossover, UNDXCrossover or SPXCrossover"


def _crossover_spec(crossover: Any, owner: str) -> tuple[str, list[float | None]]:
    if isinstance(crossover, _BuiltinCrossover):
        return crossover._core_spec()
    if isinstance(crossover, BaseCrossover):
        raise FerrotuneValueError(
            f"{owner}: crossover={type(crossover).__name__}() is written in Python; ferrotune runs crossovers in its core, "
            f"so pass one of ferrotune.samplers.nsgaii's {_BUILTIN_CROSSOVERS}"
        )
    raise FerrotuneValueError(
        f"{owner}: {crossover!r} is not a valid crossover; pass one of ferrotune.samplers.nsgaii's {_BUILTIN_CROSSOVERS}"
    )


def _mutation_eta(mutation: Any, owner: str) -> float | None:
    if mutation is None:
        return None
    if isinstance(mutation, PolynomialMutation):
        return mutation.eta
    if isinstance(mutation, BaseMutation):
        raise FerrotuneValueError(
            f"{owner}: mutation={type(mutation).__name__}() is written in Python; ferrotune runs mutations in its core, "
            "so pass ferrotune.samplers.nsgaii.PolynomialMutation or None (a mutated parameter is then drawn at random)"
        )
    raise FerrotuneValueError(f"{owner}: {mutation!r} is not a valid mutation; pass PolynomialMutation(...) or None")


def _no_strategy(owner: str, **strategies: Any) -> None:
    for name, value in strategies.items():
        if value is not None:
            raise FerrotuneValueError(
                f"{owner}: {name} takes a Python callable that ferrotune does not run (the generation logic is in its core); "
                f"leave {name}=None and choose the behaviour with the sampler's other arguments"
            )


class NSGAIISampler(CoreBackedSampler, CoreGASampler):
    """Multi-objective search with NSGA-II (Deb et al. 2002), as Optuna's ``NSGAIISampler``.

    Trials form generations of ``population_size``. The first generation is random; each later
    trial is a child of the previous generation's elite: whole non-dominated fronts in rank
    order, the last one cut by crowding distance (constrained domination when trials have
    constraints: feasible first, then by total violation). A child takes a crossover of parents
    chosen by binary tournament (probability ``crossover_prob``; a copy of a random parent
    otherwise), then each parameter is mutated with probability ``mutation_prob``.

    Generations are shared by every worker of a study (threads, processes on one storage):
    a trial's generation is fixed when it starts and stored as its ``NSGAIISampler:generation``
    system attribute; the first trial of a generation stores the generation's parents
    (``NSGAIISampler:parent_population``, trial numbers), and every worker reads them from
    there. Parameters outside the space all finished trials share, and the first generation,
    are drawn at random.

    Args:
        population_size: Trials per generation (at least 2, and at least the crossover's
            number of parents).
        mutation: ``PolynomialMutation(eta)``, or ``None``: a parameter chosen for mutation is
            drawn at random instead.
        mutation_prob: Probability of mutating each parameter; ``None``: ``1 / n_params``.
        crossover: A built-in crossover of :mod:`ferrotune.samplers.nsgaii` (default
            ``UniformCrossover(swapping_prob)``). Categorical parameters always use uniform
            crossover. A crossover written in Python is refused (the operators run in the core).
        crossover_prob: Probability that a child is a crossover rather than a copy.
        swapping_prob: Probability of taking each categorical parameter (and, for the default
            crossover, each parameter) from the first parent.
        seed: Seed; ``None`` draws one from the operating system.
        constraints_func: Deprecated in Optuna 5 (use ``Trial.set_constraint``): computes a
            trial's constraint values after it finishes; a value ``> 0`` is a violation.
        selection: ``"optuna"`` (the default): Optuna's tournament (the first of two random
            parents if it dominates the second, else the second) and duplicate children kept.
            ``"pymoo"``, a ferrotune extension: pymoo's ``NSGA2`` tournament (two distinct
            parents; the smaller constraint violation, then the dominating one, then the larger
            crowding distance within its front, then a coin), and a child equal to a parent or
            to an earlier child of its generation made again (at most 100 times; a parameter
            chosen for mutation without a mutation operator is then drawn with the child).
        elite_population_selection_strategy, child_generation_strategy, after_trial_strategy:
            Optuna's experimental hooks; ferrotune refuses a value other than ``None``.
    """

    _nsga3 = False

    def __init__(
        self,
        *,
        population_size: int = 50,
        mutation: BaseMutation | None = None,
        mutation_prob: float | None = None,
        crossover: BaseCrossover | None = None,
        crossover_prob: float = 0.9,
        swapping_prob: float = 0.5,
        seed: int | None = None,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
        selection: str = "optuna",
        elite_population_selection_strategy: Any = None,
        child_generation_strategy: Any = None,
        after_trial_strategy: Any = None,
    ) -> None:
        owner = type(self).__name__
        _no_strategy(
            owner,
            elite_population_selection_strategy=elite_population_selection_strategy,
            child_generation_strategy=child_generation_strategy,
            after_trial_strategy=after_trial_strategy,
        )
        self._constraints_func = as_callable("constraints_func", constraints_func)
        swapping = as_float("swapping_prob", swapping_prob)
        self._crossover = crossover if crossover is not None else UniformCrossover(swapping)
        self._mutation = mutation
        self._args: dict[str, Any] = {
            "population_size": as_count("population_size", population_size),
            "crossover": _crossover_spec(self._crossover, owner),
            "mutation_eta": _mutation_eta(mutation, owner),
            "mutation_prob": None if mutation_prob is None else as_float("mutation_prob", mutation_prob),
            "crossover_prob": as_float("crossover_prob", crossover_prob),
            "swapping_prob": swapping,
            "selection": as_str("selection", selection),
            **getattr(self, "_nsga3_args", {}),
        }
        self._core_sampler = self._build_core(as_seed(seed))
        if constraints_func is not None:
            warn_deprecated("`constraints_func`", "5.0.0", "`optuna.trial.Trial.set_constraint`")

    def _build_core(self, seed: int | None) -> _core.Sampler:
        return _core.nsga_sampler(seed=seed, nsga3=self._nsga3, **self._args)

    @property
    def population_size(self) -> int:
        """Trials per generation. Assigning it (Optuna's ``BaseGASampler`` setter) takes effect
        for the studies that get this sampler afterwards."""
        population_size: int = self._args["population_size"]
        return population_size

    @population_size.setter
    def population_size(self, value: int) -> None:
        args = {**self._args, "population_size": as_count("population_size", value)}
        core = _core.nsga_sampler(seed=self.seed, nsga3=self._nsga3, **args)  # the core checks it
        self._args, self._core_sampler = args, core

    def reseed_rng(self) -> None:
        """A new seed; generations already stored keep their parents."""
        self._core_sampler = self._build_core(None)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(population_size={self.population_size}, crossover={self._crossover!r}, seed={self.seed})"


class NSGAIIISampler(NSGAIISampler):
    """Many-objective search with NSGA-III (Deb and Jain 2014), as Optuna's ``NSGAIIISampler``.

    As :class:`NSGAIISampler`, except that the front which fits only in part into the next
    parents is cut by reference-point niching rather than crowding distance: objectives are
    normalized by the hyperplane through the extreme points, each trial joins its closest
    reference line, and trials are kept for the lines with the fewest kept so far. Generations
    are stored as ``NSGAIIISampler:generation``.

    Args:
        reference_points: One point per reference direction, one coordinate per objective
            (finite, non-negative, not all zero); ``None``: every way of splitting
            ``dividing_parameter`` units among the objectives.
        dividing_parameter: Divisions of each objective's axis for the default reference
            points (at least 1).
        selection: As :class:`NSGAIISampler`'s, except that ``"pymoo"`` runs pymoo's ``NSGA3``
            tournament: the smaller constraint violation, otherwise either parent at random.

    The other arguments are :class:`NSGAIISampler`'s.
    """

    _nsga3 = True

    def __init__(
        self,
        *,
        population_size: int = 50,
        mutation: BaseMutation | None = None,
        mutation_prob: float | None = None,
        crossover: BaseCrossover | None = None,
        crossover_prob: float = 0.9,
        swapping_prob: float = 0.5,
        seed: int | None = None,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
        reference_points: Sequence[Sequence[float]] | Any | None = None,
        dividing_parameter: int = 3,
        selection: str = "optuna",
        elite_population_selection_strategy: Any = None,
        child_generation_strategy: Any = None,
        after_trial_strategy: Any = None,
    ) -> None:
        points = None
        if reference_points is not None:
            try:
                points = [
                    [float(x) for x in row]
                    for row in (reference_points.tolist() if hasattr(reference_points, "tolist") else reference_points)
                ]
            except (TypeError, ValueError):
                raise FerrotuneValueError(
                    f"NSGAIIISampler: reference_points must be a sequence of points (sequences of numbers), got {reference_points!r}"
                ) from None
        self._nsga3_args = {"reference_points": points, "dividing_parameter": as_count("dividing_parameter", dividing_parameter)}
        super().__init__(
            population_size=population_size,
            mutation=mutation,
            mutation_prob=mutation_prob,
            crossover=crossover,
            crossover_prob=crossover_prob,
            swapping_prob=swapping_prob,
            seed=seed,
            constraints_func=constraints_func,
            selection=selection,
            elite_population_selection_strategy=elite_population_selection_strategy,
            child_generation_strategy=child_generation_strategy,
            after_trial_strategy=after_trial_strategy,
        )
