"""The gRPC storage proxy: a server over a journal file, SQLite or PostgreSQL, and workers (threads
and processes) that reach the storage only through it."""

from __future__ import annotations

import pickle
import signal
import subprocess
import sys
import textwrap
import threading

import pytest
from _util import assert_message

import ferrotune
from ferrotune.exceptions import FerrotuneValueError, StorageInternalError
from ferrotune.storages import GrpcStorageProxy, InMemoryStorage, start_grpc_proxy_server
from ferrotune.trial import TrialState

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL")

WAIT = 120.0


@pytest.fixture(params=["sqlite", "journal", "postgresql"])
def served_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'study.db'}"
    if request.param == "journal":
        return str(tmp_path / "study.log")
    return request.getfixturevalue("postgres_url")


def _proxy(server) -> GrpcStorageProxy:
    proxy = GrpcStorageProxy(host="localhost", port=server.port)
    proxy.wait_server_ready(timeout=WAIT)
    return proxy


def test_threads_through_two_proxies_share_the_served_study(served_url):
    with start_grpc_proxy_server(served_url, host="localhost", port=0) as server:
        a, b = _proxy(server), _proxy(server)
        study = ferrotune.create_study(study_name="s", storage=a, direction="minimize")
        study.set_user_attr("owner", "a")
        other = ferrotune.load_study(study_name="s", storage=b)

        def work(s):
            s.optimize(lambda t: (t.suggest_float("x", -5, 5) - 1) ** 2 + t.suggest_int("n", 0, 3), n_trials=15)

        threads = [threading.Thread(target=work, args=(s,)) for s in (study, other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # The served storage, opened directly, holds every trial the proxies wrote.
        direct = ferrotune.load_study(study_name="s", storage=served_url)
        trials = direct.trials
        assert [t.number for t in trials] == list(range(30))
        assert {t.state for t in trials} == {TrialState.COMPLETE}
        assert direct.user_attrs == {"owner": "a"}
        assert [t.params for t in other.trials] == [t.params for t in trials]
        assert study.best_value == direct.best_value == min(t.value for t in trials)


GRID_WORKER = textwrap.dedent(
    """
    import sys, ferrotune
    from ferrotune.samplers import GridSampler
    from ferrotune.storages import GrpcStorageProxy
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    proxy = GrpcStorageProxy(host="localhost", port=int(sys.argv[1]))
    proxy.wait_server_ready(timeout=120)
    s = ferrotune.load_study(study_name="grid", storage=proxy, sampler=GridSampler({"x": list(range(20)), "y": list(range(10))}))
    s.optimize(lambda t: t.suggest_int("x", 0, 100) * 100 + t.suggest_int("y", 0, 100), n_trials=None)
    """
)


def test_worker_processes_visit_each_grid_point_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'grid.db'}"
    ferrotune.create_study(study_name="grid", storage=url)
    with start_grpc_proxy_server(url, port=0) as server:
        procs = [subprocess.Popen([sys.executable, "-c", GRID_WORKER, str(server.port)], stderr=subprocess.PIPE) for _ in range(4)]
        for p in procs:
            _, err = p.communicate(timeout=600)
            assert p.returncode == 0, err.decode()
    trials = ferrotune.load_study(study_name="grid", storage=url).trials
    assert sorted((t.params["x"], t.params["y"]) for t in trials) == [(x, y) for x in range(20) for y in range(10)]
    assert {t.state for t in trials} == {TrialState.COMPLETE}


KILLED_WORKER = textwrap.dedent(
    """
    import sys, ferrotune
    from ferrotune.storages import GrpcStorageProxy
    proxy = GrpcStorageProxy(host="localhost", port=int(sys.argv[1]))
    s = ferrotune.load_study(study_name="k", storage=proxy)
    def objective(t):
        x = t.suggest_float("x", 0, 1)
        print(t.number, flush=True)
        return x
    s.optimize(objective, n_trials=100000)
    """
)


def test_a_worker_killed_mid_study_loses_nothing_committed_and_the_server_carries_on(tmp_path):
    url = str(tmp_path / "k.log")
    ferrotune.create_study(study_name="k", storage=url)
    with start_grpc_proxy_server(url, port=0) as server:
        p = subprocess.Popen([sys.executable, "-c", KILLED_WORKER, str(server.port)], stdout=subprocess.PIPE)
        assert p.stdout is not None
        for _ in range(30):  # 30 trials started: the first 29 were told their values
            p.stdout.readline()
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=WAIT)
        proxy = _proxy(server)
        complete = [t for t in ferrotune.load_study(study_name="k", storage=proxy).trials if t.state == TrialState.COMPLETE]
        assert len(complete) >= 29
        assert all(t.value == t.params["x"] for t in complete)
        # The proxy still serves, and what it wrote is on disk.
        ferrotune.load_study(study_name="k", storage=proxy).optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    n = len(ferrotune.load_study(study_name="k", storage=url).get_trials(states=(TrialState.COMPLETE,)))
    assert n == len(complete) + 3


