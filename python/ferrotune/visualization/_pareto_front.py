"""``plot_pareto_front``: a multi-objective study's trials in objective space, the Pareto front
in reds, the dominated trials in blues (both coloured by trial number), infeasible ones grey."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ferrotune.visualization._pareto_front_info import ParetoFrontInfo, TrialPoints, get_pareto_front_info
from ferrotune.visualization._plotly_imports import plotly_go
from ferrotune.visualization._utils import scatter_class

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial


def plot_pareto_front(
    study: Study,
    *,
    target_names: list[str] | None = None,
    include_dominated_trials: bool = True,
    constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
    targets: Callable[[FrozenTrial], Sequence[float]] | None = None,
) -> Any:
    """Plot the Pareto front of a study (a plotly figure).

    Args:
        study: A study whose complete trials are plotted by their objective values; it needs 2
            or 3 objectives unless ``targets`` is given.
        target_names: Axis titles; default the study's ``metric_names``, else
            ``"Objective {i}"``. Required when ``targets`` is given and no trial completed.
        include_dominated_trials: Whether to draw the feasible trials off the front too.
        constraints_func: Deprecated (``FutureWarning``): computes each trial's constraints
            (a value above 0 violates). Without it, the constraints stored with the trials
            decide feasibility. Infeasible trials are drawn grey and never on the front.
        targets: Maps a trial to the 2 or 3 values to draw (a sequence).

    Returns:
        A ``plotly.graph_objects.Figure``.

    Raises:
        FerrotuneValueError: Neither 2 nor 3 objectives without ``targets``, ``targets``
            returning something other than 2 or 3 values, or ``target_names`` of another length.
    """
    go = plotly_go()
    info = get_pareto_front_info(study, target_names, include_dominated_trials, constraints_func, targets, with_hover=True)
    return _figure(go, info)


def _figure(go: Any, info: ParetoFrontInfo) -> Any:
    include = info.include_dominated_trials
    data = []
    if info.has_constraints:
        data.append(_scatter(go, info, info.infeasible, "%{text}<extra>Infeasible Trial</extra>", _grey()))
        data.append(_scatter(go, info, info.non_best, "%{text}<extra>Feasible Trial</extra>", _dominated_marker(info.non_best)))
    else:
        data.append(_scatter(go, info, info.non_best, "%{text}<extra>Trial</extra>", _dominated_marker(info.non_best)))
    data.append(_scatter(go, info, info.best, "%{text}<extra>Best Trial</extra>", _best_marker(info.best, include)))
    names = info.target_names
    if info.n_targets == 2:
        layout = go.Layout(title="Pareto-front Plot", xaxis_title=names[0], yaxis_title=names[1])
    else:
        layout = go.Layout(
            title="Pareto-front Plot",
            scene={"xaxis_title": names[0], "yaxis_title": names[1], "zaxis_title": names[2]},
        )
    return go.Figure(data=data, layout=layout)


def _grey() -> dict[str, Any]:
    return {"color": "#cccccc"}


def _dominated_marker(g: TrialPoints) -> dict[str, Any]:
    return {
        "line": {"width": 0.5, "color": "Grey"},
        "color": g.numbers,
        "colorscale": "Blues",
        "colorbar": {"title": "Trial"},
    }


def _best_marker(g: TrialPoints, include_dominated_trials: bool) -> dict[str, Any]:
    # The front's colour bar moves right to make room for the dominated trials' one.
    return {
        "line": {"width": 0.5, "color": "Grey"},
        "color": g.numbers,
        "colorscale": "Reds",
        "colorbar": {"title": "Best Trial", "x": 1.1 if include_dominated_trials else 1, "xpad": 40},
    }


def _scatter(go: Any, info: ParetoFrontInfo, g: TrialPoints, hovertemplate: str, marker: dict[str, Any]) -> Any:
    common = {"text": g.hover, "mode": "markers", "hovertemplate": hovertemplate, "marker": marker, "showlegend": False}
    if info.n_targets == 2:
        return scatter_class(len(g.numbers))(x=g.values[:, 0], y=g.values[:, 1], **common)
    return go.Scatter3d(x=g.values[:, 0], y=g.values[:, 1], z=g.values[:, 2], **common)
