"""Pruners: NopPruner and pruners written in Python (subclasses of BasePruner)."""

from __future__ import annotations

import pytest

import ferrotune
from ferrotune import TrialState
from ferrotune.pruners import BasePruner, NopPruner
from ferrotune.samplers import RandomSampler


class ThresholdPruner(BasePruner):
    """Prunes as soon as the last reported value exceeds ``threshold``."""

    def __init__(self, threshold):
        self.threshold = threshold
        self.calls = []

    def prune(self, study, trial):
        self.calls.append((trial.number, dict(trial.intermediate_values), trial.state))
        last = trial.last_step
        return last is not None and trial.intermediate_values[last] > self.threshold


def _objective(trial):
    x = trial.suggest_float("x", 0, 10)
    for step in range(3):
        trial.report(x + step, step)
        if trial.should_prune():
            raise ferrotune.TrialPruned(f"pruned at step {step}")
    return x


def test_python_pruner_prunes_through_should_prune():
    pruner = ThresholdPruner(6.5)
    s = ferrotune.create_study(pruner=pruner, sampler=RandomSampler(seed=0))
    assert s.pruner is pruner
    s.optimize(_objective, n_trials=40)
    n_pruned = 0
    for t in s.trials:
        x = t.params["x"]
        # x + step first exceeds 6.5 at step max(0, ceil(6.5 - x)), if that step is < 3
        first_bad = next((step for step in range(3) if x + step > 6.5), None)
        if first_bad is None:
            assert t.state == TrialState.COMPLETE and t.value == x
            assert t.last_step == 2
        else:
            n_pruned += 1
            assert t.state == TrialState.PRUNED
            assert t.last_step == first_bad
            assert t.value == x + first_bad  # the last intermediate value
    assert 5 < n_pruned < 35  # both outcomes occur with this seed


def test_pruner_sees_the_running_trial_with_its_reports():
    pruner = ThresholdPruner(100.0)
    s = ferrotune.create_study(pruner=pruner, sampler=RandomSampler(seed=1))
    s.optimize(_objective, n_trials=1)
    x = s.trials[0].params["x"]
    assert pruner.calls == [
        (0, {0: x}, TrialState.RUNNING),
        (0, {0: x, 1: x + 1}, TrialState.RUNNING),
        (0, {0: x, 1: x + 1, 2: x + 2}, TrialState.RUNNING),
    ]


def test_nop_pruner_never_prunes():
    s = ferrotune.create_study(pruner=NopPruner(), sampler=RandomSampler(seed=0))
    s.optimize(_objective, n_trials=20)
    assert all(t.state == TrialState.COMPLETE for t in s.trials)
    assert NopPruner().prune(s, s.trials[0]) is False


def test_should_prune_with_the_ask_and_tell_interface():
    s = ferrotune.create_study(pruner=ThresholdPruner(1.0))
    t = s.ask()
    assert t.should_prune() is False  # nothing reported yet
    t.report(0.5, 0)
    assert t.should_prune() is False
    t.report(2.0, 1)
    assert t.should_prune() is True
    assert s.tell(t, state=TrialState.PRUNED).value == 2.0


def test_base_pruner_is_abstract():
    class Incomplete(BasePruner):
        pass

    with pytest.raises(TypeError):
        Incomplete()
