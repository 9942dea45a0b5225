"""``plot_rank`` on matplotlib axes: one axes for one or two parameters, a grid otherwise."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ferrotune._deprecation import warn_experimental
from ferrotune.visualization._rank_info import COLORMAP, RankPlotInfo, RankSubplotInfo, get_rank_info, tick_info
from ferrotune.visualization._utils import DEFAULT_TARGET_NAME
from ferrotune.visualization.matplotlib._matplotlib_imports import pyplot

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial


def plot_rank(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = DEFAULT_TARGET_NAME,
) -> Any:
    """Plot parameter relations coloured by the rank of the target value with matplotlib
    (experimental in Optuna).

    Arguments and errors as ``ferrotune.visualization.plot_rank``.

    Returns:
        A ``matplotlib.axes.Axes`` (no, one or two parameters) or a numpy array of them (a
        grid, for three or more).
    """
    warn_experimental("plot_rank", "3.2.0")
    plt = pyplot()
    info = get_rank_info(study, params, target, target_name, with_hover=False)
    return _draw(plt, info)


def _draw(plt: Any, info: RankPlotInfo) -> Any:
    plt.style.use("ggplot")  # as Optuna: close to the plotly look
    title = f"Rank ({info.target_name})"
    n = len(info.params)
    if n == 0:
        _, ax = plt.subplots()
        ax.set_title(title)
        return ax
    if n <= 2:
        fig, axs = plt.subplots()
        axs.set_title(title)
        pc = _cell(axs, info.sub_plot_infos[0][0])
    else:
        fig, axs = plt.subplots(n, n)
        fig.suptitle(title)
        for row in range(n):
            for col in range(n):
                pc = _cell(axs[row, col], info.sub_plot_infos[row][col], set_x_label=row == n - 1, set_y_label=col == 0)
    ticks = tick_info(info.zs)
    pc.set_cmap(plt.get_cmap(COLORMAP))
    cbar = fig.colorbar(pc, ax=axs, ticks=ticks.coloridxs)
    cbar.ax.set_yticklabels(ticks.text)
    cbar.outline.set_edgecolor("gray")
    return axs


def _cell(ax: Any, sub: RankSubplotInfo, set_x_label: bool = True, set_y_label: bool = True) -> Any:
    if set_x_label:
        ax.set_xlabel(sub.xaxis.name)
    if set_y_label:
        ax.set_ylabel(sub.yaxis.name)
    if not sub.xaxis.is_cat:
        ax.set_xlim(*sub.xaxis.range)
    if not sub.yaxis.is_cat:
        ax.set_ylim(*sub.yaxis.range)
    if sub.xaxis.is_log:
        ax.set_xscale("log")
    if sub.yaxis.is_log:
        ax.set_yscale("log")
    return ax.scatter(
        x=list(sub.xs) if sub.xaxis.is_cat else sub.xs,
        y=list(sub.ys) if sub.yaxis.is_cat else sub.ys,
        c=sub.colors / 255,
        edgecolors="grey",
    )
