"""Samplers: what to try next. The built-in ones run in the Rust core."""

from ferrotune.samplers._auto import AutoSampler
from ferrotune.samplers._base import BaseSampler
from ferrotune.samplers._brute_force import BruteForceSampler
from ferrotune.samplers._cmaes import CmaEsSampler
from ferrotune.samplers._ga import BaseGASampler
from ferrotune.samplers._gp import GPSampler
from ferrotune.samplers._grid import GridSampler
from ferrotune.samplers._nsga import NSGAIIISampler, NSGAIISampler
from ferrotune.samplers._partial_fixed import PartialFixedSampler
from ferrotune.samplers._qmc import QMCSampler, qmc_points
from ferrotune.samplers._random import RandomSampler
from ferrotune.samplers._tpe import TPESampler

__all__ = [
    "AutoSampler",
    "BaseGASampler",
    "BaseSampler",
    "BruteForceSampler",
    "CmaEsSampler",
    "GPSampler",
    "GridSampler",
    "NSGAIIISampler",
    "NSGAIISampler",
    "PartialFixedSampler",
    "QMCSampler",
    "RandomSampler",
    "TPESampler",
    "qmc_points",
]
