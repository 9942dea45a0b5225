"""``plot_parallel_coordinate``: every trial as a line across one axis per objective and
parameter (``optuna.visualization.plot_parallel_coordinate``)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune.visualization._parallel_coordinate_info import DimensionInfo, ParallelCoordinateInfo, get_parallel_coordinate_info

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial

#: Up to this many trials each is its own trace, as in Optuna (plotly builds about 1,000 traces
#: a second); above, the lines are drawn as at most ``COLOR_BANDS`` WebGL traces per line style.
LINE_TRACE_LIMIT = 300
#: Colour bands of the many-trial figure: each trial takes its band's colour.
COLOR_BANDS = 64


def plot_parallel_coordinate(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Plot the high-dimensional parameter relationships in a study as parallel coordinates.

    Each complete trial is a line across an axis for the objective and one per parameter
    (sorted by name). A trial without a parameter meets that axis at a ``None`` tick. Log
    parameters get log axes, categorical ones a tick per choice. When some trial has
    constraints, feasible trials are solid lines and infeasible ones dotted.

    Args:
        study: The study whose trials are plotted.
        params: Parameters to plot (default: all).
        target: Function giving the value to plot from a trial. Without it a multi-objective
            study gets an axis per objective and lines coloured by Pareto rank.
        target_name: The value's name on its axis and colour bar.

    Returns:
        A ``plotly.graph_objects.Figure``. The colour scale is reversed when ``target`` is given
        or the study minimises (and always for Pareto ranks).
    """
    from ferrotune.visualization._plotly_imports import plotly_go

    plotly_go()
    return _figure(get_parallel_coordinate_info(study, params, target, target_name))


def normalize(dim: DimensionInfo, values: np.ndarray | None = None) -> np.ndarray:
    """Positions on the axis scaled to 0..1 (0.5 everywhere for a constant axis)."""
    v = dim.values if values is None else values
    lo, hi = dim.range
    if lo == hi:
        return np.full(len(v), 0.5)
    out: np.ndarray = (v - lo) / (hi - lo)
    return out


def color_range(info: ParallelCoordinateInfo) -> tuple[float, float]:
    """The colour scale's ends."""
    if info.is_rank_color:
        return -0.5, float(info.color_values.max()) + 0.5
    lo, hi = float(info.color_values.min()), float(info.color_values.max())
    return (lo - 0.5, hi + 0.5) if lo == hi else (lo, hi)


def _blues() -> np.ndarray:
    import plotly.colors

    return np.array([[float(c) for c in s[4:-1].split(",")] for s in plotly.colors.sequential.Blues])


def _line_rgb(info: ParallelCoordinateInfo, lo: float, hi: float) -> np.ndarray:
    """Each trial's colour as rgb floats, sampled from the Blues scale as plotly interpolates."""
    v = info.color_values
    t = np.full(len(v), 0.5) if lo == hi else (v - lo) / (hi - lo)
    if info.reverse_scale:
        t = 1.0 - t
    scale = _blues()
    scaled = t * (len(scale) - 1)
    low = np.minimum(scaled.astype(np.int64), len(scale) - 2)
    frac = scaled - low
    a, b = scale[low], scale[low + 1]
    rgb: np.ndarray = a + frac[:, None] * (b - a)
    return rgb


def _format_values(dim: DimensionInfo) -> list[str]:
    """Hover text of each trial's position: its tick's label, else the number."""
    v = dim.values
    shown = np.power(10.0, v) if dim.is_log else v
    out = [f"{x:.3g}" for x in shown.tolist()]
    # Only the few drawn-per-trial figures come here: the first matching tick names a value.
    for i, x in enumerate(v.tolist()):
        for tv, tt in zip(dim.tickvals, dim.ticktext, strict=True):
            if math.isclose(x, tv):
                out[i] = tt
                break
    return out


