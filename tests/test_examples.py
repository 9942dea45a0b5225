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


def test_torch_mlp_example_tunes_reloads_the_best_model_and_writes_results(tmp_path: Path) -> None:
    mod = runpy.run_path(str(EXAMPLES / "torch_mlp_digits.py"))
    study, results = mod["main"](["--n-trials", "5", "--epochs", "4", "--checkpoint-dir", str(tmp_path), "--quiet"])
    assert len(study.trials) == 5 and 0.5 < study.best_value <= 1.0
    assert results["best_trial"]["number"] == study.best_trial.number
    assert results["best_trial"]["validation"] == study.best_value
    assert 0.5 < results["test"]["accuracy"] <= 1.0
    assert (tmp_path / "results.json").exists() and (tmp_path / "mlp-digits" / f"trial_{study.best_trial.number}" / "best.pt").exists()
    assert {"mlp_n_layers", "optimizer", "lr", "batch_size"} <= set(study.best_params)


def test_torch_mlp_example_runs_as_a_script(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            str(EXAMPLES / "torch_mlp_digits.py"),
            "--n-trials",
            "3",
            "--epochs",
            "3",
            "--pruner",
            "none",
            "--sampler",
            "random",
            "--checkpoint-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert "test accuracy:" in out.stdout and "Best trial: #" in out.stdout
    assert out.stderr.count("finished with value") == 3


def test_torch_cnn_example_tunes_convolutions_and_augmentation(tmp_path: Path) -> None:
    mod = runpy.run_path(str(EXAMPLES / "torch_cnn_digits.py"))
    study, test_accuracy = mod["main"](["--n-trials", "4", "--epochs", "3", "--checkpoint-dir", str(tmp_path), "--quiet"])
    assert len(study.trials) == 4 and 0.3 < test_accuracy <= 1.0
    assert {"cnn_n_conv", "cnn_filters_0", "cnn_kernel_size_0", "cnn_pooling", "aug_rotation", "aug_noise"} <= set(study.best_params)


def test_compare_methods_example_prints_a_table_and_saves_a_chart(tmp_path: Path) -> None:
    chart = tmp_path / "methods.png"
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / "compare_methods.py"), "--budget", "4", "--epochs", "2", "--seeds", "2", "--plot", str(chart)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    lines = out.stdout.splitlines()
    rows = {line.split()[0]: line.split()[1:] for line in lines if line.split()[:1] and line.split()[0] in ("grid", "random", "tpe", "gp")}
    assert set(rows) == {"grid", "random", "tpe", "gp"}
    # validation and test accuracy, each a mean and its (sd) over the two seeds
    assert all(0.0 < float(r[0]) <= 1.0 and 0.0 < float(r[2]) <= 1.0 and r[1].startswith("(") for r in rows.values())
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_example_has_a_test() -> None:
    tested = {"quickstart.py", "pruning.py", "torch_mlp_digits.py", "torch_cnn_digits.py", "compare_methods.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} <= tested, "add a test for each new example"
