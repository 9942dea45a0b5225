"""Per-trial checkpoint directories: the last epoch (to resume) and the best weights.

A trial's directory is ``<checkpoint_dir>/<study name>/trial_<n>``, where ``n`` is the number
of the first trial of its retry series (``RetryFailedTrialCallback`` records it as the system
attribute ``failed_trial``). A retry of a trial whose worker died therefore finds the
checkpoint its predecessor left and resumes from it.

Files are written to a temporary name, flushed to disk and renamed over the old one, so a kill
at any moment leaves either the previous checkpoint or the new one, never a torn file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import torch

from ferrotune.exceptions import FerrotuneValueError

LAST = "last.pt"
BEST = "best.pt"


def _safe(name: str) -> str:
    """A study name usable as one path component."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip(".") or "study"


def trial_dir(checkpoint_dir: str | os.PathLike[str], trial: Any, study_name: str | None = None) -> Path:
    """The checkpoint directory of ``trial`` under ``checkpoint_dir``. A live trial knows its
    study; for a ``FrozenTrial`` give ``study_name`` (a trial outside any study, such as a
    ``FixedTrial``, uses ``checkpoint_dir`` itself as the study's directory)."""
    if checkpoint_dir is None or not isinstance(checkpoint_dir, (str, os.PathLike)):
        raise FerrotuneValueError(f"checkpoint_dir must be a path, got {checkpoint_dir!r}")
    attrs = getattr(trial, "system_attrs", {}) or {}
    number = attrs.get("failed_trial", getattr(trial, "number", 0))
    name = study_name if study_name is not None else getattr(getattr(trial, "study", None), "study_name", None)
    root = Path(checkpoint_dir)
    return (root / _safe(name) if name else root) / f"trial_{int(number)}"


def _write_atomically(obj: Any, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        torch.save(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    # The rename itself must reach the disk before the trial reports the epoch as saved.
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class TrialCheckpoint:
    """The checkpoint files of one trial (see the module docstring)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    @classmethod
    def for_trial(cls, checkpoint_dir: str | os.PathLike[str], trial: Any, study_name: str | None = None) -> TrialCheckpoint:
        return cls(trial_dir(checkpoint_dir, trial, study_name))

    @property
    def last_path(self) -> Path:
        return self.directory / LAST

    @property
    def best_path(self) -> Path:
        return self.directory / BEST

    def save_last(self, state: dict[str, Any]) -> None:
        """Stores the state at the end of an epoch (model, optimizer, schedule, RNG, history)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        _write_atomically(state, self.last_path)

    def load_last(self, map_location: Any = "cpu") -> dict[str, Any] | None:
        """The last saved epoch's state, or None when there is none. The file holds optimizer
        and scheduler state besides tensors, so it is unpickled in full: keep checkpoint
        directories where only you can write."""
        if not self.last_path.exists():
            return None
        state: dict[str, Any] = torch.load(self.last_path, map_location=map_location, weights_only=False)
        return state

    def save_best(self, model_state: dict[str, torch.Tensor], info: dict[str, Any]) -> None:
        """Stores the best weights so far, with what they scored (``info``: epoch, value, params)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        _write_atomically({"model": model_state, **info}, self.best_path)

    def load_best(self, map_location: Any = "cpu") -> dict[str, Any]:
        """The best weights and their info; tensors and plain values only (``weights_only``)."""
        if not self.best_path.exists():
            raise FerrotuneValueError(f"no best weights at {self.best_path}; train with fit(..., checkpoint_dir=...) to write them")
        best: dict[str, Any] = torch.load(self.best_path, map_location=map_location, weights_only=True)
        return best

    def __repr__(self) -> str:
        return f"TrialCheckpoint({str(self.directory)!r})"
