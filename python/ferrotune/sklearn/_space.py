"""Search spaces as scikit-learn users write them, mapped onto ferrotune distributions.

A space is a dict ``{param: values}`` or a list of such dicts (alternative sub-spaces). A value
may be a list (a grid axis / a uniform categorical choice), a ferrotune distribution, a
``scipy.stats`` frozen distribution (``uniform``, ``loguniform``, ``randint`` become ferrotune
distributions so model-based samplers can model them) or any object with ``rvs`` (drawn
through ``rvs``: samplers cannot model it).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ferrotune.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from ferrotune.exceptions import FerrotuneTypeError, FerrotuneValueError
from ferrotune.trial import Trial

# The study parameter that picks one of several sub-spaces (a list of dicts).
SUBSPACE_PARAM = "_subspace"
# Prefix of the user attributes that record values drawn through ``rvs``.
RVS_ATTR_PREFIX = "sklearn:rvs:"

_PLAIN_TYPES = (type(None), bool, int, float, str)


def _is_plain(value: Any) -> bool:
    return type(value) in _PLAIN_TYPES and not (type(value) is float and math.isnan(value))


@dataclass(frozen=True)
class _Param:
    """One parameter: a ferrotune distribution (with the list it indexes, if any) or an ``rvs``
    object."""

    name: str
    distribution: BaseDistribution | None
    values: tuple[Any, ...] | None = None  # a list: the original objects, in order
    by_index: bool = False  # the categorical holds indices into ``values``
    rvs: Any = None
    study_name: str = ""  # the study's name for it: ``name``, or ``name@i`` in sub-space i

    @property
    def key(self) -> str:
        return self.study_name or self.name

    def suggest(self, trial: Trial, rng: np.random.Generator) -> Any:
        if self.distribution is None:
            value = self.rvs.rvs(random_state=rng)
            plain = value.item() if isinstance(value, np.generic) else value
            if _is_plain(plain):
                trial.set_user_attr(RVS_ATTR_PREFIX + self.key, plain)
            return value
        drawn = trial._suggest(self.key, self.distribution)
        if self.values is None:
            return drawn
        if self.by_index:
            return self.values[int(drawn)]
        # plain choices: hand back the original object (same type as the user wrote)
        assert isinstance(self.distribution, CategoricalDistribution)
        return self.values[self.distribution.choices.index(drawn)]

    def encode(self, value_index: int) -> Any:
        """The study value of the ``value_index``-th list entry (for grids)."""
        assert self.values is not None
        if self.by_index:
            return value_index
        assert isinstance(self.distribution, CategoricalDistribution)
        return self.distribution.choices[value_index]


def _from_list(name: str, values: Sequence[Any]) -> _Param:
    vals = tuple(values)
    plain = all(_is_plain(v) for v in vals)
    # duplicates (1 and True compare equal) would make a categorical ambiguous: use indices
    unique = plain and len({(type(v), v) for v in vals}) == len(vals) and len(set(vals)) == len(vals)
    if plain and unique:
        return _Param(name, CategoricalDistribution(list(vals)), vals)
    return _Param(name, CategoricalDistribution(list(range(len(vals)))), vals, by_index=True)


def _from_scipy(name: str, frozen: Any) -> _Param | None:
    """A ferrotune distribution equal to a scipy frozen ``uniform``/``loguniform``/``randint``,
    or None when there is none."""
    dist: Any = getattr(frozen, "dist", None)
    dist_name = getattr(dist, "name", None)
    if dist_name not in ("uniform", "loguniform", "reciprocal", "randint"):
        return None
    try:
        _shapes, loc, _scale = dist._parse_args(*frozen.args, **frozen.kwds)
        low, high = (float(b) for b in frozen.support())
    except Exception:  # a changed scipy internal: fall back to rvs
        return None
    if not (math.isfinite(low) and math.isfinite(high)) or low > high:
        return None
    if dist_name == "uniform":
        return _Param(name, FloatDistribution(low, high))
    if dist_name == "randint":
        return _Param(name, IntDistribution(int(low), int(high)))
    # log-uniform stays log-uniform under scaling only, not under a shift
    if loc != 0 or low <= 0:
        return None
    return _Param(name, FloatDistribution(low, high, log=True))


def _param(name: str, value: Any, *, grid: bool) -> _Param:
    if grid:
        if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
            raise FerrotuneTypeError(
                f"Parameter grid for parameter {name!r} needs to be a list or a numpy array, "
                f"but got {value!r} (of type {type(value).__name__}) instead. A single value "
                "needs to be wrapped in a list with one element."
            )
        if len(value) == 0:
            raise FerrotuneValueError(f"Parameter grid for parameter {name!r} need to be a non-empty sequence, got: {value!r}")
        return _from_list(name, list(value))
    if isinstance(value, BaseDistribution):
        return _Param(name, value)
    if hasattr(value, "rvs"):
        mapped = _from_scipy(name, value)
        return mapped if mapped is not None else _Param(name, None, rvs=value)
    if isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, (str, bytes)):
        if len(value) == 0:
            raise FerrotuneValueError(f"Parameter {name!r} is an empty list: give at least one value")
        return _from_list(name, list(value))
    raise FerrotuneTypeError(
        f"Parameter grid for parameter {name!r} is not iterable or a distribution (value={value!r}): "
        "give a list, a ferrotune distribution or an object with an rvs method (scipy.stats)"
    )


class SearchSpace:
    """A parsed space: one or more sub-spaces of named :class:`_Param`."""

    def __init__(self, space: Any, *, grid: bool) -> None:
        if isinstance(space, Mapping):
            dicts: list[Mapping[str, Any]] = [space]
        elif isinstance(space, Sequence) and not isinstance(space, (str, bytes)):
            dicts = list(space)
        else:
            what = "param_grid" if grid else "param_distributions"
            raise FerrotuneTypeError(f"{what} must be a dict or a list of dicts, got {space!r} (of type {type(space).__name__})")
        for d in dicts:
            if not isinstance(d, Mapping):
                raise FerrotuneTypeError(f"each entry of the search space must be a dict, got {d!r}")
        self.grid = grid
        parsed = [[_param(str(k), v, grid=grid) for k, v in d.items()] for d in dicts]
        # a study keeps one distribution per name: a name whose distribution differs between
        # sub-spaces gets one study name per sub-space
        seen: dict[str, set[Any]] = {}
        for sub in parsed:
            for p in sub:
                seen.setdefault(p.name, set()).add((p.distribution, tuple(map(id, p.values or ())) if p.by_index else None, id(p.rvs)))
        self.subspaces: list[list[_Param]] = [
            [p if len(seen[p.name]) == 1 else dataclasses.replace(p, study_name=f"{p.name}@{i}") for p in sub]
            for i, sub in enumerate(parsed)
        ]

    @property
    def names(self) -> set[str]:
        """Every parameter name of every sub-space."""
        return {p.name for sub in self.subspaces for p in sub}

    def check_names(self, valid: Iterable[str], estimator: Any) -> None:
        """Raises naming the first key the estimator does not have."""
        valid_set = set(valid)
        for name in sorted(self.names):
            if name not in valid_set:
                raise FerrotuneValueError(
                    f"Invalid parameter {name!r} for estimator {estimator!r}. Valid parameters are: {sorted(valid_set)!r}."
                )

    def suggest(self, trial: Trial, rng: np.random.Generator) -> dict[str, Any]:
        """Draws one candidate through ``trial`` (the sampler) and ``rng`` (``rvs`` objects)."""
        index = 0
        if len(self.subspaces) > 1:
            index = int(trial.suggest_categorical(SUBSPACE_PARAM, list(range(len(self.subspaces)))))
        return {p.name: p.suggest(trial, rng) for p in self.subspaces[index]}

    def grid_points(self) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """Every grid point in scikit-learn's ``ParameterGrid`` order, as ``(study_params,
        estimator_params)``."""
        for index, sub in enumerate(self.subspaces):
            ordered = sorted(sub, key=lambda p: p.name)  # ParameterGrid iterates keys sorted
            if not ordered:
                yield ({SUBSPACE_PARAM: index} if len(self.subspaces) > 1 else {}), {}
                continue
            ranges = [range(len(p.values or ())) for p in ordered]
            for combo in itertools.product(*ranges):
                encoded: dict[str, Any] = {SUBSPACE_PARAM: index} if len(self.subspaces) > 1 else {}
                decoded: dict[str, Any] = {}
                for p, i in zip(ordered, combo, strict=True):
                    encoded[p.key] = p.encode(i)
                    decoded[p.name] = (p.values or ())[i]
                yield encoded, decoded

    def subspace_of(self, encoded: Mapping[str, Any]) -> list[_Param]:
        """The sub-space a grid point belongs to."""
        return self.subspaces[int(encoded.get(SUBSPACE_PARAM, 0))]
