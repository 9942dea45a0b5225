"""``plot_rank``: every pair of parameters as a scatter plot, each trial coloured by the rank of
its target value (blue best, red worst for a minimized objective), infeasible trials grey."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune.visualization._plotly_imports import plotly_go
from ferrotune.visualization._rank_info import COLORMAP, RankPlotInfo, RankSubplotInfo, get_rank_info, numeric_colorscale, tick_info
from ferrotune.visualization._utils import DEFAULT_TARGET_NAME, scatter_class

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
    """Plot parameter relations as scatter plots coloured by the rank of the target value (a
    plotly figure).

    Trials missing one of a cell's two parameters are left out of that cell. Log-scaled
    parameters get log axes, categorical ones category axes.

    Args:
        study: The study whose complete trials are plotted.
        params: Parameters to plot (default: every parameter, sorted by name). Two give one
            scatter plot; otherwise a matrix of them.
        target: Maps a trial to the value ranked; required for a multi-objective study.
        target_name: The target's name, shown in the title and hover text.

    Returns:
        A ``plotly.graph_objects.Figure``.

    Raises:
        FerrotuneValueError: A multi-objective study without ``target``, or a name in
            ``params`` that no complete trial used.
    """
    go = plotly_go()
    info = get_rank_info(study, params, target, target_name, with_hover=True)
    return _figure(go, info)


#: Above this many points in a cell, colours are numbers on a colour scale rather than strings.
RGB_STRING_LIMIT = 300


def _marker(info: RankPlotInfo, sub: RankSubplotInfo) -> dict[str, Any]:
    line = {"width": 0.5, "color": "Grey"}
    if len(sub.idx) > RGB_STRING_LIMIT:
        # plotly checks colour strings one by one (about 1 s for a 5 x 5 matrix at 1,000
        # trials, minutes at 100,000); numbers on a colour scale holding the same colours are
        # checked at once.
        return {"color": info.color_values[sub.idx], "colorscale": numeric_colorscale(), "cmin": 0.0, "cmax": 1.0, "line": line}
    colors = np.empty(len(sub.idx), dtype=object)
    colors[:] = [f"rgb({r}, {g}, {b})" for r, g, b in sub.colors.tolist()]
    return {"color": colors, "line": line}


def _trace(go: Any, info: RankPlotInfo, sub: RankSubplotInfo) -> Any:
    return scatter_class(len(sub.idx))(
        x=sub.xs,
        y=sub.ys,
        marker=_marker(info, sub),
        mode="markers",
        showlegend=False,
        hovertemplate="%{hovertext}<extra></extra>",
        hovertext=info.hover[sub.idx],
    )


def _axis_updates(axis: Any) -> dict[str, Any]:
    if axis.is_log:
        return {"range": [math.log10(v) for v in axis.range], "type": "log"}
    if axis.is_cat:
        return {"range": list(axis.range), "type": "category"}
    return {"range": list(axis.range)}


def _figure(go: Any, info: RankPlotInfo) -> Any:
    from plotly.subplots import make_subplots

    params = info.params
    layout = go.Layout(title=f"Rank ({info.target_name})")
    if len(params) == 0:
        return go.Figure(data=[], layout=layout)
    if len(params) == 2:
        sub = info.sub_plot_infos[0][0]
        figure = go.Figure(data=_trace(go, info, sub), layout=layout)
        figure.update_xaxes(title_text=params[0], **_axis_updates(sub.xaxis))
        figure.update_yaxes(title_text=params[1], **_axis_updates(sub.yaxis))
    else:
        n = len(params)
        figure = make_subplots(rows=n, cols=n, shared_xaxes=True, shared_yaxes=True, horizontal_spacing=0.08 / n, vertical_spacing=0.08 / n)
        figure.update_layout(layout)
        for x_i, x_param in enumerate(params):
            for y_i, y_param in enumerate(params):
                sub = info.sub_plot_infos[y_i][x_i]
                # add_trace deep-copies a trace's arrays element by element (an object array of
                # hover texts: seconds for a matrix at 100,000 trials); data set on the trace
                # once it is in the figure is validated without that copy.
                trace = _trace(go, info, sub)
                data = {k: trace[k] for k in ("x", "y", "hovertext")}
                trace.update(x=None, y=None, hovertext=None)
                figure.add_trace(trace, row=y_i + 1, col=x_i + 1)
                figure.data[-1].update(**data)
                figure.update_xaxes(row=y_i + 1, col=x_i + 1, **_axis_updates(sub.xaxis))
                figure.update_yaxes(row=y_i + 1, col=x_i + 1, **_axis_updates(sub.yaxis))
                if x_i == 0:
                    figure.update_yaxes(title_text=y_param, row=y_i + 1, col=x_i + 1)
                if y_i == n - 1:
                    figure.update_xaxes(title_text=x_param, row=y_i + 1, col=x_i + 1)
    ticks = tick_info(info.zs)
    figure.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            marker={
                "colorscale": COLORMAP,
                "showscale": True,
                "cmin": 0,
                "cmax": 1,
                "colorbar": {"thickness": 10, "tickvals": ticks.coloridxs, "ticktext": ticks.text},
            },
            hoverinfo="none",
            showlegend=False,
        )
    )
    return figure
