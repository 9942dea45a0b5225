"""Pruners: which trials to stop early."""

from ferrotune.pruners._base import BasePruner
from ferrotune.pruners._nop import NopPruner

__all__ = ["BasePruner", "NopPruner"]
