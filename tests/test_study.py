"""Studies: creation, storage functions, best trials, attributes, trials and the DataFrame."""

from __future__ import annotations

import random

import numpy as np
import pytest
from _util import assert_message, pareto_front

import ferrotune
from ferrotune import StudyDirection, TrialState
from ferrotune.exceptions import (
    DuplicatedStudyError,
    FerrotuneValueError,
    MultiObjectiveError,
    StudyNotFoundError,
)
from ferrotune.pruners import NopPruner
from ferrotune.samplers import RandomSampler, TPESampler
from ferrotune.storages import InMemoryStorage

# -- create_study ---------------------------------------------------------------------------------------


def test_defaults():
    s = ferrotune.create_study()
    assert s.direction == StudyDirection.MINIMIZE
    assert s.directions == [StudyDirection.MINIMIZE]
    assert isinstance(s.sampler, TPESampler)  # Optuna's default too
    assert isinstance(s.pruner, NopPruner)
    assert s.trials == []


def test_directions_use_optuna_codes():
    assert (int(StudyDirection.NOT_SET), int(StudyDirection.MINIMIZE), int(StudyDirection.MAXIMIZE)) == (0, 1, 2)


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({"direction": "maximize"}, [StudyDirection.MAXIMIZE]),
        ({"direction": StudyDirection.MAXIMIZE}, [StudyDirection.MAXIMIZE]),
        ({"directions": ["minimize"]}, [StudyDirection.MINIMIZE]),
        ({"directions": ("maximize", StudyDirection.MINIMIZE)}, [StudyDirection.MAXIMIZE, StudyDirection.MINIMIZE]),
    ],
)
def test_direction_arguments(kwargs, expected):
    s = ferrotune.create_study(**kwargs)
    assert s.directions == expected
    if len(expected) == 1:
        assert s.direction == expected[0]
    else:
        with pytest.raises(MultiObjectiveError):
            s.direction  # noqa: B018


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"direction": "minimize", "directions": ["minimize"]}, "not both"),
        ({"direction": "min"}, "'min'"),
        ({"direction": StudyDirection.NOT_SET}, "NOT_SET"),
        ({"directions": ["minimize", "up"]}, "'up'"),
        ({"directions": []}, "must not be empty"),
        ({"directions": "minimize"}, "list"),
    ],
)
def test_bad_directions(kwargs, fragment):
    with pytest.raises(FerrotuneValueError) as e:
        ferrotune.create_study(**kwargs)
    assert isinstance(e.value, ValueError)
    assert_message(e, fragment)


def test_study_names(storage):
    a = ferrotune.create_study(storage=storage, study_name="resnet-lr")
    b = ferrotune.create_study(storage=storage)
    c = ferrotune.create_study(storage=storage)
    assert a.study_name == "resnet-lr"
    assert len({a.study_name, b.study_name, c.study_name}) == 3  # generated names are unique
    assert sorted(ferrotune.get_all_study_names(storage)) == sorted([a.study_name, b.study_name, c.study_name])


def test_duplicate_name_raises_unless_load_if_exists(storage):
    first = ferrotune.create_study(storage=storage, study_name="s")
    first.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    with pytest.raises(DuplicatedStudyError) as e:
        ferrotune.create_study(storage=storage, study_name="s")
    assert_message(e, "'s'", "load_if_exists")
    again = ferrotune.create_study(storage=storage, study_name="s", load_if_exists=True)
    assert [t.params for t in again.trials] == [t.params for t in first.trials]
    assert ferrotune.get_all_study_names(storage) == ["s"]
    # load_if_exists with a new name creates the study
    ferrotune.create_study(storage=storage, study_name="t", load_if_exists=True)
    assert sorted(ferrotune.get_all_study_names(storage)) == ["s", "t"]


