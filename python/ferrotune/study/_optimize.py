"""The optimize loop: run the objective on trials, one thread per job."""

from __future__ import annotations

import gc
import math
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

from ferrotune import logging as ft_logging
from ferrotune.exceptions import FerrotuneRuntimeError, FerrotuneTypeError, FerrotuneValueError, TrialPruned
from ferrotune.samplers._overrides import replaced_hooks
from ferrotune.storages._heartbeat import HeartbeatThread, fail_stale_trials_quietly
from ferrotune.study._progress import progress_bar
from ferrotune.trial import FrozenTrial, Trial, TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study

_logger = ft_logging.get_logger(__name__)

ObjectiveFuncType = Callable[[Trial], "float | Sequence[float]"]


class _Budget:
    """Shared trial counter and deadline of one optimize call (thread-safe)."""

    def __init__(self, n_trials: int | None, timeout: float | None) -> None:
        self.n_trials = n_trials
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.started = 0
        self.lock = threading.Lock()
        # Trials the workers of this call are running, and how many they finished: a worker
        # that found the sampler exhausted waits for the others' trials (see `wait_for_others`).
        self.running = 0
        self.finished = 0
        self.changed = threading.Condition(self.lock)

    def take(self, study: Study) -> int | None:
        """Takes one trial of the budget; returns the count of finished trials at that moment
        (for `wait_for_others`), or None when the budget is spent or the study stopped."""
        with self.lock:
            if study._stop_flag:
                return None
            if self.n_trials is not None and self.started >= self.n_trials:
                return None
            if self.deadline is not None and time.monotonic() >= self.deadline:
                return None
            self.started += 1
            self.running += 1
            return self.finished

    def end(self, ran: bool) -> None:
        """The worker's trial ended (``ran``), or its ask found the sampler exhausted."""
        with self.lock:
            self.running -= 1
            if ran:
                self.finished += 1
            else:
                self.started -= 1
            self.changed.notify_all()

    def wait_for_others(self, study: Study, seen: int) -> bool:
        """After an ask found the sampler exhausted: True once another worker of this call has
        finished a trial since ``seen`` (a trial may open new work, as a brute force sampler's
        trials reveal the branches of their parameters: ask again); False when no other
        worker runs a trial, so none can."""
        with self.lock:
            while self.finished == seen and self.running > 0 and not study._stop_flag:
                self.changed.wait()
            return self.finished != seen and not study._stop_flag


def _check_args(n_trials: Any, timeout: Any, n_jobs: Any, catch: Any) -> tuple[int, tuple[type[BaseException], ...]]:
    if n_trials is not None and (isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 0):
        raise FerrotuneValueError(f"n_trials must be a non-negative int or None, got {n_trials!r}")
    if timeout is not None and (not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not timeout >= 0):
        raise FerrotuneValueError(f"timeout must be a non-negative number of seconds or None, got {timeout!r}")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise FerrotuneValueError(f"n_jobs must be a positive int or -1 (one per CPU), got {n_jobs!r}")
    if n_jobs == -1:
        import os

        n_jobs = os.cpu_count() or 1
    if isinstance(catch, type) and issubclass(catch, BaseException):
        catch = (catch,)
    if isinstance(catch, (str, bytes)) or not isinstance(catch, Iterable):
        raise FerrotuneTypeError(f"catch must be an exception class or a tuple of them, got {catch!r}")
    catch = tuple(catch)
    for c in catch:
        if not (isinstance(c, type) and issubclass(c, BaseException)):
            raise FerrotuneTypeError(f"catch must be exception classes, got {c!r}")
    return n_jobs, catch


def _check_callbacks(callbacks: Any) -> list[Callable[[Study, FrozenTrial], None]]:
    """The callbacks as a list, each checked to be callable before any trial runs (a bad one
    found after the first trial would cost that trial)."""
    if callbacks is None:
        return []
    if callable(callbacks) or isinstance(callbacks, (str, bytes)) or not isinstance(callbacks, Iterable):
        raise FerrotuneValueError(
            f"callbacks must be a list of callables callback(study, frozen_trial), got {callbacks!r}; wrap a single callback in a list"
        )
    checked = list(callbacks)
    for i, cb in enumerate(checked):
        if not callable(cb):
            raise FerrotuneValueError(
                f"callbacks[{i}] must be callable as callback(study, frozen_trial), got {cb!r} of type {type(cb).__name__}"
            )
    return checked


def optimize(
    study: Study,
    func: ObjectiveFuncType,
    n_trials: int | None,
    timeout: float | None,
    n_jobs: int,
    catch: Iterable[type[Exception]] | type[Exception],
    callbacks: list[Callable[[Study, FrozenTrial], None]] | None,
    gc_after_trial: bool,
    show_progress_bar: bool,
) -> None:
    if not callable(func):
        raise FerrotuneValueError(f"the objective must be callable, got {func!r}")
    n_jobs, catch_t = _check_args(n_trials, timeout, n_jobs, catch)
    callbacks = _check_callbacks(callbacks)
    if study._in_optimize():
        raise FerrotuneRuntimeError("optimize() is already running on this study; nested optimize() calls are not allowed")
    budget = _Budget(n_trials, timeout)
    bar = progress_bar(show_progress_bar, n_trials, timeout)
    study._stop_flag = False
    study._optimize_local.active = True
    try:
        if n_jobs == 1:
            _worker(study, func, budget, catch_t, callbacks, gc_after_trial, bar)
        else:
            with ThreadPoolExecutor(max_workers=n_jobs, thread_name_prefix="ferrotune") as pool:
                # Optuna reseeds the sampler in each worker thread. Built-in samplers draw from
                # (seed, trial number) and need no reseeding, which would end reproducibility;
                # a reseed_rng a user wrote is called as Optuna calls it.
                reseed = "reseed_rng" in replaced_hooks(study.sampler, ("reseed_rng",))
                futures = [
                    pool.submit(_worker, study, func, budget, catch_t, callbacks, gc_after_trial, bar, reseed) for _ in range(n_jobs)
                ]
                try:
                    done, _ = wait(futures, return_when=FIRST_EXCEPTION)
                    if any(f.exception() is not None for f in done):
                        study._stop_flag = True  # the others finish their current trial and stop
                    wait(futures)
                except BaseException:
                    # Ctrl-C reaches the main thread: workers finish (and tell) their current
                    # trial, start no new one, and the interrupt propagates.
                    study._stop_flag = True
                    raise
                for f in futures:
                    f.result()
    finally:
        study._optimize_local.active = False
        study._stop_flag = False
        if bar is not None:
            bar.close()


