"""Checkpoints: resume after a crash with identical state, reload the best model, write results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from _torch_data import loaders, mlp, same_weights
from _util import assert_message

import ferrotune
import ferrotune.torch as ft
from ferrotune.exceptions import FerrotuneValueError

torch.set_num_threads(1)
TESTS = Path(__file__).resolve().parent


def _schedule(name: str, opt: torch.optim.Optimizer, steps: int) -> object:
    s = torch.optim.lr_scheduler
    return {
        "none": lambda: None,
        "step": lambda: s.StepLR(opt, step_size=2, gamma=0.5),
        "one_cycle": lambda: s.OneCycleLR(opt, max_lr=0.05, epochs=6, steps_per_epoch=steps),
        "plateau": lambda: s.ReduceLROnPlateau(opt, patience=0),
    }[name]()


def _train(ckpt: Path | None, schedule: str, crash_after: int | None = None, own_generators: bool = False) -> tuple[ft.FitResult, dict]:
    ft.seed_everything(3)
    train, val = loaders()
    if own_generators:  # the loader's order and the augmentation draw from generators of their own
        train = torch.utils.data.DataLoader(train.dataset, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(5))
    model = mlp(dropout=0.3)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    aug = ft.Augmentation(noise=0.1, generator=torch.Generator().manual_seed(6) if own_generators else None)

    def crash(e: ft.EpochEnd) -> None:
        if e.epoch == crash_after:
            raise KeyboardInterrupt("simulated crash")

    result = ft.fit(
        None,
        model,
        opt,
        torch.nn.CrossEntropyLoss(),
        train,
        val,
        epochs=6,
        scheduler=_schedule(schedule, opt, len(train)),
        augment=aug,
        checkpoint_dir=ckpt,
        restore_best=False,
        callbacks=[crash],
    )
    return result, model.state_dict()


@pytest.mark.parametrize(
    "schedule, own_generators", [("none", False), ("step", False), ("one_cycle", False), ("plateau", False), ("step", True)]
)
def test_resume_continues_from_the_saved_epoch_with_identical_state(tmp_path: Path, schedule: str, own_generators: bool) -> None:
    reference, ref_weights = _train(None, schedule, own_generators=own_generators)
    with pytest.raises(KeyboardInterrupt):
        _train(tmp_path, schedule, crash_after=2, own_generators=own_generators)
    saved = ft.TrialCheckpoint(tmp_path).load_last()
    assert saved["epochs_done"] == 3 and saved["history"] == reference.history[:3]
    # Everything random is reseeded differently before the resume: the checkpoint restores it.
    torch.manual_seed(999)
    resumed, weights = _train(tmp_path, schedule, own_generators=own_generators)
    assert resumed.resumed_from == 3
    assert resumed.history == reference.history and resumed.train_losses == reference.train_losses
    assert same_weights(weights, ref_weights)


def test_a_killed_workers_trial_is_retried_and_resumes_from_its_checkpoint(tmp_path: Path) -> None:
    journal, ckpt = tmp_path / "study.journal", tmp_path / "ckpt"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}

    def worker(mode: str, out: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, str(TESTS / "_torch_resume_worker.py"), mode, str(journal), str(ckpt), str(tmp_path / out)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    killed = worker("kill", "killed.pt")
    assert killed.returncode == -9, killed.stderr
    assert (ckpt / "resume" / "trial_0" / "last.pt").exists()
    time.sleep(3.5)  # past the 2 s grace period: the dead worker's heartbeat is stale (a lower bound)
    retry = worker("retry", "retry.pt")
    assert retry.returncode == 0, retry.stderr
    ref = worker("reference", "reference.pt")
    assert ref.returncode == 0, ref.stderr

    study = ferrotune.load_study(study_name="resume", storage=str(journal))
    assert [t.state for t in study.trials] == [ferrotune.TrialState.FAIL, ferrotune.TrialState.COMPLETE]
    first, second = study.trials
    assert second.system_attrs["failed_trial"] == 0 and second.params == first.params
    got, want = torch.load(tmp_path / "retry.pt"), torch.load(tmp_path / "reference.pt")
    assert got["resumed_from"] == 3 and got["number"] == 1
    assert got["history"] == want["history"]
    assert same_weights(got["model"], want["model"])
    # The retry reports the whole curve, the epochs its predecessor trained included.
    assert [second.intermediate_values[s] for s in range(6)] == want["history"]
    # The dead worker was killed after saving epoch 2 and before reporting it.
    assert first.intermediate_values == {0: want["history"][0], 1: want["history"][1]}


def test_worker_processes_train_one_model_per_trial_on_one_study(tmp_path: Path) -> None:
    journal, ckpt = tmp_path / "study.journal", tmp_path / "ckpt"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    workers = [
        subprocess.Popen(
            [sys.executable, str(TESTS / "_torch_resume_worker.py"), "work", str(journal), str(ckpt), str(tmp_path / "w")],
            env={**env, "FERROTUNE_WORKER_INDEX": str(i)},
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    for w in workers:
        assert w.wait(timeout=300) == 0, w.stderr.read() if w.stderr else ""
    study = ferrotune.load_study(study_name="resume", storage=str(journal))
    assert [t.state for t in study.trials] == [ferrotune.TrialState.COMPLETE] * 4
    assert all(sorted(t.intermediate_values) == list(range(6)) for t in study.trials)
    assert sorted(p.name for p in (ckpt / "resume").iterdir()) == [f"trial_{n}" for n in range(4)]
    assert len({t.system_attrs["ferrotune.torch:run"] for t in study.trials}) == 4


def test_the_best_model_reloads_with_the_reported_metric_and_results_are_written(tmp_path: Path) -> None:
    train, val = loaders()

    def build(trial: ferrotune.Trial) -> torch.nn.Module:
        return ft.suggest_mlp(trial, 8, 3, n_layers=(1, 2), width=(4, 32), dropout=0.2)

    def objective(trial: ferrotune.Trial) -> float:
        ft.seed_everything(trial.number)
        model = build(trial)
        opt = ft.suggest_optimizer(trial, model.parameters(), optimizers=["adam", "sgd"], lr=(1e-3, 1e-1))
        return ft.fit(trial, model, opt, torch.nn.CrossEntropyLoss(), train, val, epochs=5, checkpoint_dir=tmp_path).best_value

    study = ferrotune.create_study(study_name="best/model", direction="maximize", sampler=ferrotune.samplers.RandomSampler(seed=1))
    study.optimize(objective, n_trials=4)
    model, params = ft.load_best_model(study, build, tmp_path)
    assert params == study.best_params
    assert ft.evaluate(model, val) == study.best_value
    assert (tmp_path / "best_model" / f"trial_{study.best_trial.number}" / "best.pt").exists()

    out = ft.save_results(
        tmp_path / "out" / "results.json",
        study,
        test_metrics={"accuracy": torch.tensor(0.5)},
        checkpoint_dir=tmp_path,
        extra={"note": float("inf")},
    )
    on_disk = json.loads((tmp_path / "out" / "results.json").read_text())
    assert on_disk == out
    assert on_disk["best_trial"]["number"] == study.best_trial.number
    assert on_disk["best_trial"]["params"] == study.best_params
    assert on_disk["best_trial"]["validation"] == study.best_value
    assert len(on_disk["best_trial"]["validation_curve"]) == 5
    assert on_disk["test"] == {"accuracy": 0.5} and on_disk["note"] == "inf"
    assert on_disk["trials_by_state"] == {"COMPLETE": 4} and Path(on_disk["weights"]).exists()


def test_checkpoint_errors_say_what_to_do(tmp_path: Path) -> None:
    train, val = loaders()
    study = ferrotune.create_study(direction="maximize")
    with pytest.raises(FerrotuneValueError) as e:
        ft.load_best_model(study, lambda t: mlp(), tmp_path)
    assert_message(e, "no best trial yet")

    study.optimize(
        lambda t: (
            ft.fit(t, m := mlp(), torch.optim.SGD(m.parameters(), lr=0.1), torch.nn.CrossEntropyLoss(), train, val, epochs=1).best_value
        ),
        n_trials=1,
    )
    with pytest.raises(FerrotuneValueError) as e:
        ft.load_best_model(study, lambda t: mlp(), tmp_path)
    assert_message(e, "no best weights at", "checkpoint_dir=")

    model = mlp()
    ft.fit(
        None,
        model,
        torch.optim.SGD(model.parameters(), lr=0.1),
        torch.nn.CrossEntropyLoss(),
        train,
        val,
        epochs=1,
        checkpoint_dir=tmp_path / "a",
    )
    other = mlp(hidden=5)
    with pytest.raises(FerrotuneValueError) as e:
        ft.fit(
            None,
            other,
            torch.optim.SGD(other.parameters(), lr=0.1),
            torch.nn.CrossEntropyLoss(),
            train,
            val,
            epochs=2,
            checkpoint_dir=tmp_path / "a",
        )
    assert_message(e, "does not fit this model", "fresh checkpoint_dir")
    with pytest.raises(FerrotuneValueError) as e:
        ft.trial_dir(None, ferrotune.FixedTrial({}))
    assert_message(e, "checkpoint_dir must be a path")


def test_a_checkpoint_from_other_parameters_is_refused(tmp_path: Path) -> None:
    train, val = loaders()
    for lr in (0.1, 0.2):
        trial = ferrotune.FixedTrial({"lr": lr})
        model = mlp()
        opt = torch.optim.SGD(model.parameters(), lr=trial.suggest_float("lr", 0.01, 1.0))
        if lr == 0.2:
            with pytest.raises(FerrotuneValueError) as e:
                ft.fit(trial, model, opt, torch.nn.CrossEntropyLoss(), train, val, epochs=2, checkpoint_dir=tmp_path)
            assert_message(e, "trained with other parameters")
        else:
            ft.fit(trial, model, opt, torch.nn.CrossEntropyLoss(), train, val, epochs=1, checkpoint_dir=tmp_path)


def test_a_new_study_does_not_resume_an_old_studys_checkpoints(tmp_path: Path) -> None:
    train, val = loaders()

    def objective(trial: ferrotune.Trial) -> float:
        model = mlp()
        return ft.fit(
            trial,
            model,
            torch.optim.SGD(model.parameters(), lr=0.1),
            torch.nn.CrossEntropyLoss(),
            train,
            val,
            epochs=2,
            checkpoint_dir=tmp_path,
        ).best_value

    ferrotune.create_study(study_name="same").optimize(objective, n_trials=1)
    again = ferrotune.create_study(study_name="same")
    with pytest.raises(FerrotuneValueError) as e:
        again.optimize(objective, n_trials=1)
    assert_message(e, "holds a checkpoint of another run", "fresh checkpoint_dir")
    assert again.trials[0].state == ferrotune.TrialState.FAIL


WRITER = """
import sys, torch
from ferrotune.torch import TrialCheckpoint
ckpt = TrialCheckpoint(sys.argv[1])
i = 0
while True:
    i += 1
    ckpt.save_last({"epochs_done": i, "weights": torch.full((500_000,), float(i))})
    print(i, flush=True)