def test_load_and_delete_with_a_shared_storage(storage):
    s = ferrotune.create_study(storage=storage, study_name="a", direction="maximize")
    s.set_user_attr("owner", "me")
    s.optimize(lambda t: t.suggest_int("n", 0, 9), n_trials=4)
    loaded = ferrotune.load_study(study_name="a", storage=storage)
    assert loaded.direction == StudyDirection.MAXIMIZE
    assert loaded.user_attrs == {"owner": "me"}
    assert [t.params for t in loaded.trials] == [t.params for t in s.trials]
    # both handles see new trials of the other
    loaded.optimize(lambda t: t.suggest_int("n", 0, 9), n_trials=2)
    assert len(s.trials) == 6 and [t.number for t in s.trials] == list(range(6))
    assert ferrotune.Study("a", storage).best_value == s.best_value

    # study_name=None works when the storage holds exactly one study
    assert ferrotune.load_study(study_name=None, storage=storage).study_name == "a"
    ferrotune.create_study(storage=storage, study_name="b")
    with pytest.raises(FerrotuneValueError):
        ferrotune.load_study(study_name=None, storage=storage)

    ferrotune.delete_study(study_name="a", storage=storage)
    assert ferrotune.get_all_study_names(storage) == ["b"]
    with pytest.raises(StudyNotFoundError):
        ferrotune.load_study(study_name="a", storage=storage)
    # a handle on a deleted study says so instead of showing stale data
    with pytest.raises(StudyNotFoundError):
        s.trials  # noqa: B018
    # the name can be reused
    assert ferrotune.create_study(storage=storage, study_name="a").trials == []


@pytest.mark.parametrize(
    "call",
    [
        lambda st: ferrotune.load_study(study_name="missing", storage=st),
        lambda st: ferrotune.delete_study(study_name="missing", storage=st),
        lambda st: ferrotune.Study("missing", st),
    ],
)
def test_unknown_study_raises_study_not_found(storage, call):
    with pytest.raises(StudyNotFoundError) as e:
        call(storage)
    assert isinstance(e.value, KeyError)
    assert_message(e, "'missing'")
    # KeyError's str() would quote the message; this one reads as written
    assert str(e.value).startswith("no study")


def test_storages_are_independent():
    a, b = InMemoryStorage(), InMemoryStorage()
    ferrotune.create_study(storage=a, study_name="x")
    assert ferrotune.get_all_study_names(b) == []
    ferrotune.create_study(storage=b, study_name="x")  # no clash across storages


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"storage": "mysql://u@host/db"}, "journal"),
        ({"storage": 3}, "storage"),
        ({"sampler": "tpe"}, "BaseSampler"),
        ({"sampler": object()}, "sampler"),
        ({"pruner": "median"}, "BasePruner"),
        ({"study_name": 5}, "study_name"),
    ],
)
def test_bad_create_study_arguments(kwargs, fragment):
    with pytest.raises(FerrotuneValueError) as e:
        ferrotune.create_study(**kwargs)
    assert_message(e, fragment)


def test_load_study_needs_a_storage():
    with pytest.raises(FerrotuneValueError):
        ferrotune.load_study(study_name="x", storage=None)
    with pytest.raises(FerrotuneValueError) as e:
        ferrotune.load_study(study_name="x", storage="postgresql://db")
    assert_message(e, "names no database", "postgresql://user:password@host:port/dbname")


# -- best trial -------------------------------------------------------------------------------------------


def _tell_all(study, values, states=None):
    for i, v in enumerate(values):
        t = study.ask()
        t.suggest_float("x", -100, 100)
        state = states[i] if states else None
        study.tell(t, v, state=state)


@pytest.mark.parametrize(
    "direction, best_number, best_value",
    [("minimize", 3, -4.0), ("maximize", 1, 9.0)],
)
def test_best_trial_follows_the_direction(direction, best_number, best_value):
    s = ferrotune.create_study(direction=direction)
    _tell_all(s, [3.0, 9.0, 0.5, -4.0, 9.0, -4.0])
    assert s.best_value == best_value
    assert s.best_trial.number == best_number  # the first of tied trials
    assert s.best_trial.value == best_value
    assert s.best_params == s.trials[best_number].params
    assert [t.number for t in s.best_trials] == [i for i, v in enumerate([3.0, 9.0, 0.5, -4.0, 9.0, -4.0]) if v == best_value]


