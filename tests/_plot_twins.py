"""The same trials in a ferrotune study and an Optuna study, to compare the two libraries'
figures trace by trace."""

from __future__ import annotations

import base64
import math
from typing import Any

import numpy as np
import optuna

import ferrotune
from ferrotune import distributions as ftd
from ferrotune.trial import TrialState


def _ft_dist(d: Any) -> Any:
    if isinstance(d, optuna.distributions.FloatDistribution):
        return ftd.FloatDistribution(d.low, d.high, log=d.log, step=d.step)
    if isinstance(d, optuna.distributions.IntDistribution):
        return ftd.IntDistribution(d.low, d.high, log=d.log, step=d.step)
    return ftd.CategoricalDistribution(d.choices)


def twins(specs: list[dict[str, Any]], directions: list[str] | None = None) -> tuple[ferrotune.Study, optuna.Study]:
    """Both studies with one trial per spec: ``params`` and ``distributions`` (Optuna's), and
    optionally ``value``/``values``, ``state`` (a name), ``constraints``, ``user_attrs``."""
    directions = directions or ["minimize"]
    fs = ferrotune.create_study(directions=directions)
    os_ = optuna.create_study(directions=directions)
    for spec in specs:
        state = spec.get("state", "COMPLETE")
        common = {
            "params": spec["params"],
            "value": spec.get("value"),
            "values": spec.get("values"),
            "user_attrs": spec.get("user_attrs"),
            "constraints": spec.get("constraints"),
            "intermediate_values": spec.get("intermediate_values"),
        }
        fs.add_trial(
            ferrotune.trial.create_trial(
                state=TrialState[state], distributions={k: _ft_dist(d) for k, d in spec["distributions"].items()}, **common
            )
        )
        os_.add_trial(optuna.trial.create_trial(state=optuna.trial.TrialState[state], distributions=spec["distributions"], **common))
    return fs, os_


def plain(v: Any) -> Any:
    """A figure's JSON with numbers as floats and sequences as lists, for comparison."""
    if isinstance(v, dict) and "bdata" in v and "dtype" in v:
        # plotly's base64 encoding of a numpy array.
        arr = np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"])
        if "shape" in v:
            arr = arr.reshape([int(d) for d in str(v["shape"]).split(",")])
        return plain(arr)
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, np.ndarray)):
        return [plain(x) for x in (v.tolist() if isinstance(v, np.ndarray) else v)]
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        f = float(v)
        return "nan" if math.isnan(f) else f
    return v


def assert_same_figure(ours: Any, theirs: Any, *, gl_ok: bool = True) -> None:
    """Traces (type, data, styling) and layout equal, numbers compared as floats."""
    a, b = plain(ours.to_plotly_json()), plain(theirs.to_plotly_json())
    assert len(a["data"]) == len(b["data"])
    for ta0, tb in zip(a["data"], b["data"], strict=True):
        ta = {**ta0, "type": "scatter"} if gl_ok and ta0.get("type") == "scattergl" else ta0
        assert ta.keys() == tb.keys(), (sorted(ta), sorted(tb))
        for k in ta:
            _close(ta[k], tb[k], k)
    la = {k: v for k, v in a["layout"].items() if k != "template"}
    lb = {k: v for k, v in b["layout"].items() if k != "template"}
    _close(la, lb, "layout")


def _close(x: Any, y: Any, where: str) -> None:
    if isinstance(x, float) and isinstance(y, float):
        assert math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12), (where, x, y)
    elif isinstance(x, dict) and isinstance(y, dict):
        assert x.keys() == y.keys(), (where, sorted(x), sorted(y))
        for k in x:
            _close(x[k], y[k], f"{where}.{k}")
    elif isinstance(x, list) and isinstance(y, list):
        assert len(x) == len(y), (where, len(x), len(y))
        for i, (p, q) in enumerate(zip(x, y, strict=True)):
            _close(p, q, f"{where}[{i}]")
    else:
        assert x == y, (where, x, y)
