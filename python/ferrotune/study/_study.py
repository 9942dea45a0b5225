"""Study: a set of trials optimizing one objective (or several), with Optuna's API."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ferrotune import _convert, _core, _json
from ferrotune import logging as ft_logging
from ferrotune._deprecation import warn_experimental
from ferrotune.distributions import BaseDistribution, _plain
from ferrotune.exceptions import (
    DuplicatedStudyError,
    FerrotuneRuntimeError,
    FerrotuneTypeError,
    FerrotuneValueError,
    MultiObjectiveError,
    TrialNotFoundError,
)
from ferrotune.pruners import BasePruner, HyperbandPruner, NopPruner
from ferrotune.pruners._core_backed import CoreBackedPruner
from ferrotune.samplers import BaseSampler, TPESampler
from ferrotune.samplers._overrides import patched_hooks, replaced_hooks
from ferrotune.storages import BaseStorage, get_storage
from ferrotune.storages._heartbeat import BaseHeartbeat, is_heartbeat_enabled
from ferrotune.study import _optimize
from ferrotune.study._context import StudyContext
from ferrotune.study._direction import StudyDirection, parse_direction
from ferrotune.study._prune import CorePrune, NeverPrune, PythonPrune
from ferrotune.study._suggest import CorePath, PythonPath
from ferrotune.trial import FrozenTrial, Trial, TrialState
from ferrotune.trial._base import _check_name

if TYPE_CHECKING:
    import pandas as pd

_logger = ft_logging.get_logger(__name__)


def _check_sampler(sampler: Any) -> BaseSampler:
    if sampler is None:
        return TPESampler()
    if not isinstance(sampler, BaseSampler):
        raise FerrotuneValueError(f"sampler must be a ferrotune sampler (a ferrotune.samplers.BaseSampler), got {type(sampler).__name__}")
    return sampler


def _check_pruner(pruner: Any) -> BasePruner:
    if pruner is None:
        return NopPruner()
    if not isinstance(pruner, BasePruner):
        raise FerrotuneValueError(f"pruner must be a ferrotune pruner (a ferrotune.pruners.BasePruner), got {type(pruner).__name__}")
    return pruner


#: Where ``set_metric_names`` keeps the names (Optuna's system attribute, so either reads them).
_METRIC_NAMES_ATTR = "study:metric_names"


class Study:
    """A study: trials proposed by a sampler, judged by a pruner, kept in a storage.

    Create one with :func:`create_study` or open an existing one with :func:`load_study`;
    ``Study(study_name, storage)`` also opens an existing study.
    """

    def __init__(self, study_name: str, storage: Any, sampler: BaseSampler | None = None, pruner: BasePruner | None = None) -> None:
        st = get_storage(storage)
        self._init(st, st._core.study_id(study_name), sampler, pruner)

    def _init(self, storage: BaseStorage, study_id: int, sampler: Any, pruner: Any) -> None:
        self._storage = storage
        # read once per trial by optimize: the storage when trials record heartbeats in it
        self._heartbeat: BaseHeartbeat | None = storage if isinstance(storage, BaseHeartbeat) and is_heartbeat_enabled(storage) else None
        self._study_id = study_id
        info = storage._core.study_info(study_id)
        self.study_name: str = info[1]
        self._directions = [StudyDirection(d) for d in info[2]]
        self._stop_flag = False
        # which threads are inside optimize() (its caller, its workers): per thread, so several
        # threads may optimize one study at once, as in Optuna, while a nested call is refused
        self._optimize_local = threading.local()
        self._cache: list[FrozenTrial] = []
        self._cache_lock = threading.Lock()
        # held while a sampler that switches (AutoSampler) may move the study to another engine
        # and a trial is asked: a trial is never asked on one engine and run on another
        self._switch_lock = threading.Lock()
        self._pruner = _check_pruner(pruner)
        self.sampler = _check_sampler(sampler)

    # -- sampler / engine -----------------------------------------------------------------------
    @property
    def sampler(self) -> BaseSampler:
        """The sampler; assigning a new one takes effect for the next trial."""
        return self._sampler

    @sampler.setter
    def sampler(self, sampler: BaseSampler) -> None:
        self._sampler = _check_sampler(sampler)
        self._engine = _core.Engine(self._storage._core, self._study_id, getattr(self._sampler, "_core_sampler", None))
        self._context = StudyContext(self._engine, self._storage, self._study_id, self._trial)
        self._choose_paths()

    # -- pruner ---------------------------------------------------------------------------------
    @property
    def pruner(self) -> BasePruner:
        """The pruner; assigning a new one takes effect for the next decision."""
        return self._pruner

    @pruner.setter
    def pruner(self, pruner: BasePruner | None) -> None:
        self._pruner = _check_pruner(pruner)
        self._choose_paths()

    def _choose_paths(self) -> None:
        """Chooses, once per sampler and pruner, how trials get their parameters (``_path``)
        and how ``should_prune`` is answered (``_prune``), and hands a built-in pruner to the
        engine: a decision then costs one call into the core, and under Hyperband model-based
        samplers see only the trials of each trial's bracket."""
        p = self._pruner
        core_pruner = p._core_pruner if isinstance(p, CoreBackedPruner) and not isinstance(p, NopPruner) else None
        self._engine.set_pruner(core_pruner)
        self._prune: NeverPrune | CorePrune | PythonPrune
        if type(p) is NopPruner:
            self._prune = NeverPrune()
        elif isinstance(p, CoreBackedPruner) and core_pruner is not None and p._fast():
            self._prune = CorePrune(self._engine, p)
        else:
            self._prune = PythonPrune(p, self)
        self._choose_sampler_path()

    def _choose_sampler_path(self) -> None:
        """The core path for a built-in sampler, unless a user replaced one of its hooks
        (``samplers._overrides``): then its hooks run from Python, as Optuna calls them."""
        self._path: CorePath | PythonPath
        self._patched = patched_hooks(self._sampler)
        # a sampler that picks a built-in sampler as the study goes (AutoSampler) is asked
        # before each trial; when it picks another, the engine moves to that one's core
        self._choose_core: Callable[[Study], bool] | None = getattr(self._sampler, "_choose_core", None)
        if getattr(self._sampler, "_core_sampler", None) is not None and not replaced_hooks(self._sampler):
            self._path = CorePath(self._engine)
        else:
            self._path = PythonPath(self._engine, self._sampler, self, isinstance(self._pruner, HyperbandPruner))

    # -- directions -----------------------------------------------------------------------------
    @property
    def direction(self) -> StudyDirection:
        """The direction of a single-objective study."""
        if len(self._directions) > 1:
            raise MultiObjectiveError("this study has several objectives; use study.directions")
        return self._directions[0]

    @property
    def directions(self) -> list[StudyDirection]:
        """The direction of each objective."""
        return list(self._directions)

    def _is_multi_objective(self) -> bool:
        # Optuna's name: code (and Optuna's own tests) written against Optuna call it.
        return len(self._directions) > 1

    # -- trials -----------------------------------------------------------------------------------
    @property
    def trials(self) -> list[FrozenTrial]:
        """All trials, as copies (see :meth:`get_trials`)."""
        return self.get_trials(deepcopy=True)

    def get_trials(self, deepcopy: bool = True, states: Container[TrialState] | None = None) -> list[FrozenTrial]:
        """All trials in number order, optionally only those whose state is in ``states``.

        Finished trials are cached after their first read, so repeated calls cost only the
        new trials. With ``deepcopy=False`` the cached objects themselves are returned:
        do not modify them.
        """
        with self._cache_lock:
            fresh = FrozenTrial._from_export(self._engine.export_trials(len(self._cache)))
            k = 0
            while k < len(fresh) and fresh[k].state.is_finished():
                self._cache.append(fresh[k])
                k += 1
            all_trials = self._cache + fresh[k:] if k < len(fresh) else list(self._cache)
        if states is not None:
            all_trials = [t for t in all_trials if t.state in states]
        if deepcopy:
            return [t._copy() for t in all_trials]
        return all_trials

    def _trial(self, number: int) -> FrozenTrial:
        with self._cache_lock:
            if number < len(self._cache):
                return self._cache[number]._copy()
        return FrozenTrial._from_export(self._engine.export_trial(number))[0]

    @property
    def best_trial(self) -> FrozenTrial:
        """The complete trial with the best value (single-objective studies)."""
        if self._is_multi_objective():
            raise MultiObjectiveError("a multi-objective study has no single best trial; use study.best_trials (the Pareto front)")
        n = self._engine.best_number()
        if n is None:
            raise FerrotuneValueError("no trial has completed yet, so there is no best trial; run optimize() first")
        return self._trial(n)

    @property
    def best_params(self) -> dict[str, Any]:
        """The parameters of :attr:`best_trial`."""
        return self.best_trial.params

    @property
    def best_value(self) -> float:
        """The value of :attr:`best_trial`."""
        if self._is_multi_objective():
            raise MultiObjectiveError("a multi-objective study has no single best value; use study.best_trials")
        v = self._engine.best_value()
        if v is None:
            raise FerrotuneValueError("no trial has completed yet, so there is no best value; run optimize() first")
        return v

    @property
    def best_trials(self) -> list[FrozenTrial]:
        """The Pareto-optimal complete trials (for one objective: the trials tied for best)."""
        return [self._trial(n) for n in self._engine.pareto_numbers()]

    # -- attributes -------------------------------------------------------------------------------
    @property
    def user_attrs(self) -> dict[str, Any]:
        return _json.loads_map(self._storage._core.study_attrs(self._study_id, True))

    @property
    def system_attrs(self) -> dict[str, Any]:
        return _json.loads_map(self._storage._core.study_attrs(self._study_id, False))

    def set_user_attr(self, key: str, value: Any) -> None:
        """Stores a JSON-compatible value with the study."""
        self._storage._core.set_study_attr(self._study_id, True, key, _json.dumps(key, value))

    def set_system_attr(self, key: str, value: Any) -> None:
        self._storage._core.set_study_attr(self._study_id, False, key, _json.dumps(key, value))

    def set_metric_names(self, metric_names: list[str]) -> None:
        """Names the objectives, in the order of ``directions`` (Optuna's experimental API):
        ``trials_dataframe`` then labels the value columns with them."""
        warn_experimental("set_metric_names", "3.2.0")
        names = list(metric_names)
        if len(names) != len(self._directions):
            raise FerrotuneValueError(
                f"set_metric_names got {len(names)} name(s) for a study with {len(self._directions)} objective(s); give one per direction"
            )
        self.set_system_attr(_METRIC_NAMES_ATTR, names)

    @property
    def metric_names(self) -> list[str] | None:
        """The names given with :meth:`set_metric_names`, or ``None``."""
        names: list[str] | None = self.system_attrs.get(_METRIC_NAMES_ATTR)
        return names

    # -- running ----------------------------------------------------------------------------------
    def optimize(
        self,
        func: Callable[[Trial], float | Sequence[float]],
        n_trials: int | None = None,
        timeout: float | None = None,
        n_jobs: int = 1,
        catch: Iterable[type[Exception]] | type[Exception] = (),
        callbacks: list[Callable[[Study, FrozenTrial], None]] | None = None,
        gc_after_trial: bool = False,
        show_progress_bar: bool = False,
    ) -> None:
        """Runs ``func`` on new trials until ``n_trials`` have run, ``timeout`` seconds have
        passed, :meth:`stop` is called, or the sampler is exhausted (a finished grid).

        Args:
            func: The objective: takes a :class:`Trial`, returns a float (or one float per
                direction). Raise :class:`~ferrotune.TrialPruned` to prune.
            n_trials: Number of trials to run (all jobs together); ``None`` for no limit.
            timeout: Seconds after which no new trial starts; ``None`` for no limit.
            n_jobs: Threads running the objective concurrently; ``-1`` for one per CPU.
            catch: Exception classes that fail a trial without stopping the study. Other
                exceptions fail the trial and are re-raised.
            callbacks: Called as ``callback(study, frozen_trial)`` after each trial.
            gc_after_trial: Run ``gc.collect()`` after each trial.
            show_progress_bar: Show a tqdm progress bar.
        """
        _optimize.optimize(self, func, n_trials, timeout, n_jobs, catch, callbacks, gc_after_trial, show_progress_bar)

    def ask(self, fixed_distributions: dict[str, BaseDistribution] | None = None) -> Trial:
        """Starts a trial (the oldest enqueued one first) for the ask-and-tell interface.

        Args:
            fixed_distributions: Parameters to suggest right away, as ``{name: distribution}``.
        """
        if fixed_distributions is not None and not isinstance(fixed_distributions, Mapping):
            raise FerrotuneValueError(
                f"fixed_distributions must be a dict of name to distribution, got {type(fixed_distributions).__name__}"
            )
        fixed = dict(fixed_distributions or {})
        # checked before the trial starts, so a bad argument leaves no trial behind
        for name, dist in fixed.items():
            _check_name(name)
            if not isinstance(dist, BaseDistribution):
                raise FerrotuneValueError(f"fixed_distributions[{name!r}] must be a distribution, got {dist!r}")
        if self._heartbeat is not None:
            ft_logging._warn(
                "Heartbeat of storage is supposed to be used with Study.optimize: a trial asked outside it records "
                "no heartbeat unless you call storage.record_heartbeat(trial._trial_id)"
            )
        trial = self._ask(stop_if_exhausted=False)
        assert trial is not None
        for name, dist in fixed.items():
            trial._suggest(name, dist)
        return trial

    def _ask(self, stop_if_exhausted: bool) -> Trial | None:
        if self._choose_core is None:
            return self._ask_engine(stop_if_exhausted)
        with self._switch_lock:
            if self._choose_core(self):
                self.sampler = self._sampler  # an engine on the newly chosen sampler's core
            return self._ask_engine(stop_if_exhausted)

    def _ask_engine(self, stop_if_exhausted: bool) -> Trial | None:
        asked = self._engine.ask(stop_if_exhausted)
        if asked is None:
            return None
        trial_id, number, warns = asked
        for w in warns:
            ft_logging._warn(w)
        if patched_hooks(self._sampler) != self._patched:
            self._choose_sampler_path()  # a hook was patched on the sampler (or put back) since
        trial = Trial(self, trial_id, number)
        self._path.start(trial)
        return trial

    def tell(
        self,
        trial: Trial | int,
        values: float | Sequence[float] | None = None,
        state: TrialState | None = None,
        skip_if_finished: bool = False,
    ) -> FrozenTrial:
        """Finishes a trial started with :meth:`ask`.

        Args:
            trial: The :class:`Trial` or its number.
            values: The objective value(s); required for COMPLETE.
            state: COMPLETE (default when values are given), PRUNED or FAIL.
            skip_if_finished: Return quietly when the trial is already finished instead of raising.
        """
        trial_id, number = self._resolve(trial)
        code = None
        if state is not None:
            try:
                code = int(TrialState(state))
            except ValueError:
                raise FerrotuneValueError(f"state must be a TrialState, got {state!r}") from None
        vals, reason = (None, None) if values is None else _convert.as_told_values(values)
        skip = bool(skip_if_finished)
        # The core checks the tell (its rules, its messages). Without Python hooks to run before
        # the write, checking, writing and reading back are one crossing.
        if self._constraints_func() is None and isinstance(self._path, CorePath):
            told = self._engine.tell(trial_id, code, vals, True, skip, reason)
            assert told is not None
            export, best_number, best_value, skipped = told
            frozen = FrozenTrial._from_export(export)[0]
            if skipped:
                _logger.info(f"Trial {number} already finished; skipping tell().")
                return frozen
            self._warn_failed(frozen, code)
            if _logger.isEnabledFor(ft_logging.INFO):
                self._log_finished(frozen, "", best_number, best_value)
            return frozen
        plan = self._engine.check_tell(trial_id, code, vals, skip, reason)
        if plan is None:
            _logger.info(f"Trial {number} already finished; skipping tell().")
            return self._trial(number)
        told_state, told_values, fail_reason = plan
        t = trial if isinstance(trial, Trial) else Trial(self, trial_id, number)
        if fail_reason is not None and code != int(TrialState.FAIL):
            ft_logging._warn(f"Trial {number} failed because {fail_reason}")
        finished = self._tell_internal(t, TrialState(told_state), told_values, fail_reason=fail_reason)
        assert finished is not None
        return finished

    def _warn_failed(self, frozen: FrozenTrial, code: int | None) -> None:
        """Warns (``UserWarning``, as Optuna) why the core failed a trial told with values it
        could not accept."""
        reason = frozen.system_attrs.get("fail_reason")
        if frozen.state == TrialState.FAIL and code != int(TrialState.FAIL) and reason is not None:
            ft_logging._warn(f"Trial {frozen.number} failed because {reason}")

    def _constraints_func(self) -> Callable[[FrozenTrial], Sequence[float]] | None:
        func: Callable[[FrozenTrial], Sequence[float]] | None = getattr(self._sampler, "_constraints_func", None)
        return func

    def _resolve(self, trial: Trial | int) -> tuple[int, int]:
        if isinstance(trial, Trial):
            if trial.study._storage is not self._storage or trial.study._study_id != self._study_id:
                raise FerrotuneValueError(f"trial {trial.number} belongs to another study")
            return trial._trial_id, trial.number
        t = _plain(trial)
        if isinstance(t, bool) or not isinstance(t, int):
            raise FerrotuneTypeError(f"trial must be a Trial or a trial number, got {trial!r}")
        if t < 0:
            raise TrialNotFoundError(f"no trial number {t}: trial numbers start at 0")
        return self._engine.trial_id_of(t), t

    def _tell_internal(
        self,
        trial: Trial,
        state: TrialState,
        values: list[float] | None,
        fail_reason: str | None = None,
        prune_message: str = "",
        want_frozen: bool = True,
    ) -> FrozenTrial | None:
        # (a pruned trial told without a value takes its last reported one: the core's rule)
        constraints_func = self._constraints_func()
        if constraints_func is not None and state in (TrialState.COMPLETE, TrialState.PRUNED):
            try:
                self._store_constraints(trial, constraints_func)
            except BaseException:
                # A failing constraints_func must not leave the trial RUNNING forever.
                self._engine.tell(trial._trial_id, int(TrialState.FAIL), None, False, False, fail_reason)
                raise
        log = _logger.isEnabledFor(ft_logging.INFO)
        told = None
        try:
            self._path.finish(trial, state, values)
        finally:
            # one crossing: the tell, and what the caller and the log line need
            told = self._engine.tell(trial._trial_id, int(state), values, want_frozen or log, False, fail_reason)
        if told is None:
            return None
        export, best_number, best_value, _ = told
        frozen = FrozenTrial._from_export(export)[0]
        if log:
            self._log_finished(frozen, prune_message, best_number, best_value)
        return frozen

    def _store_constraints(self, trial: Trial, constraints_func: Callable[[FrozenTrial], Sequence[float]]) -> None:
        """Evaluates the sampler's constraints on the finishing trial and stores them as the
        ``constraints`` system attribute (values > 0 are violations), as Optuna does."""
        frozen = trial._frozen()
        frozen.state = TrialState.COMPLETE
        raw = constraints_func(frozen)
        try:
            # float("0.5") would pass: strings are not numbers here
            if isinstance(raw, (str, bytes)):
                raise TypeError
            items = list(raw)
            if any(isinstance(v, (str, bytes)) for v in items):
                raise TypeError
            values = [float(v) for v in items]
        except (TypeError, ValueError, OverflowError):
            raise FerrotuneValueError(f"constraints_func must return a sequence of numbers, got {raw!r}") from None
        trial.set_system_attr("constraints", values)

    def _log_finished(self, t: FrozenTrial, prune_message: str, best_number: int | None, best_value: float | None) -> None:
        if t.state == TrialState.PRUNED:
            _logger.info(f"Trial {t.number} pruned. {prune_message}".rstrip())
        elif t.state == TrialState.COMPLETE:
            if self._is_multi_objective():
                _logger.info(f"Trial {t.number} finished with values: {t.values} and parameters: {t.params}.")
            else:
                _logger.info(
                    f"Trial {t.number} finished with value: {t.values[0]} and parameters: {t.params}. "  # type: ignore[index]
                    f"Best is trial {best_number} with value: {best_value}."
                )

    def _should_prune(self, trial: Trial) -> bool:
        return self._prune.should_prune(trial)

    def _in_optimize(self) -> bool:
        """Whether this thread is running optimize() on this study (or one of its trials)."""
        return bool(getattr(self._optimize_local, "active", False))

    def stop(self) -> None:
        """Asks :meth:`optimize` to start no new trial (call it from the objective or a callback)."""
        if not self._in_optimize():
            raise FerrotuneRuntimeError("study.stop() can only be called from inside optimize() (an objective or a callback)")
        self._stop_flag = True

    # -- adding trials ------------------------------------------------------------------------------
    def enqueue_trial(self, params: dict[str, Any], user_attrs: dict[str, Any] | None = None, skip_if_exists: bool = False) -> None:
        """Queues a trial whose parameters in ``params`` are fixed; the next :meth:`ask` (or
        optimize trial) runs it. Other parameters are sampled as usual.

        Args:
            params: ``{name: value}`` to fix.
            user_attrs: Attributes stored with the trial.
            skip_if_exists: Do nothing if a trial with the same parameters exists or is queued.
        """
        if not isinstance(params, dict):
            raise FerrotuneTypeError(f"params must be a dict of name to value, got {type(params).__name__}")
        items = [(str(k), _plain(v)) for k, v in params.items()]
        ua = {k: _json.dumps(k, v) for k, v in (user_attrs or {}).items()}
        self._engine.enqueue(items, ua, bool(skip_if_exists))

    def add_trial(self, trial: FrozenTrial) -> None:
        """Adds a finished trial (for example from :func:`~ferrotune.create_trial`) to the study.
        An Optuna ``FrozenTrial`` is taken too, converted field by field (``ferrotune.migrate``)."""
        if not isinstance(trial, FrozenTrial):
            from ferrotune.migrate._trials import is_optuna_object, trial_from_optuna

            if not is_optuna_object(trial):
                raise FerrotuneValueError(
                    f"add_trial needs a FrozenTrial (see ferrotune.create_trial) or Optuna's, got {type(trial).__module__}.{type(trial).__name__}"
                )
            trial = trial_from_optuna(trial)
        self._add_frozen(trial)

    def _add_frozen(self, trial: FrozenTrial) -> None:
        trial._validate_shape()
        params = [(name, trial._internal_param(name), d._spec()) for name, d in trial.distributions.items()]
        self._engine.add_trial(
            int(trial.state),
            trial.values,
            params,
            sorted((int(k), float(v)) for k, v in trial.intermediate_values.items()),
            {k: _json.dumps(k, v) for k, v in trial.user_attrs.items()},
            {k: _json.dumps(k, v) for k, v in trial.system_attrs.items()},
            None if trial.datetime_start is None else trial.datetime_start.timestamp(),
            None if trial.datetime_complete is None else trial.datetime_complete.timestamp(),
        )

    def add_trials(self, trials: Iterable[FrozenTrial]) -> None:
        """Adds several trials (see :meth:`add_trial`)."""
        for t in trials:
            self.add_trial(t)

    # -- reporting ----------------------------------------------------------------------------------
    def trials_dataframe(
        self,
        attrs: tuple[str, ...] = (
            "number",
            "value",
            "datetime_start",
            "datetime_complete",
            "duration",
            "params",
            "user_attrs",
            "system_attrs",
            "state",
        ),
        multi_index: bool = False,
    ) -> pd.DataFrame:
        """The trials as a pandas DataFrame, one row per trial (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("trials_dataframe() needs pandas: pip install pandas") from None
        trials = self.get_trials(deepcopy=False)
        multi = self._is_multi_objective()
        metric_names = self.metric_names
        # The value columns: the objective's index (an int, as Optuna's), or its name once
        # set_metric_names was called.
        labels: list[Any] = list(metric_names) if metric_names is not None else list(range(len(self._directions)))
        rows = []
        for t in trials:
            row: dict[tuple[str, Any], Any] = {}
            for a in attrs:
                if a == "value" or a == "values":
                    if multi or a == "values":
                        vals: list[float | None] = list(t.values) if t.values else [None] * len(self._directions)
                        for label, v in zip(labels, vals, strict=True):
                            row[("values", label)] = v
                    else:
                        row[("value", "" if metric_names is None else labels[0])] = t.value
                elif a in ("params", "user_attrs", "system_attrs", "distributions"):
                    for k, v in getattr(t, a).items():
                        row[(a, k)] = v
                elif a == "intermediate_values":
                    for k, v in t.intermediate_values.items():
                        row[(a, k)] = v  # the step, an int
                elif a == "state":
                    row[("state", "")] = t.state.name
                else:
                    row[(a, "")] = getattr(t, a)
            rows.append(row)

        def order(c: tuple[str, Any]) -> tuple[int, int, int, str]:
            group = attrs.index(c[0]) if c[0] in attrs else attrs.index("value")
            # the value columns in objective order, steps in order, the others by name
            sub = c[1]
            return (group, labels.index(sub) if c[0] == "values" and sub in labels else 0, sub if isinstance(sub, int) else 0, str(sub))

        columns = sorted({c for r in rows for c in r}, key=order)
        df = pd.DataFrame([[r.get(c) for c in columns] for r in rows], columns=pd.MultiIndex.from_tuples(columns) if columns else None)
        if not multi_index and columns:
            df.columns = ["_".join(s for s in map(str, c) if s) for c in columns]
        return df

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles as a reference to a shared storage, or with its trials when in memory
        (see ``ferrotune.study._pickle``); ``copy.deepcopy`` goes the same way."""
        from ferrotune.study._pickle import reduce_study

        return reduce_study(self)

    def __repr__(self) -> str:
        return f"Study(study_name={self.study_name!r}, directions={self._directions}, sampler={self._sampler!r})"


