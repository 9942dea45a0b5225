"""``python -m ferrotune.storages.journal repair SRC DST``: writes a clean copy of a damaged journal."""

from __future__ import annotations

import argparse
import sys

from ferrotune.exceptions import FerrotuneError
from ferrotune.storages.journal._repair import repair_journal


def main(argv: list[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m ferrotune.storages.journal", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    repair = commands.add_parser(
        "repair",
        help="write to DST (a new file) every record of the journal SRC that can be recovered",
    )
    repair.add_argument("src", metavar="SRC", help="the damaged journal (left as it is)")
    repair.add_argument("dst", metavar="DST", help="the clean journal to write (must not exist)")
    args = parser.parse_args(argv)
    try:
        r = repair_journal(args.src, args.dst)
    except FerrotuneError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"{args.dst}: {r.records} intact records copied")
    for at, n in r.damaged:
        print(f"  skipped {n} damaged bytes at bytes {at}..{at + n}")
    if r.damaged:
        print(
            f"  {r.damaged_records} damaged record(s): {r.corrected} corrected (one flipped bit), "
            f"{r.stand_ins} replaced by stand-ins that keep trial numbers"
        )
    if r.tail_bytes:
        print(f"  left out {r.tail_bytes} bytes of an unfinished last record")
    return 0


if __name__ == "__main__":
    sys.exit(main())
