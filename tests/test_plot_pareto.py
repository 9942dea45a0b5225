"""plot_pareto_front and plot_hypervolume_history (plotly and matplotlib): the traces hold the
study's numbers, checked against Optuna's own figures built from the same trials."""

from __future__ import annotations

import logging
import math
import warnings
from typing import Any

import matplotlib
import numpy as np
import optuna
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ferrotune
from ferrotune.exceptions import ExperimentalWarning, FerrotuneValueError
from ferrotune.visualization import plot_hypervolume_history, plot_pareto_front
from ferrotune.visualization._pareto_front_info import _nondominated
from ferrotune.visualization.matplotlib import plot_hypervolume_history as mpl_plot_hypervolume_history
from ferrotune.visualization.matplotlib import plot_pareto_front as mpl_plot_pareto_front

matplotlib.use("Agg")

optuna.logging.set_verbosity(optuna.logging.ERROR)
pytestmark = pytest.mark.filterwarnings("ignore::ferrotune.exceptions.ExperimentalWarning")


def _specs(n: int, k: int, seed: int, *, constrained: bool = False) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        spec: dict[str, Any] = {
            "values": [float(v) for v in np.round(rng.uniform(0, 4, size=k), 1)],
            "params": {"x": float(rng.uniform(-1, 1)), "c": ["a", "b"][i % 2]},
        }
        if constrained:
            spec["system_attrs"] = {"constraints": [float(rng.uniform(-1, 1))]}
        out.append(spec)
    return out


def _both(directions: list[str], specs: list[dict[str, Any]], *, fail: int = 0) -> tuple[ferrotune.Study, optuna.Study]:
    """The same trials in a ferrotune study and an Optuna study."""
    ft = ferrotune.create_study(directions=directions)
    op = optuna.create_study(directions=directions)
    for s in specs:
        for mod, study in ((ferrotune, ft), (optuna, op)):
            d = mod.distributions
            dists = {"x": d.FloatDistribution(-1, 1), "c": d.CategoricalDistribution(["a", "b"])}
            study.add_trial(
                mod.create_trial(values=s["values"], params=s["params"], distributions=dists, system_attrs=s.get("system_attrs", {}))
            )
    for _ in range(fail):
        for mod, study in ((ferrotune, ft), (optuna, op)):
            study.add_trial(mod.create_trial(state=mod.trial.TrialState.FAIL))
    return ft, op


def _same_traces(ours: Any, theirs: Any) -> None:
    assert len(ours.data) == len(theirs.data)
    for a, b in zip(ours.data, theirs.data, strict=True):
        assert a.type == b.type
        for axis in ("x", "y", "z"):
            if axis == "z" and a.type != "scatter3d":
                continue
            np.testing.assert_array_equal(np.asarray(getattr(a, axis), dtype=float), np.asarray(getattr(b, axis), dtype=float))
        np.testing.assert_array_equal(np.asarray(a.marker.color), np.asarray(b.marker.color))
        assert a.marker.colorscale == b.marker.colorscale
        assert a.marker.colorbar == b.marker.colorbar
        assert a.hovertemplate == b.hovertemplate
        assert list(a.text) == list(b.text)
        assert a.showlegend is False and a.mode == "markers"
    assert ours.layout.title.text == theirs.layout.title.text == "Pareto-front Plot"


@pytest.mark.parametrize("directions", [["minimize", "minimize"], ["minimize", "maximize"], ["maximize", "minimize", "maximize"]])
@pytest.mark.parametrize("include_dominated_trials", [True, False])
def test_plotly_matches_optuna(directions: list[str], include_dominated_trials: bool) -> None:
    ft, op = _both(directions, _specs(40, len(directions), 1), fail=2)
    ours = plot_pareto_front(ft, include_dominated_trials=include_dominated_trials)
    theirs = optuna.visualization.plot_pareto_front(op, include_dominated_trials=include_dominated_trials)
    _same_traces(ours, theirs)
    if len(directions) == 2:
        assert ours.layout.xaxis.title.text == "Objective 0" and ours.layout.yaxis.title.text == "Objective 1"
    else:
        assert ours.layout.scene.zaxis.title.text == "Objective 2"
    # The front is the study's own Pareto set, coloured by trial number.
    assert sorted(ours.data[-1].marker.color) == sorted(t.number for t in ft.best_trials)


