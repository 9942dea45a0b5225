"""``plot_terminator_improvement`` on matplotlib axes (the data of the plotly module)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ferrotune._deprecation import warn_experimental
from ferrotune.logging import get_logger
from ferrotune.terminator.improvement.evaluator import DEFAULT_MIN_N_TRIALS
from ferrotune.visualization._terminator_improvement import _get_improvement_info, _get_y_range, _ImprovementInfo
from ferrotune.visualization.matplotlib._matplotlib_imports import pyplot

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.terminator import BaseErrorEvaluator, BaseImprovementEvaluator

_logger = get_logger(__name__)

ALPHA = 0.25


def plot_terminator_improvement(
    study: Study,
    plot_error: bool = False,
    improvement_evaluator: BaseImprovementEvaluator | None = None,
    error_evaluator: BaseErrorEvaluator | None = None,
    min_n_trials: int = DEFAULT_MIN_N_TRIALS,
) -> Any:
    """Plots the room left for improvement after each trial on matplotlib axes; see
    :func:`ferrotune.visualization.plot_terminator_improvement` for the arguments.

    Returns:
        A ``matplotlib.axes.Axes``.
    """
    warn_experimental("plot_terminator_improvement", "3.2.0")
    pyplot()
    info = _get_improvement_info(study, plot_error, improvement_evaluator, error_evaluator)
    return _get_improvement_plot(info, min_n_trials)


def _get_improvement_plot(info: _ImprovementInfo, min_n_trials: int) -> Any:
    plt = pyplot()
    n = len(info.trial_numbers)
    plt.style.use("ggplot")  # close to plotly's look, as Optuna's matplotlib plots
    _, ax = plt.subplots()
    ax.set_title("Terminator Improvement Plot")
    ax.set_xlabel("Trial")
    ax.set_ylabel("Terminator Improvement")
    cmap = plt.get_cmap("tab10")
    if n == 0:
        _logger.warning("There are no complete trials.")
        return ax
    ax.plot(
        info.trial_numbers[: min_n_trials + 1],
        info.improvements[: min_n_trials + 1],
        marker="o",
        color=cmap(0),
        alpha=ALPHA,
        label="Terminator Improvement" if n <= min_n_trials else None,
    )
    if n > min_n_trials:
        ax.plot(
            info.trial_numbers[min_n_trials:], info.improvements[min_n_trials:], marker="o", color=cmap(0), label="Terminator Improvement"
        )
    if info.errors is not None:
        ax.plot(info.trial_numbers, info.errors, marker="o", color=cmap(3), label="Error")
    ax.legend()
    ax.set_ylim(_get_y_range(info, min_n_trials))
    return ax
