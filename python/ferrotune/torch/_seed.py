"""Seeding, and the random-number state a checkpoint must carry to resume exactly."""

from __future__ import annotations

import os
import random
from typing import Any

import numpy as np
import torch

from ferrotune.exceptions import FerrotuneValueError


def seed_everything(seed: int, *, deterministic: bool = False) -> None:
    """Seeds Python's ``random``, NumPy's global generator and PyTorch (CPU and every CUDA device).

    With ``deterministic=True`` PyTorch also uses deterministic algorithms where it has them
    (warning where it does not), and cuDNN stops picking kernels by timing, so two runs with
    the same seed on the same machine train the same weights, at some cost in speed.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2**32:
        raise FerrotuneValueError(f"seed must be an int in [0, 2**32), got {seed!r}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    os.environ["PYTHONHASHSEED"] = str(seed)  # for subprocesses (data-loader workers)
    if deterministic:
        # cuBLAS needs a fixed workspace to be deterministic; set before its first use.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False


def _generators(loader: Any, augment: Any) -> list[torch.Generator]:
    """The generators a data loader draws its order from and an augmentation its draws, when
    they have their own rather than the global one."""
    found: list[torch.Generator] = []
    for obj in (loader, getattr(loader, "sampler", None), getattr(loader, "batch_sampler", None), augment):
        g = getattr(obj, "generator", None)
        if isinstance(g, torch.Generator) and all(g is not f for f in found):
            found.append(g)
    return found


def rng_state(loader: Any = None, augment: Any = None) -> dict[str, Any]:
    """Every random state that training draws from, in types ``torch.load`` reads safely."""
    np_state = np.random.get_state(legacy=True)
    assert isinstance(np_state, tuple)  # the legacy form (a dict only for non-MT19937 generators)
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": (np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), int(np_state[2]), int(np_state[3]), float(np_state[4])),
        "torch": torch.get_rng_state(),
        "own": [g.get_state() for g in _generators(loader, augment)],
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any], loader: Any = None, augment: Any = None) -> None:
    """Restores what :func:`rng_state` saved."""
    random.setstate(state["python"])
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    for g, s in zip(_generators(loader, augment), state["own"], strict=True):
        g.set_state(s)
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
