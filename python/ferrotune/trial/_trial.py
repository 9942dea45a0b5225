"""Trial: the live trial an objective receives. Each call is one crossing into the core."""

from __future__ import annotations

import datetime
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ferrotune import _json
from ferrotune.distributions import (
    BaseDistribution,
    CategoricalChoiceType,
    _as_int,
    _from_spec,
    _plain,
)
from ferrotune.exceptions import (
    FerrotuneTypeError,
    FerrotuneValueError,
    InvalidDistributionError,
    MultiObjectiveNotSupportedError,
)
from ferrotune.trial._base import BaseTrial, _check_name
from ferrotune.trial._frozen import FrozenTrial

if TYPE_CHECKING:
    from ferrotune.study import Study


class Trial(BaseTrial):
    """A running trial. Suggest parameters with ``suggest_*``, report intermediate values with
    :meth:`report`, and ask :meth:`should_prune` whether to stop early.

    Created by :meth:`Study.ask` or by :meth:`Study.optimize`; not meant to be built directly.
    """

    __slots__ = ("_engine", "_max_step", "_number", "_path", "_quiet", "_relative", "_trial_id", "study")

    def __init__(self, study: Study, trial_id: int, number: int | None = None) -> None:
        self.study = study
        self._trial_id = trial_id
        self._engine = study._engine
        # How parameters are chosen (the study's sampler in the core, or one written in Python).
        self._path = study._path
        if number is None:
            number = self._engine.locate(trial_id)[0]
        self._number = number
        # Joint proposals of a Python sampler for this trial: name -> (distribution, value).
        # the joint proposal of a Python sampler: name -> (inferred distribution or None, value)
        self._relative: dict[str, tuple[BaseDistribution | None, Any]] | None = None
        # The largest step reported through this object, and (pruner, step) from the last
        # decision: that pruner cannot stop the trial before it reports that step.
        self._max_step: int | None = None
        self._quiet: tuple[Any, int] | None = None

    # -- suggestions --------------------------------------------------------------------------
    def suggest_float(self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False) -> float:
        """A float parameter in ``[low, high]``; ``log=True`` samples in log space, ``step``
        restricts it to ``low + k * step``."""
        return self._path.suggest_float(self, _check_name(name), low, high, step, log)

    def suggest_int(self, name: str, low: int, high: int, *, step: int = 1, log: bool = False) -> int:
        """An integer parameter in ``[low, high]`` on a grid of ``step``; ``log=True`` samples in log space."""
        name = _check_name(name)
        if type(low) is not int or type(high) is not int or type(step) is not int:
            try:
                low, high, step = _as_int(low, "low"), _as_int(high, "high"), _as_int(step, "step")
            except InvalidDistributionError as e:
                raise InvalidDistributionError(f"parameter '{name}': {e}".replace("invalid distribution: ", "")) from None
        return self._path.suggest_int(self, name, low, high, step, log)

    def suggest_categorical(self, name: str, choices: Sequence[CategoricalChoiceType]) -> Any:
        """One of ``choices`` (None, bool, int, float or str values)."""
        name = _check_name(name)
        if type(choices) not in (list, tuple):
            if isinstance(choices, (str, bytes)) or not (isinstance(choices, Sequence) or hasattr(choices, "tolist")):
                raise InvalidDistributionError(f"parameter '{name}': choices must be a list or tuple, got {choices!r}")
            choices = choices.tolist() if hasattr(choices, "tolist") else list(choices)
        return self._path.suggest_categorical(self, name, choices)

    def _suggest(self, name: str, distribution: BaseDistribution) -> Any:
        """Suggests from a distribution object (``ask(fixed_distributions=...)``)."""
        return self._path.suggest(self, name, distribution)

    # -- intermediate values and pruning -----------------------------------------------------------
    def report(self, value: float, step: int) -> None:
        """Records the objective's intermediate ``value`` at ``step`` (an epoch, say), for pruners.
        A second report for the same step is ignored with a warning, as in Optuna."""
        if len(self.study.directions) > 1:
            raise MultiObjectiveNotSupportedError(
                "Trial.report is not supported in multi-objective studies; pruning needs a single objective"
            )
        # Converted as Optuna converts them: float(value) and int(step) (a float step is cut).
        try:
            fvalue = float(value)
        except OverflowError:
            raise FerrotuneValueError(f"report() needs a number a float can hold, got {value!r}; report a float") from None
        except (TypeError, ValueError):
            raise FerrotuneTypeError(f"report() needs a number, got {value!r} of type {type(value).__name__}; report a float") from None
        try:
            istep = int(_plain(step))
        except OverflowError:
            raise FerrotuneValueError(f"report() step must be finite, got {step!r}; use 0, 1, 2, ...") from None
        except (TypeError, ValueError):
            raise FerrotuneTypeError(f"report() step must be an int, got {step!r}; use 0, 1, 2, ...") from None
        try:
            fresh = self._engine.report(self._trial_id, istep, fvalue)
        except OverflowError:
            raise FerrotuneValueError(f"report() step must fit in 64 bits, got {istep}; number steps 0, 1, 2, ...") from None
        if fresh:
            self._max_step = istep if self._max_step is None else max(self._max_step, istep)
        else:
            warnings.warn(
                f"trial {self._number}: a value was already reported for step {step}; the new value "
                f"{fvalue} is ignored (the first report wins)",
                UserWarning,
                stacklevel=2,
            )

    def should_prune(self) -> bool:
        """True when the study's pruner says this trial should stop now."""
        if self.study._is_multi_objective():
            raise MultiObjectiveNotSupportedError(
                "Trial.should_prune is not supported in multi-objective studies; pruning needs a single objective"
            )
        return self.study._should_prune(self)

    # -- attributes ----------------------------------------------------------------------------
    def set_user_attr(self, key: str, value: Any) -> None:
        """Stores a JSON-compatible value with the trial."""
        self._engine.set_trial_attr(self._trial_id, True, key, _json.dumps(key, value))

    def set_system_attr(self, key: str, value: Any) -> None:
        """Stores a JSON-compatible value among the trial's system attributes."""
        self._engine.set_trial_attr(self._trial_id, False, key, _json.dumps(key, value))

    # -- views -----------------------------------------------------------------------------------
    def _frozen(self) -> FrozenTrial:
        return FrozenTrial._from_export(self._engine.export_trial(self._number))[0]

    @property
    def number(self) -> int:
        """The trial's number in its study (0, 1, 2, ...)."""
        return self._number

    @property
    def params(self) -> dict[str, Any]:
        """Parameters suggested so far, as user values."""
        return self._frozen().params

    @property
    def distributions(self) -> dict[str, BaseDistribution]:
        """Distributions of the parameters suggested so far."""
        return self._frozen().distributions

    @property
    def user_attrs(self) -> dict[str, Any]:
        return self._frozen().user_attrs

    @property
    def system_attrs(self) -> dict[str, Any]:
        return self._frozen().system_attrs

    @property
    def datetime_start(self) -> datetime.datetime | None:
        return self._frozen().datetime_start

    @property
    def relative_params(self) -> dict[str, Any]:
        """The values the sampler proposed jointly for this trial when it started."""
        if self._relative is not None:
            return {k: v for k, (_, v) in self._relative.items()}
        return {n: _from_spec(spec).to_external_repr(v) for n, v, spec in self._engine.relative_params(self._trial_id)}

    def __repr__(self) -> str:
        return f"Trial(number={self._number}, study={self.study.study_name!r})"
