"""RDBStorage on a real PostgreSQL server: persistence across connections, threads, schema,
copying studies to and from it, and clear errors for bad URLs."""

from __future__ import annotations

import itertools
import pickle

import pytest
from _util import assert_message
from conftest import psql
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_storage_journal import Elsewhere, deferral_op, run_ops_then_reload

import ferrotune
from ferrotune.exceptions import FerrotuneValueError, StorageInternalError
from ferrotune.samplers import RandomSampler
from ferrotune.storages import InMemoryStorage, RDBStorage, get_storage
from ferrotune.trial import TrialState


def _objective(t):
    x = t.suggest_float("x", -5, 5)
    n = t.suggest_int("n", 1, 4)
    c = t.suggest_categorical("c", ["a", "b", None])
    for step in range(3):
        t.report(x * step, step)
    t.set_user_attr("tag", [n, c])
    if n == 4:
        raise ferrotune.TrialPruned()
    return x * x + n


def test_trials_persist_and_reload_exactly(postgres_url):
    study = ferrotune.create_study(study_name="s", storage=postgres_url, sampler=RandomSampler(seed=1))
    study.set_user_attr("owner", "me")
    study.optimize(_objective, n_trials=40)
    study.enqueue_trial({"x": 1.0, "n": 2, "c": "a"})
    assert isinstance(study._storage, RDBStorage)
    fresh = ferrotune.load_study(study_name="s", storage=RDBStorage(postgres_url))
    assert fresh.trials == study.trials
    assert fresh.user_attrs == {"owner": "me"}
    assert fresh.best_trial == study.best_trial
    states = {t.state for t in fresh.trials}
    assert states == {TrialState.COMPLETE, TrialState.PRUNED, TrialState.WAITING}
    # The enqueued trial is claimed by the next ask, from either connection.
    t = fresh.ask()
    assert t.params == {} and t.suggest_float("x", -5, 5) == 1.0
    assert ferrotune.get_all_study_names(postgres_url) == ["s"]


def test_threads_share_one_connection(postgres_url):
    study = ferrotune.create_study(study_name="t", storage=postgres_url, sampler=RandomSampler(seed=2))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=120, n_jobs=4)
    trials = ferrotune.load_study(study_name="t", storage=postgres_url).trials
    assert [t.number for t in trials] == list(range(120))
    assert all(t.state == TrialState.COMPLETE and t.value == t.params["x"] for t in trials)


def test_schema_is_created_and_versioned(postgres_url):
    ferrotune.create_study(study_name="v", storage=postgres_url)
    assert psql(postgres_url, "SELECT value FROM ferrotune_meta WHERE key = 'schema_version'") == "1"
    tables = psql(postgres_url, "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE tablename LIKE 'ferrotune%'")
    assert tables == "ferrotune_log,ferrotune_meta"
    psql(postgres_url, "UPDATE ferrotune_meta SET value = '7' WHERE key = 'schema_version'")
    with pytest.raises(StorageInternalError) as e:
        RDBStorage(postgres_url)
    assert_message(e, "schema version 7", "upgrade ferrotune")


def test_pickled_storage_reconnects(postgres_url):
    st = RDBStorage(postgres_url, heartbeat_interval=5)
    ferrotune.create_study(study_name="p", storage=st).optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    back = pickle.loads(pickle.dumps(st))
    assert back.heartbeat_interval == 5 and back._core is not st._core
    assert len(ferrotune.load_study(study_name="p", storage=back).trials) == 3


def _fields(study):
    return [
        (t.number, t.state, t.values, t.params, t.distributions, t.intermediate_values, t.user_attrs, t.datetime_complete)
        for t in study.trials
    ]


@pytest.mark.parametrize("directions", [["minimize"], ["minimize", "maximize"]])
def test_copy_study_through_postgres(postgres_url, tmp_path, directions):
    src = InMemoryStorage()
    study = ferrotune.create_study(study_name="src", storage=src, directions=directions, sampler=RandomSampler(seed=3))
    study.set_user_attr("k", {"a": 1})
    if len(directions) == 1:
        study.optimize(_objective, n_trials=25)
    else:
        study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_int("n", 0, 3)), n_trials=25)
    study.enqueue_trial({"x": 0.5})
    ferrotune.copy_study(from_study_name="src", from_storage=src, to_storage=postgres_url, to_study_name="pg")
    journal = str(tmp_path / "copy.log")
    ferrotune.copy_study(from_study_name="pg", from_storage=postgres_url, to_storage=journal)
    for where in (postgres_url, journal):
        copy = ferrotune.load_study(study_name="pg", storage=where)
        assert copy.directions == study.directions
        assert copy.user_attrs == study.user_attrs
        assert _fields(copy) == _fields(study)


@pytest.mark.parametrize(
    "url, fragment",
    [
        ("sqlite:///:memory:", "in memory"),
        ("mysql://u@host/db", "MySQL databases are not supported"),
        ("postgresql://db", "names no database"),
        ("postgresql://u@127.0.0.1:1/nowhere", "connecting to 127.0.0.1:1/nowhere"),
    ],
)
def test_bad_urls_say_what_to_do(url, fragment):
    with pytest.raises((FerrotuneValueError, StorageInternalError)) as e:
        get_storage(url)
    assert_message(e, fragment)


def test_password_never_shown():
    with pytest.raises(StorageInternalError) as e:
        RDBStorage("postgresql://u:hunter2@127.0.0.1:1/db")
    assert "hunter2" not in str(e.value)
    with pytest.raises(StorageInternalError) as e:
        RDBStorage("postgresql://u:hunter2@127.0.0.1:1/db", engine_kwargs={"connect_args": {"connect_timeout": 2}})
    assert "hunter2" not in str(e.value)


def test_engine_kwargs_connect_args_reach_the_connection_and_pool_settings_warn(postgres_url):
    # Optuna users pass SQLAlchemy settings; libpq keywords in connect_args are honoured.
    with pytest.warns(UserWarning, match="pool_size"):
        storage = RDBStorage(postgres_url, engine_kwargs={"pool_size": 3, "connect_args": {"application_name": "ft-test"}})
    assert "application_name=ft-test" in storage.url
    study = ferrotune.create_study(storage=storage)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert len(ferrotune.load_study(study_name=study.study_name, storage=postgres_url).trials) == 2
    with pytest.raises(FerrotuneValueError) as e:
        RDBStorage(postgres_url, engine_kwargs={"connect_args": {"no_such_keyword": 1}})
    assert_message(e, "no_such_keyword")


def test_repr_hides_the_password(postgres_url):
    from ferrotune.storages._rdb import _redact

    assert repr(RDBStorage(postgres_url, heartbeat_interval=2)).startswith("RDBStorage('postgresql://")
    assert _redact("postgresql://u:pw@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert _redact("postgresql://u@h/db") == "postgresql://u@h/db"


_names = itertools.count()


@pytest.mark.filterwarnings("ignore:trial .* a value was already reported:UserWarning")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(deferral_op, min_size=10, max_size=40), seed=st.integers(0, 1000))
def test_reload_equals_live_state(postgres_url, ops, seed):
    # One database for every example, a new study in each: a fresh connection replays the log
    # and must rebuild exactly what the live connection holds, also when other connections
    # changed trials whose parameters the live one had not sent yet.
    run_ops_then_reload(postgres_url, f"l{next(_names)}", ops, seed, elsewhere=Elsewhere(lambda: RDBStorage(postgres_url)))
