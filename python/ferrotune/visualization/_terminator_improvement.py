"""``plot_terminator_improvement``: the terminator's improvement estimate after each trial, and
optionally the error it is compared with (plotly)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ferrotune._deprecation import warn_experimental
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.logging import get_logger
from ferrotune.terminator import (
    BaseErrorEvaluator,
    BaseImprovementEvaluator,
    BestValueStagnationEvaluator,
    CrossValidationErrorEvaluator,
    RegretBoundEvaluator,
    StaticErrorEvaluator,
)
from ferrotune.terminator.improvement.evaluator import DEFAULT_MIN_N_TRIALS
from ferrotune.trial import TrialState
from ferrotune.visualization._frame import StudyFrame
from ferrotune.visualization._plotly_imports import plotly_go

if TYPE_CHECKING:
    from ferrotune.study import Study

_logger = get_logger(__name__)

PADDING_RATIO_Y = 0.05
OPACITY = 0.25


class _ImprovementInfo(NamedTuple):
    trial_numbers: list[int]
    improvements: list[float]
    errors: list[float] | None


def _get_improvement_info(
    study: Study,
    get_error: bool = False,
    improvement_evaluator: BaseImprovementEvaluator | None = None,
    error_evaluator: BaseErrorEvaluator | None = None,
) -> _ImprovementInfo:
    """The improvement (and error) after each trial from the first complete one on, each on the
    complete trials up to it. The built-in evaluators read those trials from the study's history
    in the core, one call per point."""
    if len(study.directions) > 1:
        raise FerrotuneValueError(
            "plot_terminator_improvement does not support multi-objective studies; the terminator needs one objective"
        )
    if improvement_evaluator is None:
        improvement_evaluator = RegretBoundEvaluator()
    if error_evaluator is None:
        if isinstance(improvement_evaluator, BestValueStagnationEvaluator):
            error_evaluator = StaticErrorEvaluator(constant=0)
        else:
            error_evaluator = CrossValidationErrorEvaluator()
    frame = StudyFrame(study, with_intermediate=False)
    complete = frame.mask(TrialState.COMPLETE)
    if not complete.any():
        return _ImprovementInfo([], [], None)
    trials = study.get_trials(deepcopy=False) if get_error else []
    evaluate_study = getattr(improvement_evaluator, "_evaluate_study", None)
    numbers: list[int] = []
    done: list[int] = []
    improvements: list[float] = []
    errors: list[float] = []
    for row in range(int(np.argmax(complete)), len(frame)):
        if complete[row]:
            done.append(row)
        numbers.append(row)
        if evaluate_study is not None:
            improvements.append(evaluate_study(study, list(done)))
        else:
            all_trials = trials or study.get_trials(deepcopy=False)
            improvements.append(improvement_evaluator.evaluate([all_trials[r] for r in done], study.direction))
        if get_error:
            errors.append(error_evaluator.evaluate([trials[r] for r in done], study.direction))
    return _ImprovementInfo(numbers, improvements, errors if get_error else None)


def _get_y_range(info: _ImprovementInfo, min_n_trials: int) -> tuple[float, float]:
    """The y range: every value, but the improvements before ``min_n_trials`` (often huge)
    do not raise the top."""
    low = min(info.improvements)
    high = max(info.improvements[min_n_trials:]) if len(info.trial_numbers) > min_n_trials else max(info.improvements)
    if info.errors is not None:
        low, high = min(low, *info.errors), max(high, *info.errors)
    pad = (high - low) * PADDING_RATIO_Y
    return low - pad, high + pad


def _improvement_scatter(numbers: list[int], improvements: list[float], opacity: float = 1.0, showlegend: bool = True) -> Any:
    go = plotly_go()
    color = f"rgba(99, 110, 250, {opacity})"
    return go.Scatter(
        x=numbers,
        y=improvements,
        mode="markers+lines",
        marker={"color": color},
        line={"color": color},
        name="Terminator Improvement",
        showlegend=showlegend,
        legendgroup="improvement",
    )


def _error_scatter(numbers: list[int], errors: list[float] | None) -> Any:
    go = plotly_go()
    if errors is None:
        return go.Scatter()
    red = "rgb(239, 85, 59)"
    return go.Scatter(x=numbers, y=errors, mode="markers+lines", name="Error", marker={"color": red}, line={"color": red})


def plot_terminator_improvement(
    study: Study,
    plot_error: bool = False,
    improvement_evaluator: BaseImprovementEvaluator | None = None,
    error_evaluator: BaseErrorEvaluator | None = None,
    min_n_trials: int = DEFAULT_MIN_N_TRIALS,
) -> Any:
    """Plots the room left for improvement after each trial, as the terminator estimates it:
    whether tuning further is worth it.

    Each point evaluates ``improvement_evaluator`` on the complete trials up to that trial (a GP
    fit per point for the default evaluator, so long studies take a while).

    Args:
        study: A single-objective study.
        plot_error: Also plot ``error_evaluator``'s estimate; the terminator stops once the
            improvement falls below it.
        improvement_evaluator: Defaults to :class:`~ferrotune.terminator.RegretBoundEvaluator`.
        error_evaluator: Defaults to :class:`~ferrotune.terminator.CrossValidationErrorEvaluator`
            (``StaticErrorEvaluator(0)`` with a ``BestValueStagnationEvaluator``).
        min_n_trials: The points before this many trials are drawn lighter (the terminator does
            not stop before it).

    Returns:
        A ``plotly.graph_objects.Figure``.

    Raises:
        FerrotuneValueError: ``study`` has several objectives.
    """
    warn_experimental("plot_terminator_improvement", "3.2.0")
    plotly_go()
    info = _get_improvement_info(study, plot_error, improvement_evaluator, error_evaluator)
    return _get_improvement_plot(info, min_n_trials)


def _get_improvement_plot(info: _ImprovementInfo, min_n_trials: int) -> Any:
    go = plotly_go()
    n = len(info.trial_numbers)
    fig = go.Figure(
        layout=go.Layout(title="Terminator Improvement Plot", xaxis={"title": "Trial"}, yaxis={"title": "Terminator Improvement"})
    )
    if n == 0:
        _logger.warning("There are no complete trials.")
        return fig
    # The first points lighter, without a legend entry when the darker trace follows.
    fig.add_trace(
        _improvement_scatter(info.trial_numbers[: min_n_trials + 1], info.improvements[: min_n_trials + 1], OPACITY, n <= min_n_trials)
    )
    if n > min_n_trials:
        fig.add_trace(_improvement_scatter(info.trial_numbers[min_n_trials:], info.improvements[min_n_trials:]))
    fig.add_trace(_error_scatter(info.trial_numbers, info.errors))
    fig.update_yaxes(range=_get_y_range(info, min_n_trials))
    return fig
