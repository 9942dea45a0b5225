"""``plot_parallel_coordinate`` on matplotlib axes
(``optuna.visualization.matplotlib.plot_parallel_coordinate``), drawn from the same data as the
plotly version."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune._deprecation import warn_experimental
from ferrotune.visualization._parallel_coordinate_info import ParallelCoordinateInfo, get_parallel_coordinate_info
from ferrotune.visualization.matplotlib._matplotlib_imports import pyplot

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial


def plot_parallel_coordinate(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Plot the high-dimensional parameter relationships in a study with matplotlib.

    See ``ferrotune.visualization.plot_parallel_coordinate``; the arguments are the same. The
    lines are scaled to the first objective's axis; each other axis has its own ticks.

    Returns:
        A ``matplotlib.axes.Axes``.
    """
    warn_experimental("plot_parallel_coordinate", "2.2.0")
    pyplot()
    return _axes(get_parallel_coordinate_info(study, params, target, target_name))


def _axes(info: ParallelCoordinateInfo) -> Any:
    from matplotlib.collections import LineCollection
    from matplotlib.colors import BoundaryNorm
    from matplotlib.lines import Line2D

    plt = pyplot()
    others = info.dims_objectives[1:] + info.dims_params
    first = info.dims_objectives[0]
    dims = info.dims_objectives + info.dims_params
    fig, ax = plt.subplots()
    cmap = plt.get_cmap("Blues_r" if info.reverse_scale else "Blues")
    ax.set_title("Parallel Coordinate Plot", y=1.03)
    ax.spines["top"].set_visible(False)
    ax.spines["bottom"].set_visible(False)
    if not others or len(first.values) == 0:
        return ax

    obj_min, obj_max = first.range
    constant = obj_min == obj_max
    if constant:
        pad = abs(obj_min) * 0.05 if obj_min != 0.0 else 0.5
        obj_min, obj_max = obj_min - pad, obj_max + pad
    obj_w = obj_max - obj_min
    order = info.draw_order
    # Every axis scaled onto the first objective's range.
    cols = [first.values[order]]
    for dim in others:
        lo, hi = dim.range
        if hi == lo:
            cols.append(np.full(len(order), obj_w / 2 + obj_min))
        else:
            cols.append((dim.values[order] - lo) / (hi - lo) * obj_w + obj_min)
    n_axes = len(others)
    ax.set_xlim(0, n_axes)
    ax.set_ylim(obj_min, obj_max)
    if constant:
        ax.set_yticks([first.range[0]])
    ys = np.stack(cols, axis=1)
    xs = np.broadcast_to(np.arange(n_axes + 1, dtype=np.float64), ys.shape)
    lc = LineCollection(list(np.stack([xs, ys], axis=2)), cmap=cmap)
    if info.feasibility is not None:
        lc.set_linestyle(["solid" if f else "dotted" for f in info.feasibility[order].tolist()])
        styles: list[tuple[str, Any]] = [("Feasible", "solid"), ("Infeasible", "dotted")]
        handles = [Line2D([0], [0], color="#2F3B52", linestyle=s, label=lab) for lab, s in styles]
        ax.legend(handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.02), ncol=2, frameon=False)
    colors = info.color_values[order]
    lc.set_array(colors)
    if info.is_rank_color:
        lc.set_norm(BoundaryNorm(np.arange(-0.5, int(colors.max()) + 1.5), cmap.N))
    bar = fig.colorbar(lc, pad=0.1, ax=ax)
    if info.is_rank_color:
        bar.set_ticks(list(range(int(colors.max()) + 1)))
    bar.set_label(info.colorbar_title)
    ax.set_xticks(range(n_axes + 1))
    ax.set_xticklabels([d.label for d in dims], rotation=330)
    for i, dim in enumerate(others):
        ax2 = ax.twinx()
        if dim.is_log and not dim.has_missing:
            ax2.set_ylim(10 ** dim.range[0], 10 ** dim.range[1])
            ax2.set_yscale("log")
        else:
            ax2.set_ylim(dim.range[0], dim.range[1])
        ax2.spines["top"].set_visible(False)
        ax2.spines["bottom"].set_visible(False)
        ax2.xaxis.set_visible(False)
        ax2.spines["right"].set_position(("axes", (i + 1) / n_axes))
        if dim.is_cat or dim.has_missing:
            ax2.set_yticks(dim.tickvals)
            ax2.set_yticklabels(dim.ticktext)
    ax.add_collection(lc)
    return ax
