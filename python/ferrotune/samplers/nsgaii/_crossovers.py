"""Crossover operators of :class:`~ferrotune.samplers.NSGAIISampler`: argument holders for
the operators the Rust core runs (``rust/core/src/samplers/nsga/crossover/``)."""

from __future__ import annotations

import abc
from typing import Any

from ferrotune import _core
from ferrotune._convert import as_float
from ferrotune._deprecation import warn_experimental


def _opt_float(name: str, value: Any) -> float | None:
    return None if value is None else as_float(name, value)


class BaseCrossover(abc.ABC):
    """The crossover interface. ferrotune's samplers take the built-in subclasses only."""

    def __str__(self) -> str:
        return self.__class__.__name__

    @property
    @abc.abstractmethod
    def n_parents(self) -> int:
        """How many parents one child is made from."""


class _BuiltinCrossover(BaseCrossover):
    """A crossover the core implements; ``_args`` are the constructor's numbers in order."""

    _args: list[float | None]

    def _check(self) -> None:
        _core.nsga_check_operator(type(self).__name__, self._args)

    def _core_spec(self) -> tuple[str, list[float | None]]:
        return type(self).__name__, list(self._args)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(repr(a) for a in self._args)})"


class UniformCrossover(_BuiltinCrossover):
    """Each parameter from one of two parents; the first with probability ``swapping_prob``."""

    n_parents = 2

    def __init__(self, swapping_prob: float = 0.5) -> None:
        self._args = [as_float("swapping_prob", swapping_prob)]
        self._check()


class BLXAlphaCrossover(_BuiltinCrossover):
    """Each parameter uniform on the parents' interval widened by ``alpha`` times its length
    on both sides (Eshelman and Schaffer)."""

    n_parents = 2

    def __init__(self, alpha: float = 0.5) -> None:
        warn_experimental("BLXAlphaCrossover", "3.0.0")
        self._args = [as_float("alpha", alpha)]
        self._check()


class SBXCrossover(_BuiltinCrossover):
    """Simulated binary crossover with bounded spread (Deb and Agrawal). ``eta=None``: 20 for
    several objectives, 2 for one."""

    n_parents = 2

    def __init__(self, eta: float | None = None, uniform_crossover_prob: float = 0.5, use_child_gene_prob: float = 0.5) -> None:
        warn_experimental("SBXCrossover", "3.0.0")
        self._args = [
            _opt_float("eta", eta),
            as_float("uniform_crossover_prob", uniform_crossover_prob),
            as_float("use_child_gene_prob", use_child_gene_prob),
        ]
        self._check()


class VSBXCrossover(_BuiltinCrossover):
    """Vector-wise simulated binary crossover, without bounds. ``eta=None``: 20 for several
    objectives, 2 for one."""

    n_parents = 2

    def __init__(self, eta: float | None = None, uniform_crossover_prob: float = 0.5, use_child_gene_prob: float = 0.5) -> None:
        warn_experimental("VSBXCrossover", "3.0.0")
        self._args = [
            _opt_float("eta", eta),
            as_float("uniform_crossover_prob", uniform_crossover_prob),
            as_float("use_child_gene_prob", use_child_gene_prob),
        ]
        self._check()


class UNDXCrossover(_BuiltinCrossover):
    """Unimodal normal distribution crossover (three parents). As in Optuna, ``sigma_xi`` and
    ``sigma_eta`` (default ``0.35 / sqrt(n)``) are squared into the normal draws' standard
    deviations."""

    n_parents = 3

    def __init__(self, sigma_xi: float = 0.5, sigma_eta: float | None = None) -> None:
        warn_experimental("UNDXCrossover", "3.0.0")
        self._args = [as_float("sigma_xi", sigma_xi), _opt_float("sigma_eta", sigma_eta)]
        self._check()


class SPXCrossover(_BuiltinCrossover):
    """Simplex crossover (three parents): uniform in the parents' simplex expanded by
    ``epsilon`` (default ``sqrt(n + 2)``) about its centroid."""

    n_parents = 3

    def __init__(self, epsilon: float | None = None) -> None:
        warn_experimental("SPXCrossover", "3.0.0")
        self._args = [_opt_float("epsilon", epsilon)]
        self._check()
