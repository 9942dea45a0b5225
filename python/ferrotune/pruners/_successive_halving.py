"""SuccessiveHalvingPruner: asynchronous successive halving (ASHA)."""

from __future__ import annotations

from typing import Any

from ferrotune import _core
from ferrotune._convert import as_int
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.pruners._core_backed import CoreBackedPruner


def _resource(name: str, value: Any) -> int | None:
    """``"auto"`` -> None, else an int."""
    if isinstance(value, str):
        if value != "auto":
            raise FerrotuneValueError(f"{name} must be an int >= 1 or 'auto', got {value!r}")
        return None
    return as_int(name, value)


class SuccessiveHalvingPruner(CoreBackedPruner):
    """Asynchronous successive halving (ASHA; Optuna's ``SuccessiveHalvingPruner``).

    Rung ``k`` ends at step ``min_resource * reduction_factor ** (min_early_stopping_rate + k)``.
    When a trial reports at or past the end of its current rung, its value there is recorded
    as the system attribute ``completed_rung_<k>`` and it goes on only if that value is among
    the best ``max(1, n // reduction_factor)`` of the ``n`` values recorded for the rung so far
    (itself included): promotions are decided as results arrive, never waiting for a rung to
    fill. The rungs live in the storage, so every worker on it competes in the same rungs; the
    Rust core keeps each rung's values sorted, so a decision is a binary search.

    Args:
        min_resource: The step at which the first rung ends (before the early-stopping rate),
            or ``"auto"``: a hundredth of the last step of the first complete trial, at least
            1 (no pruning until a trial has completed).
        reduction_factor: ``1 / reduction_factor`` of the trials go on at each rung; >= 2.
        min_early_stopping_rate: Moves the first rung to
            ``min_resource * reduction_factor ** min_early_stopping_rate``; >= 0.
        bootstrap_count: A rung needs more than this many values before anyone is promoted
            from it (trials finding fewer are pruned); needs an explicit ``min_resource``.
    """

    def __init__(
        self,
        min_resource: str | int = "auto",
        reduction_factor: int = 4,
        min_early_stopping_rate: int = 0,
        bootstrap_count: int = 0,
    ) -> None:
        self._args: dict[str, Any] = {
            "min_resource": _resource("min_resource", min_resource),
            "reduction_factor": as_int("reduction_factor", reduction_factor),
            "min_early_stopping_rate": as_int("min_early_stopping_rate", min_early_stopping_rate),
            "bootstrap_count": as_int("bootstrap_count", bootstrap_count),
        }
        self._core_pruner = self._build_core()

    def _build_core(self) -> _core.Pruner:
        return _core.Pruner.successive_halving(**self._args)

    def __repr__(self) -> str:
        mr = self._args["min_resource"]
        a = self._args
        return (
            f"SuccessiveHalvingPruner(min_resource={'auto' if mr is None else mr!r}, reduction_factor={a['reduction_factor']}, "
            f"min_early_stopping_rate={a['min_early_stopping_rate']}, bootstrap_count={a['bootstrap_count']})"
        )
