"""BOHB: Hyperband with a TPE model per bracket, as a ready-made sampler and pruner pair."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ferrotune.pruners._hyperband import HyperbandPruner

if TYPE_CHECKING:
    from ferrotune.samplers import TPESampler


def bohb(
    *,
    min_resource: int = 1,
    max_resource: str | int = "auto",
    reduction_factor: int = 3,
    bootstrap_count: int = 0,
    seed: int | None = None,
    n_startup_trials: int = 10,
    **tpe_kwargs: Any,
) -> tuple[TPESampler, HyperbandPruner]:
    """A sampler and a pruner that together run BOHB-style search::

        sampler, pruner = ferrotune.pruners.bohb(max_resource=100, seed=0)
        study = ferrotune.create_study(sampler=sampler, pruner=pruner)

    The pruner is :class:`HyperbandPruner` (the given resource arguments); the sampler is a
    multivariate :class:`~ferrotune.samplers.TPESampler`. Under Hyperband, TPE sees only the
    trials of the new trial's bracket, so each bracket (each budget schedule) has its own
    model, which learns from complete trials and, ranked by how far they got, pruned ones.
    This is the same combination as ``TPESampler(multivariate=True)`` with
    ``HyperbandPruner(...)`` passed to ``create_study``; the function only fixes the pairing.

    Args:
        min_resource, max_resource, reduction_factor, bootstrap_count: For
            :class:`HyperbandPruner`.
        seed, n_startup_trials: For :class:`~ferrotune.samplers.TPESampler` (random trials
            per bracket before its model starts).
        tpe_kwargs: Other :class:`~ferrotune.samplers.TPESampler` arguments.
    """
    from ferrotune.samplers import TPESampler

    tpe_kwargs.setdefault("multivariate", True)
    sampler = TPESampler(seed=seed, n_startup_trials=n_startup_trials, **tpe_kwargs)
    pruner = HyperbandPruner(
        min_resource=min_resource,
        max_resource=max_resource,
        reduction_factor=reduction_factor,
        bootstrap_count=bootstrap_count,
    )
    return sampler, pruner
