"""``plot_contour`` on matplotlib axes (``optuna.visualization.matplotlib.plot_contour``): the
trials' values interpolated on a 100x100 grid, drawn from the same data as the plotly version."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune._deprecation import warn_experimental
from ferrotune.visualization._contour_info import (
    CONTOUR_POINT_NUM,
    AxisInfo,
    ContourInfo,
    SubContourInfo,
    axis_grid,
    get_contour_info,
    nearest,
    pair_values,
)
from ferrotune.visualization._grid_fill import fill_grid
from ferrotune.visualization.matplotlib._matplotlib_imports import pyplot

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial


def plot_contour(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Plot the objective over pairs of parameters as contour plots with matplotlib.

    See ``ferrotune.visualization.plot_contour``; the arguments are the same. The trials'
    values are placed on a 100x100 grid and the cells between them filled by solving Laplace's
    equation (plotly's interpolation).

    Returns:
        A ``matplotlib.axes.Axes`` (fewer than three parameters) or a numpy array of them.
    """
    warn_experimental("plot_contour", "2.2.0")
    pyplot()
    return _axes(get_contour_info(study, params, target, target_name))


def _axes(info: ContourInfo) -> Any:
    plt = pyplot()
    names = info.sorted_params
    if len(names) <= 1:
        _, ax = plt.subplots()
        return ax
    # Optuna picks Blues_r (Blues when reversed) and fills with the map's reverse.
    cmap = plt.get_cmap("Blues" if info.reverse_scale else "Blues_r").reversed()
    with plt.style.context("ggplot"):
        if len(names) == 2:
            fig, axs = plt.subplots()
            axs.set_title("Contour Plot")
            cs = _draw(info.sub_plot_infos[0][0], axs, cmap)
            if cs is not None:
                fig.colorbar(cs).set_label(info.target_name)
            return axs
        fig, axs = plt.subplots(len(names), len(names))
        fig.suptitle("Contour Plot")
        first = None
        for xi in range(len(names)):
            for yi in range(len(names)):
                cs = _draw(info.sub_plot_infos[yi][xi], axs[yi, xi], cmap)
                first = first if first is not None else cs
        if first is not None:
            fig.colorbar(first, ax=axs).set_label(info.target_name)
    return axs


def _grid_coords(axis: AxisInfo) -> np.ndarray:
    return axis_grid(axis.range[0], axis.range[1], axis.is_log)


def _positions(axis: AxisInfo, rows: np.ndarray) -> np.ndarray:
    """The trials' places on the axis: the value, or a category's index among the names."""
    out: np.ndarray = (axis.codes if axis.is_cat else axis.values)[rows].astype(np.float64)
    return out


def grid_values(sub: SubContourInfo) -> np.ndarray:
    """The ``CONTOUR_POINT_NUM`` x ``CONTOUR_POINT_NUM`` grid drawn: each trial's value at the
    grid point nearest to it (a later trial wins), the rest filled in."""
    xa, ya = sub.xaxis, sub.yaxis
    rows = np.flatnonzero(xa.present & ya.present)
    cells = nearest(_grid_coords(ya), _positions(ya, rows)) * CONTOUR_POINT_NUM + nearest(_grid_coords(xa), _positions(xa, rows))
    known = np.full(CONTOUR_POINT_NUM * CONTOUR_POINT_NUM, np.nan)
    # The last trial at a grid point wins, as Optuna's map of points keeps it.
    uniq, first_rev = np.unique(cells[::-1], return_index=True)
    known[uniq] = pair_values(sub)[rows][::-1][first_rev]
    return fill_grid(known.reshape(CONTOUR_POINT_NUM, CONTOUR_POINT_NUM))


def _draw(sub: SubContourInfo, ax: Any, cmap: Any) -> Any:
    xa, ya = sub.xaxis, sub.yaxis
    ax.label_outer()
    if len(xa.indices) < 2 or len(ya.indices) < 2:
        return None
    ax.set(xlabel=xa.name, ylabel=ya.name)
    ax.set_xlim(*xa.range)
    ax.set_ylim(*ya.range)
    for axis, ticks, labels, scale in (
        (xa, ax.set_xticks, ax.set_xticklabels, ax.set_xscale),
        (ya, ax.set_yticks, ax.set_yticklabels, ax.set_yscale),
    ):
        if axis.is_cat:
            ticks(list(range(len(axis.indices))))
            labels(axis.indices)
        else:
            scale("log" if axis.is_log else "linear")
    if xa.name == ya.name or sub.z is None:
        return None
    xi, yi = _grid_coords(xa), _grid_coords(ya)
    zi = grid_values(sub)
    ax.contour(xi, yi, zi, 15, linewidths=0.5, colors="k")
    cs = ax.contourf(xi, yi, zi, 15, cmap=cmap)
    rows = np.flatnonzero(xa.present & ya.present)
    ok = sub.feasible[rows]
    px, py = _positions(xa, rows), _positions(ya, rows)
    ax.scatter(px[ok], py[ok], marker="o", c="black", s=20, edgecolors="grey", linewidth=2.0)
    ax.scatter(px[~ok], py[~ok], marker="o", c="#cccccc", s=20, edgecolors="grey", linewidth=2.0)
    return cs
