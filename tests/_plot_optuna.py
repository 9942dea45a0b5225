"""Helpers for the plot tests: a ferrotune study copied into Optuna (to compare figures with
Optuna's own on the same trials) and a trace-by-trace comparison of plotly figures."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import optuna

import ferrotune
from ferrotune.distributions import distribution_to_json


def to_optuna(study: ferrotune.Study) -> optuna.Study:
    """A new in-memory Optuna study holding copies of ``study``'s trials (same name, directions,
    metric names, times, attributes and intermediate values)."""
    directions = [d.name.lower() for d in study.directions]
    out = optuna.create_study(directions=directions, study_name=study.study_name)
    if study.metric_names is not None:
        out.set_metric_names(list(study.metric_names))
    for t in study.get_trials(deepcopy=False):
        dists = {k: optuna.distributions.json_to_distribution(distribution_to_json(d)) for k, d in t.distributions.items()}
        frozen = optuna.trial.FrozenTrial(
            number=t.number,
            state=optuna.trial.TrialState(int(t.state)),
            value=None,
            values=t.values,
            datetime_start=t.datetime_start,
            datetime_complete=t.datetime_complete,
            params=dict(t.params),
            distributions=dists,
            user_attrs=dict(t.user_attrs),
            system_attrs=dict(t.system_attrs),
            intermediate_values=dict(t.intermediate_values),
            trial_id=t.number,
        )
        out.add_trial(frozen)
    return out


def _same_array(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    x, y = np.asarray(a), np.asarray(b)
    if x.shape != y.shape:
        return False
    if x.dtype.kind in "fiu" and y.dtype.kind in "fiu":
        return bool(np.allclose(x.astype(float), y.astype(float), rtol=1e-9, atol=0, equal_nan=True))
    return [str(v) for v in x.ravel()] == [str(v) for v in y.ravel()]


def _num(v: Any) -> Any:
    return None if v is None else (float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v)


def assert_same_figure(ours: Any, theirs: Any, *, fields: tuple[str, ...] = ("x", "y"), skip: tuple[str, ...] = ()) -> None:
    """The two plotly figures have the same title, axis titles and traces: same names, modes,
    marker colours, legend flags and data in ``fields`` (Scattergl stands for Scatter)."""
    assert ours.layout.title.text == theirs.layout.title.text
    assert ours.layout.xaxis.title.text == theirs.layout.xaxis.title.text
    assert ours.layout.yaxis.title.text == theirs.layout.yaxis.title.text
    assert len(ours.data) == len(theirs.data), ([t.name for t in ours.data], [t.name for t in theirs.data])
    for a, b in zip(ours.data, theirs.data, strict=True):
        assert a.type.replace("scattergl", "scatter") == b.type
        assert a.name == b.name
        for attr in ("mode", "showlegend", "fill", "fillcolor", "orientation", "hovertemplate", "text"):
            if attr in skip or not hasattr(b, attr):
                continue
            va, vb = getattr(a, attr), getattr(b, attr)
            if isinstance(vb, (tuple, list)):
                assert _same_array(va, vb), attr
            else:
                assert va == vb, (attr, va, vb)
        if hasattr(b, "marker"):
            assert a.marker.color == b.marker.color
        for f in fields:
            assert _same_array(getattr(a, f), getattr(b, f)), (a.name, f, getattr(a, f), getattr(b, f))
        if hasattr(b, "error_y"):
            ea, eb = a.error_y, b.error_y
            assert _same_array(ea.array, eb.array)


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9) or (math.isnan(a) and math.isnan(b))


def build_study(
    rows: list[tuple[str, float | None, float | None]],
    *,
    direction: str = "minimize",
    name: str | None = None,
    params: bool = True,
) -> ferrotune.Study:
    """A study holding one trial per ``(state name, value, constraint)`` row; ``x`` is the row
    index (a float parameter) when ``params``; a constraint above 0 makes the trial infeasible."""
    study = ferrotune.create_study(direction=direction, study_name=name)
    dist = ferrotune.distributions.FloatDistribution(0, 1000)
    for i, (state, value, constraint) in enumerate(rows):
        st = ferrotune.trial.TrialState[state]
        study.add_trial(
            ferrotune.trial.create_trial(
                state=st,
                value=value if st == ferrotune.trial.TrialState.COMPLETE else None,
                params={"x": float(i)} if params else {},
                distributions={"x": dist} if params else {},
                constraints=None if constraint is None else {"c": constraint},
            )
        )
    return study
