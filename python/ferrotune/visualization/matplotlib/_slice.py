"""``plot_slice`` on matplotlib axes (``optuna.visualization.matplotlib.plot_slice``), drawn from
the same data as the plotly version."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune._deprecation import warn_experimental
from ferrotune.visualization._slice import SlicePlotInfo, SliceSubplotInfo, get_slice_plot_info
from ferrotune.visualization.matplotlib._matplotlib_imports import pyplot

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial

#: Space left on each side of the points, as a share of their span (as Optuna's).
_PADDING_RATIO = 0.05


def plot_slice(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Plot each parameter against the objective as a slice plot with matplotlib.

    See ``ferrotune.visualization.plot_slice``; the arguments are the same.

    Returns:
        A ``matplotlib.axes.Axes`` (one parameter or none) or a numpy array of them.
    """
    warn_experimental("plot_slice", "2.2.0")
    pyplot()
    return _slice_axes(get_slice_plot_info(study, params, target, target_name))


def _slice_axes(info: SlicePlotInfo) -> Any:
    import matplotlib

    plt = pyplot()
    if not info.subplots:
        _, ax = plt.subplots()
        return ax
    cmap = plt.get_cmap("Blues")
    # Optuna draws with the ggplot style so that the figure looks like plotly's.
    with plt.style.context("ggplot"):
        if len(info.subplots) == 1:
            fig, axs = plt.subplots()
            axs.set_title("Slice Plot")
            sc = _draw(info.subplots[0], axs, cmap, info.target_name)
        else:
            width, height = matplotlib.rcParams["figure.figsize"]
            fig, axs = plt.subplots(1, len(info.subplots), sharey=True, figsize=(width / 2 * len(info.subplots), height))
            fig.suptitle("Slice Plot")
            for ax, sub in zip(axs, info.subplots, strict=True):
                sc = _draw(sub, ax, cmap, info.target_name)
        fig.colorbar(sc, ax=axs).set_label("Trial")
    return axs


def _draw(sub: SliceSubplotInfo, ax: Any, cmap: Any, target_name: str) -> Any:
    ax.set(xlabel=sub.param_name, ylabel=target_name)
    f, inf = sub.feasible, ~sub.feasible
    if sub.is_numerical:
        if sub.is_log:
            ax.set_xscale("log")
        ax.set_xlim(*_padded(sub.x, sub.is_log))
    else:
        # Register every drawn label in the distribution's order (a categorical axis).
        width = len(set(sub.x.tolist())) - 1
        pad = width * _PADDING_RATIO
        ax.set_xlim(-pad, width + pad)
    sc = ax.scatter(sub.x[f], sub.y[f], c=sub.numbers[f], cmap=cmap, edgecolors="grey")
    ax.scatter(sub.x[inf], sub.y[inf], c="#cccccc", label="Infeasible Trial")
    ax.label_outer()
    return sc


def _padded(x: np.ndarray, log: bool) -> tuple[float, float]:
    lo, hi = float(np.min(x)), float(np.max(x))
    if log:
        pad = (np.log10(hi) - np.log10(lo)) * _PADDING_RATIO
        return float(10 ** (np.log10(lo) - pad)), float(10 ** (np.log10(hi) + pad))
    pad = (hi - lo) * _PADDING_RATIO
    return lo - pad, hi + pad
