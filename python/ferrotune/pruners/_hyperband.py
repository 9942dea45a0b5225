"""HyperbandPruner: brackets of successive halving with different budgets."""

from __future__ import annotations

from typing import Any

from ferrotune import _core
from ferrotune._convert import as_int
from ferrotune.pruners._core_backed import CoreBackedPruner
from ferrotune.pruners._successive_halving import _resource


class HyperbandPruner(CoreBackedPruner):
    """Hyperband (Optuna's ``HyperbandPruner``): several brackets of asynchronous successive
    halving, from aggressive (first rung at ``min_resource``) to conservative.

    With ``s_max = floor(log_eta(max_resource / min_resource))`` (``eta = reduction_factor``,
    computed exactly), there are ``s_max + 1`` brackets; bracket ``b`` runs
    :class:`SuccessiveHalvingPruner` with ``min_early_stopping_rate=b``, so its rungs end at
    ``min_resource * eta ** (b + k)``. Each trial belongs to one bracket, chosen by a CRC-32 hash
    of the study name and the trial number (as in Optuna: give ``study_name`` for reproducible
    runs) in proportion to the paper's bracket sizes ``ceil((s_max + 1) * eta**s / (s + 1))``,
    ``s = s_max - b``. A trial competes only with the trials of its bracket.

    A model-based sampler (TPE, GP, or one written in Python) sees only the trials of the new
    trial's bracket, so each bracket has its own model, as Optuna intends; grid and QMC search
    still see every trial, so each point is used once. With ``TPESampler`` this is BOHB-style
    search (see :func:`ferrotune.pruners.bohb`).

    Args:
        min_resource: The step at which the first rung of bracket 0 ends; >= 1.
        max_resource: The number of steps of a full trial, or ``"auto"``: the last step of the
            first complete trial, plus one (no pruning and no bracket split until a trial has
            completed).
        reduction_factor: ``1 / reduction_factor`` of the trials go on at each rung; >= 2.
        bootstrap_count: As for :class:`SuccessiveHalvingPruner`; needs an explicit
            ``max_resource``.
    """

    def __init__(
        self,
        min_resource: int = 1,
        max_resource: str | int = "auto",
        reduction_factor: int = 3,
        bootstrap_count: int = 0,
    ) -> None:
        self._args: dict[str, Any] = {
            "min_resource": as_int("min_resource", min_resource),
            "max_resource": _resource("max_resource", max_resource),
            "reduction_factor": as_int("reduction_factor", reduction_factor),
            "bootstrap_count": as_int("bootstrap_count", bootstrap_count),
        }
        self._core_pruner = self._build_core()

    def _build_core(self) -> _core.Pruner:
        return _core.Pruner.hyperband(**self._args)

    def __repr__(self) -> str:
        a = self._args
        mr = a["max_resource"]
        return (
            f"HyperbandPruner(min_resource={a['min_resource']}, max_resource={'auto' if mr is None else mr!r}, "
            f"reduction_factor={a['reduction_factor']}, bootstrap_count={a['bootstrap_count']})"
        )
