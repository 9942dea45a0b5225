"""Journal snapshots and copy_study between storages."""

from __future__ import annotations

import os

import pytest

import ferrotune as ft
from ferrotune.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from ferrotune.exceptions import DuplicatedStudyError, FerrotuneValueError, StudyNotFoundError
from ferrotune.storages import InMemoryStorage, JournalStorage
from ferrotune.storages.journal import JournalFileBackend
from ferrotune.trial import TrialState

FIELDS = (
    "number",
    "state",
    "values",
    "params",
    "distributions",
    "intermediate_values",
    "user_attrs",
    "system_attrs",
    "datetime_start",
    "datetime_complete",
)


def _fields(trials: list[ft.FrozenTrial], with_id: bool = False) -> list[tuple]:
    return [tuple(getattr(t, f) for f in FIELDS) + ((t._trial_id,) if with_id else ()) for t in trials]


def _objective(trial: ft.Trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    trial.suggest_int("n", 1, 9, log=True)
    trial.suggest_categorical("c", ["a", None, 3])
    trial.set_user_attr("u", [x, "v"])
    trial.report(x * 2, 1)
    trial.report(x * 3, 4)
    if x > 3:
        raise ft.TrialPruned()
    if x < -4:
        raise RuntimeError("failed on purpose")
    return x * x


def _journal(path: str) -> JournalStorage:
    return JournalStorage(JournalFileBackend(path))


def test_snapshot_then_more_trials_from_another_handle(tmp_path: os.PathLike) -> None:
    path = os.path.join(tmp_path, "s.log")
    a = _journal(path)
    study = ft.create_study(study_name="s", storage=a, sampler=ft.samplers.RandomSampler(seed=1))
    study.set_user_attr("team", "x")
    study.optimize(_objective, n_trials=40, catch=(RuntimeError,))
    snap = a.snapshot()
    assert snap == path + ".snapshot" and os.path.exists(snap)
    # A second storage object appends after the snapshot; the first one's view follows.
    b = _journal(path)
    other = ft.load_study(study_name="s", storage=b, sampler=ft.samplers.RandomSampler(seed=2))
    other.optimize(_objective, n_trials=15, catch=(RuntimeError,))
    other.enqueue_trial({"x": 0.5})
    reopened = ft.load_study(study_name="s", storage=_journal(path))
    want = _fields(study.get_trials(deepcopy=False), with_id=True)
    assert len(want) == 56
    assert _fields(reopened.get_trials(deepcopy=False), with_id=True) == want
    assert _fields(other.get_trials(deepcopy=False), with_id=True) == want
    assert reopened.user_attrs == {"team": "x"}
    assert reopened.best_trial.number == study.best_trial.number


def test_snapshot_needs_a_journal() -> None:
    with pytest.raises(FerrotuneValueError, match="journal"):
        InMemoryStorage()._core.snapshot()


def _rich_study(storage: object, directions: list[str]) -> ft.Study:
    study = ft.create_study(study_name="src", storage=storage, directions=directions)
    study.set_user_attr("owner", {"name": "me"})
    study.set_system_attr("sys", 1)

    def objective(trial: ft.Trial) -> list[float]:
        x = trial.suggest_float("x", 1e-3, 1, log=True)
        trial.suggest_int("k", 0, 10, step=2)
        if len(directions) == 1:
            trial.report(x, 0)
            trial.report(x / 2, 3)
        if trial.number % 4 == 3:
            raise ft.TrialPruned()
        return [x, 1 - x][: len(directions)]

    study.optimize(objective, n_trials=8)
    study.add_trial(
        ft.create_trial(
            state=TrialState.FAIL,
            params={"c": "b"},
            distributions={"c": CategoricalDistribution(["a", "b"])},
            user_attrs={"why": "oom"},
            system_attrs={"s": [1, 2]},
            intermediate_values={2: 0.25, 5: 0.5},
        )
    )
    study.enqueue_trial({"x": 0.5, "k": 4}, user_attrs={"q": True})
    study.add_trial(
        ft.create_trial(
            values=[0.1, 0.9][: len(directions)],
            params={"x": 0.1, "k": 2},
            distributions={"x": FloatDistribution(1e-3, 1, log=True), "k": IntDistribution(0, 10, step=2)},
        )
    )
    return study


@pytest.mark.parametrize("directions", [["minimize"], ["minimize", "maximize"]])
def test_copy_study_memory_journal_memory(tmp_path: os.PathLike, directions: list[str]) -> None:
    mem = InMemoryStorage()
    src = _rich_study(mem, directions)
    path = os.path.join(tmp_path, "copy.log")
    ft.copy_study(from_study_name="src", from_storage=mem, to_storage=path, to_study_name="mid")
    back = InMemoryStorage()
    ft.copy_study(from_study_name="mid", from_storage=_journal(path), to_storage=back)
    for storage, name in ((_journal(path), "mid"), (back, "mid")):
        copy = ft.load_study(study_name=name, storage=storage)
        assert _fields(copy.get_trials(deepcopy=False)) == _fields(src.get_trials(deepcopy=False))
        assert copy.directions == src.directions
        assert copy.user_attrs == src.user_attrs
        assert copy.system_attrs == src.system_attrs
    states = {t.state for t in src.get_trials(deepcopy=False)}
    assert {TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL, TrialState.WAITING} <= states


def test_copy_study_errors(tmp_path: os.PathLike) -> None:
    mem = InMemoryStorage()
    _rich_study(mem, ["maximize"])
    dst = InMemoryStorage()
    ft.create_study(study_name="src", storage=dst)
    with pytest.raises(DuplicatedStudyError):
        ft.copy_study(from_study_name="src", from_storage=mem, to_storage=dst)
    with pytest.raises(StudyNotFoundError):
        ft.copy_study(from_study_name="nope", from_storage=mem, to_storage=dst, to_study_name="new")
    assert ft.get_all_study_names(dst) == ["src"]
    assert len(ft.load_study(study_name="src", storage=dst).trials) == 0
