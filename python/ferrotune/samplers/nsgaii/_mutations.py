"""Mutation operators of :class:`~ferrotune.samplers.NSGAIISampler`."""

from __future__ import annotations

import abc
from typing import Any

from ferrotune import _core
from ferrotune._convert import as_float
from ferrotune._deprecation import warn_experimental


class BaseMutation(abc.ABC):
    """The mutation interface. ferrotune's samplers take :class:`PolynomialMutation` only."""

    def __str__(self) -> str:
        return self.__class__.__name__

    @abc.abstractmethod
    def mutation(self, param: float, rng: Any, study: Any, search_space_bounds: Any) -> float:
        """``param`` mutated within ``search_space_bounds``."""


class PolynomialMutation(BaseMutation):
    """Polynomial mutation (Deb and Agrawal) of one parameter in the transformed space, with
    distribution index ``eta`` (larger: smaller steps)."""

    def __init__(self, eta: float = 20.0) -> None:
        warn_experimental("PolynomialMutation", "5.0.0")
        self._eta = as_float("eta", eta)
        _core.nsga_check_operator("PolynomialMutation", [self._eta])

    @property
    def eta(self) -> float:
        return self._eta

    def mutation(self, param: float, rng: Any, study: Any, search_space_bounds: Any) -> float:
        """``param`` mutated within ``search_space_bounds`` (``[low, high]`` of the transformed
        space), with one draw of ``rng.rand()`` (Optuna's method; the samplers run the same
        formula in the core)."""
        low, high = (float(b) for b in search_space_bounds)
        return _core.nsga_polynomial_mutation(self._eta, float(param), low, high, float(rng.rand()))

    def __repr__(self) -> str:
        return f"PolynomialMutation(eta={self._eta!r})"
