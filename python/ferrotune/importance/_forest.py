"""The forest-based evaluators: ``FanovaImportanceEvaluator`` and
``MeanDecreaseImpurityImportanceEvaluator``, whose forest and readings run in the core
(``importance/forest.rs``, ``fanova.rs``, ``trees.rs``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ferrotune import _core
from ferrotune import logging as ft_logging
from ferrotune._convert import as_seed
from ferrotune.exceptions import FerrotuneTypeError
from ferrotune.importance._base import BaseImportanceEvaluator, check_params, target_values

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial


def _count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FerrotuneTypeError(f"{name} must be an int, got {value!r}")
    return value


class _ForestEvaluator(BaseImportanceEvaluator):
    _method = ""

    def __init__(self, *, n_trees: int = 64, max_depth: int = 64, seed: int | None = None) -> None:
        self._n_trees = _count("n_trees", n_trees)
        self._max_depth = _count("max_depth", max_depth)
        _core.forest_check(self._n_trees, self._max_depth)
        self._seed = as_seed(seed)

    def evaluate(
        self,
        study: Study,
        params: list[str] | None = None,
        *,
        target: Callable[[FrozenTrial], float] | None = None,
    ) -> dict[str, float]:
        """Importances of ``params`` (default: the parameters every completed trial drew from
        one same distribution), largest first.

        Args:
            study: An optimized study.
            params: Names of the parameters to assess; some completed trial must have them all,
                each drawn from one distribution wherever it appears with the others.
            target: The value to model, computed from a trial; required for several objectives
                (e.g. ``lambda t: t.values[0]``).

        Returns:
            Parameter names mapped to their importances, in descending order.

        Raises:
            FerrotuneValueError: several objectives without ``target``; ``params`` that no
                completed trial has together, or drawn from different distributions.
            FerrotuneTypeError: ``params`` is not a list of names.
        """
        names = check_params(params)
        values, warnings = _core.forest_importances(
            study._storage._core,
            study._study_id,
            names,
            target_values(study, target),
            self._method,
            self._n_trees,
            self._max_depth,
            self._seed,
        )
        for w in warnings:
            ft_logging._warn(w)
        return dict(values)


class FanovaImportanceEvaluator(_ForestEvaluator):
    """fANOVA importance evaluator (Hutter et al., ICML 2014).

    Fits a random forest to the completed trials (parameters to target) and returns, for each
    parameter, the share of the forest's variance over the search space that the parameter's
    marginal explains, averaged over the trees. Parameters with a single possible value get 0.
    The forest and the variance decomposition run in Rust.

    Args:
        n_trees: The number of trees in the forest.
        max_depth: The maximum depth of each tree.
        seed: Seed of the forest's bootstrap samples; ``None`` draws one per evaluation.
    """

    _method = "fanova"


class MeanDecreaseImpurityImportanceEvaluator(_ForestEvaluator):
    """Mean decrease impurity importance evaluator.

    Fits a random forest to the completed trials (parameters to target) and returns, for each
    parameter, how much of the squared error its splits remove, normalized per tree and
    averaged over the trees (scikit-learn's ``feature_importances_``; a categorical
    parameter's one-hot columns summed). The forest runs in Rust.

    Args:
        n_trees: The number of trees in the forest.
        max_depth: The maximum depth of each tree.
        seed: Seed of the forest's bootstrap samples; ``None`` draws one per evaluation.
    """

    _method = "mdi"
