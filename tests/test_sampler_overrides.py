"""A built-in sampler whose hooks a user replaced: the study calls the replacements, as Optuna
does, and keeps the direct core path for samplers nobody touched."""

from __future__ import annotations

from unittest import mock

import pytest

import ferrotune
from ferrotune.samplers import CmaEsSampler, GPSampler, QMCSampler, RandomSampler, TPESampler
from ferrotune.study._suggest import CorePath, PythonPath
from ferrotune.trial import TrialState


def objective(trial):
    return (trial.suggest_float("x", -5, 5) - 1) ** 2 + trial.suggest_int("n", 0, 4)


class Recording(TPESampler):
    """Records every hook call and passes it on to TPE."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = []

    def before_trial(self, study, trial):
        self.calls.append(("before", trial.number))

    def sample_independent(self, study, trial, param_name, param_distribution):
        value = super().sample_independent(study, trial, param_name, param_distribution)
        self.calls.append(("independent", trial.number, param_name))
        return value

    def after_trial(self, study, trial, state, values):
        self.calls.append(("after", trial.number, state, values))


def test_an_untouched_built_in_sampler_keeps_the_core_path():
    for sampler in (TPESampler(seed=0), RandomSampler(seed=0), QMCSampler(seed=0), GPSampler(seed=0), CmaEsSampler(seed=0)):
        assert type(ferrotune.create_study(sampler=sampler)._path) is CorePath


def test_a_subclass_hooks_run_in_optunas_order_and_tpe_still_optimizes():
    sampler = Recording(seed=0, n_startup_trials=5)
    study = ferrotune.create_study(sampler=sampler)
    assert type(study._path) is PythonPath
    study.optimize(objective, n_trials=40)
    for number in range(40):
        mine = [c for c in sampler.calls if c[1] == number]
        assert mine[0] == ("before", number) and mine[-1][:3] == ("after", number, TrialState.COMPLETE)
        assert mine[-1][3] == [study.trials[number].value]
    # the startup trials sample every parameter independently
    assert {c[2] for c in sampler.calls if c[0] == "independent" and c[1] < 5} == {"x", "n"}
    assert study.best_value < 0.5


def test_an_overriding_sample_independent_decides_the_value():
    class Always3(RandomSampler):
        def sample_independent(self, study, trial, param_name, param_distribution):
            return 3 if param_name == "n" else super().sample_independent(study, trial, param_name, param_distribution)

    study = ferrotune.create_study(sampler=Always3(seed=0))
    study.optimize(objective, n_trials=10)
    assert {t.params["n"] for t in study.trials} == {3}
    assert len({t.params["x"] for t in study.trials}) == 10


def test_a_hook_patched_on_an_instance_after_the_study_was_made_is_called():
    sampler = RandomSampler(seed=0)
    study = ferrotune.create_study(sampler=sampler)
    with mock.patch.object(sampler, "sample_independent", wraps=sampler.sample_independent) as spy:
        study.optimize(objective, n_trials=5)
    assert spy.call_count == 10  # two parameters, five trials
    study.optimize(objective, n_trials=1)
    assert type(study._path) is CorePath  # the patch is gone: the direct path again


def test_a_user_reseed_rng_is_called_in_each_worker_thread_as_optuna_does():
    class Counting(RandomSampler):
        reseeds = 0

        def reseed_rng(self):
            type(self).reseeds += 1
            super().reseed_rng()

    study = ferrotune.create_study(sampler=Counting(seed=0))
    study.optimize(objective, n_trials=6, n_jobs=3)
    assert Counting.reseeds == 3
    study.optimize(objective, n_trials=2)  # one job: no reseeding, as in Optuna
    assert Counting.reseeds == 3


def test_built_in_samplers_are_not_reseeded_by_threads():
    first = ferrotune.create_study(sampler=TPESampler(seed=7))
    first.optimize(objective, n_trials=12, n_jobs=2)
    assert first.sampler.seed == 7


@pytest.mark.parametrize("hook", ["sample_relative", "infer_relative_search_space"])
def test_joint_hooks_that_are_replaced_are_called(hook):
    calls = []

    class Joint(TPESampler):
        pass

    def record(self, *args, _hook=hook):
        calls.append(args[1].number)
        return getattr(TPESampler, _hook)(self, *args)

    setattr(Joint, hook, record)
    study = ferrotune.create_study(sampler=Joint(seed=0, multivariate=True, n_startup_trials=3))
    study.optimize(objective, n_trials=8)
    assert calls and set(calls) <= set(range(8))
    assert len(study.trials) == 8 and all(t.state == TrialState.COMPLETE for t in study.trials)
