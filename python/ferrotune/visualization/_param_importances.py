"""``plot_param_importances``: the importance of each parameter as horizontal bars, one group
per objective for a multi-objective study without ``target``.

The data (``importances_infos``) is computed here once for both backends, from
``ferrotune.importance.get_param_importances``; the matplotlib module draws from it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ferrotune import logging as ft_logging
from ferrotune.trial import TrialState
from ferrotune.visualization._frame import StudyFrame
from ferrotune.visualization._plotly_imports import plotly_go
from ferrotune.visualization._utils import DEFAULT_TARGET_NAME, check_plot_args, finite_rows, one_study

if TYPE_CHECKING:
    from ferrotune.importance import BaseImportanceEvaluator
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial

_logger = ft_logging.get_logger(__name__)


class ImportancesInfo(NamedTuple):
    """One bar group: importances from the least to the most important (plotly draws the first
    bar at the bottom), their labels, and each parameter's distribution class name."""

    importance_values: list[float]
    param_names: list[str]
    importance_labels: list[str]
    target_name: str
    distribution_names: list[str]


def _label(value: float) -> str:
    return f"{value:.2f}" if value >= 0.01 else "<0.01"


def _one_info(
    study: Study,
    frame: StudyFrame,
    evaluator: BaseImportanceEvaluator | None,
    params: list[str] | None,
    target: Callable[[FrozenTrial], float] | None,
    objective: int,
    target_name: str,
) -> ImportancesInfo:
    from ferrotune.importance import get_param_importances
    from ferrotune.importance._base import ObjectiveTarget

    rows = np.flatnonzero(frame.mask(TrialState.COMPLETE))
    finite, _ = finite_rows(rows, frame.target_values(rows, target, objective))
    if len(finite) == 0:
        _logger.warning("Study instance does not contain completed trials.")
        return ImportancesInfo([], [], [], target_name, [])
    if target is None and len(study.directions) > 1:
        target = ObjectiveTarget(objective)  # t.values[objective], read from the columns

    importances = get_param_importances(study, evaluator=evaluator, params=params, target=target)
    names = list(reversed(importances))
    values = [importances[n] for n in names]
    # The first distribution the study used the parameter with, as Optuna's hover shows it.
    dist_names = [type(frame.params[n].distributions[0]).__name__ if n in frame.params else "" for n in names]
    return ImportancesInfo(values, names, [_label(v) for v in values], target_name, dist_names)


def importances_infos(
    study: Study,
    evaluator: BaseImportanceEvaluator | None,
    params: list[str] | None,
    target: Callable[[FrozenTrial], float] | None,
    target_name: str,
) -> list[ImportancesInfo]:
    """The bar groups of ``plot_param_importances`` for both backends: one for a
    single-objective study or a ``target``, else one per objective (named by the study's metric
    names, or ``"<target_name> <i>"``)."""
    study = one_study(study)
    frame = StudyFrame(study, with_intermediate=False)
    metric_names = study.metric_names
    if target is not None or len(study.directions) == 1:
        if target is None and metric_names is not None:
            target_name = metric_names[0]
        check_plot_args(study, target, target_name)
        return [_one_info(study, frame, evaluator, params, target, 0, target_name)]
    names = list(metric_names) if metric_names is not None else [f"{target_name} {i}" for i in range(len(study.directions))]
    return [_one_info(study, frame, evaluator, params, None, i, name) for i, name in enumerate(names)]


def plot_param_importances(
    study: Study,
    evaluator: BaseImportanceEvaluator | None = None,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = DEFAULT_TARGET_NAME,
) -> Any:
    """Plot the parameters' importances as horizontal bars (Optuna's
    ``plot_param_importances``), computed by ``ferrotune.importance.get_param_importances``.

    Args:
        study: An optimized study.
        evaluator: The importance evaluator; ``PedAnovaImportanceEvaluator`` by default.
        params: Names of the parameters to assess; ``None`` for the evaluator's default set.
        target: A function giving the value to assess from a trial. ``None``: the objective, or
            for a multi-objective study every objective, one bar group each.
        target_name: The bars' name in the legend; without ``target`` the study's metric names
            are used when it has them.

    Returns:
        A ``plotly.graph_objects.Figure`` (without traces when no trial is complete).
    """
    go = plotly_go()
    infos = importances_infos(study, evaluator, params, target, target_name)
    layout = go.Layout(title="Hyperparameter Importances", xaxis={"title": "Hyperparameter Importance"}, yaxis={"title": "Hyperparameter"})
    data = []
    for info in infos:
        if not info.importance_values:
            continue
        hover = [
            f"{name} ({dist}): {value}<extra></extra>"
            for name, dist, value in zip(info.param_names, info.distribution_names, info.importance_values, strict=True)
        ]
        data.append(
            go.Bar(
                x=info.importance_values,
                y=info.param_names,
                name=info.target_name,
                text=info.importance_labels,
                textposition="outside",
                cliponaxis=False,  # the labels may reach past the longest bar
                hovertemplate=hover,
                orientation="h",
            )
        )
    return go.Figure(data, layout)
