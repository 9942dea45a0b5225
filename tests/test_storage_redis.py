"""The journal on a Redis server (``JournalStorage(JournalRedisBackend(url))``) against a real
redis-server; the process, kill and heartbeat tests of the shared storages run on it too
(``shared_storage_url``)."""

from __future__ import annotations

import pickle
import warnings

import pytest
from _util import assert_message

import ferrotune
from ferrotune.exceptions import FerrotuneValueError, StorageInternalError
from ferrotune.storages import JournalRedisStorage, JournalStorage
from ferrotune.storages.journal import JournalRedisBackend
from ferrotune.trial import TrialState


def test_a_study_on_redis_is_shared_by_handles_and_kept_apart_by_prefix(redis_url):
    a = ferrotune.create_study(study_name="s", storage=JournalStorage(JournalRedisBackend(redis_url)), direction="maximize")
    a.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("n", 0, 3), n_trials=12)
    a.set_user_attr("k", [1, 2])
    # Another handle (another connection), and the URL as a storage string.
    b = ferrotune.load_study(study_name="s", storage=redis_url)
    assert [t.params for t in b.trials] == [t.params for t in a.trials]
    assert b.best_value == a.best_value == max(t.value for t in a.trials)
    assert b.user_attrs == {"k": [1, 2]}
    # A prefix is another storage on the same server.
    other = JournalStorage(JournalRedisBackend(redis_url, prefix="team-b:"))
    assert ferrotune.get_all_study_names(other) == []
    ferrotune.create_study(study_name="s", storage=other)
    assert len(ferrotune.load_study(study_name="s", storage=redis_url).trials) == 12


def test_a_pickled_redis_storage_connects_again(redis_url):
    storage = JournalStorage(JournalRedisBackend(redis_url), heartbeat_interval=5)
    ferrotune.create_study(study_name="p", storage=storage).optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    again = pickle.loads(pickle.dumps(storage))
    assert again.heartbeat_interval == 5
    assert [t.state for t in ferrotune.load_study(study_name="p", storage=again).trials] == [TrialState.COMPLETE] * 2


def test_refusals_name_the_fix_and_hide_the_password(redis_server):
    with pytest.raises(FerrotuneValueError) as e:
        JournalRedisBackend("redis://localhost", use_cluster=True)
    assert_message(e, "use_cluster", "single server")
    with pytest.raises(FerrotuneValueError) as e:
        JournalRedisBackend("localhost:6379")
    assert_message(e, "redis://")
    backend = JournalRedisBackend("redis://:hunter2@127.0.0.1:1/0")
    assert "hunter2" not in repr(backend)
    with pytest.raises(StorageInternalError) as e:
        JournalStorage(backend)
    assert "127.0.0.1:1" in str(e.value) and "hunter2" not in str(e.value)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        host, port = redis_server
        JournalRedisStorage(f"redis://{host}:{port}/0")
    assert any(issubclass(w.category, FutureWarning) and "JournalRedisBackend" in str(w.message) for w in caught)
