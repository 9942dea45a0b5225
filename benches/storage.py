"""Durable storage: ferrotune's journal file against Optuna's JournalFileStorage, its SQLite
storage against Optuna's SQLite RDBStorage (and against its own journal file), and its
PostgreSQL storage against Optuna's RDBStorage on the same server, same run.

What is timed is the cost per trial of a study whose objective costs nothing: RandomSampler,
five float parameters, the objective returns their sum, logging at WARNING. Each library writes
its own journal file in a fresh temporary directory.

1. One worker: ``study.optimize(objective, n_trials=N)`` on a new journal; the figure is the wall
   time / N. Optuna's run stops at ``--optuna-max`` trials (default 2,000): its cost per trial
   grows with the study, so its figure at N is a lower bound when N is larger.
2. Four processes: four worker processes (``python benches/storage.py --worker ...``) load the
   same study from the same journal file and run N / 4 trials each; the figure is the time from
   the first worker's start of ``optimize`` to the last one's end (imports not counted) / N, and
   the study must end with exactly N trials.
3. Reopening: a journal holding R trials (default 100,000, written by ferrotune), then the time
   of a fresh process's ``load_study`` on it and of reading ``best_trial``.
4. PostgreSQL: 1 and 2 again, each run in a new empty database on one server: ferrotune with
   ``storage="postgresql://..."``, Optuna with ``RDBStorage("postgresql+psycopg2://...")``. The
   server is ``--postgres URL`` (its user must be allowed to create databases), else a throwaway
   one that ``scripts/postgres-test-server`` starts in a temporary directory (fsync on) and stops
   at the end; ``--no-postgres`` skips this part.
5. SQLite: 1 and 2 again, each run on a new database file in a temporary directory: ferrotune
   with ``storage="sqlite:///..."``, Optuna with ``RDBStorage("sqlite:///...")`` (its
   connections wait up to 60 s for a lock, as ferrotune's do, instead of pysqlite's 5 s), and
   ferrotune's journal file beside them (ferrotune's two alternate, ``--repeat`` times, and the
   medians are shown); ``--no-sqlite`` skips this part. A run of Optuna's that
   fails (four processes on one SQLite file can end in "database is locked") is reported as
   failed.

Run from the repository root (after ``pip install -e '.[bench-storage]'``):

    python benches/storage.py --markdown
    python benches/storage.py --quick         # smoke test
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import _common as common

STUDY = "storage-bench"
SERVER_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "postgres-test-server"

# A context manager that yields where a fresh, empty store is: a journal path or a database URL.
Fresh = Callable[[], AbstractContextManager[str]]


def objective(trial: Any) -> float:
    return sum(trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(5))


def journal(lib: Any, path: str) -> Any:
    return lib.storages.JournalStorage(lib.storages.journal.JournalFileBackend(path))


def is_url(where: str) -> bool:
    return "://" in where


def open_storage(lib: Any, where: str) -> Any:
    """The storage at where, a journal path, a sqlite:/// or a postgresql:// URL, as lib spells it."""
    if not is_url(where):
        return journal(lib, where)
    if where.startswith("sqlite:"):
        if lib.__name__ == "optuna":
            return lib.storages.RDBStorage(where, engine_kwargs={"connect_args": {"timeout": 60}})
        return where
    if lib.__name__ == "optuna":
        return lib.storages.RDBStorage(with_driver(where, "postgresql+psycopg2"))
    return with_driver(where, "postgresql")


def with_driver(url: str, scheme: str) -> str:
    """url with its scheme replaced (SQLAlchemy names the driver there, ferrotune does not)."""
    return urlunsplit(urlsplit(url)._replace(scheme=scheme))


@contextlib.contextmanager
def fresh_journal() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as d:
        yield os.path.join(d, "journal.log")


@contextlib.contextmanager
def fresh_sqlite() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as d:
        yield f"sqlite:///{os.path.join(d, 'study.db')}"


# ------------------------------------------------------------------------------------------------
# PostgreSQL: a server, and a new database per run


