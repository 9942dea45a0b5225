"""Small data sets and models for the ferrotune.torch tests (CPU, a second or less each)."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, TensorDataset


def blobs(n: int = 256, features: int = 8, classes: int = 3, seed: int = 0) -> TensorDataset:
    """Gaussian blobs: learnable to high accuracy in a few epochs."""
    centers = 3 * torch.randn(classes, features, generator=torch.Generator().manual_seed(1234))
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, classes, (n,), generator=g)
    x = centers[y] + torch.randn(n, features, generator=g)
    return TensorDataset(x, y)


def loaders(batch_size: int = 32, seed: int = 0) -> tuple[DataLoader, DataLoader]:
    return DataLoader(blobs(seed=seed), batch_size=batch_size, shuffle=True), DataLoader(blobs(128, seed=seed + 1), batch_size=64)


def mlp(hidden: int = 16, dropout: float = 0.1) -> torch.nn.Module:
    return torch.nn.Sequential(torch.nn.Linear(8, hidden), torch.nn.ReLU(), torch.nn.Dropout(dropout), torch.nn.Linear(hidden, 3))


def scripted(values: list[float]):
    """A metric that ignores the model and returns ``values`` one per epoch (a scripted curve)."""
    it = iter(values)
    return lambda outputs, targets: next(it)


def same_weights(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
