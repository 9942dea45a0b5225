"""``plot_slice``: each parameter against the objective, one subplot per parameter
(``optuna.visualization.plot_slice``). The data (``SlicePlotInfo``) is gathered here with numpy
from the study's columns; the matplotlib version draws from the same info."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ferrotune import logging as ft_logging
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.trial import TrialState
from ferrotune.visualization._frame import ParamFrame, StudyFrame
from ferrotune.visualization._utils import check_plot_args, finite_rows, scatter_class

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial

_logger = ft_logging.get_logger(__name__)


class SliceSubplotInfo(NamedTuple):
    """One parameter's points: complete trials with a finite target that used it, in trial
    order (categorical: grouped by choice in the distribution's order, trial order within)."""

    param_name: str
    #: float64 values of a numeric parameter; ``repr`` of the choice for a categorical one.
    x: np.ndarray
    y: np.ndarray
    numbers: np.ndarray
    feasible: np.ndarray
    is_log: bool
    is_numerical: bool
    #: The choices of a categorical parameter, in the distribution's order.
    x_labels: tuple[Any, ...] | None


class SlicePlotInfo(NamedTuple):
    """What ``plot_slice`` draws, for both backends."""

    target_name: str
    subplots: list[SliceSubplotInfo]


def complete_target_rows(frame: StudyFrame, target: Callable[[FrozenTrial], float] | None) -> tuple[np.ndarray, np.ndarray]:
    """The complete trials with a finite target (logging each dropped one) and their targets."""
    rows = np.flatnonzero(frame.mask(TrialState.COMPLETE))
    return finite_rows(rows, frame.target_values(rows, target))


def selected_params(frame: StudyFrame, rows: np.ndarray, params: list[str] | None) -> list[str]:
    """``params`` (or every parameter the ``rows`` used), sorted; an unknown name is an error."""
    used = {name for name, pf in frame.params.items() if pf.present[rows].any()}
    if params is None:
        return sorted(used)
    for name in params:
        if name not in used:
            raise FerrotuneValueError(f"Parameter {name} does not exist in your study. Pass names from the study's trials' params.")
    return sorted(set(params))


def choice_codes(pf: ParamFrame, rows: np.ndarray, labels: tuple[Any, ...]) -> np.ndarray:
    """Index into ``labels`` of a categorical parameter's value at each of ``rows``."""
    if len(pf.distributions) == 1:
        codes: np.ndarray = pf.internal[rows].astype(np.intp)
        return codes
    # Several distributions for one name (rare): match the user's values against the labels.
    lookup = {_key(v): i for i, v in enumerate(labels)}
    ext = pf.external(rows)
    return np.array([lookup.get(_key(v), len(labels)) for v in ext], dtype=np.intp)


def _key(v: Any) -> tuple[str, Any]:
    # 1, 1.0 and True are equal in Python but different choices.
    return (type(v).__name__, v)


def first_distribution(pf: ParamFrame, rows: np.ndarray) -> Any:
    """The distribution of the first of ``rows`` that used the parameter (Optuna's choice)."""
    used = rows[pf.present[rows]]
    return pf.distributions[int(pf.dist_idx[used[0]])]


def get_slice_plot_info(
    study: Study, params: list[str] | None, target: Callable[[FrozenTrial], float] | None, target_name: str
) -> SlicePlotInfo:
    """Gather every subplot's points from the study's columns."""
    from ferrotune.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    check_plot_args(study, target, target_name)
    frame = StudyFrame(study, with_intermediate=False)
    rows, y_all = complete_target_rows(frame, target)
    if len(rows) == 0:
        _logger.warning("Your study does not have any completed trials.")
        return SlicePlotInfo(target_name, [])
    feasible_all = frame.feasible[rows]
    subplots = []
    for name in selected_params(frame, rows, params):
        pf = frame.params[name]
        sel = pf.present[rows]
        prow, y, feas = rows[sel], y_all[sel], feasible_all[sel]
        dist = first_distribution(pf, rows)
        if isinstance(dist, CategoricalDistribution):
            labels = tuple(dist.choices)
            codes = choice_codes(pf, prow, labels)
            order = np.argsort(codes, kind="stable")
            keep = order[codes[order] < len(labels)]
            # A unicode array (not objects): plotly copies it in one piece.
            names = np.array([repr(c) for c in labels], dtype=str)
            subplots.append(SliceSubplotInfo(name, names[codes[keep]], y[keep], prow[keep], feas[keep], False, False, labels))
        else:
            is_log = isinstance(dist, (FloatDistribution, IntDistribution)) and dist.log
            subplots.append(SliceSubplotInfo(name, pf.internal[prow], y, prow, feas, is_log, True, None))
    return SlicePlotInfo(target_name, subplots)


def plot_slice(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Plot each parameter against the objective as a slice plot, one subplot per parameter.

    Points are the complete trials, coloured by trial number; trials that break their
    constraints are grey. A trial that did not use a parameter is not drawn in its subplot.

    Args:
        study: The study whose trials are plotted.
        params: Parameters to plot (default: all, sorted by name).
        target: Function giving the value to plot from a trial; needed for a multi-objective
            study. Default: the objective value.
        target_name: The value's name on the y axis.

    Returns:
        A ``plotly.graph_objects.Figure``.
    """
    from ferrotune.visualization._plotly_imports import plotly_go

    plotly_go()
    return _slice_figure(get_slice_plot_info(study, params, target, target_name))


def _slice_figure(info: SlicePlotInfo) -> Any:
    from plotly.subplots import make_subplots

    from ferrotune.visualization._plotly_imports import plotly_go

    go = plotly_go()
    layout = go.Layout(title="Slice Plot")
    if not info.subplots:
        return go.Figure(data=[], layout=layout)
    if len(info.subplots) == 1:
        sub = info.subplots[0]
        fig = go.Figure(data=_traces(sub), layout=layout)
        fig.update_xaxes(title_text=sub.param_name, **_xaxis(sub))
        fig.update_yaxes(title_text=info.target_name)
        return fig
    fig = make_subplots(rows=1, cols=len(info.subplots), shared_yaxes=True)
    fig.update_layout(layout)
    for col, sub in enumerate(info.subplots, start=1):
        traces = _traces(sub)
        # One colour bar is enough: every subplot colours by the same trial numbers.
        traces[0].update(marker={"showscale": col == 1})
        for t in traces:
            fig.add_trace(t, row=1, col=col)
        fig.update_xaxes(title_text=sub.param_name, row=1, col=col, **_xaxis(sub))
        if col == 1:
            fig.update_yaxes(title_text=info.target_name, row=1, col=col)
    if len(info.subplots) > 3:
        fig.update_layout(width=300 * len(info.subplots))
    return fig


def _xaxis(sub: SliceSubplotInfo) -> dict[str, Any]:
    if not sub.is_numerical:
        assert sub.x_labels is not None
        return {"type": "category", "categoryorder": "array", "categoryarray": [repr(c) for c in sub.x_labels]}
    return {"type": "log"} if sub.is_log else {}


def _traces(sub: SliceSubplotInfo) -> list[Any]:
    import plotly.colors

    f, inf = sub.feasible, ~sub.feasible
    scatter = scatter_class(len(sub.x))
    traces = [
        scatter(
            x=sub.x[f],
            y=sub.y[f],
            mode="markers",
            name="Feasible Trial",
            marker={
                "line": {"width": 0.5, "color": "Grey"},
                "color": sub.numbers[f],
                "colorscale": plotly.colors.sequential.Blues,
                "colorbar": {"title": "Trial", "x": 1.0, "xpad": 40},
            },
            showlegend=False,
        )
    ]
    if inf.any():
        traces.append(
            scatter(x=sub.x[inf], y=sub.y[inf], mode="markers", name="Infeasible Trial", marker={"color": "#cccccc"}, showlegend=False)
        )
    return traces
