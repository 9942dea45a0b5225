"""A study chooses how trials are sampled and pruned whenever its sampler or pruner is set."""

from __future__ import annotations

from typing import Any

import pytest

import ferrotune
from ferrotune.pruners import BasePruner, HyperbandPruner, MedianPruner, NopPruner
from ferrotune.samplers import BaseSampler, RandomSampler


class _Recording(BaseSampler):
    """A Python sampler that records which trials it worked for and what it saw."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []
        self.seen_types: set[str] = set()

    def before_trial(self, study: Any, trial: Any) -> None:
        self.calls.append(("before", trial.number))

    def sample_independent(self, study: Any, trial: Any, param_name: str, param_distribution: Any) -> Any:
        self.calls.append(("sample", trial.number))
        self.seen_types.add(type(study).__name__)
        return param_distribution.low

    def after_trial(self, study: Any, trial: Any, state: Any, values: Any) -> None:
        self.calls.append(("after", trial.number))


def _objective(trial: ferrotune.Trial) -> float:
    x = trial.suggest_float("x", 0, 1)
    for step in range(3):
        trial.report(x, step)
        if trial.should_prune():
            raise ferrotune.TrialPruned()
    return x


def test_assigning_a_sampler_switches_between_the_core_and_python_paths():
    py = _Recording()
    study = ferrotune.create_study(sampler=RandomSampler(seed=0))
    study.optimize(_objective, n_trials=2)
    study.sampler = py
    study.optimize(_objective, n_trials=2)
    study.sampler = RandomSampler(seed=1)
    study.optimize(_objective, n_trials=2)
    assert py.calls == [("before", 2), ("sample", 2), ("after", 2), ("before", 3), ("sample", 3), ("after", 3)]
    assert [t.params["x"] for t in study.trials][2:4] == [0.0, 0.0]
    assert all(0 <= t.params["x"] <= 1 for t in study.trials)


def test_a_python_sampler_sees_brackets_once_hyperband_is_assigned():
    py = _Recording()
    study = ferrotune.create_study(sampler=py)
    study.optimize(_objective, n_trials=3)
    assert py.seen_types == {"Study"}
    study.pruner = HyperbandPruner(min_resource=1, max_resource=3, reduction_factor=3)
    study.optimize(_objective, n_trials=3)
    assert "_BracketStudy" in py.seen_types
    study.pruner = NopPruner()
    py.seen_types.clear()
    study.optimize(_objective, n_trials=2)
    assert py.seen_types == {"Study"}


class _Counting(MedianPruner):
    """A built-in pruner whose prune is overridden: the study must call it."""

    def __init__(self) -> None:
        super().__init__(n_startup_trials=0)
        self.asked = 0

    def prune(self, study: Any, trial: Any) -> bool:
        self.asked += 1
        return super().prune(study, trial)


class _Always(BasePruner):
    def prune(self, study: Any, trial: Any) -> bool:
        return True


@pytest.mark.parametrize("first", [NopPruner(), MedianPruner()], ids=["nop", "median"])
def test_assigning_a_pruner_switches_how_should_prune_is_answered(first):
    study = ferrotune.create_study(sampler=RandomSampler(seed=0), pruner=first)
    study.optimize(_objective, n_trials=2)
    counting = _Counting()
    study.pruner = counting
    study.optimize(_objective, n_trials=2)
    assert counting.asked >= 2
    study.pruner = _Always()
    study.optimize(_objective, n_trials=1)
    assert study.trials[-1].state == ferrotune.TrialState.PRUNED
