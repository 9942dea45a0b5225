"""Deleting a study leaves the other studies of a shared storage as cheap to use as before:
no process replays the whole log on every call afterwards, and a snapshot can be taken."""

from __future__ import annotations

import warnings
import zlib
from pathlib import Path

import ferrotune
from ferrotune.samplers import RandomSampler
from ferrotune.storages import JournalStorage
from ferrotune.storages.journal import JournalFileBackend


def journal(path: Path) -> JournalStorage:
    return JournalStorage(JournalFileBackend(str(path)))


def objective(trial: ferrotune.Trial) -> float:
    return trial.suggest_float("x", 0, 1)


def test_snapshot_after_another_process_deleted_a_study(tmp_path: Path) -> None:
    p = tmp_path / "j.log"
    a = journal(p)
    ferrotune.create_study(study_name="kept", storage=a, sampler=RandomSampler(seed=0)).optimize(objective, n_trials=20)
    ferrotune.create_study(study_name="gone", storage=a)
    ferrotune.delete_study(study_name="gone", storage=a)
    # A storage that reads the deletion from the file (as every other process does).
    b = journal(p)
    study = ferrotune.load_study(study_name="kept", storage=b, sampler=RandomSampler(seed=1))
    study.optimize(objective, n_trials=20)
    assert len(study.trials) == 40
    assert Path(b.snapshot()).exists()
    assert Path(a.snapshot()).exists()
    assert ferrotune.get_all_study_names(journal(p)) == ["kept"]


def test_an_undecodable_record_warns_once_after_a_deletion(tmp_path: Path) -> None:
    p = tmp_path / "j.log"
    a = journal(p)
    ferrotune.create_study(study_name="kept", storage=a).optimize(objective, n_trials=3)
    ferrotune.create_study(study_name="gone", storage=a)
    ferrotune.delete_study(study_name="gone", storage=a)
    # A well-framed record of a kind this version does not know (from a newer ferrotune).
    body = b"\xff\x00"
    length = len(body).to_bytes(4, "little")
    with open(p, "ab") as f:
        f.write(length + zlib.crc32(length + body).to_bytes(4, "little") + body)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        study = ferrotune.load_study(study_name="kept", storage=journal(p))
        study.optimize(objective, n_trials=10)
    decoded = [m for m in w if "could not be decoded" in str(m.message)]
    assert len(decoded) == 1, [str(m.message) for m in w]
