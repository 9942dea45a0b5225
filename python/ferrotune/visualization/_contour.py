"""``plot_contour``: the objective over pairs of parameters, interpolated between the trials
(``optuna.visualization.plot_contour``)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ferrotune import logging as ft_logging
from ferrotune.visualization._contour_info import AxisInfo, ContourInfo, SubContourInfo, get_contour_info
from ferrotune.visualization._utils import scatter_class

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
    """Plot the objective over pairs of parameters as contour plots.

    Two parameters give one contour; more give the matrix of every pair. The contour is filled
    in between the trials (plotly interpolates the grid of trial values); trials are drawn as
    black points, those breaking their constraints grey. A trial without one of the pair's
    parameters is left out of that pair.

    Args:
        study: The study whose trials are plotted.
        params: Parameters to plot (default: all); fewer than two give an empty figure.
        target: Function giving the value to plot from a trial; needed for a multi-objective
            study. Default: the objective value.
        target_name: The value's name on the colour bar.

    Returns:
        A ``plotly.graph_objects.Figure``. The colour scale is reversed when ``target`` is given
        or the study minimises.
    """
    from ferrotune.visualization._plotly_imports import plotly_go

    plotly_go()
    return _figure(get_contour_info(study, params, target, target_name))


def _figure(info: ContourInfo) -> Any:
    from plotly.subplots import make_subplots

    from ferrotune.visualization._plotly_imports import plotly_go

    go = plotly_go()
    layout = go.Layout(title="Contour Plot")
    names = info.sorted_params
    if len(names) <= 1:
        return go.Figure(data=[], layout=layout)
    if len(names) == 2:
        sub = info.sub_plot_infos[0][0]
        fig = go.Figure(data=_traces(sub, info), layout=layout)
        fig.update_xaxes(title_text=names[0], **_axis_layout(sub.xaxis))
        fig.update_yaxes(title_text=names[1], **_axis_layout(sub.yaxis))
        return fig
    n = len(names)
    fig = make_subplots(rows=n, cols=n, shared_xaxes=True, shared_yaxes=True)
    fig.update_layout(layout)
    showscale = True  # one colour bar: every contour shares the value's scale
    for xi, xn in enumerate(names):
        for yi, yn in enumerate(names):
            sub = info.sub_plot_infos[yi][xi]
            at = {"row": yi + 1, "col": xi + 1}
            if xn == yn:
                fig.add_trace(go.Scatter(), **at)
            else:
                contour, feasible, infeasible = _traces(sub, info)
                contour.update(showscale=showscale)
                showscale = False
                for t in (contour, feasible, infeasible):
                    # Points go in after the trace is placed: add_trace deep-copies its data,
                    # element by element for the strings of a categorical axis.
                    x, y = t.x, t.y
                    fig.add_trace(t.update(x=None, y=None) if t.type != "contour" else t, **at)
                    if t.type != "contour" and x is not None:
                        fig.data[-1].update(x=x, y=y)
            fig.update_xaxes(**_axis_layout(sub.xaxis), **at)
            fig.update_yaxes(**_axis_layout(sub.yaxis), **at)
            if xi == 0:
                fig.update_yaxes(title_text=yn, **at)
            if yi == n - 1:
                fig.update_xaxes(title_text=xn, **at)
    return fig


def _axis_layout(axis: AxisInfo) -> dict[str, Any]:
    if axis.is_log:
        return {"range": [math.log10(p) for p in axis.range], "type": "log"}
    out: dict[str, Any] = {"range": axis.range}
    if axis.is_cat:
        out["type"] = "category"
    return out


def _traces(sub: SubContourInfo, info: ContourInfo) -> tuple[Any, Any, Any]:
    import plotly.colors

    from ferrotune.visualization._plotly_imports import plotly_go

    go = plotly_go()
    xa, ya = sub.xaxis, sub.yaxis
    if len(xa.indices) < 2 or len(ya.indices) < 2:
        return go.Contour(), go.Scatter(), go.Scatter()
    if sub.z is None:
        ft_logging._warn(f"Contour plot will not be displayed because `{xa.name}` and `{ya.name}` cannot co-exist in `trial.params`.")
        return go.Contour(), go.Scatter(), go.Scatter()
    contour = go.Contour(
        x=xa.indices,
        y=ya.indices,
        z=sub.z,
        colorbar={"title": info.target_name},
        colorscale=plotly.colors.sequential.Blues,
        connectgaps=True,
        contours_coloring="heatmap",
        hoverinfo="none",
        line_smoothing=1.3,
        reversescale=info.reverse_scale,
    )
    both = xa.present & ya.present
    ok, bad = both & sub.feasible, both & ~sub.feasible
    return contour, _points(xa.values[ok], ya.values[ok], True), _points(xa.values[bad], ya.values[bad], False)


def _points(x: Any, y: Any, feasible: bool) -> Any:
    return scatter_class(len(x))(
        x=x,
        y=y,
        marker={"line": {"width": 2.0, "color": "Gray"}, "color": "black" if feasible else "#cccccc"},
        mode="markers",
        name="Feasible Trial" if feasible else "Infeasible Trial",
        showlegend=False,
    )