def test_stored_constraints_split_infeasible_trials() -> None:
    ft, op = _both(["minimize", "minimize"], _specs(40, 2, 2, constrained=True))
    ours = plot_pareto_front(ft)
    _same_traces(ours, optuna.visualization.plot_pareto_front(op))
    infeasible = [t for t in ft.trials if t.system_attrs["constraints"][0] > 0]
    assert infeasible and ours.data[0].marker.color == "#cccccc"
    np.testing.assert_array_equal(ours.data[0].x, [t.values[0] for t in infeasible])
    np.testing.assert_array_equal(ours.data[0].y, [t.values[1] for t in infeasible])
    assert not {t.number for t in infeasible} & set(ours.data[2].marker.color)
    assert [d.hovertemplate for d in ours.data] == [
        "%{text}<extra>Infeasible Trial</extra>",
        "%{text}<extra>Feasible Trial</extra>",
        "%{text}<extra>Best Trial</extra>",
    ]


def test_constraints_func_is_deprecated_and_decides_feasibility() -> None:
    ft, op = _both(["minimize", "minimize"], _specs(30, 2, 3))

    def cons(t: Any) -> list[float]:
        return [t.params["x"]]

    with pytest.warns(FutureWarning):
        ours = plot_pareto_front(ft, constraints_func=cons)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = optuna.visualization.plot_pareto_front(op, constraints_func=cons)
    _same_traces(ours, theirs)
    assert len(ours.data) == 3


def test_targets_and_names() -> None:
    ft, op = _both(["minimize", "minimize", "minimize", "minimize"], _specs(25, 4, 4))
    with pytest.raises(FerrotuneValueError, match="targets"):
        plot_pareto_front(ft)

    def targets(t: Any) -> tuple[float, float]:
        return (t.values[3], t.values[1])

    ours = plot_pareto_front(ft, targets=targets, target_names=["a", "b"])
    _same_traces(ours, optuna.visualization.plot_pareto_front(op, targets=targets, target_names=["a", "b"]))
    assert ours.layout.xaxis.title.text == "a"
    with pytest.raises(FerrotuneValueError, match="sequence"):
        plot_pareto_front(ft, targets=lambda t: t.values[0])
    with pytest.raises(FerrotuneValueError, match="2 or 3 targets"):
        plot_pareto_front(ft, targets=lambda t: t.values)
    with pytest.raises(FerrotuneValueError, match="length of `target_names`"):
        plot_pareto_front(ft, targets=targets, target_names=["a", "b", "c"])


def test_metric_names_title_axes() -> None:
    ft, _ = _both(["minimize", "maximize"], _specs(5, 2, 5))
    ft.set_metric_names(["loss", "acc"])
    fig = plot_pareto_front(ft)
    assert (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text) == ("loss", "acc")


@pytest.mark.parametrize("fail", [0, 3])
def test_empty_and_failed_study(fail: int, caplog: pytest.LogCaptureFixture) -> None:
    ft, op = _both(["minimize", "minimize"], [], fail=fail)
    with caplog.at_level(logging.WARNING):
        ours = plot_pareto_front(ft)
    assert "does not have any completed trials" in caplog.text
    _same_traces(ours, optuna.visualization.plot_pareto_front(op))
    assert all(len(d.x) == 0 for d in ours.data)
    with pytest.raises(FerrotuneValueError, match="target_names"):
        plot_pareto_front(ft, targets=lambda t: t.values)
    assert len(plot_pareto_front(ft, targets=lambda t: t.values, target_names=["a", "b", "c"]).data[0].z) == 0


def test_many_trials_use_webgl() -> None:
    study = ferrotune.create_study(directions=["minimize", "minimize"], sampler=ferrotune.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: (t.suggest_float("a", 0, 1), t.suggest_float("b", 0, 1)), n_trials=2500)
    fig = plot_pareto_front(study)
    assert fig.data[0].type == "scattergl"
    values = np.array([t.values for t in study.trials])
    best = {t.number for t in study.best_trials}
    dominated = np.array([i for i in range(len(values)) if i not in best])
    np.testing.assert_array_equal(fig.data[0].x, values[dominated, 0])
    np.testing.assert_array_equal(fig.data[0].marker.color, dominated)


