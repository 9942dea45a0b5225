"""What the benchmark scripts in benches/ share: the header that says which libraries ran on
which machine, the plain-text and markdown tables, the integer-list option and the imports that
exit with an install hint.

Kept in one place so that figures from different scripts are described and laid out the same
way. Standard library only, and nothing heavy at import time: overhead.py imports this module
before it measures the memory of a freshly started ferrotune process.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import warnings
from collections.abc import Iterable
from typing import Any

INSTALL_HINT = "pip install -e '.[bench]'"

# ------------------------------------------------------------------------------------------------
# Machine description


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux), since timings mean little without it."""
    model = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return model or "unknown"


def cpus() -> str:
    """The CPU count, and how many of them this process may use when that is fewer."""
    total = os.cpu_count() or 0
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = total
    return f"{usable}" if usable == total else f"{usable} usable of {total}"


def commit(path: str) -> str:
    """The git commit of the ferrotune checkout at path ("+changes" when rust/ or python/ differ
    from it), or "" outside a git checkout, so that a figure can be traced to the code it timed."""
    root = os.path.dirname(os.path.dirname(path))  # .../python/ferrotune -> repository root
    try:
        head = subprocess.run(
            ["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", root, "status", "--porcelain", "--", "rust", "python"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
    return f", commit {head}{'+changes' if dirty else ''}"


def ferrotune_source(ft: Any) -> str:
    """An imported ferrotune's version, directory and commit: "0.1.0 (/path, commit abc1234)"."""
    where = os.path.dirname(ft.__file__)
    return f"{ft.__version__} ({where}{commit(where)})"


def header_lines(ferrotune: str, optuna: str, method: str, python_extra: str = "") -> list[str]:
    """The lines printed above every benchmark's tables (and in its markdown block): what ran,
    where, and how it was measured."""
    u = platform.uname()
    return [
        f"ferrotune {ferrotune}",
        f"optuna    {optuna}",
        f"python    {platform.python_version()} ({platform.python_implementation()}){python_extra}",
        f"machine   {cpu_model()}, {cpus()} CPUs, {u.system} {u.release} {u.machine}",
        f"method    {method}",
    ]


# ------------------------------------------------------------------------------------------------
# Tables


def table(head: list[str], rows: list[list[str]], right: list[bool], markdown: bool = False) -> str:
    """rows under head, right[i] right-aligning column i: space-padded text, or a markdown table
    (where ">=" is written "≥") for pasting into docs/benchmarks.md."""
    if markdown:
        align = ["---:" if r else ":---" for r in right]
        out = ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
        return "\n".join(out + ["| " + " | ".join(c.replace(">=", "≥") for c in r) + " |" for r in rows])
    widths = [max(len(head[i]), *(len(r[i]) for r in rows)) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if rt else c.ljust(w) for c, w, rt in zip(cells, widths, right, strict=True)).rstrip()

    return "\n".join([line(head), line(["-" * w for w in widths])] + [line(r) for r in rows])


def markdown_heading(header: list[str]) -> str:
    """What precedes a script's markdown tables: a "Markdown:" line and the header as a text
    block, so that the pasted figures keep the description of the machine that produced them."""
    return "\n".join(["Markdown:", "", "```text", *header, "```", ""])


def print_tables(header: list[str], head: list[str], rows: list[list[str]], right: list[bool], markdown: bool) -> None:
    """The results as text, then (with --markdown) under the markdown heading as markdown."""
    print()
    print(table(head, rows, right))
    if markdown:
        print()
        print(markdown_heading(header))
        print(table(head, rows, right, markdown=True))


# ------------------------------------------------------------------------------------------------
# Command line


def int_list(text: str, minimum: int, not_ints: str, too_small: str) -> list[int]:
    """Integers separated by commas or spaces ("1000,10_000"), each at least minimum, for an
    argparse type; not_ints and too_small are the error messages, followed by ", got <text>"."""
    try:
        out = [int(s.strip().replace("_", "")) for s in text.replace(" ", ",").split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{not_ints}, got {text!r}") from None
    if not out or any(v < minimum for v in out):
        raise argparse.ArgumentTypeError(f"{too_small}, got {text!r}")
    return out


# ------------------------------------------------------------------------------------------------
# Imports that exit with an install hint instead of a traceback


def import_ferrotune(tpe: bool = False) -> Any:
    """ferrotune, or exit saying how to build it; with tpe, also exit when it predates TPESampler."""
    try:
        import ferrotune
    except ImportError as e:
        sys.exit(f"error: cannot import ferrotune ({e}). Build and install it from the repository root: {INSTALL_HINT}")
    if tpe and not hasattr(ferrotune.samplers, "TPESampler"):
        sys.exit(f"error: this ferrotune has no samplers.TPESampler; rebuild it from the repository root: {INSTALL_HINT}")
    return ferrotune


def import_optuna(quiet_experimental: bool = False) -> Any:
    """optuna, or exit saying how to install it; with quiet_experimental, its ExperimentalWarnings
    (some TPESampler options raise them) are silenced so that they do not clutter the output."""
    try:
        import optuna
    except ImportError:
        sys.exit(
            "error: optuna is not installed; this benchmark compares ferrotune against it.\n"
            f"Install the benchmark extra from the repository root: {INSTALL_HINT}"
        )
    if quiet_experimental:
        warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    return optuna


def greenlet_note() -> str:
    """Whether Optuna's GPSampler can batch its L-BFGS-B runs with greenlet (its fast path)."""
    try:
        import greenlet
    except ImportError:
        return "no greenlet: sequential L-BFGS-B"
    return f"greenlet {greenlet.__version__}"


def both_libraries() -> dict[str, Any]:
    """{"ferrotune": ..., "optuna": ...}, both logging at WARNING only (Optuna's experimental
    warnings silenced), for the scripts that run the same study in each."""
    import logging

    ft = import_ferrotune()
    optuna = import_optuna(quiet_experimental=True)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("ferrotune").setLevel(logging.WARNING)
    return {"ferrotune": ft, "optuna": optuna}


def hypervolume_2d(points: Iterable[tuple[float, float]], reference: tuple[float, float]) -> float:
    """Area dominated by ``points`` (both objectives minimized) inside the box below ``reference``."""
    area, best_y = 0.0, reference[1]
    for x, y in sorted(p for p in points if p[0] < reference[0] and p[1] < reference[1]):
        if y < best_y:
            area += (reference[0] - x) * (best_y - y)
            best_y = y
    return area
