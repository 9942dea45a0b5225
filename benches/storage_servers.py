"""Storages behind a server: ferrotune's Redis journal against Optuna's ``JournalRedisBackend``,
and ferrotune's gRPC storage proxy against Optuna's, both serving a SQLite file; same run.

What is timed is the cost per trial of a study whose objective costs nothing (RandomSampler,
five float parameters, logging at WARNING), from the study's first trial:

1. One worker: ``study.optimize(objective, n_trials=N)``; wall time / N.
2. Four processes: four workers load the study and run N / 4 trials each; the time from the
   first worker's start of ``optimize`` to the last one's end / N (imports not counted). The
   study must end with exactly N trials.

Each run gets a fresh store: a new Redis database number on a throwaway ``redis-server``
(persistence off), or a new SQLite file served by a new proxy process of the library under test
(``run_grpc_proxy_server``). Optuna runs at most ``--optuna-max`` trials (its cost per trial
grows with the study, so its figure is a lower bound when N is larger).

Run from the repository root (needs redis-server, and grpcio and protobuf for Optuna's proxy):

    python benches/storage_servers.py --markdown
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from typing import Any

import _common as common
from storage import STUDY, objective, quiet

_db = itertools.count(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_listening(port: int, proc: subprocess.Popen[Any]) -> None:
    deadline = time.monotonic() + 120
    while True:
        with socket.socket() as c:
            if c.connect_ex(("127.0.0.1", port)) == 0:
                return
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the server on port {port} did not start")
        time.sleep(0.05)


@contextlib.contextmanager
def redis_server() -> Iterator[int]:
    exe = shutil.which("redis-server")
    if exe is None:
        raise SystemExit("redis-server is needed (apt-get install redis-server)")
    port = free_port()
    with tempfile.TemporaryDirectory() as d:
        args = [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--databases", "1000", "--dir", d]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
        try:
            wait_listening(port, proc)
            yield port
        finally:
            proc.kill()
            proc.wait()


SERVE = textwrap.dedent(
    """
    import sys
    lib = __import__(sys.argv[1])
    lib.logging.set_verbosity(lib.logging.WARNING)
    url = sys.argv[2]
    storage = lib.storages.RDBStorage(url) if lib.__name__ == "optuna" else url
    lib.storages.run_grpc_proxy_server(storage, host="localhost", port=int(sys.argv[3]))
    """
)


@contextlib.contextmanager
def fresh(lib: Any, kind: str, redis_port: int) -> Iterator[str]:
    """Where a fresh store is: a Redis URL, or ``grpc:PORT`` of a new proxy over a new SQLite file."""
    if kind == "redis":
        yield f"redis://127.0.0.1:{redis_port}/{next(_db)}"
        return
    port = free_port()
    with tempfile.TemporaryDirectory() as d:
        proc = subprocess.Popen([sys.executable, "-c", SERVE, lib.__name__, f"sqlite:///{d}/study.db", str(port)])
        try:
            wait_listening(port, proc)
            yield f"grpc:{port}"
        finally:
            proc.kill()
            proc.wait()


def open_storage(lib: Any, where: str) -> Any:
    if where.startswith("redis://"):
        return lib.storages.JournalStorage(lib.storages.journal.JournalRedisBackend(where))
    proxy = lib.storages.GrpcStorageProxy(host="localhost", port=int(where.split(":")[1]))
    proxy.wait_server_ready(timeout=120)
    return proxy


def one_worker(lib: Any, kind: str, n: int, redis_port: int) -> float:
    with fresh(lib, kind, redis_port) as where:
        study = lib.create_study(study_name=STUDY, storage=open_storage(lib, where), sampler=lib.samplers.RandomSampler(seed=0))
        t0 = time.perf_counter()
        study.optimize(objective, n_trials=n)
        dt = time.perf_counter() - t0
        assert len(study.trials) == n
    return dt / n


def four_processes(lib: Any, kind: str, n: int, redis_port: int) -> float:
    with fresh(lib, kind, redis_port) as where:
        lib.create_study(study_name=STUDY, storage=open_storage(lib, where))
        per = n // 4
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", lib.__name__, where, str(per)]
        procs = [subprocess.Popen([*cmd, str(k)], stdout=subprocess.PIPE, text=True) for k in range(4)]
        outs = [p.communicate()[0] for p in procs]
        if any(p.returncode for p in procs):
            raise SystemExit(f"a {lib.__name__} {kind} worker failed")
        spans = [tuple(map(float, o.split()[-2:])) for o in outs]
        dt = max(e for _, e in spans) - min(b for b, _ in spans)
        numbers = sorted(t.number for t in lib.load_study(study_name=STUDY, storage=open_storage(lib, where)).trials)
        if numbers != list(range(4 * per)):
            raise SystemExit(f"{lib.__name__} {kind}: {len(numbers)} trials after 4 x {per}")
    return dt / (4 * per)


def worker_main(lib_name: str, where: str, n: int, seed: int) -> None:
    lib = __import__(lib_name)
    quiet(lib)
    study = lib.load_study(study_name=STUDY, storage=open_storage(lib, where), sampler=lib.samplers.RandomSampler(seed=seed))
    start = time.time()
    study.optimize(objective, n_trials=n)
    print(start, time.time())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=4_000, help="trials per ferrotune study (default 4,000)")
    ap.add_argument("--optuna-max", type=int, default=800, help="most trials Optuna runs (default 800)")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker_main(args.worker[0], args.worker[1], int(args.worker[2]), int(args.worker[3]))
        return 0
    libs = common.both_libraries()
    ft, optuna = libs["ferrotune"], libs["optuna"]
    quiet(ft)
    quiet(optuna)
    n_ft, n_opt = args.trials, min(args.trials, args.optuna_max)
    rows = []
    with redis_server() as port:
        for kind, label in (("redis", "Redis journal"), ("grpc", "gRPC proxy over SQLite")):
            for what, run in (("1 worker", one_worker), ("4 processes", four_processes)):
                a = run(ft, kind, n_ft, port)
                b = run(optuna, kind, n_opt, port)
                rows.append([f"{label}, {what}", f"{a * 1e6:,.0f} µs", f"{b * 1e6:,.0f} µs", f"{b / a:.0f}x"])
                print(rows[-1], flush=True)
    header = common.header_lines(
        common.ferrotune_source(ft), optuna.__version__, f"cost per trial, ferrotune {n_ft:,} trials, Optuna {n_opt:,}"
    )
    common.print_tables(header, ["storage", "ferrotune", "Optuna", "ratio"], rows, [False, True, True, True], args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
