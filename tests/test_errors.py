"""Bad input to the Python API is refused early, with a ferrotune error that names the argument."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from _util import assert_message
from hypothesis import given, settings
from hypothesis import strategies as st

import ferrotune
from ferrotune import FixedTrial
from ferrotune.distributions import FloatDistribution
from ferrotune.exceptions import FerrotuneTypeError, FerrotuneValueError, InvalidDistributionError
from ferrotune.pruners import (
    HyperbandPruner,
    MedianPruner,
    PatientPruner,
    PercentilePruner,
    SuccessiveHalvingPruner,
    ThresholdPruner,
    WilcoxonPruner,
)
from ferrotune.samplers import (
    BaseSampler,
    GPSampler,
    QMCSampler,
    RandomSampler,
    TPESampler,
    qmc_points,
)
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


@pytest.mark.parametrize("catch", [5, None, object(), [3], "ValueError"])
def test_a_catch_that_is_not_exception_classes_is_refused_before_any_trial(catch):
    # a TypeError, as in Optuna
    study = ferrotune.create_study(sampler=RandomSampler(seed=0))
    with pytest.raises(FerrotuneTypeError) as e:
        study.optimize(_objective, n_trials=2, catch=catch)
    assert_message(e, "catch")
    assert study.trials == []


def test_an_empty_study_name_is_a_name_not_replaced(tmp_path):
    # As in Optuna: "" is saved and found again under "", not replaced by a generated name.
    storage = ferrotune.storages.JournalStorage(ferrotune.storages.JournalFileBackend(str(tmp_path / "s.log")))
    ferrotune.create_study(study_name="", storage=storage).optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert ferrotune.get_all_study_names(str(tmp_path / "s.log")) == [""]
    assert len(ferrotune.load_study(study_name="", storage=str(tmp_path / "s.log")).trials) == 2
    with pytest.raises(ferrotune.exceptions.DuplicatedStudyError):
        ferrotune.create_study(study_name="", storage=storage)


@pytest.mark.parametrize("name", [3, b"s"])
def test_a_study_name_that_is_not_a_str_is_refused(name):
    with pytest.raises(FerrotuneValueError) as e:
        ferrotune.create_study(study_name=name)
    assert_message(e, "study_name")


def test_copy_study_to_an_empty_name_as_optuna_does():
    src = InMemoryStorage()
    ferrotune.create_study(study_name="a", storage=src).optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    dst = InMemoryStorage()
    ferrotune.copy_study(from_study_name="a", from_storage=src, to_storage=dst, to_study_name="")
    assert ferrotune.get_all_study_names(dst) == [""]
    assert len(ferrotune.load_study(study_name="", storage=dst).trials) == 3


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


# -- sampler and pruner arguments: Python converts, the core judges -----------------------------------

_ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
)

_CONSTRUCTORS: dict[str, Callable[[Any], Any]] = {
    "TPESampler.n_startup_trials": lambda v: TPESampler(n_startup_trials=v),
    "TPESampler.n_ei_candidates": lambda v: TPESampler(n_ei_candidates=v),
    "TPESampler.prior_weight": lambda v: TPESampler(prior_weight=v),
    "TPESampler.seed": lambda v: TPESampler(seed=v),
    "TPESampler.gamma": lambda v: TPESampler(gamma=v),
    "GPSampler.acquisition": lambda v: GPSampler(acquisition=v),
    "GPSampler.beta": lambda v: GPSampler(beta=v),
    "GPSampler.batch_mode": lambda v: GPSampler(batch_mode=v),
    "GPSampler.n_local_search": lambda v: GPSampler(n_local_search=v),
    "QMCSampler.qmc_type": lambda v: QMCSampler(qmc_type=v),
    "qmc_points.dim": lambda v: qmc_points("sobol", v, 2),
    "PercentilePruner.percentile": PercentilePruner,
    "MedianPruner.n_warmup_steps": lambda v: MedianPruner(n_warmup_steps=v),
    "ThresholdPruner.lower": lambda v: ThresholdPruner(lower=v),
    "PatientPruner.min_delta": lambda v: PatientPruner(None, patience=1, min_delta=v),
    "WilcoxonPruner.p_threshold": lambda v: WilcoxonPruner(p_threshold=v),
    "SuccessiveHalvingPruner.reduction_factor": lambda v: SuccessiveHalvingPruner(reduction_factor=v),
    "HyperbandPruner.max_resource": lambda v: HyperbandPruner(max_resource=v),
}


@pytest.mark.parametrize("argument", list(_CONSTRUCTORS))
@settings(max_examples=40, deadline=None)
@given(value=_ANY_VALUE)
def test_any_argument_value_builds_or_raises_a_ferrotune_error_naming_it(argument, value):
    try:
        _CONSTRUCTORS[argument](value)
    except FerrotuneValueError as e:
        message = str(e)
    else:
        return
    assert argument.split(".")[1] in message or (argument.endswith("lower") and "lower or upper" in message)


@pytest.mark.parametrize(
    "make, fragments",
    [
        (lambda: TPESampler(n_ei_candidates=0), ["n_ei_candidates must be at least 1"]),
        (lambda: TPESampler(prior_weight=float("inf")), ["prior_weight must be a finite number >= 0"]),
        (lambda: TPESampler(group=True, multivariate=False), ["group=True", "multivariate"]),
        (lambda: GPSampler(acquisition="ei"), ["acquisition", "'logei'", "'ei'"]),
        (lambda: GPSampler(beta=float("nan")), ["beta must be a finite number >= 0"]),
        (lambda: QMCSampler(qmc_type="lhs"), ["qmc_type='lhs'", "'sobol'"]),
        (ThresholdPruner, ["lower or upper"]),
    ],
)
def test_the_core_judges_sampler_and_pruner_arguments(make, fragments):
    with pytest.raises(FerrotuneValueError) as e:
        make()
    assert_message(e, *fragments)


def test_acquisition_and_batch_mode_are_read_in_any_case():
    sampler = GPSampler(acquisition="LogEI", batch_mode="Liar", seed=0)
    study = ferrotune.create_study(sampler=sampler)
    study.optimize(_objective, n_trials=2)
    assert len(study.trials) == 2


def test_add_trial_with_values_for_the_wrong_number_of_objectives_says_so():
    study = ferrotune.create_study(directions=["minimize", "maximize"])
    with pytest.raises(FerrotuneValueError) as e:
        study.add_trial(ferrotune.create_trial(state=ferrotune.TrialState.PRUNED, values=[1.0, 2.0, 3.0]))
    assert_message(e, "3 value(s)", "2 objective(s)")
    assert study.trials == []