def test_best_trial_ignores_pruned_and_failed_trials():
    s = ferrotune.create_study()
    _tell_all(s, [5.0, -100.0, None, 4.0], states=[None, TrialState.PRUNED, TrialState.FAIL, None])
    assert s.best_value == 4.0 and s.best_trial.number == 3


def test_best_trial_without_complete_trials_raises():
    s = ferrotune.create_study()
    with pytest.raises(FerrotuneValueError):
        s.best_trial  # noqa: B018
    with pytest.raises(FerrotuneValueError):
        s.best_value  # noqa: B018
    with pytest.raises(FerrotuneValueError):
        s.best_params  # noqa: B018
    assert s.best_trials == []
    _tell_all(s, [None], states=[TrialState.FAIL])
    with pytest.raises(FerrotuneValueError):
        s.best_value  # noqa: B018


def test_best_trial_handles_infinities():
    s = ferrotune.create_study()
    _tell_all(s, [float("inf")])
    assert s.best_value == float("inf")
    _tell_all(s, [float("-inf")])
    assert s.best_value == float("-inf") and s.best_trial.number == 1


def test_best_trial_is_a_copy(study):
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5)
    b = study.best_trial
    b.params["x"] = 42.0
    b.user_attrs["k"] = 1
    assert study.best_trial.params["x"] != 42.0
    assert study.best_trial.user_attrs == {}


@pytest.mark.parametrize("directions", [["minimize", "minimize"], ["minimize", "maximize"], ["maximize", "maximize"]])
def test_best_trials_is_the_pareto_front(directions):
    rng = random.Random(7)
    s = ferrotune.create_study(directions=directions)
    points = []
    for _ in range(120):
        # a coarse grid of values makes ties and duplicates likely
        p = (float(rng.randint(0, 12)), float(rng.randint(0, 12)))
        points.append(p)
        s.tell(s.ask(), list(p))
    # failed trials must not take part
    s.tell(s.ask(), state=TrialState.FAIL)
    got = {t.number for t in s.best_trials}
    assert got == pareto_front(points, directions)
    assert all(t.state == TrialState.COMPLETE for t in s.best_trials)


def test_multi_objective_study_has_no_single_best():
    s = ferrotune.create_study(directions=["minimize", "maximize"])
    s.tell(s.ask(), [1.0, 2.0])
    for attr in ("best_trial", "best_value", "best_params"):
        with pytest.raises(MultiObjectiveError):
            getattr(s, attr)


# -- attributes --------------------------------------------------------------------------------------------


def test_study_user_attrs_round_trip_json_values(study):
    study.set_user_attr("lr", np.float32(0.5))
    study.set_user_attr("epochs", np.int64(3))
    study.set_user_attr("flag", np.bool_(True))
    study.set_user_attr("arr", np.arange(3))
    study.set_user_attr("nested", {"a": [1, {"b": None}], "s": "t"})
    study.set_user_attr("epochs", 4)  # overwrite
    attrs = study.user_attrs
    assert attrs == {
        "lr": 0.5,
        "epochs": 4,
        "flag": True,
        "arr": [0, 1, 2],
        "nested": {"a": [1, {"b": None}], "s": "t"},
    }
    assert type(attrs["lr"]) is float and type(attrs["flag"]) is bool and type(attrs["epochs"]) is int


def test_study_user_attr_rejects_unstorable_values(study):
    with pytest.raises(FerrotuneValueError) as e:
        study.set_user_attr("fn", lambda: 0)
    assert_message(e, "'fn'")
    with pytest.raises(FerrotuneValueError):
        study.set_user_attr(1, "x")
    assert study.user_attrs == {}


