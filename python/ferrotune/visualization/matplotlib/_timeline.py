"""``plot_timeline`` on matplotlib axes, drawn from the shared data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ferrotune._deprecation import warn_experimental
from ferrotune.visualization._timeline import check_n_recent_trials, timeline_info, to_datetimes
from ferrotune.visualization.matplotlib._matplotlib_imports import pyplot

#: Above this many trials the bars are one collection: a patch per bar takes minutes at 100,000.
MAX_SEPARATE_BARS = 1000

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
    import matplotlib.collections
    import matplotlib.dates
    from matplotlib.dates import DateFormatter

    info = timeline_info(study, n_recent_trials)
    # Optuna draws with the ggplot style so that the figure looks like plotly's; applied to
    # this figure only, so the user's later figures keep their style.
    with plt.style.context("ggplot"):
        fig, ax = plt.subplots()
        ax.set_title("Timeline Plot")
        ax.set_xlabel("Datetime")
        ax.set_ylabel("Trial")
        if len(info.numbers) == 0:
            return ax
        colors = np.empty((len(info.numbers), 4))
        present = []
        for name, color in MPL_COLORS.items():
            idx = info.group(name)
            colors[idx] = matplotlib.colors.to_rgba(color)
            if len(idx):
                present.append(matplotlib.patches.Patch(color=color, label=name))
        # Matplotlib's date numbers (days), computed once for all bars.
        start = matplotlib.dates.date2num(to_datetimes(info.start))  # type: ignore[no-untyped-call]
        complete = matplotlib.dates.date2num(to_datetimes(info.complete))  # type: ignore[no-untyped-call]
        if len(info.numbers) > MAX_SEPARATE_BARS:
            # One collection of rectangles instead of a patch per trial.
            y0, y1 = info.numbers - 0.4, info.numbers + 0.4
            corners = np.stack([np.column_stack(c) for c in ((start, y0), (start, y1), (complete, y1), (complete, y0))], axis=1)
            ax.add_collection(matplotlib.collections.PolyCollection(cast(Any, corners), facecolors=colors, edgecolors="none"))
            ax.autoscale_view()
        else:
            ax.barh(y=info.numbers, width=complete - start, left=start, color=colors)
        ax.xaxis_date()
        ax.legend(handles=present, loc="upper left", bbox_to_anchor=(1.05, 1.0))
        fig.tight_layout()
        first, last = float(start.min()), float(complete.max())
        margin = (last - first) * 0.05
        ax.set_xlim(left=first - margin, right=last + margin)
        ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.xaxis.set_major_formatter(DateFormatter("%H:%M:%S"))  # type: ignore[no-untyped-call]
        plt.gcf().autofmt_xdate()
        return ax