@pytest.mark.parametrize("k", [2, 3])
def test_matplotlib_draws_the_groups(k: int) -> None:
    directions = ["minimize"] * k
    ft, op = _both(directions, _specs(30, k, 6, constrained=True))
    with pytest.warns(ExperimentalWarning):
        ax = mpl_plot_pareto_front(ft)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = optuna.visualization.matplotlib.plot_pareto_front(op)
    assert ax.get_title() == "Pareto-front Plot"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [t.get_text() for t in theirs.get_legend().get_texts()]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Infeasible Trial", "Feasible Trial", "Best Trial"]
    for ours_c, theirs_c in zip(ax.collections, theirs.collections, strict=True):
        if k == 2:
            np.testing.assert_array_equal(ours_c.get_offsets(), theirs_c.get_offsets())
        else:
            for a, b in zip(ours_c._offsets3d, theirs_c._offsets3d, strict=True):
                np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        np.testing.assert_allclose(ours_c.get_facecolor(), theirs_c.get_facecolor())
    best = sorted(ft.best_trials, key=lambda t: t.number)
    got = ax.collections[-1].get_offsets() if k == 2 else np.column_stack(ax.collections[-1]._offsets3d)
    np.testing.assert_array_equal(np.asarray(got)[:, :2], np.array([t.values[:2] for t in best]))


def test_matplotlib_empty_study_has_no_data() -> None:
    ft, _ = _both(["minimize", "minimize"], [], fail=1)
    with pytest.warns(ExperimentalWarning):
        ax = mpl_plot_pareto_front(ft)
    assert not ax.has_data() and ax.get_xlabel() == "Objective 0"


def _brute_nondominated(p: np.ndarray) -> list[int]:
    return [i for i in range(len(p)) if not any((p[j] <= p[i]).all() and (p[j] < p[i]).any() for j in range(len(p)))]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 4), min_size=3, max_size=3), max_size=30))
def test_nondominated_sweep_equals_pairwise_definition(rows: list[list[int]]) -> None:
    p = np.array(rows, dtype=float).reshape(len(rows), 3)
    assert sorted(_nondominated(p).tolist()) == _brute_nondominated(p)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=25))
def test_front_trace_is_the_nondominated_set(points: list[tuple[int, int]]) -> None:
    study = ferrotune.create_study(directions=["minimize", "maximize"])
    for a, b in points:
        study.add_trial(ferrotune.create_trial(values=[a, b]))
    fig = plot_pareto_front(study)
    signed = np.array([[a, -b] for a, b in points], dtype=float)
    assert list(fig.data[1].marker.color) == _brute_nondominated(signed)
    assert math.isclose(len(fig.data[0].x) + len(fig.data[1].x), len(points))


# -- plot_hypervolume_history ---------------------------------------------------------------------


