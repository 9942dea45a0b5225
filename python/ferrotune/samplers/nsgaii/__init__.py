"""NSGA-II's operators, as in ``optuna.samplers.nsgaii``: crossovers and mutation.

The operators run inside the sampler's Rust core; these classes carry their arguments
(checked when the object is made, as Optuna does). A crossover or mutation written in Python
(a subclass of :class:`BaseCrossover` or :class:`BaseMutation` other than the built-ins) is
refused by the samplers with an error naming the built-ins: calling Python once per child
from inside the generation logic would give up the per-trial cost the core exists for.
"""

from ferrotune.samplers.nsgaii._crossovers import (
    BaseCrossover,
    BLXAlphaCrossover,
    SBXCrossover,
    SPXCrossover,
    UNDXCrossover,
    UniformCrossover,
    VSBXCrossover,
)
from ferrotune.samplers.nsgaii._mutations import BaseMutation, PolynomialMutation

__all__ = [
    "BaseCrossover",
    "BaseMutation",
    "BLXAlphaCrossover",
    "PolynomialMutation",
    "SBXCrossover",
    "SPXCrossover",
    "UNDXCrossover",
    "UniformCrossover",
    "VSBXCrossover",
]
