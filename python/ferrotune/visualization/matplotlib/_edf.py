"""``plot_edf`` on matplotlib axes, drawn from the shared data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ferrotune._deprecation import warn_experimental
from ferrotune.visualization._edf import edf_info
from ferrotune.visualization._utils import DEFAULT_TARGET_NAME
from ferrotune.visualization.matplotlib._matplotlib_imports import pyplot

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial


def plot_edf(
    study: Study | Sequence[Study],
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = DEFAULT_TARGET_NAME,
) -> Any:
    """Plot the empirical distribution function of the objective values with matplotlib
    (Optuna's ``optuna.visualization.matplotlib.plot_edf``; experimental there, so it warns
    ``ExperimentalWarning`` as there).

    Args:
        study: A study, or several studies to compare (one line each).
        target: A function giving the value from a trial; needed for a multi-objective study.
        target_name: The value's name on the x axis.

    Returns:
        A ``matplotlib.axes.Axes``.

    Raises:
        FerrotuneValueError: A multi-objective study without ``target``.
    """
    warn_experimental("plot_edf", "2.2.0")
    plt = pyplot()
    # Optuna draws with the ggplot style so that the figure looks like plotly's; applied to
    # this figure only, so the user's later figures keep their style.
    with plt.style.context("ggplot"):
        _, ax = plt.subplots()
        ax.set_title("Empirical Distribution Function Plot")
        ax.set_xlabel(target_name)
        ax.set_ylabel("Cumulative Probability")
        ax.set_ylim(0, 1)
        cmap = plt.get_cmap("tab20")
        info = edf_info(study, target, target_name)
        for i, (name, y) in enumerate(zip(info.study_names, info.y_values, strict=True)):
            ax.plot(info.x_values, y, color=cmap(i), alpha=0.7, label=name)
        if len(info.y_values) >= 2:
            ax.legend()
        return ax