def _optuna_history(op: optuna.Study, reference: list[float]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return optuna.visualization.plot_hypervolume_history(op, reference)


@pytest.mark.parametrize(
    ("directions", "reference"),
    [
        (["minimize", "minimize"], [3.0, 3.5]),
        (["minimize", "maximize"], [3.5, 0.5]),
        (["maximize", "minimize", "minimize"], [0.5, 3.0, 3.5]),
        (["minimize"] * 4, [3.0, 3.5, 3.0, 4.0]),
    ],
)
def test_hypervolume_history_matches_optuna(directions: list[str], reference: list[float]) -> None:
    ft, op = _both(directions, _specs(60, len(directions), 7, constrained=True), fail=2)
    with pytest.warns(ExperimentalWarning):
        ours = plot_hypervolume_history(ft, reference)
    theirs = _optuna_history(op, reference)
    assert ours.layout.title.text == theirs.layout.title.text == "Hypervolume History Plot"
    assert ours.layout.xaxis.title.text == "Trial" and ours.layout.yaxis.title.text == "Hypervolume"
    assert ours.data[0].mode == theirs.data[0].mode == "lines+markers"
    np.testing.assert_array_equal(ours.data[0].x, theirs.data[0].x)
    np.testing.assert_allclose(ours.data[0].y, theirs.data[0].y, rtol=1e-12, atol=1e-12)
    # Non-decreasing, and at the end the hypervolume of the feasible front.
    assert (np.diff(ours.data[0].y) >= -1e-12).all()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), st.booleans()), max_size=30),
    st.sampled_from(["minimize", "maximize"]),
)
def test_hypervolume_history_property(points: list[tuple[int, int, bool]], second: str) -> None:
    """Ties, duplicates, points on and beyond the reference point, infeasible trials."""
    specs = [
        {"values": [float(a), float(b)], "params": {"x": 0.0, "c": "a"}, "system_attrs": {"constraints": [0.0 if ok else 1.0]}}
        for a, b, ok in points
    ]
    ft, op = _both(["minimize", second], specs)
    reference = [5.0, 5.0 if second == "minimize" else 1.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = plot_hypervolume_history(ft, reference)
    np.testing.assert_allclose(ours.data[0].y, _optuna_history(op, reference).data[0].y, atol=1e-9)
    # The last value is the area of the union of the feasible trials' boxes, counted on a grid.
    sign = 1.0 if second == "minimize" else -1.0
    boxes = [(a, sign * b) for a, b, ok in points if ok]
    ref = (reference[0], sign * reference[1])
    cells = {(i, j) for a, b in boxes for i in range(int(a), int(ref[0])) for j in range(int(b), int(ref[1]))}
    if len(ours.data[0].y):
        assert ours.data[0].y[-1] == pytest.approx(len(cells))


def test_hypervolume_history_errors_and_empty(caplog: pytest.LogCaptureFixture) -> None:
    single = ferrotune.create_study()
    with pytest.raises(FerrotuneValueError, match="multi-objective"):
        plot_hypervolume_history(single, [1.0])
    with pytest.raises(FerrotuneValueError, match="multi-objective"):
        mpl_plot_hypervolume_history(single, [1.0])
    ft, _ = _both(["minimize", "minimize"], [], fail=1)
    for bad in ([1.0], [1.0, 2.0, 3.0]):
        with pytest.raises(FerrotuneValueError, match="dimension of the reference point"):
            plot_hypervolume_history(ft, bad)
    with pytest.raises(FerrotuneValueError, match="numbers"):
        plot_hypervolume_history(ft, ["a", "b"])  # type: ignore[list-item]
    with caplog.at_level(logging.WARNING), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig = plot_hypervolume_history(ft, [1.0, 1.0])
    assert "does not have any completed trials" in caplog.text
    assert len(fig.data[0].x) == 0
    ft2, _ = _both(["minimize", "minimize"], [{"values": [9.0, 9.0], "params": {"x": 0.0, "c": "a"}}])
    caplog.clear()
    with caplog.at_level(logging.WARNING), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig = plot_hypervolume_history(ft2, [1.0, 1.0])
    assert "does not have any feasible trials" in caplog.text
    assert list(fig.data[0].y) == [0.0]


def test_hypervolume_history_matplotlib() -> None:
    ft, op = _both(["minimize", "maximize"], _specs(30, 2, 8))
    with pytest.warns(ExperimentalWarning):
        ax = mpl_plot_hypervolume_history(ft, [4.0, 0.0])
    theirs = _optuna_history(op, [4.0, 0.0])
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), theirs.data[0].x)
    np.testing.assert_allclose(line.get_ydata(), theirs.data[0].y, rtol=1e-12)
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("Hypervolume History Plot", "Trial", "Hypervolume")
    assert line.get_marker() == "o"


def test_single_objective_study_is_refused() -> None:
    study = ferrotune.create_study()
    study.add_trial(ferrotune.create_trial(value=1.0))
    with pytest.raises(FerrotuneValueError, match="2 or 3 objective"):
        plot_pareto_front(study)
    with pytest.raises(FerrotuneValueError, match="2 or 3 objective"):
        mpl_plot_pareto_front(study)
