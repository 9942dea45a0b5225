"""Samplers: what to try next. The built-in ones run in the Rust core."""

from ferrotune.samplers._base import BaseSampler
from ferrotune.samplers._gp import GPSampler
from ferrotune.samplers._grid import GridSampler
from ferrotune.samplers._nsga import NSGAIIISampler, NSGAIISampler
from ferrotune.samplers._qmc import QMCSampler, qmc_points
from ferrotune.samplers._random import RandomSampler
from ferrotune.samplers._tpe import TPESampler

__all__ = [
    "BaseSampler",
    "GPSampler",
    "GridSampler",
    "NSGAIIISampler",
    "NSGAIISampler",
    "QMCSampler",
    "RandomSampler",
    "TPESampler",
    "qmc_points",
]
