"""Damage in the middle of a journal file: readers skip it and keep every valid record after
it, writers never cut it away, trial numbers stay unique, and ``repair_journal`` (or
``python -m ferrotune.storages.journal repair``) writes a clean journal."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import textwrap
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ferrotune
from ferrotune.samplers import RandomSampler
from ferrotune.storages import JournalStorage
from ferrotune.storages.journal import JournalFileBackend, repair_journal

PYTHON_PATH = str(Path(ferrotune.__file__).resolve().parent.parent)


def journal(path: Path) -> JournalStorage:
    return JournalStorage(JournalFileBackend(str(path)))


def build(path: Path, n: int) -> list[tuple[int, float | None]]:
    """A journal of ``n`` finished trials of study "s"; returns (number, value) of each."""
    study = ferrotune.create_study(study_name="s", storage=journal(path), sampler=RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=n)
    return [(t.number, t.value) for t in study.trials]


def flip_bit(path: Path, at: int, bit: int = 3, width: int = 1) -> None:
    """Flips bit ``bit`` of ``width`` bytes from ``at`` on."""
    data = bytearray(path.read_bytes())
    for i in range(at, min(at + width, len(data))):
        data[i] ^= 1 << bit
    path.write_bytes(bytes(data))


def open_quietly(path: Path) -> tuple[ferrotune.Study, list[str]]:
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        study = ferrotune.load_study(study_name="s", storage=journal(path))
    return study, [str(m.message) for m in w]


def test_a_flipped_bit_keeps_every_trial_after_it(tmp_path: Path) -> None:
    p = tmp_path / "j.log"
    before = build(p, 1000)
    size = p.stat().st_size
    at = size // 10
    flip_bit(p, at)
    study, msgs = open_quietly(p)
    seen = [(t.number, t.value) for t in study.trials]
    assert len(seen) == 1000
    # One flipped bit is put back: every trial is as it was.
    assert seen == before
    # The warning names the skipped range, around the flipped byte.
    damage = [m for m in msgs if "damaged bytes" in m]
    assert len(damage) == 1, msgs
    start, end = map(int, re.search(r"at bytes (\d+)\.\.(\d+)", damage[0]).groups())  # type: ignore[union-attr]
    assert start <= at < end, damage[0]
    assert "repair" in damage[0]
    assert (tmp_path / f"j.log.corrupt-{start}").read_bytes() == p.read_bytes()[start:end]

    # Another worker writes: the damage is not cut away, its trial gets a fresh number.
    worker = textwrap.dedent(
        f"""
        import warnings, ferrotune
        from ferrotune.storages import JournalStorage
        from ferrotune.storages.journal import JournalFileBackend
        warnings.simplefilter("ignore")
        s = ferrotune.load_study(study_name="s", storage=JournalStorage(JournalFileBackend({str(p)!r})))
        t = s.ask()
        s.tell(t, 0.5)
        print(t.number)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", worker], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": PYTHON_PATH}, check=True
    )
    assert int(out.stdout.strip()) == 1000
    assert p.stat().st_size > size
    again, _ = open_quietly(p)
    trials = again.trials
    assert len(trials) == 1001
    assert [(t.number, t.value) for t in trials[:1000]] == seen
    assert len({t.number for t in trials}) == 1001

    # The repaired copy opens cleanly, with every recoverable trial.
    fixed = tmp_path / "fixed.log"
    cli = [sys.executable, "-m", "ferrotune.storages.journal", "repair", str(p), str(fixed)]
    out = subprocess.run(cli, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": PYTHON_PATH}, check=True)
    assert f"{start}..{end}" in out.stdout
    clean, msgs = open_quietly(fixed)
    assert msgs == []
    assert [(t.number, t.value, t.state) for t in clean.trials] == [(t.number, t.value, t.state) for t in trials]


def test_repair_refuses_to_overwrite_and_reports_a_clean_file(tmp_path: Path) -> None:
    p = tmp_path / "j.log"
    build(p, 5)
    dst = tmp_path / "copy.log"
    r = repair_journal(p, dst)
    assert (r.damaged, r.corrected, r.stand_ins, r.tail_bytes) == ([], 0, 0, 0)
    assert r.records > 5
    assert dst.read_bytes() == p.read_bytes()
    with pytest.raises(ferrotune.exceptions.FerrotuneValueError, match="new file"):
        repair_journal(p, dst)
    (tmp_path / "other").write_text("{}")
    with pytest.raises(ferrotune.exceptions.FerrotuneValueError, match="not a ferrotune journal"):
        repair_journal(tmp_path / "other", tmp_path / "x.log")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frac=st.floats(0.05, 0.95), bit=st.integers(0, 7), width=st.integers(1, 3))
def test_any_damage_keeps_the_rest(tmp_path: Path, frac: float, bit: int, width: int) -> None:
    p = Path(tempfile.mkdtemp(dir=tmp_path)) / "h.log"
    before = build(p, 40)
    flip_bit(p, int(p.stat().st_size * frac), bit, width)
    study, _ = open_quietly(p)
    seen = [t.value for t in study.trials]
    if width == 1:
        # One flipped bit is put back: nothing is lost.
        assert seen == [v for _, v in before]
    else:
        # Wider damage costs the records it hits, at most one trial's creation.
        assert len(seen) in (39, 40)
    # A new trial is numbered after every trial read, and the file is not cut.
    size = p.stat().st_size
    t = study.ask()
    study.tell(t, 0.5)
    assert t.number == len(seen)
    assert p.stat().st_size > size
