"""Every script in examples/ runs, on a tiny budget, as a user would run it."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

import pytest

import ferrotune

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_quickstart_tunes_and_reports_best_trial() -> None:
    pytest.importorskip("sklearn")
    mod = runpy.run_path(str(EXAMPLES / "quickstart.py"))
    study = mod["main"](["--n-trials", "4", "--seed", "1"])
    assert len(study.trials) == 4
    assert 0.0 <= study.best_value <= 1.0
    assert set(study.best_params) == {"kernel", "C", "gamma"}


def test_quickstart_runs_as_a_script() -> None:
    pytest.importorskip("sklearn")
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / "quickstart.py"), "--n-trials", "3"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert "Best trial: #" in out.stdout
    assert "accuracy (3-fold CV)" in out.stdout
    # one log line per finished trial
    assert out.stderr.count("finished with value") == 3


def test_pruning_example_stops_trials_early() -> None:
    pytest.importorskip("sklearn")
    mod = runpy.run_path(str(EXAMPLES / "pruning.py"))
    study = mod["main"](["--n-trials", "12", "--epochs", "9", "--seed", "1"])
    states = [t.state for t in study.trials]
    assert len(states) == 12
    # Hyperband stopped some trials and let at least one run all nine epochs
    assert states.count(ferrotune.trial.TrialState.PRUNED) >= 3
    best = study.best_trial
    assert best.last_step == 8 and 0.5 < best.value <= 1.0
    pruned = [t for t in study.trials if t.state == ferrotune.trial.TrialState.PRUNED]
    assert all(t.last_step < 8 and t.value == t.intermediate_values[t.last_step] for t in pruned)


def test_every_example_has_a_test() -> None:
    tested = {"quickstart.py", "pruning.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} <= tested, "add a test for each new example"