"""


def test_a_writer_killed_mid_write_leaves_a_whole_checkpoint(tmp_path: Path) -> None:
    import random

    rng = random.Random(0)
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        proc.stdout.readline()  # at least one checkpoint is complete
        time.sleep(rng.uniform(0.0, 0.3))  # then a kill at a random point of a 2 MB write
        proc.kill()
        proc.wait()
        saved = ft.TrialCheckpoint(tmp_path).load_last()
        # The last complete checkpoint, whole: its tensor was written with its counter.
        assert saved["epochs_done"] >= 1
        assert torch.equal(saved["weights"], torch.full((500_000,), float(saved["epochs_done"])))


def test_a_write_interrupted_before_the_rename_leaves_the_previous_checkpoint(tmp_path: Path) -> None:
    ckpt = ft.TrialCheckpoint(tmp_path)
    ckpt.save_last({"epochs_done": 1})
    # What a kill between writing and renaming leaves: a partial temporary file beside it.
    (tmp_path / f".last.pt.{os.getpid()}.tmp").write_bytes(b"\x80\x02partial")
    assert ckpt.load_last() == {"epochs_done": 1}
    ckpt.save_last({"epochs_done": 2})
    assert ckpt.load_last() == {"epochs_done": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.pt"]


def test_the_helpers_serve_an_optuna_study_too(tmp_path: Path) -> None:
    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    train, val = loaders()

    def build(trial: object) -> torch.nn.Module:
        return ft.suggest_mlp(trial, 8, 3, n_layers=1, width=(4, 16), dropout=0.0)

    def objective(trial: object) -> float:
        model = build(trial)
        opt = ft.suggest_optimizer(trial, model.parameters(), optimizers="adam", lr=(1e-3, 1e-1))
        return ft.fit(trial, model, opt, torch.nn.CrossEntropyLoss(), train, val, epochs=3, checkpoint_dir=tmp_path).best_value

    study = optuna.create_study(study_name="optuna-side", direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(objective, n_trials=3)
    assert all(len(t.intermediate_values) == 3 for t in study.trials)
    model, params = ft.load_best_model(study, build, tmp_path)
    assert ft.evaluate(model, val) == study.best_value and params == study.best_params
