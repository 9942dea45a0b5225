"""How well a sum of one-parameter terms explains a study's values (AutoSampler's landscape test)."""

from __future__ import annotations

import math

import numpy as np

from ferrotune.distributions import FloatDistribution, IntDistribution
from ferrotune.trial import FrozenTrial

#: Powers of each parameter in the additive model (1..DEGREE, plus one constant).
DEGREE = 4
#: Trials beyond the model's coefficients below which the fit says nothing (returns -inf).
MIN_EXTRA_TRIALS = 10


def _unit(value: float, dist: FloatDistribution | IntDistribution) -> float:
    """``value`` mapped to [-1, 1] over its distribution's range (log-scaled where it is)."""
    lo, hi, x = float(dist.low), float(dist.high), float(value)
    if dist.log:
        lo, hi, x = math.log(lo), math.log(hi), math.log(x)
    return 0.0 if hi <= lo else 2.0 * (x - lo) / (hi - lo) - 1.0


def additive_fit_r2(trials: list[FrozenTrial]) -> float:
    """Leave-one-out R^2 of the least-squares fit of the trials' values by a constant plus a
    polynomial of degree :data:`DEGREE` in each numeric parameter, with no cross terms.

    1 means the values are a smooth separable function of the parameters; ripples (Rastrigin),
    interactions (Rosenbrock) or a radial shape (Ackley) leave part unexplained. ``-inf`` when
    the trials cannot tell: fewer than the coefficients plus :data:`MIN_EXTRA_TRIALS`, a
    parameter that is not a float or int, a non-finite value, or values that do not vary.
    """
    if not trials:
        return -math.inf
    dists = trials[0].distributions
    if not all(isinstance(d, (FloatDistribution, IntDistribution)) for d in dists.values()):
        return -math.inf
    n_coef = 1 + DEGREE * len(dists)
    if len(trials) < n_coef + MIN_EXTRA_TRIALS:
        return -math.inf
    y = np.array([t.value if t.value is not None else math.nan for t in trials], dtype=float)
    if not np.all(np.isfinite(y)) or float(np.ptp(y)) == 0.0:
        return -math.inf
    u = np.array([[_unit(t.params[name], d) for name, d in dists.items()] for t in trials])  # type: ignore[arg-type]
    x = np.column_stack([np.ones(len(trials))] + [u[:, j] ** p for j in range(u.shape[1]) for p in range(1, DEGREE + 1)])
    q, r = np.linalg.qr(x)
    if np.min(np.abs(np.diag(r))) <= 1e-10 * np.max(np.abs(np.diag(r))):
        return -math.inf  # the trials do not pin every coefficient down (a parameter barely moved)
    residual = y - q @ (q.T @ y)
    leverage = np.sum(q * q, axis=1)
    if np.max(leverage) >= 1.0 - 1e-9:
        return -math.inf
    loo = residual / (1.0 - leverage)  # the residual of each trial left out of the fit
    return float(1.0 - np.sum(loo * loo) / np.sum((y - y.mean()) ** 2))
