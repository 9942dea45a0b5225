"""The GIL and the core's locks: Python callables the core calls back (TPE's gamma, weights and
categorical distances) never deadlock against threads that call into the core, and their
exceptions reach the user as themselves."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import traceback

import numpy as np
import pytest

import ferrotune
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.samplers import TPESampler
from ferrotune.trial import TrialState

# A hang is the failure being tested, so each study runs in a child process with a deadline far
# above its normal run time (about a second): a regression fails the test instead of the suite.
DEADLINE_S = 240

_CHILD = textwrap.dedent(
    """
    import math, sys
    import ferrotune
    from ferrotune.samplers import TPESampler
    from ferrotune.samplers._tpe import default_gamma, default_weights

    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    kind = sys.argv[1]
    kw = {
        "gamma": {"gamma": lambda n: default_gamma(n)},
        "weights": {"weights": lambda n: default_weights(n)},
        "distance": {"categorical_distance_func": {"c": lambda a, b: abs(a - b)}},
    }[kind]

    def objective(trial):
        x = trial.suggest_float("x", -3, 3)
        c = trial.suggest_categorical("c", [1, 2, 3, 4])
        for step in range(20):
            trial.report(x * x + c + step, step)
        return x * x + c

    study = ferrotune.create_study(sampler=TPESampler(seed=0, n_startup_trials=4, multivariate=False, **kw))
    study.optimize(objective, n_trials=1000, n_jobs=8)
    assert len(study.trials) == 1000, len(study.trials)
    print("finished", len(study.trials))
    """
)


@pytest.mark.parametrize("kind", ["gamma", "weights", "distance"])
def test_python_callbacks_with_threads_and_reports_do_not_deadlock(kind):
    try:
        r = subprocess.run([sys.executable, "-c", _CHILD, kind], check=False, capture_output=True, text=True, timeout=DEADLINE_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"TPESampler({kind}=<python callable>) with n_jobs=8 did not finish in {DEADLINE_S} s: deadlock")
    assert r.returncode == 0, r.stderr
    assert "finished" in r.stdout


# -- a user's exception inside a callable reaches the user as itself -----------------------------------


def _gamma_raising_keyerror(n: int) -> int:
    return {}["missing"]  # raises KeyError('missing')


def test_gamma_exception_is_raised_as_itself_with_its_traceback():
    s = ferrotune.create_study(sampler=TPESampler(seed=0, n_startup_trials=2, gamma=_gamma_raising_keyerror))
    with pytest.raises(KeyError) as e:
        s.optimize(lambda t: t.suggest_float("x", -3, 3) ** 2, n_trials=5)
    assert not isinstance(e.value, FerrotuneValueError)
    assert e.value.args == ("missing",)
    frames = [f.name for f in traceback.extract_tb(e.value.__traceback__)]
    assert "_gamma_raising_keyerror" in frames
    # the trial the sampler failed for is not left running
    assert [t.state for t in s.trials] == [TrialState.COMPLETE, TrialState.COMPLETE, TrialState.FAIL]


@pytest.mark.parametrize("multivariate", [None, False], ids=["multivariate", "independent"])
def test_weights_exception_is_raised_as_itself(multivariate):
    class Boom(Exception):
        pass

    def weights(n):
        raise Boom(f"no weights for {n}")

    s = ferrotune.create_study(sampler=TPESampler(seed=0, n_startup_trials=2, weights=weights, multivariate=multivariate))
    with pytest.raises(Boom, match="no weights for"):
        s.optimize(lambda t: t.suggest_float("x", -3, 3) ** 2, n_trials=5)
    assert len(s.trials) == 3


def test_distance_exception_is_raised_as_itself():
    def distance(a, b):
        raise LookupError("unknown choice")

    s = ferrotune.create_study(
        sampler=TPESampler(seed=0, n_startup_trials=2, multivariate=False, categorical_distance_func={"c": distance})
    )
    with pytest.raises(LookupError, match="unknown choice"):
        s.optimize(lambda t: float(t.suggest_categorical("c", [1, 2, 3])), n_trials=5)
    assert [t.state for t in s.trials] == [TrialState.COMPLETE, TrialState.COMPLETE, TrialState.FAIL]


def test_callables_are_not_called_while_the_core_holds_a_lock():
    # A gamma that reads the study (a core read) and writes to it from another thread would block
    # forever if the core held its storage or sampler lock around the call.
    import threading

    study_box: list[ferrotune.Study] = []

    def gamma(n: int) -> int:
        s = study_box[0]
        assert len(s.trials) >= n
        done = threading.Event()

        def writer() -> None:
            s.set_user_attr(f"seen_{n}", n)
            s.enqueue_trial({"x": 0.5}, skip_if_exists=True)
            done.set()

        threading.Thread(target=writer, daemon=True).start()
        assert done.wait(60), "a write from another thread waited on a lock held around gamma"
        return max(1, n // 10)

    s = ferrotune.create_study(sampler=TPESampler(seed=0, n_startup_trials=3, gamma=gamma, weights=np.ones))
    study_box.append(s)
    s.optimize(lambda t: t.suggest_float("x", -3, 3) ** 2, n_trials=8)
    assert s.user_attrs  # gamma ran, and its writes went through


def test_a_suggestion_retried_for_its_callbacks_warns_once():
    import warnings

    s = ferrotune.create_study(
        sampler=TPESampler(seed=0, n_startup_trials=2, multivariate=True, warn_independent_sampling=True, gamma=lambda n: max(1, n // 10))
    )

    def objective(t):
        x = t.suggest_float("x", 0, 1)
        if t.number % 2:
            x += t.suggest_float("y", 0, 1)  # dynamic: sampled independently, with a warning
        return x

    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        s.optimize(objective, n_trials=12)
    msgs = [str(x.message) for x in w if "sampled independently" in str(x.message)]
    assert msgs
    assert len(msgs) == len(set(msgs)), msgs
