"""QMCSampler: quasi-Monte Carlo search (Sobol' or Halton sequences), in the Rust core."""

from __future__ import annotations

import numpy as np

from ferrotune import _core
from ferrotune._convert import as_count, as_seed, as_str
from ferrotune._deprecation import warn_experimental
from ferrotune.logging import get_logger
from ferrotune.samplers._base import BaseSampler
from ferrotune.samplers._core_backed import CoreBackedSampler, check_independent, reseed_independent_only

_logger = get_logger(__name__)


class QMCSampler(CoreBackedSampler):
    """Quasi-Monte Carlo search: trials follow a low-discrepancy sequence, as Optuna's ``QMCSampler``.

    The search space is that of the study's first finished trial (while none has finished, the
    parameters running trials have suggested so far); the first trial is sampled by
    ``independent_sampler``. Each later trial takes the next point of a Sobol' or Halton
    sequence in ``[0, 1)^d``: the point number is claimed atomically when the trial starts and
    stored as the trial's ``qmc_id`` system attribute, so ``n_jobs > 1`` workers never share a
    point and a resumed study continues the sequence. Without scrambling the first point is all
    lows, exactly as in Optuna and SciPy. A coordinate ``u`` becomes a value as in Optuna:
    linearly (in log space for ``log=True``), rounded to the grid for steps and integers,
    ``floor(u * n_choices)`` for categorical parameters.

    Sobol' points are balanced for ``n = 2^m`` trials: when you can, run a power of two.

    Args:
        qmc_type: ``"sobol"`` (Joe & Kuo direction numbers, up to 1,024 parameters) or
            ``"halton"`` (the first ``d`` primes, up to 1,024 parameters).
        scramble: Randomize the sequence (linear matrix scrambling and a digital shift for
            Sobol', random digit permutations for Halton), keeping its balance properties.
        seed: Seed of the scrambling and of the default independent sampler; ``None`` draws one
            from the operating system. Workers sharing a study with ``scramble=True`` must use
            the same seed to follow one sequence.
        independent_sampler: A built-in ferrotune sampler for the first trial and for
            parameters outside the QMC space (default: ``RandomSampler(seed)``).
        warn_asynchronous_seeding: Log a warning when ``scramble=True`` and no seed is given.
        warn_independent_sampling: Warn when a parameter is sampled by the independent sampler
            after the first trial finished (a conditional search space).
    """

    def __init__(
        self,
        *,
        qmc_type: str = "sobol",
        scramble: bool = False,
        seed: int | None = None,
        independent_sampler: BaseSampler | None = None,
        warn_asynchronous_seeding: bool = True,
        warn_independent_sampling: bool = True,
    ) -> None:
        warn_experimental("QMCSampler", "3.0.0")
        # converted here; the core parses qmc_type
        self._qmc_type = as_str("qmc_type", qmc_type)
        seed = as_seed(seed)
        independent_sampler = check_independent(independent_sampler, "QMCSampler")
        self._scramble = bool(scramble)
        self._warn_independent_sampling = bool(warn_independent_sampling)
        if seed is None and self._scramble and warn_asynchronous_seeding:
            _logger.warning(
                "No seed is provided for `QMCSampler` and the seed is set randomly. If you are running multiple "
                "`QMCSampler`s in parallel and/or distributed  environment, the same seed must be used in all samplers "
                "to ensure that resulting samples are taken from the same QMC sequence. "
            )
        self._independent_sampler = independent_sampler
        self._core_sampler = self._build_core(seed)

    def _build_core(self, seed: int | None) -> _core.Sampler:
        independent = self._independent_sampler
        core_independent = getattr(independent, "_core_sampler", None)
        name = "RandomSampler" if independent is None else type(independent).__name__
        return _core.Sampler.qmc(self._qmc_type, self._scramble, seed, core_independent, name, self._warn_independent_sampling)

    @property
    def qmc_type(self) -> str:
        return self._qmc_type

    @property
    def scramble(self) -> bool:
        return self._scramble

    def reseed_rng(self) -> None:
        """Reseeds the independent sampler only: the QMC seed must stay equal across workers."""
        reseed_independent_only(self)

    def __repr__(self) -> str:
        return f"QMCSampler(qmc_type={self._qmc_type!r}, scramble={self._scramble}, seed={self.seed})"


def qmc_points(qmc_type: str, dim: int, n: int, scramble: bool = False, seed: int = 0, skip: int = 0) -> np.ndarray:
    """Points ``skip .. skip + n - 1`` of a Sobol' or Halton sequence, as an ``(n, dim)`` array.

    Unscrambled, the points equal ``scipy.stats.qmc.Sobol(dim, scramble=False)`` (or
    ``Halton``) after ``fast_forward(skip)``, to the bit. Scrambled, they depend on ``seed``
    only (the same on every platform, though not SciPy's points for that seed).

    Args:
        qmc_type: ``"sobol"`` or ``"halton"``.
        dim: Number of dimensions, 1 to 1,024.
        n: Number of points.
        scramble: Scramble the sequence (see :class:`QMCSampler`).
        seed: Seed of the scrambling.
        skip: Points to skip first.
    """
    qmc_type = as_str("qmc_type", qmc_type)
    dim = as_count("dim", dim)
    n = as_count("n", n)
    s = as_seed(seed)
    raw = _core.qmc_points(qmc_type, dim, n, bool(scramble), 0 if s is None else s, as_count("skip", skip))
    points: np.ndarray = np.frombuffer(raw, dtype="<f8").reshape(n, dim).copy()
    return points
