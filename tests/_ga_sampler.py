"""A small real-valued genetic algorithm written on BaseGASampler, for the tests (and their
worker processes, which import it)."""

from __future__ import annotations

import random
from typing import Any

from ferrotune.distributions import BaseDistribution, FloatDistribution
from ferrotune.samplers import BaseGASampler, RandomSampler
from ferrotune.trial import FrozenTrial


class BlendGA(BaseGASampler):
    """Truncation selection (the best half of the last generation and its parents), blend
    crossover of two random parents and Gaussian mutation; generation 0 is random. Every draw
    comes from (seed, trial number, parameter), so a seed fixes the run."""

    def __init__(self, population_size: int, seed: int = 0) -> None:
        super().__init__(population_size=population_size)
        self._seed = seed
        self._random = RandomSampler(seed=seed)
        self.selections: list[int] = []  # generations this instance selected parents for

    def select_parent(self, study: Any, generation: int) -> list[FrozenTrial]:
        self.selections.append(generation)
        pool = self.get_population(study, generation - 1) + self.get_parent_population(study, generation - 1)
        pool.sort(key=lambda t: t.value)
        assert self.population_size is not None
        return pool[: max(2, self.population_size // 2)]

    def sample_independent(self, study: Any, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution) -> Any:
        generation = self.get_trial_generation(study, trial)
        parents = self.get_parent_population(study, generation)
        usable = [p for p in parents if param_name in p.params]
        if generation == 0 or len(usable) < 2 or not isinstance(param_distribution, FloatDistribution):
            return self._random.sample_independent(study, trial, param_name, param_distribution)
        pick = random.Random(f"{self._seed}-{trial.number}")  # the same two parents for every parameter
        a, b = pick.sample(usable, 2)
        rng = random.Random(f"{self._seed}-{trial.number}-{param_name}")
        x, y = a.params[param_name], b.params[param_name]
        w = rng.uniform(-0.25, 1.25)
        value = x + w * (y - x) + rng.gauss(0.0, 0.05 * (param_distribution.high - param_distribution.low))
        return min(max(value, param_distribution.low), param_distribution.high)
