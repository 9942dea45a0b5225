"""Mutation operators of :class:`~ferrotune.samplers.NSGAIISampler`."""

from __future__ import annotations

import abc

from ferrotune import _core
from ferrotune._convert import as_float
from ferrotune._deprecation import warn_experimental


class BaseMutation(abc.ABC):
    """The mutation interface. ferrotune's samplers take :class:`PolynomialMutation` only."""

    def __str__(self) -> str:
        return self.__class__.__name__


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

    def __repr__(self) -> str:
        return f"PolynomialMutation(eta={self._eta!r})"