# -- trials and get_trials -------------------------------------------------------------------------------------


def test_get_trials_filters_by_state(study):
    study.tell(study.ask(), 1.0)
    study.tell(study.ask(), state=TrialState.FAIL)
    study.tell(study.ask(), state=TrialState.PRUNED)
    running = study.ask()
    study.enqueue_trial({"x": 0.5})
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED, TrialState.RUNNING, TrialState.WAITING]
    assert [t.number for t in study.get_trials(states=(TrialState.COMPLETE, TrialState.PRUNED))] == [0, 2]
    assert [t.number for t in study.get_trials(states=[TrialState.RUNNING])] == [running.number]
    assert study.get_trials(deepcopy=False, states=()) == []


def test_modifying_returned_trials_does_not_change_the_study(study):
    def objective(t):
        t.report(1.0, 0)
        t.set_user_attr("u", [1])
        return t.suggest_float("x", 0, 1)

    study.optimize(objective, n_trials=3)
    before = [(t.params, t.value, t.user_attrs, t.intermediate_values, t.state) for t in study.trials]
    for t in study.trials + study.get_trials(deepcopy=True):
        t.params["x"] = -1.0
        t.user_attrs["u"].append(2)
        t.user_attrs["v"] = 0
        t.intermediate_values[9] = 9.0
        t.value = 123.0
        t.state = TrialState.FAIL
    after = [(t.params, t.value, t.user_attrs, t.intermediate_values, t.state) for t in study.trials]
    assert after == before


def test_get_trials_without_deepcopy_has_the_same_content(study):
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=4)
    assert study.get_trials(deepcopy=False) == study.get_trials(deepcopy=True)


# -- trials_dataframe ----------------------------------------------------------------------------------------------


def test_trials_dataframe_single_objective(study):
    pd = pytest.importorskip("pandas")

    def objective(t):
        x = t.suggest_float("x", 0, 1)
        c = t.suggest_categorical("c", ["a", "b"])
        t.set_user_attr("tag", c)
        if t.number == 2:
            raise ValueError("boom")
        return x

    study.optimize(objective, n_trials=4, catch=(ValueError,))
    df = study.trials_dataframe()
    assert isinstance(df, pd.DataFrame) and len(df) == 4
    for col in ("number", "value", "params_x", "params_c", "user_attrs_tag", "state", "datetime_start", "duration"):
        assert col in df.columns
    assert df["number"].tolist() == [0, 1, 2, 3]
    assert df["state"].tolist() == ["COMPLETE", "COMPLETE", "FAIL", "COMPLETE"]
    trials = study.trials
    assert df["params_x"].tolist() == [t.params["x"] for t in trials]
    assert pd.isna(df["value"][2])
    assert df["value"][[0, 1, 3]].tolist() == [trials[i].value for i in (0, 1, 3)]


def test_trials_dataframe_multi_objective_and_multi_index():
    pytest.importorskip("pandas")
    s = ferrotune.create_study(directions=["minimize", "maximize"], sampler=RandomSampler(seed=1))
    s.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)), n_trials=3)
    df = s.trials_dataframe()
    assert {"values_0", "values_1", "params_x", "params_y"} <= set(df.columns)
    assert "value" not in df.columns
    assert df["values_0"].tolist() == [t.values[0] for t in s.trials]
    assert df["values_1"].tolist() == df["params_y"].tolist()
    mi = s.trials_dataframe(multi_index=True)
    # the objective's index is an int, as in Optuna's frame
    assert ("values", 0) in mi.columns and ("params", "x") in mi.columns
    assert mi.get("values")[1].tolist() == df["values_1"].tolist()
    small = s.trials_dataframe(attrs=("number", "state"))
    assert list(small.columns) == ["number", "state"]


def test_trials_dataframe_of_an_empty_study():
    pytest.importorskip("pandas")
    assert len(ferrotune.create_study().trials_dataframe()) == 0
