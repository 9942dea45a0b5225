"""The least one durable write costs: an append to a file under a lock, against SQLite's
cheapest transactions, without ferrotune, in one process and one run.

Why it exists: ferrotune's SQLite storage makes the same writes as its journal file (two per
trial: the trial's creation, then its result) and is slower per trial (docs/benchmarks.md,
"SQLite storage against the journal file"). This script shows how much of that gap is SQLite's
own floor, which no change to ferrotune can remove while the file stays shared by processes.

Each way writes N records of 70 bytes (a trial's typical record) to a fresh file in a
temporary directory, one write at a time, from Python:

- ``append``: ``flock(LOCK_EX)``, ``fstat`` (the journal looks whether the file grew),
  ``write``, ``flock(LOCK_UN)``: what the journal file does per write;
- ``sqlite tx``: ``BEGIN IMMEDIATE``, ``INSERT``, ``COMMIT`` on a table keyed by the record
  number, write-ahead log, ``synchronous=NORMAL``, 1 KiB pages (ferrotune's settings);
- ``sqlite autocommit``: the ``INSERT`` alone (SQLite's implicit transaction);
- ``sqlite exclusive``: the ``INSERT`` alone in ``locking_mode=EXCLUSIVE``, where SQLite keeps
  the file locked and skips its shared-memory locks: one process only, so not an option for a
  shared study, shown as the cost of the write itself.

The Python overhead per call (about 0.3 µs per ``execute``) is in every row alike. Figures are
medians of ``--repeat`` alternating runs.

    python benches/sqlite_floor.py
    python benches/sqlite_floor.py --n 50000 --repeat 7
"""

from __future__ import annotations

import argparse
import fcntl
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable

RECORD = os.urandom(70)


def append(path: str, n: int) -> float:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        start = time.perf_counter()
        for _ in range(n):
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.fstat(fd)
            os.write(fd, RECORD)
            fcntl.flock(fd, fcntl.LOCK_UN)
        return time.perf_counter() - start
    finally:
        os.close(fd)


def connect(path: str, exclusive: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA page_size=1024")
    if exclusive:
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA wal_autocheckpoint=4000")
    conn.execute("CREATE TABLE log (seq INTEGER PRIMARY KEY, body BLOB NOT NULL)")
    return conn


def sqlite_tx(path: str, n: int) -> float:
    conn = connect(path)
    start = time.perf_counter()
    for i in range(n):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO log VALUES (?, ?)", (i + 1, RECORD))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def sqlite_autocommit(path: str, n: int, exclusive: bool = False) -> float:
    conn = connect(path, exclusive)
    start = time.perf_counter()
    for i in range(n):
        conn.execute("INSERT INTO log VALUES (?, ?)", (i + 1, RECORD))
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


WAYS: dict[str, Callable[[str, int], float]] = {
    "append": append,
    "sqlite tx": sqlite_tx,
    "sqlite autocommit": sqlite_autocommit,
    "sqlite exclusive": lambda path, n: sqlite_autocommit(path, n, exclusive=True),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20_000, help="writes per run (default 20,000)")
    ap.add_argument("--repeat", type=int, default=5, help="alternating runs of each way (default 5)")
    args = ap.parse_args()
    times: dict[str, list[float]] = {name: [] for name in WAYS}
    for _ in range(args.repeat):
        for name, way in WAYS.items():
            with tempfile.TemporaryDirectory() as tmp:
                times[name].append(way(os.path.join(tmp, "store"), args.n) / args.n * 1e6)
    print(f"SQLite {sqlite3.sqlite_version}, {args.n:,} writes of {len(RECORD)} bytes, median of {args.repeat}")
    print(f"{'way':<20}{'µs/write':>10}{'/ append':>10}")
    base = statistics.median(times["append"])
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:<20}{med:>10.2f}{med / base:>9.2f}x")


if __name__ == "__main__":
    main()
