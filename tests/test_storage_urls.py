"""Storage URLs: no password in any error, repr or log, and one reading of where the
credentials end (the core's), whichever language reads the URL."""

from __future__ import annotations

import logging
import os
import stat
import warnings
from pathlib import Path

import pytest

import ferrotune
from ferrotune import _core
from ferrotune.exceptions import FerrotuneError
from ferrotune.storages import JournalStorage, RDBStorage, get_storage
from ferrotune.storages.journal import JournalFileBackend, repair_journal

SECRET = "s3cr3tpw"


@pytest.mark.parametrize(
    "url",
    [
        f"mysql://u:{SECRET}@host/db",
        f"mysql+pymysql://u:{SECRET}@host/db",
        f"redis://u:{SECRET}@127.0.0.1:1/0",
        f"oracle://u:{SECRET}@host/db",
        f"sqlite://u:{SECRET}@host/db",
    ],
)
def test_unsupported_schemes_never_echo_the_password(url: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG), pytest.raises(FerrotuneError) as e:
        get_storage(url)
    assert SECRET not in str(e.value)
    assert "***" in str(e.value) or url.startswith(("sqlite", "redis"))  # these name only host:port
    assert SECRET not in caplog.text
    with pytest.raises(FerrotuneError) as e:
        ferrotune.create_study(storage=url)
    assert SECRET not in str(e.value)


def test_rdb_storage_rejects_other_schemes_without_the_password() -> None:
    with pytest.raises(FerrotuneError) as e:
        RDBStorage(f"mysql://u:{SECRET}@host/db")
    assert SECRET not in str(e.value)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:p@ss@h:5432/db", "postgresql://u:***@h:5432/db"),
        ("postgresql://u:p/ss:w@h/db?sslmode=disable", "postgresql://u:***@h/db?sslmode=disable"),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
        ("postgresql://h/db", "postgresql://h/db"),
    ],
)
def test_the_credentials_end_at_the_last_at_sign(url: str, shown: str) -> None:
    assert _core.Storage.redact_url(url) == shown


def test_an_unencoded_at_sign_is_part_of_the_password(caplog: pytest.LogCaptureFixture) -> None:
    # Port 1 refuses the connection: the error names the host the password was not split into.
    url = f"postgresql://u:pa@{SECRET}@127.0.0.1:1/db"
    with caplog.at_level(logging.DEBUG), pytest.raises(FerrotuneError) as e:
        RDBStorage(url)
    msg = str(e.value)
    assert SECRET not in msg and "pa@" not in msg, msg
    assert "127.0.0.1:1/db" in msg, msg
    assert SECRET not in caplog.text


def test_rdb_repr_hides_a_password_with_an_at_sign() -> None:
    from ferrotune.storages._rdb import _redact

    assert _redact(f"postgresql://u:pa@{SECRET}@h/db") == "postgresql://u:***@h/db"


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_copies_of_a_private_journal_stay_private(tmp_path: Path) -> None:
    p = tmp_path / "j.log"
    storage = JournalStorage(JournalFileBackend(str(p)))
    study = ferrotune.create_study(study_name="s", storage=storage)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5)
    os.chmod(p, 0o600)

    def mode(f: str | Path) -> int:
        return stat.S_IMODE(os.stat(f).st_mode)

    assert mode(storage.snapshot()) == 0o600
    # A damaged tail moved aside by the next write.
    with open(p, "ab") as f:
        f.write(b"\x05\x00\x00\x00garbage")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s2 = ferrotune.load_study(study_name="s", storage=JournalStorage(JournalFileBackend(str(p))))
        s2.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    sides = list(tmp_path.glob("j.log.corrupt-*"))
    assert sides and all(mode(f) == 0o600 for f in sides)
    repair_journal(p, tmp_path / "fixed.log")
    assert mode(tmp_path / "fixed.log") == 0o600
    # A shared journal's copies are shared alike.
    os.chmod(p, 0o640)
    assert mode(JournalStorage(JournalFileBackend(str(p))).snapshot()) == 0o640