def psql(url: str, sql: str) -> str:
    """Run sql on the database at url with psql (Debian keeps it beside the server binaries too)."""
    exe = shutil.which("psql") or next((str(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"))), None)
    if exe is None:
        raise RuntimeError("psql not found (apt-get install postgresql-client)")
    done = subprocess.run(
        [exe, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-d", with_driver(url, "postgresql"), "-c", sql],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode:
        raise RuntimeError(f"psql {sql!r} failed: {done.stderr.strip()}")
    return done.stdout.strip()


@contextlib.contextmanager
def fresh_database(server: str) -> Iterator[str]:
    """A new empty database on server, dropped afterwards (FORCE: workers may still hold connections)."""
    name = f"ferrotune_bench_{uuid.uuid4().hex[:12]}"
    psql(server, f"CREATE DATABASE {name}")
    try:
        yield urlunsplit(urlsplit(server)._replace(path="/" + name))
    finally:
        psql(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextlib.contextmanager
def postgres_server(url: str | None) -> Iterator[str]:
    """url itself, else a throwaway server started for this run and stopped after it."""
    if url:
        yield url
        return
    d = tempfile.mkdtemp(prefix="ferrotune-bench-pg-")
    try:
        done = subprocess.run([str(SERVER_SCRIPT), "start", d], capture_output=True, text=True, timeout=180)
        if done.returncode:
            raise RuntimeError(f"scripts/postgres-test-server could not start a server: {done.stderr.strip()}")
        yield done.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([str(SERVER_SCRIPT), "stop", d], capture_output=True, timeout=120)
        shutil.rmtree(d, ignore_errors=True)


def quiet(lib: Any) -> None:
    import logging

    if lib.__name__ == "optuna":
        lib.logging.set_verbosity(lib.logging.WARNING)
    else:
        logging.getLogger("ferrotune").setLevel(logging.WARNING)


def one_worker(lib: Any, n: int, seed: int, fresh: Fresh = fresh_journal) -> float:
    with fresh() as where:
        storage = open_storage(lib, where)
        study = lib.create_study(study_name=STUDY, storage=storage, sampler=lib.samplers.RandomSampler(seed=seed))
        t0 = time.perf_counter()
        study.optimize(objective, n_trials=n)
        dt = time.perf_counter() - t0
        assert len(study.trials) == n
    return dt / n


def worker_main(lib_name: str, where: str, n: int, seed: int) -> None:
    lib = __import__(lib_name)
    quiet(lib)
    study = lib.load_study(study_name=STUDY, storage=open_storage(lib, where), sampler=lib.samplers.RandomSampler(seed=seed))
    start = time.time()
    study.optimize(objective, n_trials=n)
    print(start, time.time())


def four_processes(lib: Any, n: int, seed: int, fresh: Fresh = fresh_journal) -> float:
    with fresh() as where:
        lib.create_study(study_name=STUDY, storage=open_storage(lib, where))
        per = n // 4
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", lib.__name__, where, str(per)]
        procs = [subprocess.Popen(cmd + [str(seed + k)], stdout=subprocess.PIPE, text=True) for k in range(4)]
        outs = [p.communicate()[0] for p in procs]
        if any(p.returncode for p in procs):
            raise SystemExit(f"a {lib.__name__} worker failed: exit codes {[p.returncode for p in procs]}")
        spans = [tuple(map(float, o.split()[-2:])) for o in outs]
        # from the first worker's first trial to the last worker's end (imports not counted)
        dt = max(e for _, e in spans) - min(b for b, _ in spans)
        study = lib.load_study(study_name=STUDY, storage=open_storage(lib, where))
        numbers = sorted(t.number for t in study.trials)
        if numbers != list(range(4 * per)):
            raise SystemExit(f"{lib.__name__}: {len(numbers)} trials after 4 x {per}, numbers not 0..{4 * per - 1}")
    return dt / (4 * per)


def reopen(ft: Any, n: int) -> tuple[float, float, float]:
    """Seconds to write an n-trial journal, then a fresh process's load_study and best_trial."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "journal.log")
        study = ft.create_study(study_name=STUDY, storage=journal(ft, path), sampler=ft.samplers.RandomSampler(seed=0))
        t0 = time.perf_counter()
        study.optimize(objective, n_trials=n)
        write = time.perf_counter() - t0
        del study
        code = (
            "import sys, time; sys.path.insert(0, %r); import storage as b, ferrotune as ft; b.quiet(ft)\n"
            "t0 = time.perf_counter(); s = ft.load_study(study_name=b.STUDY, storage=b.journal(ft, %r)); t1 = time.perf_counter()\n"
            "best = s.best_trial; t2 = time.perf_counter()\n"
            "assert len(s.get_trials(deepcopy=False)) == %d\n"
            "print(t1 - t0, t2 - t1)\n"
        ) % (os.path.dirname(os.path.abspath(__file__)), path, n)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return write, float(out[0]), float(out[1])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=10_000, help="trials per study (default 10,000)")
    ap.add_argument("--optuna-max", type=int, default=2_000, help="most trials Optuna runs (default 2,000)")
    ap.add_argument("--reopen", type=int, default=100_000, help="trials in the reopened journal (default 100,000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--repeat", type=int, default=5, help="runs of ferrotune's SQLite and journal, alternated, whose medians are shown (default 5)"
    )
    ap.add_argument("--quick", action="store_true", help="1,000 trials (Optuna 200), a 10,000-trial reopen")
    ap.add_argument("--markdown", action="store_true", help="also print the table as markdown")
    ap.add_argument("--postgres", metavar="URL", help="PostgreSQL server to create the databases on (default: a throwaway one)")
    ap.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL comparison")
    ap.add_argument("--no-sqlite", action="store_true", help="skip the SQLite comparison")
    # STORAGE: a journal path, a sqlite:/// or a postgresql:// URL
    ap.add_argument("--worker", nargs=4, metavar=("LIB", "STORAGE", "N", "SEED"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.quick:
        args.trials, args.optuna_max, args.reopen = 1_000, 200, 10_000
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        lib_name, where, n, seed = args.worker
        worker_main(lib_name, where, int(n), int(seed))
        return 0
    libs = common.both_libraries()
    ft, optuna = libs["ferrotune"], libs["optuna"]
    n_opt = min(args.trials, args.optuna_max)
    header = common.header_lines(
        common.ferrotune_source(ft),
        optuna.__version__,
        f"RandomSampler, 5 floats, objective = their sum; journal files in a temporary directory; ferrotune {args.trials:,} "
        f"trials, Optuna {n_opt:,}; 4 processes: N / 4 trials each on one file; reopen: {args.reopen:,} trials",
    )
    print("\n".join(header), flush=True)
    rows = []
    for label, run in (("1 worker", one_worker), ("4 processes", four_processes)):
        ft_t = run(ft, args.trials, args.seed)
        op_t = run(optuna, n_opt, args.seed)
        rows.append([label, f"{ft_t * 1e6:,.1f}", f"{op_t * 1e6:,.0f}", f"{op_t / ft_t:,.1f}x", "met" if op_t / ft_t >= 50 else "not met"])
        print(f"  {label}: done", file=sys.stderr, flush=True)
    head = ["journal file", f"ferrotune us/trial ({args.trials:,})", f"optuna us/trial ({n_opt:,})", "optuna/ferrotune", ">= 50x"]
    right = [False, True, True, True, False]
    write, load, best = reopen(ft, args.reopen)
    print()
    print(common.table(head, rows, right))
    print()
    print(
        f"reopen: {args.reopen:,} trials written in {write:.1f} s; a fresh process's load_study took {load * 1e3:,.0f} ms "
        f"(target < 1,000 ms: {'met' if load < 1.0 else 'not met'}), then best_trial {best * 1e3:,.0f} ms"
    )
    sq = None if args.no_sqlite else sqlite_section(ft, optuna, args, n_opt)
    pg = None if args.no_postgres else postgres_section(ft, optuna, args, n_opt)
    if args.markdown:
        print()
        print(common.markdown_heading(header))
        print(common.table(head, rows, right, markdown=True))
        if sq:
            print()
            print(common.table(*sq, markdown=True))
        if pg:
            print()
            print(f"```text\n{pg[0]}\n```")
            print()
            print(common.table(*pg[1:], markdown=True))
    return 0


def sqlite_section(ft: Any, optuna: Any, args: argparse.Namespace, n_opt: int) -> tuple[list[str], list[list[str]], list[bool]]:
    """Print (and return, for --markdown) the SQLite table: ferrotune's SQLite storage against
    Optuna's, and against ferrotune's own journal file (journal / SQLite above 1: SQLite is faster)."""
    print("\nsqlite  a new database file per run in a temporary directory; Optuna RDBStorage with a 60 s lock timeout", flush=True)
    rows = []
    for label, run in (("1 worker", one_worker), ("4 processes", four_processes)):
        # SQLite against the journal is a close race: alternate the two and take the medians.
        ft_ts, jr_ts = [], []
        for _ in range(args.repeat):
            ft_ts.append(run(ft, args.trials, args.seed, fresh_sqlite))
            jr_ts.append(run(ft, args.trials, args.seed, fresh_journal))
        ft_t, jr_t = statistics.median(ft_ts), statistics.median(jr_ts)
        try:
            op_t: float | None = run(optuna, n_opt, args.seed, fresh_sqlite)
        except SystemExit as e:  # a worker failed; Optuna's figure is then missing, not made up
            print(f"  Optuna SQLite {label}: {e}", file=sys.stderr, flush=True)
            op_t = None
        ratio = None if op_t is None else op_t / ft_t
        rows.append(
            [
                label,
                f"{ft_t * 1e6:,.1f}",
                f"{jr_t * 1e6:,.1f}",
                "failed" if op_t is None else f"{op_t * 1e6:,.0f}",
                "-" if ratio is None else f"{ratio:,.1f}x",
                "-" if ratio is None else ("met" if ratio >= 50 else "not met"),
                f"{jr_t / ft_t:,.2f}x",
            ]
        )
        print(f"  SQLite {label}: done", file=sys.stderr, flush=True)
    head = [
        "SQLite",
        f"ferrotune sqlite us/trial ({args.trials:,})",
        f"ferrotune journal us/trial ({args.trials:,})",
        f"optuna sqlite us/trial ({n_opt:,})",
        "optuna/ferrotune",
        ">= 50x",
        "journal/sqlite",
    ]
    right = [False, True, True, True, True, False, True]
    print()
    print(common.table(head, rows, right))
    return head, rows, right


def postgres_section(
    ft: Any, optuna: Any, args: argparse.Namespace, n_opt: int
) -> tuple[str, list[str], list[list[str]], list[bool]] | None:
    """Print (and return, for --markdown) the PostgreSQL table; None when no server could be had."""
    try:
        import psycopg2  # noqa: F401 - Optuna's RDBStorage needs it
    except ImportError:
        print("\nPostgreSQL: skipped, psycopg2 is not installed (pip install -e '.[bench-storage]')", flush=True)
        return None
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(postgres_server(args.postgres))
            version = psql(server, "show server_version")
        except RuntimeError as e:  # no server binaries, no psql, a server that does not answer
            print(f"\nPostgreSQL: skipped, {e}", flush=True)
            return None
        where = "--postgres" if args.postgres else "throwaway server, fsync on"
        method = f"postgres  PostgreSQL {version} ({where}), a new database per run; Optuna RDBStorage with psycopg2"
        print(f"\n{method}", flush=True)
        fresh = functools.partial(fresh_database, server)
        rows = []
        for label, run in (("1 worker", one_worker), ("4 processes", four_processes)):
            ft_t = run(ft, args.trials, args.seed, fresh)
            op_t = run(optuna, n_opt, args.seed, fresh)
            ratio = op_t / ft_t
            rows.append([label, f"{ft_t * 1e6:,.1f}", f"{op_t * 1e6:,.0f}", f"{ratio:,.1f}x", "met" if ratio >= 20 else "not met"])
            print(f"  PostgreSQL {label}: done", file=sys.stderr, flush=True)
    head = ["PostgreSQL", f"ferrotune us/trial ({args.trials:,})", f"optuna us/trial ({n_opt:,})", "optuna/ferrotune", ">= 20x"]
    right = [False, True, True, True, False]
    print()
    print(common.table(head, rows, right))
    return method, head, rows, right


if __name__ == "__main__":
    sys.exit(main())