def _figure(info: ParallelCoordinateInfo) -> Any:
    from ferrotune.visualization._plotly_imports import plotly_go

    go = plotly_go()
    layout = go.Layout(title={"text": "Parallel Coordinate Plot", "y": 1, "yanchor": "bottom", "yref": "paper"})
    if not info.dims_params or len(info.dims_objectives[0].values) == 0:
        return go.Figure(data=[], layout=layout)
    dims = info.dims_objectives + info.dims_params
    lo, hi = color_range(info)
    ys = np.stack([normalize(d) for d in dims], axis=1)
    rgb = _line_rgb(info, lo, hi)
    xs = list(range(len(dims)))
    n = len(info.draw_order)
    traces = _per_trial_traces(info, dims, ys, rgb, xs) if n <= LINE_TRACE_LIMIT else _banded_traces(info, ys, xs)
    colorbar: dict[str, Any] = {"title": info.colorbar_title}
    if info.is_rank_color:
        colorbar["tickvals"] = list(range(int(info.color_values.max()) + 1))
    if info.feasibility is not None:
        for name, dash in (("Feasible", "solid"), ("Infeasible", "dot")):
            traces.append(
                go.Scatter(
                    x=[None],
                    y=[None],
                    mode="lines",
                    line={"color": "#2F3B52", "dash": dash, "width": 2},
                    name=name,
                    showlegend=True,
                    hoverinfo="skip",
                )
            )
    import plotly.colors

    traces.append(
        go.Scatter(
            x=[None, None],
            y=[None, None],
            mode="markers",
            marker={
                "color": [lo, hi],
                "cmin": lo,
                "cmax": hi,
                "colorscale": plotly.colors.sequential.Blues,
                "reversescale": info.reverse_scale,
                "showscale": True,
                "colorbar": colorbar,
            },
            showlegend=False,
            hoverinfo="skip",
        )
    )
    shapes = [{"type": "line", "x0": i, "x1": i, "y0": 0, "y1": 1, "line": {"color": "#888", "width": 1}, "layer": "below"} for i in xs]
    layout.update(
        xaxis={
            "tickmode": "array",
            "tickvals": xs,
            "ticktext": [d.label for d in dims],
            "range": (-0.2, len(dims) - 0.8),
            "showgrid": False,
            "zeroline": False,
        },
        yaxis={"range": (-0.08, 1.08), "visible": False, "fixedrange": True},
        annotations=_annotations(dims),
        shapes=shapes,
        hovermode="closest",
        plot_bgcolor="white",
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1, "yanchor": "bottom"},
    )
    return go.Figure(data=traces, layout=layout)


def _per_trial_traces(info: ParallelCoordinateInfo, dims: list[DimensionInfo], ys: np.ndarray, rgb: np.ndarray, xs: list[int]) -> list[Any]:
    from ferrotune.visualization._plotly_imports import plotly_go

    go = plotly_go()
    texts = [_format_values(d) for d in dims]
    colors = [f"rgb({r}, {g}, {b})" for r, g, b in rgb.tolist()]
    traces = []
    for i in info.draw_order.tolist():
        feasible = info.feasibility is None or bool(info.feasibility[i])
        traces.append(
            go.Scatter(
                x=xs,
                y=ys[i].tolist(),
                customdata=[[d.label, t[i]] for d, t in zip(dims, texts, strict=True)],
                mode="lines",
                line={"color": colors[i], "dash": "solid" if feasible else "dot", "width": 1.2},
                opacity=0.5,
                showlegend=False,
                hovertemplate="%{customdata[0]}: %{customdata[1]}<extra></extra>",
            )
        )
    return traces


def _banded_traces(info: ParallelCoordinateInfo, ys: np.ndarray, xs: list[int]) -> list[Any]:
    """Many trials: one WebGL trace per colour band and line style, lines split by gaps."""
    from ferrotune.visualization._plotly_imports import plotly_go

    go = plotly_go()
    lo, hi = color_range(info)
    k = len(xs)
    order = info.draw_order
    t = np.full(len(order), 0.5) if lo == hi else (info.color_values[order] - lo) / (hi - lo)
    band = np.minimum((t * COLOR_BANDS).astype(np.int64), COLOR_BANDS - 1)
    centre = (band + 0.5) / COLOR_BANDS * (hi - lo) + lo
    band_info = info._replace(color_values=centre)
    rgb = _line_rgb(band_info, lo, hi)
    feas = np.ones(len(order), dtype=bool) if info.feasibility is None else info.feasibility[order]
    traces = []
    # Draw the bands in the order their first trial is drawn.
    key = band * 2 + (~feas).astype(np.int64)
    _, first = np.unique(key, return_index=True)
    for f in np.sort(first):
        sel = order[key == key[f]]
        y = np.full((len(sel), k + 1), np.nan)
        y[:, :k] = ys[sel]
        x = np.tile(np.append(np.asarray(xs, dtype=np.float64), np.nan), len(sel))
        r, g, b = rgb[f].tolist()
        traces.append(
            go.Scattergl(
                x=x,
                y=y.reshape(-1),
                mode="lines",
                line={"color": f"rgb({r}, {g}, {b})", "dash": "solid" if feas[f] else "dot", "width": 1.2},
                opacity=0.5,
                showlegend=False,
                hoverinfo="skip",
                connectgaps=False,
            )
        )
    return traces


def _annotations(dims: list[DimensionInfo]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for axis, dim in enumerate(dims):
        if dim.tickvals:
            ticks = list(dim.tickvals)
            text = dim.ticktext or [f"{v:.3g}" for v in ticks]
        elif dim.range[0] == dim.range[1]:
            ticks, text = [dim.range[0]], [f"{dim.range[0]:.3g}"]
        else:
            ticks = [float(v) for v in np.linspace(*dim.range, num=5)]
            text = [f"{v:.3g}" for v in ticks]
        for y, s in zip(normalize(dim, np.asarray(ticks, dtype=np.float64)).tolist(), text, strict=True):
            out.append(
                {"x": axis, "y": y, "text": s, "showarrow": False, "xanchor": "right", "xshift": -4, "font": {"size": 10, "color": "#555"}}
            )
    return out