def test_refusals_and_a_stopped_server_are_clear(tmp_path):
    with pytest.raises(FerrotuneValueError) as e:
        start_grpc_proxy_server(InMemoryStorage(), port=0)
    assert_message(e, "in-memory", "journal")
    with pytest.raises(FerrotuneValueError) as e:
        GrpcStorageProxy(port=70000)
    assert_message(e, "port")
    server = start_grpc_proxy_server(str(tmp_path / "s.log"), port=0)
    port = server.port
    server.stop()
    proxy = GrpcStorageProxy(port=port, timeout=5)
    with pytest.raises(StorageInternalError) as e:
        ferrotune.create_study(storage=proxy)
    assert_message(e, f"localhost:{port}")
    with pytest.raises(StorageInternalError):
        proxy.wait_server_ready(timeout=0.5)
    # A negative or NaN wait is a clear error, not a crash of the core.
    for bad in (-1, float("nan")):
        with pytest.raises(FerrotuneValueError) as e:
            proxy.wait_server_ready(timeout=bad)
        assert_message(e, "timeout")
        with pytest.raises(FerrotuneValueError) as e:
            server.wait(timeout=bad)
        assert_message(e, "timeout")


def test_a_proxy_pickles_and_reconnects(tmp_path):
    with start_grpc_proxy_server(str(tmp_path / "s.log"), port=0) as server:
        proxy = _proxy(server)
        ferrotune.create_study(study_name="p", storage=proxy).optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
        again = pickle.loads(pickle.dumps(proxy))
        assert again is not proxy and repr(again) == repr(proxy)
        assert len(ferrotune.load_study(study_name="p", storage=again).trials) == 2


SERVER = textwrap.dedent(
    """
    import sys, ferrotune
    ferrotune.logging.set_verbosity(ferrotune.logging.INFO)
    ferrotune.storages.run_grpc_proxy_server(sys.argv[1], host="localhost", port=int(sys.argv[2]))
    """
)


def test_run_grpc_proxy_server_serves_until_interrupted(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("localhost", 0))
        port = s.getsockname()[1]
    url = f"sqlite:///{tmp_path / 's.db'}"
    server = subprocess.Popen([sys.executable, "-c", SERVER, url, str(port)], stderr=subprocess.PIPE, text=True)
    try:
        proxy = GrpcStorageProxy(port=port)
        proxy.wait_server_ready(timeout=WAIT)
        ferrotune.create_study(study_name="r", storage=proxy).optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=4)
    finally:
        server.send_signal(signal.SIGINT)
        _, err = server.communicate(timeout=WAIT)
    assert server.returncode != 0 and "KeyboardInterrupt" in err  # Ctrl-C ends it, as Optuna's does
    assert f"Server started at localhost:{port}" in err
    assert len(ferrotune.load_study(study_name="r", storage=url).trials) == 4