def _check_study_name(arg: str, name: Any) -> None:
    """A study name is a str. The empty string is a name like any other, as in Optuna (saved
    under it and loaded by it), never replaced by a generated one."""
    if not isinstance(name, str):
        raise FerrotuneValueError(f"{arg} must be a str, got {name!r}; give a name, or leave it out (None) for a generated one")


def _parse_directions(direction: Any, directions: Any) -> list[StudyDirection]:
    if direction is not None and directions is not None:
        raise FerrotuneValueError("give either direction= or directions=, not both")
    if directions is not None:
        if isinstance(directions, str) or not isinstance(directions, Iterable):
            raise FerrotuneValueError(f"directions must be a list such as ['minimize', 'maximize'], got {directions!r}")
        dirs = [parse_direction(d, "each of directions") for d in directions]
        if not dirs:
            raise FerrotuneValueError("directions must not be empty; give one direction per objective")
        return dirs
    if direction is not None:
        return [parse_direction(direction)]
    return [StudyDirection.MINIMIZE]


def create_study(
    *,
    storage: Any = None,
    sampler: BaseSampler | None = None,
    pruner: BasePruner | None = None,
    study_name: str | None = None,
    direction: str | StudyDirection | None = None,
    load_if_exists: bool = False,
    directions: Sequence[str | StudyDirection] | None = None,
) -> Study:
    """Creates a study (Optuna's ``create_study``).

    Args:
        storage: ``None`` for a new in-memory storage, a storage object to share, or a journal
            file path / ``journal:///path`` URL (see ``ferrotune.storages.get_storage``).
        sampler: The sampler; :class:`~ferrotune.samplers.TPESampler` by default.
        pruner: The pruner; :class:`~ferrotune.pruners.NopPruner` by default.
        study_name: A name; a unique one is generated when omitted (an empty name is refused).
        direction: ``"minimize"`` (default) or ``"maximize"``.
        load_if_exists: Open the existing study of that name instead of raising.
        directions: One direction per objective, for multi-objective studies.
    """
    dirs = _parse_directions(direction, directions)
    st = get_storage(storage)
    sampler = _check_sampler(sampler)
    pruner = _check_pruner(pruner)
    if study_name is not None:
        _check_study_name("study_name", study_name)
    name = f"no-name-{uuid.uuid4()}" if study_name is None else study_name
    created = True
    try:
        sid = st._core.create_study(name, [int(d) for d in dirs])
    except DuplicatedStudyError:
        if not load_if_exists:
            raise
        _logger.info(f"Using an existing study with name '{name}' instead of creating a new one.")
        sid = st._core.study_id(name)
        created = False
    study = Study.__new__(Study)
    study._init(st, sid, sampler, pruner)
    if created:
        _logger.info(f"A new study created in {st._where} with name: {name}")
    return study


