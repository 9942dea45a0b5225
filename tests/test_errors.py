"""Bad input to the Python API is refused early, with a ferrotune error that names the argument."""

from __future__ import annotations

from typing import Any

import ferrotune
import pytest
from _util import assert_message
from ferrotune import FixedTrial
from ferrotune.distributions import FloatDistribution
from ferrotune.exceptions import FerrotuneValueError, InvalidDistributionError
from ferrotune.samplers import BaseSampler, RandomSampler
from ferrotune.storages import InMemoryStorage


class _MidpointSampler(BaseSampler):
    """A sampler written in Python: the study takes its suggestion path."""

    def sample_independent(self, study: Any, trial: Any, param_name: str, param_distribution: Any) -> Any:
        return param_distribution.to_external_repr(param_distribution._spec()[1])


_SUGGESTIONS = [
    ("suggest_float", (0.0, 1.0)),
    ("suggest_int", (0, 10)),
    ("suggest_categorical", (["a", "b"],)),
]


@pytest.mark.parametrize("method, args", _SUGGESTIONS)
@pytest.mark.parametrize("sampler", [RandomSampler(seed=0), None, _MidpointSampler()], ids=["core", "tpe", "python"])
@pytest.mark.parametrize("bad_name", [123, None, b"x", ("x",)])
def test_a_name_that_is_not_a_str_is_blamed_as_the_name(method, args, sampler, bad_name):
    trial = ferrotune.create_study(sampler=sampler).ask()
    with pytest.raises(FerrotuneValueError) as e:
        getattr(trial, method)(bad_name, *args)
    assert_message(e, "name", repr(bad_name), "str")
    assert str(e.value).startswith("name must be") and not isinstance(e.value, InvalidDistributionError)


@pytest.mark.parametrize("method, args", _SUGGESTIONS)
def test_offline_trials_blame_the_name_too(method, args):
    with pytest.raises(FerrotuneValueError) as e:
        getattr(FixedTrial({"x": 0.5}), method)(123, *args)
    assert_message(e, "name", "123")


def test_ask_with_fixed_distributions_blames_a_bad_name():
    study = ferrotune.create_study(sampler=RandomSampler(seed=0))
    with pytest.raises(FerrotuneValueError) as e:
        study.ask({7: FloatDistribution(0, 1)})  # type: ignore[dict-item]
    assert_message(e, "name", "7")
    assert study.trials == []  # refused before the trial started


def _objective(trial: ferrotune.Trial) -> float:
    return trial.suggest_float("x", 0, 1)


@pytest.mark.parametrize(
    "callbacks, fragment",
    [
        ([1], "callbacks[0]"),
        ([lambda s, t: None, "stop"], "callbacks[1]"),
        (print, "list"),
        (3, "callbacks"),
        ("cb", "callbacks"),
    ],
)
def test_bad_callbacks_are_refused_before_any_trial_runs(callbacks, fragment):
    study = ferrotune.create_study(sampler=RandomSampler(seed=0))
    ran = []

    def objective(trial: ferrotune.Trial) -> float:
        ran.append(trial.number)
        return 0.0

    with pytest.raises(FerrotuneValueError) as e:
        study.optimize(objective, n_trials=3, callbacks=callbacks)
    assert_message(e, fragment)
    assert ran == [] and study.trials == []


def test_callbacks_from_a_generator_run_after_every_trial():
    study = ferrotune.create_study(sampler=RandomSampler(seed=0))
    seen: list[int] = []
    study.optimize(_objective, n_trials=3, callbacks=(cb for cb in [lambda s, t: seen.append(t.number)]))
    assert seen == [0, 1, 2]


@pytest.mark.parametrize("catch", [5, None, object()])
def test_a_catch_that_is_not_exception_classes_is_refused_before_any_trial(catch):
    study = ferrotune.create_study(sampler=RandomSampler(seed=0))
    with pytest.raises(FerrotuneValueError) as e:
        study.optimize(_objective, n_trials=2, catch=catch)
    assert_message(e, "catch")
    assert study.trials == []


def test_an_empty_study_name_is_refused_not_replaced():
    storage = InMemoryStorage()
    with pytest.raises(FerrotuneValueError) as e:
        ferrotune.create_study(study_name="", storage=storage)
    assert_message(e, "study_name", "non-empty")
    assert ferrotune.get_all_study_names(storage) == []


@pytest.mark.parametrize("name", [3, b"s"])
def test_a_study_name_that_is_not_a_str_is_refused(name):
    with pytest.raises(FerrotuneValueError) as e:
        ferrotune.create_study(study_name=name)
    assert_message(e, "study_name")


def test_copy_study_refuses_an_empty_destination_name():
    src = InMemoryStorage()
    ferrotune.create_study(study_name="a", storage=src)
    dst = InMemoryStorage()
    with pytest.raises(FerrotuneValueError) as e:
        ferrotune.copy_study(from_study_name="a", from_storage=src, to_storage=dst, to_study_name="")
    assert_message(e, "to_study_name")
    assert ferrotune.get_all_study_names(dst) == []


def test_report_with_a_step_beyond_64_bits_names_the_step():
    trial = ferrotune.create_study(sampler=RandomSampler(seed=0)).ask()
    with pytest.raises(FerrotuneValueError) as e:
        trial.report(1.0, 2**63)
    assert_message(e, "step", str(2**63))


def test_report_with_a_value_too_large_for_a_float_names_the_value():
    trial = ferrotune.create_study(sampler=RandomSampler(seed=0)).ask()
    with pytest.raises(FerrotuneValueError) as e:
        trial.report(10**400, 0)
    assert_message(e, "number")
