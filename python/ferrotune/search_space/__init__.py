"""Search spaces inferred from a study's trials (Optuna's ``optuna.search_space``)."""

from ferrotune.search_space._intersection import IntersectionSearchSpace, intersection_search_space

__all__ = ["IntersectionSearchSpace", "intersection_search_space"]
