"""``repair_journal``: a clean copy of a damaged journal file."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ferrotune import _core


@dataclass(frozen=True)
class JournalRepairReport:
    """What :func:`repair_journal` recovered.

    ``records``: intact records copied. ``damaged``: the damaged regions skipped, as
    ``(byte offset, length)``. ``damaged_records``: how many records they probably held.
    ``stand_ins``: records written in place of damaged trial or study creations (the trial keeps
    its number, marked by the system attribute ``ferrotune:damaged_record_at``).
    ``tail_bytes``: bytes of an unfinished last record left out (a writer killed mid-write).
    """

    records: int
    damaged: list[tuple[int, int]]
    damaged_records: int
    corrected: int
    stand_ins: int
    tail_bytes: int


def repair_journal(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> JournalRepairReport:
    """Writes to ``dst`` (a new file) a clean journal holding every record of the journal
    ``src`` that can be recovered, and returns what was recovered.

    ``src`` is read under its shared lock and left as it is. The copy replays to exactly what
    ``JournalStorage`` shows when it opens ``src``: every intact record, in order, with damaged
    trial creations replaced by running trials that keep their numbers. It opens without
    warnings; once checked, it can replace ``src`` while no process uses the journal.
    Also ``python -m ferrotune.storages.journal repair SRC DST``.
    """
    records, damaged, damaged_records, corrected, stand_ins, tail_bytes = _core.Storage.repair_journal(src, dst)
    return JournalRepairReport(records, list(damaged), damaged_records, corrected, stand_ins, tail_bytes)
