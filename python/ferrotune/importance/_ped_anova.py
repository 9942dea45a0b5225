"""``PedAnovaImportanceEvaluator``: PED-ANOVA, computed by the core (``importance/ped_anova.rs``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ferrotune import _core
from ferrotune import logging as ft_logging
from ferrotune.importance._base import BaseImportanceEvaluator, check_params, target_values

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial


class PedAnovaImportanceEvaluator(BaseImportanceEvaluator):
    """PED-ANOVA importance evaluator (the default of :func:`get_param_importances`).

    A parameter's importance is the Pearson divergence between the density of its values in the
    best ``target_quantile`` of the completed trials and in the best ``region_quantile`` (or the
    uniform density over its range when ``evaluate_on_local`` is false): how much reaching the
    top trials depended on where that parameter was. Conditional parameters count in each
    distribution they were drawn from, weighted by how many trials used it. See Watanabe et al.,
    *PED-ANOVA* (IJCAI 2023) and *Conditional PED-ANOVA* (KDD 2026).

    Args:
        target_quantile: The top quantile whose parameters are assessed (``gamma'``); 0.1 means
            "what mattered to reach the best 10%".
        region_quantile: The quantile of trials the comparison is made in (``gamma``); 1.0 is
            every trial.
        evaluate_on_local: Compare with the trials' own density (``True``) or with the uniform
            density over the search space (``False``).

    Raises:
        FerrotuneValueError: unless ``0 < target_quantile < region_quantile <= 1``.
    """

    def __init__(self, *, target_quantile: float = 0.1, region_quantile: float = 1.0, evaluate_on_local: bool = True) -> None:
        warning = _core.ped_anova_check(float(target_quantile), float(region_quantile), bool(evaluate_on_local))
        if warning is not None:
            ft_logging._warn(warning)
        self._target_quantile = float(target_quantile)
        self._region_quantile = float(region_quantile)
        self._evaluate_on_local = bool(evaluate_on_local)

    def evaluate(
        self,
        study: Study,
        params: list[str] | None = None,
        *,
        target: Callable[[FrozenTrial], float] | None = None,
    ) -> dict[str, float]:
        """PED-ANOVA importances of ``params`` (default: every parameter a completed trial used,
        conditional ones included), largest first.

        Args:
            study: An optimized study.
            params: Names of the parameters to assess; each must appear in a completed trial.
            target: The value to assess against, lower being better; ``None`` for the objective
                (several objectives: reaching the Pareto front, trials ranked as TPE does).

        Returns:
            Parameter names mapped to their (unnormalized) importances, in descending order.

        Raises:
            FerrotuneValueError: a parameter of ``params`` appears in no completed trial.
            FerrotuneTypeError: ``params`` is not a list of names.
        """
        names = check_params(params)
        values, warnings = _core.ped_anova_importances(
            study._storage._core,
            study._study_id,
            names,
            target_values(study, target),
            self._target_quantile,
            self._region_quantile,
            self._evaluate_on_local,
        )
        for w in warnings:
            ft_logging._warn(w)
        return dict(values)
