"""BaseGASampler's methods for the built-in GA samplers, whose generations the core keeps.

Optuna's ``NSGAIISampler`` and ``NSGAIIISampler`` derive from ``BaseGASampler``, so code written
for Optuna may test ``isinstance(sampler, BaseGASampler)`` or ask them for a trial's
generation, a population or a generation's parents. ferrotune's run in the Rust core, which
tags each trial's generation and stores each generation's parents (trial numbers, on the trial
that opened the generation) when trials are created; this class reads those answers back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ferrotune.exceptions import FerrotuneValueError
from ferrotune.samplers._ga._base import BaseGASampler
from ferrotune.trial import FrozenTrial

if TYPE_CHECKING:
    from ferrotune.study import Study


class CoreGASampler(BaseGASampler):
    """A :class:`BaseGASampler` whose generations and parents the core decides (the built-in
    class builds its own core sampler; this class has no constructor of its own)."""

    def _parents_key(self) -> str:
        return f"{type(self).__name__}:parent_population"

    def select_parent(self, study: Study, generation: int) -> list[FrozenTrial]:
        """The parents the core selected for ``generation`` when its first trial was created."""
        return self.get_parent_population(study, generation)

    def get_parent_population(self, study: Study, generation: int) -> list[FrozenTrial]:
        """The parents of ``generation`` in trial order (none for generation 0), as the core
        stored them; a generation no trial has opened yet has none to read."""
        if generation == 0:
            return []
        gen_key, parents_key = self._get_generation_key(), self._parents_key()
        trials = study.get_trials(deepcopy=False)
        for t in trials:
            if t.system_attrs.get(gen_key) == generation and parents_key in t.system_attrs:
                numbers = set(t.system_attrs[parents_key])
                return [p for p in trials if p.number in numbers]
        raise FerrotuneValueError(
            f"generation {generation} of this study has not opened yet: {type(self).__name__} selects a generation's "
            "parents in the core when the generation's first trial is created; ask for a generation a trial has"
        )
