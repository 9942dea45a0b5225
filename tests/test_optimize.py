"""Study.optimize: budgets, threads, callbacks, failures, pruning, interruption, stop()."""

from __future__ import annotations

import gc
import sys
import threading
import time

import numpy as np
import pytest
from _util import assert_message

import ferrotune
from ferrotune import TrialState
from ferrotune.exceptions import FerrotuneValueError


def _quadratic(trial):
    x = trial.suggest_float("x", -10, 10)
    return (x - 2) ** 2


def _states(study):
    return [t.state for t in study.trials]


def test_n_trials_and_numbering_across_calls(study):
    study.optimize(_quadratic, n_trials=5)
    study.optimize(_quadratic, n_trials=3)
    assert [t.number for t in study.trials] == list(range(8))
    assert _states(study) == [TrialState.COMPLETE] * 8
    for t in study.trials:
        assert t.value == (t.params["x"] - 2) ** 2


def test_n_trials_zero_runs_nothing(study):
    study.optimize(_quadratic, n_trials=0)
    assert study.trials == []


def test_timeout_stops_an_unbounded_run(study, monkeypatch):
    # A clock that only the objective advances: each trial takes 0.125 s of it, whatever the
    # machine's speed, so exactly four trials start within a 0.5 s timeout.
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])

    def objective(trial):
        if trial.number > 10_000:  # a guard so a broken timeout fails instead of hanging
            raise AssertionError("timeout was ignored")
        clock[0] += 0.125
        return _quadratic(trial)

    study.optimize(objective, timeout=0.5)
    assert _states(study) == [TrialState.COMPLETE] * 4


def test_n_jobs_runs_trials_concurrently_in_threads(study):
    # Trials 0 and 1 wait for each other: the run only finishes if two threads run them at once.
    barrier = threading.Barrier(2, timeout=120)
    threads = set()
    lock = threading.Lock()

    def objective(trial):
        with lock:
            threads.add(threading.current_thread().name)
        if trial.number < 2:
            barrier.wait()
        return _quadratic(trial)

    study.optimize(objective, n_trials=20, n_jobs=2)
    assert sorted(t.number for t in study.trials) == list(range(20))
    assert _states(study) == [TrialState.COMPLETE] * 20
    assert len(threads) == 2 and all(n.startswith("ferrotune") for n in threads)


def test_n_jobs_minus_one_uses_the_cpus(study):
    study.optimize(_quadratic, n_trials=6, n_jobs=-1)
    assert len(study.trials) == 6


def test_callbacks_see_each_finished_trial_in_order(study):
    seen = []

    def first(s, frozen):
        assert s is study
        seen.append(("first", frozen.number, frozen.state, frozen.value))

    def second(s, frozen):
        seen.append(("second", frozen.number))

    study.optimize(_quadratic, n_trials=3, callbacks=[first, second])
    values = [t.value for t in study.trials]
    assert seen == [
        ("first", 0, TrialState.COMPLETE, values[0]),
        ("second", 0),
        ("first", 1, TrialState.COMPLETE, values[1]),
        ("second", 1),
        ("first", 2, TrialState.COMPLETE, values[2]),
        ("second", 2),
    ]


def test_callbacks_see_failed_and_pruned_trials(study):
    states = []

    def objective(trial):
        if trial.number == 0:
            raise ferrotune.TrialPruned()
        raise KeyError("k")

    study.optimize(objective, n_trials=2, catch=(KeyError,), callbacks=[lambda s, t: states.append(t.state)])
    assert states == [TrialState.PRUNED, TrialState.FAIL]


def test_gc_after_trial(study, monkeypatch):
    calls = []
    monkeypatch.setattr(gc, "collect", lambda *a: calls.append(1) or 0)
    study.optimize(_quadratic, n_trials=4, gc_after_trial=True)
    assert len(calls) == 4
    calls.clear()
    study.optimize(_quadratic, n_trials=4)
    assert calls == []


def test_show_progress_bar(study, capsys):
    pytest.importorskip("tqdm")
    study.optimize(_quadratic, n_trials=3, show_progress_bar=True)
    assert len(study.trials) == 3
    assert "3/3" in capsys.readouterr().err


def test_the_progress_bar_shows_the_best_trial_as_optunas_does(study, capsys):
    pytest.importorskip("tqdm")
    study.optimize(_quadratic, n_trials=5, show_progress_bar=True)
    err = capsys.readouterr().err
    assert f"Best trial: {study.best_trial.number}. Best value: {study.best_value:.6g}" in err
    assert "5/5" in err


