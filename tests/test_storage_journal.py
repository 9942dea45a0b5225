"""JournalStorage: the API, storage strings, persistence across processes, damaged tails,
and replay of the file equal to the live state."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import warnings

import pytest
from _util import assert_message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ferrotune
from ferrotune.exceptions import DuplicatedStudyError, FerrotuneError, FerrotuneValueError, StudyNotFoundError
from ferrotune.samplers import RandomSampler
from ferrotune.storages import JournalFileStorage, JournalStorage, get_storage
from ferrotune.storages.journal import JournalFileBackend, JournalFileOpenLock, JournalFileSymlinkLock
from ferrotune.trial import Trial, TrialState

HEADER = 8  # bytes of the file header


def journal(path) -> JournalStorage:
    return JournalStorage(JournalFileBackend(str(path)))


def objective(trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    c = trial.suggest_categorical("c", ["a", "b", None, 3])
    trial.report(x * 2, 0)
    trial.set_user_attr("u", [x, c])
    return x * x


def run_python(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


# -- API and storage strings ---------------------------------------------------------------------


def test_optuna_spelling_and_round_trip(tmp_path):
    p = tmp_path / "s.log"
    st_ = JournalStorage(JournalFileBackend(str(p), lock_obj=JournalFileOpenLock(str(p))))
    s = ferrotune.create_study(storage=st_, study_name="a", sampler=RandomSampler(seed=1))
    s.set_user_attr("owner", {"k": [1, 2]})
    s.enqueue_trial({"x": 1.0, "c": "b"})
    s.optimize(objective, n_trials=20)
    again = ferrotune.load_study(study_name="a", storage=journal(p))
    assert again.trials == s.trials
    assert again.best_params == s.best_params
    assert again.user_attrs == {"owner": {"k": [1, 2]}}
    assert again.trials[0].params == {"x": 1.0, "c": "b"}
    with pytest.warns(FutureWarning, match="JournalFileStorage has been deprecated.*JournalFileBackend"):
        old_name = JournalFileStorage(str(p))  # Optuna's older name, deprecated there too
    assert isinstance(old_name, JournalFileBackend)
    assert len(ferrotune.load_study(study_name="a", storage=JournalStorage(old_name)).trials) == 20
    JournalFileBackend(str(p), lock_obj=JournalFileSymlinkLock(str(p)))


@pytest.mark.parametrize("form", ["plain", "pathlib", "journal_url", "file_url"])
def test_storage_strings(tmp_path, form):
    p = tmp_path / "u.log"
    arg = {"plain": str(p), "pathlib": p, "journal_url": f"journal://{p}", "file_url": f"file://{p}"}[form]
    s = ferrotune.create_study(storage=arg, study_name="s", sampler=RandomSampler(seed=0))
    s.optimize(objective, n_trials=3)
    assert isinstance(get_storage(arg), JournalStorage)
    assert ferrotune.get_all_study_names(str(p)) == ["s"]
    assert len(ferrotune.load_study(study_name=None, storage=f"journal://{p}").trials) == 3


@pytest.mark.parametrize(
    "url, fragment",
    [
        ("grpc://localhost:13000", "GrpcStorageProxy"),
        ("mysql+pymysql://u@host/db", "MySQL databases are not supported"),
        ("journal://", "names no file"),
    ],
)
def test_unsupported_urls_point_to_the_journal(url, fragment):
    with pytest.raises(FerrotuneValueError) as e:
        ferrotune.create_study(storage=url)
    assert_message(e, fragment)
    if "not supported" in fragment:
        assert_message(e, "journal", "JournalFileBackend", "postgresql://", "sqlite:///")


def test_bad_backend_arguments(tmp_path):
    with pytest.raises(FerrotuneValueError) as e:
        JournalStorage(str(tmp_path / "x.log"))
    assert_message(e, "JournalFileBackend")
    with pytest.raises(FerrotuneValueError) as e:
        JournalFileBackend(3)
    assert_message(e, "file_path")
    with pytest.raises(FerrotuneValueError) as e:
        JournalFileBackend(str(tmp_path / "x.log"), lock_obj="lock")
    assert_message(e, "lock_obj")
    with pytest.raises(FerrotuneValueError) as e:
        JournalFileBackend(str(tmp_path / "x.log"), fsync="yes")
    assert_message(e, "fsync")
    with pytest.raises(FerrotuneValueError) as e:
        journal(tmp_path / "missing" / "x.log")
    assert_message(e, "file_path", "directory")
    with pytest.raises(FerrotuneValueError) as e:
        journal(tmp_path)
    assert_message(e, "directory")


def test_foreign_file_is_refused_untouched(tmp_path):
    p = tmp_path / "optuna.log"
    content = b'{"op_code": 0, "worker_id": "w", "study_name": "s", "directions": [1]}\n'
    p.write_bytes(content)
    with pytest.raises(FerrotuneValueError) as e:
        journal(p)
    assert_message(e, "not a ferrotune journal", "Optuna")
    assert p.read_bytes() == content


def test_study_management(tmp_path):
    p = str(tmp_path / "m.log")
    ferrotune.create_study(storage=p, study_name="a")
    with pytest.raises(DuplicatedStudyError):
        ferrotune.create_study(storage=p, study_name="a")
    s = ferrotune.create_study(storage=p, study_name="a", load_if_exists=True, sampler=RandomSampler(seed=0))
    s.optimize(objective, n_trials=2)
    ferrotune.create_study(storage=p, study_name="b", directions=["minimize", "maximize"])
    assert sorted(ferrotune.get_all_study_names(p)) == ["a", "b"]
    ferrotune.delete_study(study_name="a", storage=p)
    assert ferrotune.get_all_study_names(p) == ["b"]
    with pytest.raises(StudyNotFoundError):
        ferrotune.load_study(study_name="a", storage=p)
    again = ferrotune.create_study(storage=p, study_name="a")
    assert again.trials == []
    assert ferrotune.load_study(study_name="b", storage=p).directions[1].name == "MAXIMIZE"


def test_two_handles_in_one_process_see_each_other(tmp_path):
    p = tmp_path / "h.log"
    a = ferrotune.create_study(storage=journal(p), study_name="s", sampler=RandomSampler(seed=0))
    b = ferrotune.load_study(study_name="s", storage=journal(p), sampler=RandomSampler(seed=1))
    a.optimize(objective, n_trials=3)
    b.optimize(objective, n_trials=3)
    a.optimize(objective, n_trials=1)
    assert [t.number for t in b.trials] == list(range(7))
    assert a.trials == b.trials


def test_pickled_storage_reopens_the_file(tmp_path):
    import pickle

    st_ = journal(tmp_path / "k.log")
    ferrotune.create_study(storage=st_, study_name="k")
    again = pickle.loads(pickle.dumps(st_))
    assert again is not st_ and ferrotune.get_all_study_names(again) == ["k"]
    assert again.file_path == str(tmp_path / "k.log")


def test_threads_share_a_journal(tmp_path):
    s = ferrotune.create_study(storage=str(tmp_path / "t.log"), sampler=RandomSampler(seed=0))
    s.optimize(objective, n_trials=60, n_jobs=4)
    fresh = ferrotune.load_study(study_name=None, storage=str(tmp_path / "t.log"))
    assert sorted(t.number for t in fresh.trials) == list(range(60))
    assert fresh.trials == s.trials


def test_io_releases_the_gil(tmp_path):
    # A thread appending to the journal must let another Python thread run meanwhile.
    s = ferrotune.create_study(storage=str(tmp_path / "g.log"), sampler=RandomSampler(seed=0))
    ticks = []
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            ticks.append(1)

    t = threading.Thread(target=spin)
    t.start()
    try:
        s.optimize(lambda tr: tr.suggest_float("x", 0, 1), n_trials=300)
    finally:
        stop.set()
        t.join()
    assert len(ticks) > 0


# -- persistence across processes ------------------------------------------------------------------


def test_persists_across_processes(tmp_path):
    p = str(tmp_path / "p.log")
    run_python(f"""
        import ferrotune
        from ferrotune.samplers import RandomSampler
        s = ferrotune.create_study(storage={p!r}, study_name="xp", sampler=RandomSampler(seed=3))
        def f(t):
            x = t.suggest_int("n", 0, 100)
            t.report(float(x), 1)
            return float(x)
        s.optimize(f, n_trials=15)
        s.enqueue_trial({{"n": 7}})
        print(s.best_value)
    """)
    out = run_python(f"""
        import ferrotune
        s = ferrotune.load_study(study_name="xp", storage={p!r})
        states = [t.state.name for t in s.trials]
        print(len(s.trials), states.count("COMPLETE"), states.count("WAITING"), s.best_value)
        print(s.trials[3].intermediate_values == {{1: s.trials[3].value}})
    """)
    lines = out.split()
    assert lines[:3] == ["16", "15", "1"]
    assert lines[-1] == "True"
    here = ferrotune.load_study(study_name="xp", storage=p)
    assert str(here.best_value) == lines[3]
    assert here.trials[15].state == TrialState.WAITING


# -- damaged files -----------------------------------------------------------------------------------


def _committed(tmp_path, n=10):
    p = tmp_path / "d.log"
    s = ferrotune.create_study(storage=journal(p), study_name="d", sampler=RandomSampler(seed=0))
    s.optimize(objective, n_trials=n)
    return p, s.trials


def _reopen_warns(p):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        st_ = journal(p)
    msgs = [str(x.message) for x in w if issubclass(x.category, UserWarning)]
    return st_, msgs


def test_truncated_tail_warns_and_keeps_committed(tmp_path):
    p, trials = _committed(tmp_path)
    size = p.stat().st_size
    s = ferrotune.load_study(study_name="d", storage=journal(p))
    s.ask()  # one more record, then cut it in half
    full = p.read_bytes()
    p.write_bytes(full[: size + (len(full) - size) // 2])
    st_, msgs = _reopen_warns(p)
    assert len(msgs) == 1 and "incomplete record" in msgs[0]
    assert ferrotune.load_study(study_name="d", storage=st_).trials == trials
    # Writing again moves the bad bytes aside; the journal is then clean.
    with pytest.warns(UserWarning, match="moved to"):
        ferrotune.load_study(study_name="d", storage=st_, sampler=RandomSampler(seed=5)).optimize(objective, n_trials=2)
    st2, msgs = _reopen_warns(p)
    assert msgs == []
    assert ferrotune.load_study(study_name="d", storage=st2).trials[:10] == trials
    assert len(list(tmp_path.glob("d.log.corrupt-*"))) == 1


@pytest.mark.parametrize("garbage", [b"\x00", b"garbage appended by hand\n", bytes(range(256)) * 3, b"\xff" * 9])
def test_garbage_tail_warns_and_keeps_committed(tmp_path, garbage):
    p, trials = _committed(tmp_path)
    with open(p, "ab") as f:
        f.write(garbage)
    st_, msgs = _reopen_warns(p)
    assert len(msgs) == 1 and "ignored" in msgs[0]
    assert ferrotune.load_study(study_name="d", storage=st_).trials == trials


def test_warning_is_a_user_warning(tmp_path):
    # once, as a UserWarning (logging.captureWarnings routes it to the logs); see test_boundary.py
    p, _ = _committed(tmp_path, n=2)
    with open(p, "ab") as f:
        f.write(b"xx")
    with pytest.warns(UserWarning, match="ignored 2 bytes"):
        journal(p)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300), keep_header=st.booleans())
def test_random_files_never_crash_the_reader(data, keep_header):
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "r.log")
        with open(p, "wb") as f:
            f.write((b"FTJRNL\x01\n" if keep_header else b"") + data)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                st_ = journal(p)
                ferrotune.get_all_study_names(st_)
        except FerrotuneError:
            pass


@settings(max_examples=60, deadline=None)
@given(data=st.binary(min_size=1, max_size=200))
def test_random_bytes_appended_lose_nothing(data):
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "a.log")
        s = ferrotune.create_study(storage=p, study_name="a", sampler=RandomSampler(seed=0))
        s.optimize(objective, n_trials=3)
        with open(p, "ab") as f:
            f.write(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert ferrotune.load_study(study_name="a", storage=p).trials == s.trials


# -- replay equals live state ---------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False, width=32)
op = st.tuples(
    st.sampled_from(["ask", "suggest", "suggest_wide", "report", "attr", "tell", "enqueue", "study_attr"]),
    st.integers(0, 3),
    finite,
    st.sampled_from(["COMPLETE", "PRUNED", "FAIL"]),
)


class Elsewhere:
    """Changes to the live storage's trials made through a second storage instance, while the
    live one may still hold parameters of that trial that wait to be written: failing the trial
    (as a worker failing a stale trial does) or setting one of its parameters. ``open_storage``
    makes the second instance (another connection, another open of the journal)."""

    def __init__(self, open_storage):
        self.open_storage = open_storage
        self.other = None

    def __call__(self, kind, study, trial, k, x):
        if self.other is None:
            self.other = ferrotune.load_study(study_name=study.study_name, storage=self.open_storage())
        # A checked write reads every record in the log (the live storage's trial included).
        self.other.set_system_attr("elsewhere", x)
        if kind == "fail_elsewhere":
            self.other.tell(trial.number, state=TrialState.FAIL)
        else:
            Trial(self.other, trial._trial_id).suggest_float(f"p{k}", -10, 10)

    def close(self):
        # Dropping the instance writes what waits in it.
        self.other = None
        gc.collect()


# Weighted towards trials that repeat their columns (their parameters wait) and changes made
# elsewhere to the trial suggested on last (before the parameters are written).
deferral_op = st.tuples(
    st.sampled_from(
        ["ask", "suggest", "suggest_wide", "report", "attr", "tell", "enqueue", "study_attr"]
        + ["ask", "ask", "suggest", "suggest", "suggest"]
        + ["fail_elsewhere", "suggest_elsewhere"] * 2
    ),
    st.integers(0, 2),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["COMPLETE", "PRUNED", "FAIL"]),
)


def run_ops_then_reload(storage, name, ops, seed, elsewhere=None):
    """Applies random study operations, then checks that a fresh load of the storage equals the
    live study (shared with the PostgreSQL tests). Trials suggest the first parameters of a
    fixed space, so they repeat a column's distribution (the storage defers those records), or
    one with a second distribution. Kinds not listed below go to ``elsewhere(kind, study, trial,
    k, x)``, which changes the trial suggested on last through another connection;
    ``elsewhere.close()`` ends it."""
    s = ferrotune.create_study(storage=storage, study_name=name, sampler=RandomSampler(seed=seed))
    live = []
    suggested = None
    for kind, k, x, state in ops:
        try:
            if kind == "ask" or not live:
                live.append(s.ask())
                continue
            t = live[k % len(live)]
            if kind == "suggest":
                suggested = t
                for j in range(k + 1):  # a fixed space: trials repeat their columns
                    t.suggest_float(f"p{j}", -10, 10)
            elif kind == "suggest_wide":
                suggested = t
                t.suggest_float(f"p{k}", -20, 20)
            elif kind == "report":
                t.report(x, k)
            elif kind == "attr":
                t.set_user_attr(f"a{k}", x)
            elif kind == "tell":
                s.tell(t, x if state == "COMPLETE" else None, state=TrialState[state])
            elif kind == "enqueue":
                s.enqueue_trial({f"p{k}": max(-10.0, min(10.0, x))})
            elif kind == "study_attr":
                s.set_system_attr(f"s{k}", x)
            else:
                elsewhere(kind, s, suggested or t, k, x)
        except FerrotuneError:
            pass  # rejected calls (tell twice, report after tell) must leave no trace
    if elsewhere is not None:
        elsewhere.close()
        # A checked write reads every record the other connections wrote before it.
        s.set_user_attr("synced", True)
    else:
        # Any write carries the parameters that wait in the live storage.
        s.set_user_attr("synced", True)
    fresh = ferrotune.load_study(study_name=name, storage=storage)
    assert fresh.trials == s.trials
    assert fresh.system_attrs == s.system_attrs
    assert fresh.user_attrs == s.user_attrs


@pytest.mark.filterwarnings("ignore:trial .* a value was already reported:UserWarning")
@settings(max_examples=40, deadline=None)
@given(ops=st.lists(op, min_size=1, max_size=40), seed=st.integers(0, 1000))
def test_replay_equals_live_state(ops, seed):
    with tempfile.TemporaryDirectory() as d:
        run_ops_then_reload(os.path.join(d, "l.log"), "l", ops, seed)


@pytest.mark.filterwarnings("ignore:trial .* a value was already reported:UserWarning")
@settings(max_examples=200, deadline=None)
@given(ops=st.lists(deferral_op, min_size=10, max_size=40), seed=st.integers(0, 1000))
def test_replay_equals_live_state_with_changes_elsewhere(ops, seed):
    # Another open of the journal changes trials whose parameters the live one has not written
    # yet: a fresh open replays the file and must rebuild exactly what the live one holds.
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "l.log")
        run_ops_then_reload(p, "l", ops, seed, elsewhere=Elsewhere(lambda: JournalStorage(JournalFileBackend(p))))


def test_a_journal_backend_written_in_python_is_refused_naming_the_ones_that_work(tmp_path):
    from ferrotune.storages import BaseJournalLogStorage
    from ferrotune.storages.journal import BaseJournalBackend, JournalFileBackend, JournalRedisBackend

    class ListBackend(BaseJournalBackend):
        def __init__(self) -> None:
            self.logs: list[dict] = []

        def read_logs(self, log_number_from):
            return self.logs[log_number_from:]

        def append_logs(self, logs):
            self.logs.extend(logs)

    with pytest.raises(FerrotuneValueError) as e:
        ferrotune.storages.JournalStorage(ListBackend())
    assert_message(e, "BaseJournalBackend written in Python", "JournalFileBackend", "JournalRedisBackend", "run_grpc_proxy_server")
    # ferrotune's own backends are BaseJournalBackends, as Optuna's are; their records are not JSON logs.
    backend = JournalFileBackend(str(tmp_path / "s.log"))
    assert isinstance(backend, BaseJournalBackend) and issubclass(JournalRedisBackend, BaseJournalBackend)
    with pytest.raises(FerrotuneValueError) as e:
        backend.read_logs(0)
    assert_message(e, "read_logs", "binary records", "load_study")

    class Old(BaseJournalLogStorage):
        def read_logs(self, log_number_from):
            return []

        def append_logs(self, logs):
            pass

    with pytest.warns(FutureWarning, match="BaseJournalBackend"):
        Old()


def test_the_lock_classes_warn_under_the_path_optuna_deprecated(tmp_path):
    from ferrotune import storages
    from ferrotune.storages import journal

    for name in ("JournalFileOpenLock", "JournalFileSymlinkLock"):
        with pytest.warns(FutureWarning, match=f"storages.journal.{name}"):
            old = getattr(storages, name)(str(tmp_path / "s.log"))
        assert isinstance(old, getattr(journal, name))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            lock = getattr(journal, name)(str(tmp_path / "s.log"))
        # Either path's lock is accepted by the backend.
        for lock_obj in (old, lock):
            storages.JournalStorage(journal.JournalFileBackend(str(tmp_path / "s.log"), lock_obj=lock_obj))
