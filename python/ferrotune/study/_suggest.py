"""How a trial's parameters are chosen: by a sampler in the core, or by one written in Python.

A study picks one of the two paths whenever its sampler or pruner is set; a trial calls the
path for each suggestion and the study calls it when a trial starts and finishes, without
asking which sampler runs. Both paths have the same methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ferrotune.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    check_distribution_compatibility,
)
from ferrotune.exceptions import FerrotuneValueError, InvalidDistributionError
from ferrotune.trial import TrialState
from ferrotune.trial._base import _distribution_for

if TYPE_CHECKING:
    from ferrotune import _core
    from ferrotune.samplers import BaseSampler
    from ferrotune.study._study import Study
    from ferrotune.trial import Trial


class CorePath:
    """The sampler runs in the core: a suggestion is one call into the engine, which also
    starts and finishes trials for the sampler."""

    def __init__(self, engine: _core.Engine) -> None:
        self._engine = engine

    def start(self, trial: Trial) -> None:
        """Nothing to do: the engine prepared the trial when it was asked for."""

    def suggest_float(self, trial: Trial, name: str, low: float, high: float, step: float | None, log: bool) -> float:
        return self._engine.suggest_float(trial._trial_id, name, low, high, step, log)

    def suggest_int(self, trial: Trial, name: str, low: int, high: int, step: int, log: bool) -> int:
        return self._engine.suggest_int(trial._trial_id, name, low, high, step, log)

    def suggest_categorical(self, trial: Trial, name: str, choices: Sequence[Any]) -> Any:
        return choices[self._engine.suggest_categorical(trial._trial_id, name, choices)]

    def suggest(self, trial: Trial, name: str, distribution: BaseDistribution) -> Any:
        v = self._engine.suggest(trial._trial_id, name, distribution._spec())
        return distribution.to_external_repr(v)

    def finish(self, trial: Trial, state: TrialState, values: list[float] | None) -> None:
        """Nothing to do: the engine tells the sampler when the trial is told."""


class PythonPath:
    """A sampler written in Python: its hooks run around the engine's bookkeeping, with
    Optuna's order (before_trial, the joint proposal, sample_independent per parameter,
    after_trial). Under Hyperband (``by_bracket``) the sampler sees only the trials of each
    trial's bracket, as Optuna's samplers do."""

    def __init__(self, engine: _core.Engine, sampler: BaseSampler, study: Study, by_bracket: bool) -> None:
        self._engine = engine
        self._sampler = sampler
        self._study = study
        self._by_bracket = by_bracket

    def _view(self, number: int) -> Study:
        """The study as the sampler sees it when working for trial ``number``."""
        if not self._by_bracket:
            return self._study
        bracket = self._engine.bracket_of(number)
        if bracket is None:
            return self._study
        from ferrotune.study._bracket import _BracketStudy

        return _BracketStudy(self._study, bracket)

    def start(self, trial: Trial) -> None:
        """Runs ``before_trial`` and the joint proposal; a failing hook fails the trial (it
        exists already and must not stay RUNNING)."""
        sampler = self._sampler
        try:
            frozen = trial._frozen()
            view = self._view(trial.number)
            sampler.before_trial(view, frozen)
            space = sampler.infer_relative_search_space(view, frozen)
            if space:
                rel = sampler.sample_relative(view, frozen, space)
                trial._relative = {n: (space.get(n), v) for n, v in rel.items()}
        except BaseException:
            self._engine.tell(trial._trial_id, int(TrialState.FAIL), None)
            raise

    def suggest_float(self, trial: Trial, name: str, low: float, high: float, step: float | None, log: bool) -> float:
        value: float = self.suggest(trial, name, _distribution_for(name, FloatDistribution, low, high, log=log, step=step))
        return value

    def suggest_int(self, trial: Trial, name: str, low: int, high: int, step: int, log: bool) -> int:
        value: int = self.suggest(trial, name, _distribution_for(name, IntDistribution, low, high, log=log, step=step))
        return value

    def suggest_categorical(self, trial: Trial, name: str, choices: Sequence[Any]) -> Any:
        return self.suggest(trial, name, _distribution_for(name, CategoricalDistribution, choices))

    def suggest(self, trial: Trial, name: str, distribution: BaseDistribution) -> Any:
        """An existing or enqueued value first, then the joint proposal, then
        ``sample_independent``; the value is stored through the engine."""
        v = self._engine.preset(trial._trial_id, name, distribution._spec())
        if v is not None:
            return distribution.to_external_repr(v)
        external: Any = _relative_value(trial, name, distribution)
        if external is _NOT_RELATIVE:
            external = self._sampler.sample_independent(self._view(trial.number), trial._frozen(), name, distribution)
        try:
            internal = distribution.to_internal_repr(external)
            if not distribution._contains(internal):
                raise InvalidDistributionError
        except InvalidDistributionError:
            raise FerrotuneValueError(
                f"the sampler {type(self._sampler).__name__} proposed {external!r} for parameter '{name}', "
                f"which is not in {distribution!r}; return a value inside the distribution"
            ) from None
        self._engine.set_param(trial._trial_id, name, distribution._spec(), internal)
        return distribution.to_external_repr(internal)

    def finish(self, trial: Trial, state: TrialState, values: list[float] | None) -> None:
        """Runs ``after_trial`` before the result is stored, as in Optuna."""
        self._sampler.after_trial(self._view(trial.number), trial._frozen(), state, values)


_NOT_RELATIVE = object()


def _relative_value(trial: Trial, name: str, distribution: BaseDistribution) -> Any:
    """The joint proposal's value of ``name``, as Optuna takes it: when the suggested
    distribution contains it (its range may differ from the inferred one), else
    ``_NOT_RELATIVE``. A proposal outside the inferred space, or of another kind than the
    suggestion, is the sampler's or the objective's error."""
    relative = trial._relative
    if relative is None or name not in relative:
        return _NOT_RELATIVE
    inferred, value = relative[name]
    if inferred is None:
        raise FerrotuneValueError(
            f"the sampler's sample_relative returned parameter '{name}', which is not in the space its "
            "infer_relative_search_space returned; return only parameters of that space"
        )
    check_distribution_compatibility(inferred, distribution)
    try:
        inside = distribution._contains(distribution.to_internal_repr(value))
    except InvalidDistributionError:
        return _NOT_RELATIVE
    return value if inside else _NOT_RELATIVE