def test_the_progress_bar_counts_seconds_with_only_a_timeout_and_puts_the_log_handler_back(study, capsys):
    pytest.importorskip("tqdm")
    before = list(ferrotune.logging._root().handlers)
    assert any(type(h).__name__ == "StreamHandler" for h in before)
    study.optimize(_quadratic, timeout=0.2, show_progress_bar=True)
    assert "00:00/00:00" in capsys.readouterr().err  # elapsed / the timeout, as a duration
    assert set(ferrotune.logging._root().handlers) == set(before)


def _stop_after_three(trial):
    if trial.number == 2:
        trial.study.stop()
    return _quadratic(trial)


def test_the_progress_bar_needs_n_trials_or_a_timeout(study):
    with pytest.warns(UserWarning, match="neither n_trials nor timeout"):
        study.optimize(_stop_after_three, show_progress_bar=True)
    assert len(study.trials) == 3


def test_show_progress_bar_without_tqdm_warns_and_runs(study, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # makes the import fail
    with pytest.warns(UserWarning, match="tqdm"):
        study.optimize(_quadratic, n_trials=2, show_progress_bar=True)
    assert len(study.trials) == 2


# -- failures ---------------------------------------------------------------------------------------------


def test_objective_exception_fails_the_trial_and_is_reraised(study):
    def objective(trial):
        trial.suggest_float("x", 0, 1)
        raise ZeroDivisionError("boom")

    with pytest.raises(ZeroDivisionError, match="boom"):
        study.optimize(objective, n_trials=5)
    (t,) = study.trials  # the run stopped at the first failure
    assert t.state == TrialState.FAIL and t.value is None
    assert "boom" in t.system_attrs["fail_reason"]
    assert "x" in t.params


@pytest.mark.parametrize("catch", [(ZeroDivisionError,), [ArithmeticError], ZeroDivisionError])
def test_caught_exceptions_fail_the_trial_and_the_run_goes_on(study, catch):
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number % 2:
            raise ZeroDivisionError
        return x

    study.optimize(objective, n_trials=6, catch=catch)
    assert _states(study) == [TrialState.COMPLETE, TrialState.FAIL] * 3


def test_uncaught_exception_with_threads_is_reraised_and_leaves_no_running_trial(study):
    def objective(trial):
        if trial.number == 3:
            raise RuntimeError("bad trial")
        time.sleep(0.01)
        return 0.0

    # A budget the other worker could only exhaust if it ignored the failure for 20 s.
    with pytest.raises(RuntimeError, match="bad trial"):
        study.optimize(objective, n_trials=2000, n_jobs=2)
    states = _states(study)
    assert TrialState.RUNNING not in states
    assert states[3] == TrialState.FAIL
    assert len(states) < 2000  # the other worker stopped after its current trial


@pytest.mark.parametrize(
    "returned, reason",
    [
        (float("nan"), "nan"),
        ("0.5x", "not a number"),
        (None, "not a number"),
        ([1.0, 2.0], "2 value(s)"),
        (object(), "not a number"),
    ],
)
def test_bad_return_values_fail_the_trial_without_raising(study, returned, reason):
    study.optimize(lambda t: returned, n_trials=2)
    assert _states(study) == [TrialState.FAIL, TrialState.FAIL]
    assert reason in study.trials[0].system_attrs["fail_reason"]
    assert study.trials[0].values is None


@pytest.mark.parametrize(
    "returned, expected",
    [
        (3, 3.0),
        (np.float32(1.5), 1.5),
        (np.float64(-2.0), -2.0),
        (np.array(0.25), 0.25),  # a 0-d array, like a 0-d tensor of a loss
        ([4.0], 4.0),
        ((5.0,), 5.0),
        (np.array([6.0]), 6.0),
        (float("inf"), float("inf")),
    ],
)
def test_number_like_return_values_complete_the_trial(study, returned, expected):
    study.optimize(lambda t: returned, n_trials=1)
    (t,) = study.trials
    assert t.state == TrialState.COMPLETE and t.value == expected and type(t.value) is float


def test_multi_objective_return_values():
    s = ferrotune.create_study(directions=["minimize", "maximize"])
    s.optimize(lambda t: (1.0, 2.0), n_trials=1)
    s.optimize(lambda t: np.array([3.0, 4.0]), n_trials=1)
    s.optimize(lambda t: 5.0, n_trials=1)  # one value for two objectives
    assert [t.values for t in s.trials] == [[1.0, 2.0], [3.0, 4.0], None]
    assert _states(s)[2] == TrialState.FAIL


# -- pruning ------------------------------------------------------------------------------------------------


def test_trial_pruned_ends_pruned_with_the_last_intermediate_value(study):
    def objective(trial):
        for step in (0, 2, 1):  # the last *step*, not the last report, gives the value
            trial.report(10.0 * step, step)
        raise ferrotune.TrialPruned("early stop")

    study.optimize(objective, n_trials=2)
    for t in study.trials:
        assert t.state == TrialState.PRUNED
        assert t.value == 20.0
        assert t.intermediate_values == {0: 0.0, 1: 10.0, 2: 20.0}


def test_trial_pruned_without_reports_has_no_value(study):
    def objective(trial):
        raise ferrotune.TrialPruned()

    study.optimize(objective, n_trials=1)
    (t,) = study.trials
    assert t.state == TrialState.PRUNED and t.value is None


# -- interruption and stop() ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_keyboard_interrupt_leaves_no_running_trial(study, n_jobs):
    def objective(trial):
        trial.suggest_float("x", 0, 1)
        if trial.number == 1:
            raise KeyboardInterrupt
        return 0.0

    with pytest.raises(KeyboardInterrupt):
        study.optimize(objective, n_trials=8, n_jobs=n_jobs)
    states = _states(study)
    assert TrialState.RUNNING not in states
    assert states[1] == TrialState.FAIL
    assert "KeyboardInterrupt" in study.trials[1].system_attrs["fail_reason"]
    # the study is still usable
    n = len(states)
    study.optimize(_quadratic, n_trials=2)
    assert [t.number for t in study.trials[n:]] == [n, n + 1]
    assert _states(study)[n:] == [TrialState.COMPLETE] * 2


def test_stop_from_a_callback(study):
    def stop_at_two(s, frozen):
        if frozen.number == 2:
            s.stop()

    study.optimize(_quadratic, n_trials=10, callbacks=[stop_at_two])
    assert len(study.trials) == 3
    # the next run is not affected by the earlier stop
    study.optimize(_quadratic, n_trials=2)
    assert len(study.trials) == 5


def test_stop_from_the_objective(study):
    def objective(trial):
        if trial.number == 1:
            trial.study.stop()
        return 0.0

    study.optimize(objective, n_trials=10)
    assert len(study.trials) == 2
    assert _states(study) == [TrialState.COMPLETE] * 2


def test_stop_outside_optimize_raises(study):
    with pytest.raises(RuntimeError):
        study.stop()


def test_nested_optimize_is_refused(study):
    def objective(trial):
        study.optimize(_quadratic, n_trials=1)
        return 0.0

    with pytest.raises(RuntimeError, match="nested"):
        study.optimize(objective, n_trials=1)
    assert _states(study) == [TrialState.FAIL]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_a_nested_optimize_in_a_worker_thread_is_refused_too(study, n_jobs):
    def objective(trial):
        with pytest.raises(RuntimeError, match="nested"):
            study.optimize(_quadratic, n_trials=1)
        return 0.0

    study.optimize(objective, n_trials=2, n_jobs=n_jobs)
    assert _states(study) == [TrialState.COMPLETE] * 2


def test_threads_may_optimize_one_study_at_once():
    # as in Optuna: several threads calling optimize on one study object all run their trials
    study = ferrotune.create_study(sampler=ferrotune.samplers.RandomSampler(seed=0))
    inside = threading.Barrier(2, timeout=60)

    def objective(trial):
        if trial.number < 2:
            inside.wait()  # both optimize calls are running at this point
        return trial.suggest_float("x", 0, 1)

    errors: list[BaseException] = []

    def run():
        try:
            study.optimize(objective, n_trials=3)
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert _states(study) == [TrialState.COMPLETE] * 6
    with pytest.raises(RuntimeError):
        study.stop()  # and no thread is left marked as optimizing


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"n_trials": -1}, "n_trials"),
        ({"n_trials": 2.5}, "n_trials"),
        ({"timeout": -1}, "timeout"),
        ({"timeout": "1h"}, "timeout"),
        ({"n_jobs": 0}, "n_jobs"),
        ({"n_jobs": -2}, "n_jobs"),
    ],
)
def test_bad_optimize_arguments(study, kwargs, fragment):
    with pytest.raises(FerrotuneValueError) as e:
        study.optimize(_quadratic, **kwargs)
    assert_message(e, fragment)
    assert study.trials == []


def test_non_callable_objective(study):
    with pytest.raises(FerrotuneValueError):
        study.optimize(42, n_trials=1)


def test_max_trials_callback_counts_states():
    from ferrotune.study import MaxTrialsCallback
    from ferrotune.trial import TrialState

    study = ferrotune.create_study()

    def f(t):
        x = t.suggest_float("x", 0, 1)
        if t.number % 2:
            raise ferrotune.TrialPruned()
        return x

    study.optimize(f, n_trials=100, callbacks=[MaxTrialsCallback(5)])
    assert len(study.get_trials(states=(TrialState.COMPLETE,))) == 5 and len(study.trials) == 9
    study.optimize(f, n_trials=100, callbacks=[MaxTrialsCallback(12, states=None)])
    assert len(study.trials) == 12
    with pytest.raises(ferrotune.exceptions.FerrotuneValueError):
        MaxTrialsCallback(-1)
