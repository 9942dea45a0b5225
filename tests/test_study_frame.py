"""The study frame (``_core.study_frame``, ``visualization/_frame.py``): one core call gives every
trial as columns, and those columns say what ``study.trials`` says, on every storage."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ferrotune
from ferrotune.storages import JournalFileBackend, JournalStorage
from ferrotune.trial import TrialState
from ferrotune.visualization._frame import StudyFrame, frames_of

# One trial of a generated study: parameters drawn by the sampler, then an outcome.
OUTCOMES = st.sampled_from(["complete", "pruned", "fail", "running", "nan"])


def build(storage: object, outcomes: list[tuple[str, int, bool]], n_objectives: int) -> ferrotune.Study:
    directions = ["minimize", "maximize"][:n_objectives]
    study = ferrotune.create_study(storage=storage, directions=directions, sampler=ferrotune.samplers.RandomSampler(seed=3))  # type: ignore[arg-type]
    for i, (outcome, n_reports, constrained) in enumerate(outcomes):
        t = study.ask()
        x = t.suggest_float("x", 1e-3, 10.0, log=True)
        c = t.suggest_categorical("c", ["adam", None, 2, 1.5, True])
        if c == "adam":
            t.suggest_int("k", 1, 9, step=2)
        for step in range(n_reports if n_objectives == 1 else 0):  # reports need one objective
            t.report(x * (step + 1), step * 3)
        t.set_user_attr("i", {"i": i})
        if constrained:
            t.set_constraint("c0", x - 1.0)
        values = [x + i] * n_objectives
        if outcome == "complete":
            study.tell(t, values if n_objectives > 1 else values[0])
        elif outcome == "nan":
            study.tell(t, [math.nan] * n_objectives if n_objectives > 1 else math.nan)
        elif outcome == "pruned":
            study.tell(t, state=TrialState.PRUNED)
        elif outcome == "fail":
            study.tell(t, state=TrialState.FAIL)
    return study


def check_frame_matches_trials(study: ferrotune.Study) -> None:
    f = StudyFrame(study, with_intermediate=True, with_hover=True)
    trials = study.get_trials(deepcopy=False)
    assert len(f) == len(trials)
    np.testing.assert_array_equal(f.numbers, [t.number for t in trials])
    assert [TrialState(s) for s in f.states] == [t.state for t in trials]
    for t in trials:
        if t.values is None:
            assert np.isnan(f.values[t.number]).all()
        else:
            np.testing.assert_array_equal(f.values[t.number], t.values)
        assert f.datetime_start[t.number] == pytest.approx(t.datetime_start.timestamp() if t.datetime_start else math.nan, nan_ok=True)
        complete = t.datetime_complete.timestamp() if t.datetime_complete else math.nan
        assert f.datetime_complete[t.number] == pytest.approx(complete, nan_ok=True)
        hover = json.loads(f.hover[t.number].replace("<br>", "\n"))
        assert hover["number"] == t.number
        assert hover["params"] == t.params
        assert hover.get("user_attrs", {}) == t.user_attrs
        if t.values is not None:
            np.testing.assert_array_equal(hover["values"], t.values)
        for name, p in f.params.items():
            if name in t.params:
                assert p.present[t.number]
                got = p.external(np.array([t.number]))[0]
                want = t.params[name]
                assert got == want and type(got) is type(want) if p.is_categorical else got == want
                assert p.distributions[p.dist_idx[t.number]] == t.distributions[name]
            else:
                assert not p.present[t.number]
        viol = f.violation[t.number]
        if "constraints:c0" in t.system_attrs:
            assert viol == max(0.0, t.system_attrs["constraints:c0"])
        else:
            assert math.isnan(viol)
    assert set(f.params) == {n for t in trials for n in t.params}
    want_inter = [(t.number, s, v) for t in trials for s, v in sorted(t.intermediate_values.items())]
    got_inter = list(zip(f.inter_rows.tolist(), f.inter_steps.tolist(), f.inter_values.tolist(), strict=True))
    assert got_inter == want_inter


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(outcomes=st.lists(st.tuples(OUTCOMES, st.integers(0, 3), st.booleans()), max_size=12), n_objectives=st.sampled_from([1, 2]))
def test_frame_holds_what_the_trials_hold_in_memory(outcomes: list[tuple[str, int, bool]], n_objectives: int) -> None:
    check_frame_matches_trials(build(None, outcomes, n_objectives))


def test_frame_holds_what_the_trials_hold_on_a_journal_file_read_by_another_process_view(tmp_path: Path) -> None:
    path = str(tmp_path / "j.log")
    outcomes = [("complete", 2, False), ("pruned", 1, True), ("fail", 0, False), ("running", 3, True), ("complete", 0, True)]
    build(JournalStorage(JournalFileBackend(path)), outcomes, 1)
    # A fresh storage object reads the file back: the frame sees what was written.
    reloaded = ferrotune.load_study(study_name=None, storage=JournalStorage(JournalFileBackend(path)))
    check_frame_matches_trials(reloaded)


def test_an_empty_study_gives_empty_columns() -> None:
    f = StudyFrame(ferrotune.create_study(directions=["minimize", "minimize"]))
    assert len(f) == 0 and f.values.shape == (0, 2) and f.params == {} and len(f.inter_rows) == 0


def test_frames_of_takes_one_study_or_several() -> None:
    a, b = ferrotune.create_study(), ferrotune.create_study()
    a.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    assert [len(f) for f in frames_of(a)] == [3]
    assert [len(f) for f in frames_of([a, b])] == [3, 0]


def test_a_deleted_study_is_a_clear_error() -> None:
    storage = ferrotune.storages.InMemoryStorage()
    study = ferrotune.create_study(storage=storage, study_name="gone")
    ferrotune.delete_study(study_name="gone", storage=storage)
    with pytest.raises(ferrotune.exceptions.FerrotuneError):
        StudyFrame(study)
