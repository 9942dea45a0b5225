"""Choosing the device a trial trains on: CUDA when there is one, one GPU per worker."""

from __future__ import annotations

import itertools
import os
import threading
from typing import Any

import torch

from ferrotune.exceptions import FerrotuneValueError

_lock = threading.Lock()
_thread_slots: dict[int, int] = {}
_next_slot = itertools.count()


def _worker_slot() -> int:
    """A small number per worker: the process's index (``LOCAL_RANK`` or
    ``FERROTUNE_WORKER_INDEX``, 0 by default) plus one per thread that asked before this one.
    ``study.optimize(n_jobs=k)`` reuses its k threads, so each keeps its slot."""
    ident = threading.get_ident()
    with _lock:
        if ident not in _thread_slots:
            _thread_slots[ident] = next(_next_slot)
        thread = _thread_slots[ident]
    try:
        process = int(os.environ.get("FERROTUNE_WORKER_INDEX", os.environ.get("LOCAL_RANK", "0")))
    except ValueError:
        raise FerrotuneValueError(
            "FERROTUNE_WORKER_INDEX / LOCAL_RANK must be a whole number (the worker's index); unset it or fix it"
        ) from None
    return process + thread


def select_device(device: Any = "auto") -> torch.device:
    """The ``torch.device`` to train on.

    ``"auto"`` picks CUDA when available, then Apple's MPS, then the CPU. With several GPUs,
    each worker (thread of ``n_jobs``, or process numbered by ``FERROTUNE_WORKER_INDEX`` or
    ``LOCAL_RANK``) gets its own, round robin. ``"cuda"``, ``"cuda:1"``, ``"cpu"`` or a
    ``torch.device`` are taken as given, after checking that the device exists.
    """
    if device is None or device == "auto":
        if torch.cuda.is_available():
            n = torch.cuda.device_count()
            return torch.device("cuda", _worker_slot() % n if n > 1 else 0)
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise FerrotuneValueError(f"device {device!r} is not a torch device; use 'auto', 'cpu', 'cuda' or 'cuda:N'") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise FerrotuneValueError(f"device {device!r} was asked for but CUDA is not available here; use device='auto' or 'cpu'")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise FerrotuneValueError(f"device {device!r} does not exist: this machine has {torch.cuda.device_count()} CUDA device(s)")
    return dev