def load_study(*, study_name: str | None, storage: Any, sampler: BaseSampler | None = None, pruner: BasePruner | None = None) -> Study:
    """Opens an existing study. With ``study_name=None`` the storage must hold exactly one study."""
    if storage is None:
        raise FerrotuneValueError("load_study needs the storage the study lives in; pass storage=...")
    st = get_storage(storage)
    if study_name is None:
        names = [s[1] for s in st._core.studies()]
        if len(names) != 1:
            raise FerrotuneValueError(f"study_name=None needs a storage with exactly one study, this one has {len(names)}; pass study_name")
        study_name = names[0]
    sid = st._core.study_id(study_name)
    study = Study.__new__(Study)
    study._init(st, sid, sampler, pruner)
    return study


def copy_study(
    *,
    from_study_name: str,
    from_storage: Any,
    to_storage: Any,
    to_study_name: str | None = None,
) -> None:
    """Copies a study from one storage to another (Optuna's ``copy_study``).

    The copy has the same directions, user and system attributes, and every trial in number
    order with its state, values, parameters and their distributions, intermediate values,
    attributes and timestamps. Trials keep their numbers; trial ids are the destination's own.

    Args:
        from_study_name: Name of the study to copy.
        from_storage: The storage holding it (a storage object, journal path or URL, as for
            ``create_study``).
        to_storage: The storage to copy into.
        to_study_name: Name of the copy; the source's name when omitted.

    Raises:
        StudyNotFoundError: ``from_storage`` has no study ``from_study_name``.
        DuplicatedStudyError: ``to_storage`` already has a study named ``to_study_name``.
    """
    from ferrotune.migrate._trials import is_optuna_object

    if is_optuna_object(from_storage):
        # An Optuna storage object or study: the migration copies it, field by field.
        from ferrotune.migrate import import_study

        import_study(from_storage=from_storage, from_study_name=from_study_name, to_storage=to_storage, to_study_name=to_study_name)
        return
    src = get_storage(from_storage)
    dst = get_storage(to_storage)
    name = from_study_name if to_study_name is None else to_study_name
    _check_study_name("to_study_name", name)
    sid = src._core.study_id(from_study_name)
    src._core.copy_study(sid, dst._core, name)
    for st in (src, dst):
        st._emit_warnings()


def delete_study(*, study_name: str, storage: Any) -> None:
    """Deletes a study and its trials from the storage."""
    st = get_storage(storage)
    st._core.delete_study(st._core.study_id(study_name))


def get_all_study_names(storage: Any) -> list[str]:
    """Names of the studies in the storage."""
    st = get_storage(storage)
    return [s[1] for s in st._core.studies()]


__all__ = ["Study", "copy_study", "create_study", "delete_study", "get_all_study_names", "load_study"]