def _worker(study, func, budget, catch, callbacks, gc_after_trial, bar, reseed=False) -> None:  # type: ignore[no-untyped-def]
    # a worker thread is inside optimize() too: its objective may call stop(), not optimize()
    study._optimize_local.active = True
    if reseed:
        study.sampler.reseed_rng()
    want_frozen = bool(callbacks)
    while (seen := budget.take(study)) is not None:
        frozen: Any = _RAISED
        try:
            frozen = run_trial(study, func, catch, want_frozen)
        finally:
            budget.end(ran=frozen is not None)
        if frozen is None:
            if budget.wait_for_others(study, seen):
                continue
            study._stop_flag = True
            return
        if callbacks:
            for cb in callbacks:
                cb(study, frozen)
        if bar is not None:
            bar.update(study)
        if gc_after_trial:
            gc.collect()


_DONE = object()
_RAISED = object()  # run_trial raised: a trial (or its ask) ended


def run_trial(study: Study, func: ObjectiveFuncType, catch: tuple[type[BaseException], ...], want_frozen: bool = True) -> Any:
    """Runs the objective on one new trial and tells the result.

    Returns the finished trial (or a marker when ``want_frozen`` is false), None when the
    sampler is exhausted."""
    if study._heartbeat is not None:
        # As Optuna does: trials whose worker died are failed (and maybe retried) first.
        fail_stale_trials_quietly(study)
    trial = study._ask(stop_if_exhausted=True)
    if trial is None:
        return None
    try:
        return _run_and_tell(study, trial, func, catch, want_frozen)
    except BaseException:
        # Whatever interrupted us (Ctrl-C, an error while telling), leave no RUNNING trial behind.
        if not TrialState(study._engine.locate(trial._trial_id)[1]).is_finished():
            study._engine.tell(trial._trial_id, int(TrialState.FAIL), None)
        raise


def _run_and_tell(study: Study, trial: Trial, func: ObjectiveFuncType, catch: tuple[type[BaseException], ...], want_frozen: bool) -> Any:
    func_err: BaseException | None = None
    values: Any = None
    state = TrialState.COMPLETE
    message = ""
    try:
        if study._heartbeat is not None:
            with HeartbeatThread(trial._trial_id, study._heartbeat):
                values = func(trial)
        else:
            values = func(trial)
    except TrialPruned as e:
        state, message = TrialState.PRUNED, str(e)
    except Exception as e:
        state, func_err = TrialState.FAIL, e
    except BaseException as e:  # KeyboardInterrupt, SystemExit: record the trial, then stop
        study._tell_internal(trial, TrialState.FAIL, None, fail_reason=f"interrupted by {type(e).__name__}")
        raise

    if state == TrialState.COMPLETE:
        values, reason = _coerce(values, len(study._directions))
        if reason is not None:
            state = TrialState.FAIL
            _logger.warning(f"Trial {trial.number} failed with parameters: {trial.params} because of the following error: {reason}")
            trial.set_system_attr("fail_reason", reason)
    elif func_err is not None:
        _logger.warning(
            f"Trial {trial.number} failed with parameters: {trial.params} because of the following error: {func_err!r}.",
            exc_info=(type(func_err), func_err, func_err.__traceback__),
        )
        trial.set_system_attr("fail_reason", repr(func_err))
    frozen = study._tell_internal(
        trial, state, values if state == TrialState.COMPLETE else None, prune_message=message, want_frozen=want_frozen
    )
    if func_err is not None and not isinstance(func_err, catch):
        raise func_err
    return frozen if want_frozen else _DONE


def _coerce(values: Any, n_objectives: int) -> tuple[list[float] | None, str | None]:
    """Objective return -> list of floats, or a reason why it is not acceptable."""
    if n_objectives == 1 and type(values) is float and values == values:
        return [values], None
    seq = _as_value_list(values)
    if len(seq) != n_objectives:
        return None, (
            f"the objective returned {len(seq)} value(s) but the study has {n_objectives} objective(s); return one value per direction"
        )
    out = []
    for v in seq:
        try:
            f = float(v)
        except (TypeError, ValueError, OverflowError):
            return None, f"the objective returned {v!r}, which is not a number; return a float"
        if math.isnan(f):
            return None, "the objective returned nan; return a number (or raise TrialPruned)"
        out.append(f)
    return out, None


def _as_value_list(values: Any) -> list[Any]:
    """One objective value or a sequence of them -> a list. A 0-d array or tensor (``np.array(1.5)``,
    ``torch.tensor(1.5)``) has ``__len__`` but cannot be iterated: it is one value."""
    if isinstance(values, (list, tuple)):
        return list(values)
    if isinstance(values, (str, bytes)) or getattr(values, "ndim", None) == 0:
        return [values]
    if hasattr(values, "__len__") and hasattr(values, "__getitem__"):
        try:
            return list(values)
        except TypeError:
            return [values]
    return [values]
