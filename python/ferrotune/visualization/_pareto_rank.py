"""Non-domination ranks (rank 0 = the Pareto front) of loss vectors, with numpy.

One objective: the rank of the distinct value. Two: a sweep over the points sorted by the
first objective, each joining the first front whose lowest second objective is above its own
(binary search), O(n log n). More: Deb's sort, O(k n^2) comparisons made in blocks."""

from __future__ import annotations

import bisect

import numpy as np

#: Points compared at once against all the others (bounds the temporary boolean arrays).
_CHUNK = 256


def non_domination_rank(loss: np.ndarray) -> np.ndarray:
    """Rank of each row of ``loss`` (``n x k``, minimised): 0 for points no other point
    dominates, 1 for those dominated only by rank-0 points, and so on. Equal points share a rank."""
    n, k = loss.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    # Equal points never dominate each other: rank the distinct points.
    distinct, inverse = np.unique(loss, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    if k == 1:
        return inverse.astype(np.int64)
    ranks = _ranks_2d(distinct) if k == 2 else _ranks_general(distinct)
    out: np.ndarray = ranks[inverse]
    return out


def _ranks_2d(points: np.ndarray) -> np.ndarray:
    # np.unique sorted the rows by the first objective, then the second: every earlier point
    # has a first objective <= this one's, so it dominates this one exactly when its second
    # objective is <= this one's.
    ranks = np.empty(len(points), dtype=np.int64)
    front_min: list[float] = []  # lowest second objective of each front, non-decreasing
    for i, y in enumerate(points[:, 1].tolist()):
        r = bisect.bisect_right(front_min, y)
        if r == len(front_min):
            front_min.append(y)
        else:
            front_min[r] = y
        ranks[i] = r
    return ranks


def _dominated_counts(points: np.ndarray, by: np.ndarray) -> np.ndarray:
    """How many of the rows ``by`` dominate each of ``points``."""
    counts = np.zeros(len(points), dtype=np.int64)
    for start in range(0, len(by), _CHUNK):
        block = by[start : start + _CHUNK]
        # One objective at a time: 2-D comparisons are far faster than a 3-D array's all().
        le = np.ones((len(block), len(points)), dtype=bool)
        lt = np.zeros((len(block), len(points)), dtype=bool)
        for j in range(points.shape[1]):
            a, b = block[:, j, None], points[None, :, j]
            le &= a <= b
            lt |= a < b
        counts += (le & lt).sum(axis=0)
    return counts


def _ranks_general(points: np.ndarray) -> np.ndarray:
    ranks = np.full(len(points), -1, dtype=np.int64)
    counts = _dominated_counts(points, points)
    rank = 0
    front = np.flatnonzero(counts == 0)
    while len(front):
        ranks[front] = rank
        counts[front] = -1
        counts -= _dominated_counts(points, points[front])
        front = np.flatnonzero(counts == 0)
        rank += 1
    return ranks
