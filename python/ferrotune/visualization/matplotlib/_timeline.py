"""``plot_timeline`` on matplotlib axes, drawn from the shared data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune._deprecation import warn_experimental
from ferrotune.visualization._timeline import check_n_recent_trials, timeline_info, to_datetimes
from ferrotune.visualization.matplotlib._matplotlib_imports import pyplot

if TYPE_CHECKING:
    from ferrotune.study import Study

#: Optuna's matplotlib colours by state, in its legend's order.
MPL_COLORS = {
    "COMPLETE": "tab:blue",
    "FAIL": "tab:red",
    "PRUNED": "tab:orange",
    "INFEASIBLE": "#CCCCCC",
    "RUNNING": "tab:green",
    "WAITING": "tab:gray",
}


def plot_timeline(study: Study, n_recent_trials: int | None = None) -> Any:
    """Plot each trial's lifetime as a bar with matplotlib (Optuna's
    ``optuna.visualization.matplotlib.plot_timeline``; experimental there, so it warns
    ``ExperimentalWarning`` as there).

    Args:
        study: The study.
        n_recent_trials: Draw only the last this many trials; ``None`` draws all.

    Returns:
        A ``matplotlib.axes.Axes``.

    Raises:
        FerrotuneValueError: ``n_recent_trials`` is zero or negative.
    """
    warn_experimental("plot_timeline", "3.2.0")
    check_n_recent_trials(n_recent_trials)
    plt = pyplot()
    import matplotlib
    from matplotlib.dates import DateFormatter

    info = timeline_info(study, n_recent_trials)
    plt.style.use("ggplot")  # as Optuna: close to plotly's look
    fig, ax = plt.subplots()
    ax.set_title("Timeline Plot")
    ax.set_xlabel("Datetime")
    ax.set_ylabel("Trial")
    if len(info.numbers) == 0:
        return ax
    colors = np.empty(len(info.numbers), dtype=object)
    present = []
    for name, color in MPL_COLORS.items():
        idx = info.group(name)
        colors[idx] = color
        if len(idx):
            present.append(matplotlib.patches.Patch(color=color, label=name))
    start = to_datetimes(info.start)
    complete = to_datetimes(info.complete)
    ax.barh(y=info.numbers, width=complete - start, left=start, color=list(colors))
    ax.legend(handles=present, loc="upper left", bbox_to_anchor=(1.05, 1.0))
    fig.tight_layout()
    first, last = start.min(), complete.max()
    margin = (last - first) * 0.05
    ax.set_xlim(left=first - margin, right=last + margin)
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(DateFormatter("%H:%M:%S"))  # type: ignore[no-untyped-call]
    plt.gcf().autofmt_xdate()
    return ax
