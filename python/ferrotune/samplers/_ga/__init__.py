"""BaseGASampler: the base class of genetic-algorithm samplers written in Python."""

from ferrotune.samplers._ga._base import BaseGASampler

__all__ = ["BaseGASampler"]
