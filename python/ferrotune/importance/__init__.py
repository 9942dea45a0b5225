"""Parameter importances (Optuna's ``optuna.importance``): which hyperparameters mattered.

The evaluators run in the core over the study's columnar history, in one call per evaluation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ferrotune._deprecation import warn_experimental_argument
from ferrotune.exceptions import FerrotuneTypeError
from ferrotune.importance._base import BaseImportanceEvaluator
from ferrotune.importance._forest import FanovaImportanceEvaluator, MeanDecreaseImpurityImportanceEvaluator
from ferrotune.importance._ped_anova import PedAnovaImportanceEvaluator

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial

__all__ = [
    "BaseImportanceEvaluator",
    "FanovaImportanceEvaluator",
    "MeanDecreaseImpurityImportanceEvaluator",
    "PedAnovaImportanceEvaluator",
    "get_param_importances",
]


def get_param_importances(
    study: Study,
    *,
    evaluator: BaseImportanceEvaluator | None = None,
    params: list[str] | None = None,
    target: Callable[[FrozenTrial], float] | None = None,
    normalize: bool = True,
) -> dict[str, float]:
    """Importances of the study's parameters, largest first.

    Args:
        study: An optimized study.
        evaluator: The algorithm: :class:`PedAnovaImportanceEvaluator` (the default),
            :class:`FanovaImportanceEvaluator` or :class:`MeanDecreaseImpurityImportanceEvaluator`.
        params: Names of the parameters to assess. ``None``: every parameter a completed trial
            used, conditional ones included (PED-ANOVA), or the parameters every completed trial
            drew from one distribution (the forest-based evaluators). An empty list gives an
            empty dict.
        target: The value to assess against, computed from a trial (e.g.
            ``lambda t: t.values[0]`` for one objective of several); ``None`` for the objective.
        normalize: Scale the importances to sum to 1 (equal shares when all are 0).

    Returns:
        Parameter names mapped to non-negative importances, in descending order.

    Raises:
        FerrotuneTypeError: ``evaluator`` is not an importance evaluator, or ``params`` is not a
            list of names.
        FerrotuneValueError: a parameter of ``params`` appears in no completed trial.
    """
    if evaluator is None:
        evaluator = PedAnovaImportanceEvaluator()
    if not isinstance(evaluator, BaseImportanceEvaluator):
        raise FerrotuneTypeError(
            f"evaluator must be an importance evaluator (a BaseImportanceEvaluator); got {type(evaluator).__name__}. "
            "Pass e.g. evaluator=PedAnovaImportanceEvaluator()."
        )
    res = evaluator.evaluate(study, params=params, target=target)
    if not normalize:
        warn_experimental_argument("normalize")
        return res
    total = sum(res.values())
    if total == 0.0:
        return {name: 1.0 / len(res) for name in res}
    return {name: value / total for name, value in res.items()}
