"""Non-domination ranks (rank 0 = the Pareto front) of loss vectors, with numpy."""

from __future__ import annotations

import numpy as np

#: Rows compared at once against the remaining points (bounds the temporary boolean arrays).
_CHUNK = 128


def non_domination_rank(loss: np.ndarray) -> np.ndarray:
    """Rank of each row of ``loss`` (``n x k``, minimised): 0 for points no other point
    dominates, 1 for those dominated only by rank-0 points, and so on. Equal points share a rank."""
    n = len(loss)
    ranks = np.full(n, -1, dtype=np.int64)
    remaining = np.arange(n)
    rank = 0
    while len(remaining):
        pts = loss[remaining]
        dominated = np.zeros(len(remaining), dtype=bool)
        for start in range(0, len(remaining), _CHUNK):
            block = pts[start : start + _CHUNK]
            # other (axis 0) dominates block point (axis 1): <= everywhere and < somewhere.
            le = (pts[:, None, :] <= block[None, :, :]).all(axis=2)
            lt = (pts[:, None, :] < block[None, :, :]).any(axis=2)
            dominated[start : start + _CHUNK] = (le & lt).any(axis=0)
        ranks[remaining[~dominated]] = rank
        remaining = remaining[dominated]
        rank += 1
    return ranks
