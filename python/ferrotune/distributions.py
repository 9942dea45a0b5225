"""Search-space distributions, with Optuna's names, arguments and semantics.

Validation and membership live in the Rust core (one rule set for every entry point); these
classes are the user-facing values: hashable, comparable, JSON-serializable.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Sequence
from typing import Any

from ferrotune import _core
from ferrotune.exceptions import InvalidDistributionError

CategoricalChoiceType = None | bool | int | float | str

__all__ = [
    "BaseDistribution",
    "FloatDistribution",
    "IntDistribution",
    "CategoricalDistribution",
    "CategoricalChoiceType",
    "DISTRIBUTION_CLASSES",
    "UniformDistribution",
    "LogUniformDistribution",
    "DiscreteUniformDistribution",
    "IntUniformDistribution",
    "IntLogUniformDistribution",
    "distribution_to_json",
    "json_to_distribution",
    "check_distribution_compatibility",
]


def _plain(value: Any) -> Any:
    """numpy scalars -> Python scalars (numpy's bool and int are not Python's)."""
    if type(value) in (bool, int, float, str) or value is None:
        return value
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "shape", None) == ():
        return item()
    return value


class BaseDistribution:
    """Base class of the distributions. Each holds its core distribution (``_spec()``), read and
    validated once when the object is built, and handed to the engine as is."""

    __slots__ = ("_core_dist",)

    _core_dist: _core.Distribution

    def _spec(self) -> _core.Distribution:
        try:
            return self._core_dist
        except AttributeError:
            raise TypeError(f"{type(self).__name__} is not a ferrotune distribution") from None

    def to_external_repr(self, param_value_in_internal_repr: float) -> Any:
        """The user value of an internal value."""
        raise TypeError

    def to_internal_repr(self, param_value_in_external_repr: Any) -> float:
        """The internal value (a float) of a user value; raises when it is not one of the choices
        (a float or int distribution converts any number, see :func:`_numeric_internal`)."""
        v = self._spec().to_internal(_plain(param_value_in_external_repr))
        if v is None:
            raise InvalidDistributionError(
                f"value {param_value_in_external_repr!r} is not in {self!r}; use a value inside the distribution"
            )
        return v

    def single(self) -> bool:
        """True when the distribution has exactly one value."""
        raise TypeError

    def _contains(self, param_value_in_internal_repr: float) -> bool:
        return self._spec().contains(float(param_value_in_internal_repr))

    def _asdict(self) -> dict[str, Any]:
        slots: tuple[str, ...] = type(self).__slots__
        return {k: getattr(self, k) for k in slots}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BaseDistribution) and type(self) is type(other) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._key()))

    def _key(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in sorted(self._asdict().items()))
        return f"{type(self).__name__}({args})"


class FloatDistribution(BaseDistribution):
    """A float in ``[low, high]``: uniform, log-uniform (``log=True``) or on a grid of ``step``."""

    __slots__ = ("low", "high", "log", "step")

    def __init__(self, low: float, high: float, log: bool = False, step: float | None = None) -> None:
        # The core reads the arguments strictly (a bool is no bound, "yes" is no bool) and checks them.
        self._set(_core.Distribution.float(low, high, log, step))

    def _set(self, d: _core.Distribution) -> None:
        self._core_dist = d
        self.low, self.high, self.log, self.step = d.low, d.high, d.log, d.step

    def _key(self) -> tuple[Any, ...]:
        return ("float", self.low, self.high, self.log, self.step)

    def __reduce__(self) -> tuple[Any, ...]:
        return (FloatDistribution, (self.low, self.high, self.log, self.step))

    def to_internal_repr(self, param_value_in_external_repr: Any) -> float:
        return _numeric_internal(self, param_value_in_external_repr)

    def to_external_repr(self, param_value_in_internal_repr: float) -> float:
        return float(param_value_in_internal_repr)

    def single(self) -> bool:
        return self._spec().single()  # the core's rule, with its grid tolerance


class IntDistribution(BaseDistribution):
    """An integer in ``[low, high]``: uniform on a grid of ``step``, or log-uniform (``log=True``)."""

    __slots__ = ("low", "high", "log", "step")

    def __init__(self, low: int, high: int, log: bool = False, step: int = 1) -> None:
        self.low = _as_int(low, "low")
        self.high = _as_int(high, "high")
        self.step = _as_int(step, "step")
        self._set(_core.Distribution.int(self.low, self.high, log, self.step))

    def _set(self, d: _core.Distribution) -> None:
        self._core_dist = d
        self.low, self.high, self.log, self.step = d.low, d.high, d.log, d.step

    def _key(self) -> tuple[Any, ...]:
        return ("int", self.low, self.high, self.log, self.step)

    def __reduce__(self) -> tuple[Any, ...]:
        return (IntDistribution, (self.low, self.high, self.log, self.step))

    def to_internal_repr(self, param_value_in_external_repr: Any) -> float:
        return _numeric_internal(self, param_value_in_external_repr)

    def to_external_repr(self, param_value_in_internal_repr: float) -> int:
        return int(param_value_in_internal_repr)

    def single(self) -> bool:
        return self.high - self.low < self.step


def _numeric_internal(dist: FloatDistribution | IntDistribution, value: Any) -> float:
    """A float or int distribution's internal value of ``value``: the number itself, as Optuna
    converts it, inside the range or not (a sampler reads past values against today's range;
    ``_contains`` says whether it lies inside). What cannot be a value at all is refused: a
    non-number, NaN, and zero or less on a log scale."""
    try:
        v = float(_plain(value))
    except (TypeError, ValueError, OverflowError):
        raise InvalidDistributionError(f"value {value!r} is not a number; {dist!r} takes a float-castable value") from None
    if math.isnan(v):
        raise InvalidDistributionError(f"value {value!r} is NaN, which is not a value of {dist!r}")
    if dist.log and v <= 0.0:
        raise InvalidDistributionError(f"value {value!r} is not positive, which a log scale ({dist!r}) needs")
    return v


def _warn_legacy(cls: type, instead: str) -> None:
    warnings.warn(
        f"{cls.__name__} is deprecated since Optuna 3.0 and kept for old code; use {instead} instead",
        FutureWarning,
        stacklevel=3,
    )


def _restore_legacy(cls: type[FloatDistribution | IntDistribution], low: Any, high: Any, log: bool, step: Any) -> BaseDistribution:
    # Unpickling rebuilds the object through the base class, without warning again (as Optuna's
    # pickles, which restore the attributes without calling __init__).
    d = cls.__new__(cls)
    base = FloatDistribution if issubclass(cls, FloatDistribution) else IntDistribution
    base.__init__(d, low, high, log=log, step=step)  # type: ignore[arg-type]
    return d


class UniformDistribution(FloatDistribution):
    """Deprecated: ``FloatDistribution(low, high)`` under its pre-3.0 Optuna name (warns ``FutureWarning``)."""

    __slots__ = ()

    def __init__(self, low: float, high: float) -> None:
        _warn_legacy(type(self), "FloatDistribution(low, high)")
        super().__init__(low, high)

    def _asdict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high}

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore_legacy, (type(self), self.low, self.high, self.log, self.step))


class LogUniformDistribution(FloatDistribution):
    """Deprecated: ``FloatDistribution(low, high, log=True)`` under its pre-3.0 Optuna name."""

    __slots__ = ()

    def __init__(self, low: float, high: float) -> None:
        _warn_legacy(type(self), "FloatDistribution(low, high, log=True)")
        super().__init__(low, high, log=True)

    def _asdict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high}

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore_legacy, (type(self), self.low, self.high, self.log, self.step))


class DiscreteUniformDistribution(FloatDistribution):
    """Deprecated: ``FloatDistribution(low, high, step=q)`` under its pre-3.0 Optuna name; ``q`` is ``step``."""

    __slots__ = ()

    def __init__(self, low: float, high: float, q: float) -> None:
        _warn_legacy(type(self), "FloatDistribution(low, high, step=q)")
        super().__init__(low, high, step=q)

    @property
    def q(self) -> float:
        """The grid step (``step``)."""
        return float(self.step)

    def _asdict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "q": self.step}

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore_legacy, (type(self), self.low, self.high, self.log, self.step))


class IntUniformDistribution(IntDistribution):
    """Deprecated: ``IntDistribution(low, high, step=step)`` under its pre-3.0 Optuna name."""

    __slots__ = ()

    def __init__(self, low: int, high: int, step: int = 1) -> None:
        _warn_legacy(type(self), "IntDistribution(low, high, step=step)")
        super().__init__(low, high, step=step)

    def _asdict(self) -> dict[str, Any]:
        return {"step": self.step, "low": self.low, "high": self.high}  # Optuna's key order

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore_legacy, (type(self), self.low, self.high, self.log, self.step))


class IntLogUniformDistribution(IntDistribution):
    """Deprecated: ``IntDistribution(low, high, log=True)`` under its pre-3.0 Optuna name."""

    __slots__ = ()

    def __init__(self, low: int, high: int, step: int = 1) -> None:
        _warn_legacy(type(self), "IntDistribution(low, high, log=True)")
        super().__init__(low, high, log=True, step=step)

    def _asdict(self) -> dict[str, Any]:
        return {"step": self.step, "low": self.low, "high": self.high}  # Optuna's key order

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore_legacy, (type(self), self.low, self.high, self.log, self.step))


class CategoricalDistribution(BaseDistribution):
    """One of ``choices`` (``None``, ``bool``, ``int``, ``float`` or ``str`` values)."""

    __slots__ = ("choices",)

    def __init__(self, choices: Sequence[CategoricalChoiceType]) -> None:
        if isinstance(choices, (str, bytes)) or (not isinstance(choices, Sequence) and not hasattr(choices, "tolist")):
            raise InvalidDistributionError(f"invalid distribution: choices must be a list or tuple, got {choices!r}")
        if hasattr(choices, "tolist"):
            choices = choices.tolist()  # numpy arrays
        self.choices = tuple(_plain(c) for c in choices)
        for c in self.choices:
            # Checked here so the message does not speak of a parameter: this object has no name.
            if not (c is None or isinstance(c, (bool, int, float, str))):
                raise InvalidDistributionError(
                    f"invalid distribution: choice {c!r} of type {type(c).__name__} is not supported; use None, bool, int, float or str"
                )
            if isinstance(c, int) and not -(2**63) <= c < 2**63:
                raise InvalidDistributionError(f"invalid distribution: choice {c} does not fit in 64 bits; use a smaller int or a str")
        self._core_dist = _core.Distribution.categorical(self.choices)

    def __reduce__(self) -> tuple[Any, ...]:
        return (CategoricalDistribution, (self.choices,))

    def _key(self) -> tuple[Any, ...]:
        # bool/int/float compare equal in Python (True == 1 == 1.0); keep them apart.
        return ("categorical", tuple((type(c).__name__, c) for c in self.choices))

    def __hash__(self) -> int:
        return hash(tuple((type(c).__name__, "nan" if isinstance(c, float) and math.isnan(c) else c) for c in self.choices))

    def __eq__(self, other: object) -> bool:
        if type(other) is not CategoricalDistribution:
            return False
        a, b = self.choices, other.choices
        return len(a) == len(b) and all(_same_choice(x, y) for x, y in zip(a, b, strict=True))

    def to_external_repr(self, param_value_in_internal_repr: float) -> CategoricalChoiceType:
        choice: CategoricalChoiceType = self.choices[int(param_value_in_internal_repr)]
        return choice

    def single(self) -> bool:
        return len(self.choices) == 1


def _same_choice(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _as_int(v: Any, what: str) -> int:
    if isinstance(v, bool):
        raise InvalidDistributionError(f"invalid distribution: {what} must be an integer, got {v!r}")
    if isinstance(v, int):
        return v
    v = _plain(v)
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    raise InvalidDistributionError(f"invalid distribution: {what} must be an integer, got {v!r}; use an int")


_SPEC_CACHE: dict[_core.Distribution, BaseDistribution] = {}


def _from_spec(spec: _core.Distribution) -> BaseDistribution:
    """The distribution object of a core distribution (cached: a study reuses few
    distributions; the core's are hashable, NaN choices included)."""
    d = _SPEC_CACHE.get(spec)
    if d is not None:
        return d
    kind = spec.kind
    if kind == "categorical":
        c = CategoricalDistribution.__new__(CategoricalDistribution)
        c.choices = spec.choices
        c._core_dist = spec
        d = c
    else:
        n: FloatDistribution | IntDistribution = (
            FloatDistribution.__new__(FloatDistribution) if kind == "float" else IntDistribution.__new__(IntDistribution)
        )
        n._set(spec)
        d = n
    if len(_SPEC_CACHE) < 100_000:
        _SPEC_CACHE[spec] = d
    return d


#: Every distribution class, the deprecated ones included (Optuna's tuple, in its order).
DISTRIBUTION_CLASSES: tuple[type[BaseDistribution], ...] = (
    IntDistribution,
    IntLogUniformDistribution,
    IntUniformDistribution,
    FloatDistribution,
    UniformDistribution,
    LogUniformDistribution,
    DiscreteUniformDistribution,
    CategoricalDistribution,
)


def distribution_to_json(dist: BaseDistribution) -> str:
    """Serializes a distribution, in Optuna's JSON layout."""
    return json.dumps(
        {
            "name": type(dist).__name__,
            "attributes": dist._asdict() if not isinstance(dist, CategoricalDistribution) else {"choices": list(dist.choices)},
        }
    )


def json_to_distribution(json_str: str) -> BaseDistribution:
    """Reads a distribution written by :func:`distribution_to_json` (or by Optuna), or in
    Optuna's abbreviated form: ``{"type": "float" | "int", "low": ..., "high": ..., "step"?,
    "log"?}`` or ``{"type": "categorical", "choices": [...]}``."""
    obj = json.loads(json_str)
    if "name" not in obj:
        return _abbreviated(obj)
    name, attrs = obj["name"], obj["attributes"]
    if name == "FloatDistribution":
        return FloatDistribution(**attrs)
    if name == "IntDistribution":
        return IntDistribution(**attrs)
    if name == "CategoricalDistribution":
        return CategoricalDistribution(attrs["choices"])
    for cls in DISTRIBUTION_CLASSES:
        if name == cls.__name__:  # a deprecated class, as old Optuna versions wrote them
            return cls(**attrs)
    raise InvalidDistributionError(f"unknown distribution {name!r} in JSON; expected Float/Int/CategoricalDistribution")


def _abbreviated(obj: dict[str, Any]) -> BaseDistribution:
    kind = obj.get("type")
    if kind == "categorical":
        return CategoricalDistribution(obj["choices"])
    if kind == "float":
        return FloatDistribution(obj["low"], obj["high"], log=obj.get("log", False), step=obj.get("step"))
    if kind == "int":
        step = obj.get("step")
        return IntDistribution(obj["low"], obj["high"], log=obj.get("log", False), step=1 if step is None else step)
    raise InvalidDistributionError(
        f"unknown distribution type {kind!r} in JSON; expected 'float', 'int' or 'categorical' (or Optuna's name/attributes form)"
    )


def check_distribution_compatibility(dist_old: BaseDistribution, dist_new: BaseDistribution) -> None:
    """Raises when two distributions cannot describe the same parameter across trials
    (different kinds, a log scale and a linear one, or different choices for a categorical)."""
    if type(dist_old) is not type(dist_new):
        raise InvalidDistributionError(f"cannot set different distribution kinds for the same parameter: {dist_old!r} vs {dist_new!r}")
    numeric = (FloatDistribution, IntDistribution)
    if isinstance(dist_old, numeric) and isinstance(dist_new, numeric) and dist_old.log != dist_new.log:
        raise InvalidDistributionError(f"cannot set a log scale and a linear one for the same parameter: {dist_old!r} vs {dist_new!r}")
    if isinstance(dist_old, CategoricalDistribution) and dist_old != dist_new:
        raise InvalidDistributionError(
            f"categorical choices cannot change between trials: {dist_old.choices!r} vs {dist_new.choices!r}"  # type: ignore[attr-defined]
        )
