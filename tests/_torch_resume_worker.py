"""A training worker for the kill-and-resume test: ``python _torch_resume_worker.py MODE JOURNAL CKPT OUT``.

- ``kill``: starts the study's enqueued trial and SIGKILLs itself right after epoch 2 is saved;
- ``retry``: a second worker; its ``optimize`` fails the dead worker's trial as stale, the retry
  callback re-enqueues it, and this worker trains the retry, which resumes from the checkpoint;
- ``reference``: the same training without any study or interruption;
- ``work``: one of several concurrent workers, each training two trials of the study.
The final weights (last epoch, not the best) and the curve go to OUT.
"""

from __future__ import annotations

import os
import signal
import sys

import torch
from _torch_data import loaders

import ferrotune
import ferrotune.torch as ft
from ferrotune.storages import JournalFileBackend, JournalStorage, RetryFailedTrialCallback

EPOCHS = 6
PARAMS = {"lr": 0.01, "hidden": 24, "scheduler": "step", "step_size": 2, "step_gamma": 0.5}


def train(trial, checkpoint_dir, out, die_after: int | None):
    ft.seed_everything(1234)
    model = torch.nn.Sequential(
        torch.nn.Linear(8, trial.suggest_int("hidden", 8, 64)),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.2),
        torch.nn.Linear(trial.suggest_int("hidden", 8, 64), 3),
    )
    opt = torch.optim.Adam(model.parameters(), lr=trial.suggest_float("lr", 1e-3, 1e-1, log=True))
    sched = ft.suggest_lr_scheduler(trial, opt, EPOCHS, schedulers=["step", "cosine"])
    train_loader, val_loader = loaders()

    def die(e: ft.EpochEnd) -> None:
        if e.epoch == die_after:
            os.kill(os.getpid(), signal.SIGKILL)

    r = ft.fit(
        trial,
        model,
        opt,
        torch.nn.CrossEntropyLoss(),
        train_loader,
        val_loader,
        epochs=EPOCHS,
        scheduler=sched,
        checkpoint_dir=checkpoint_dir,
        restore_best=False,
        callbacks=[die],
    )
    torch.save(
        {"model": model.state_dict(), "history": r.history, "resumed_from": r.resumed_from, "number": getattr(trial, "number", None)}, out
    )
    return r.best_value


def main() -> None:
    mode, journal, checkpoint_dir, out = sys.argv[1:5]
    torch.set_num_threads(1)
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    if mode == "reference":
        train(ferrotune.FixedTrial(PARAMS), None, out, None)
        return
    # Concurrent workers judge each other's trials by their heartbeats: give them a grace period a
    # loaded machine cannot outlast. The kill-and-resume test waits past the short one instead.
    grace = 600 if mode == "work" else 2
    storage = JournalStorage(
        JournalFileBackend(journal), heartbeat_interval=1, grace_period=grace, failed_trial_callback=RetryFailedTrialCallback(max_retry=1)
    )
    study = ferrotune.create_study(study_name="resume", storage=storage, direction="maximize", load_if_exists=True)
    if mode == "kill":
        study.enqueue_trial(PARAMS)
    if mode == "work":
        study.optimize(lambda t: train(t, checkpoint_dir, f"{out}.{t.number}", None), n_trials=2)
        return
    study.optimize(lambda t: train(t, checkpoint_dir, out, 2 if mode == "kill" else None), n_trials=1)


if __name__ == "__main__":
    main()
