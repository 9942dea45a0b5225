"""plot_optimization_history (plotly and matplotlib): the traces hold the study's values, the
best line follows the direction over feasible trials only, several studies and error bars, and
the figure equals Optuna's on the same trials."""

from __future__ import annotations

import matplotlib
import numpy as np
import optuna
import pytest
from _plot_optuna import assert_same_figure, build_study, to_optuna
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ferrotune
from ferrotune.exceptions import ExperimentalWarning, FerrotuneValueError
from ferrotune.samplers import RandomSampler
from ferrotune.visualization import matplotlib as fmpl
from ferrotune.visualization import plot_optimization_history

matplotlib.use("Agg")

optuna.logging.set_verbosity(optuna.logging.ERROR)


ROWS = [
    ("COMPLETE", 3.0, None),
    ("FAIL", None, None),
    ("COMPLETE", 5.0, -1.0),
    ("COMPLETE", 1.0, 2.0),  # infeasible: the best line ignores it
    ("PRUNED", None, None),
    ("COMPLETE", 2.0, 0.0),
    ("RUNNING", None, None),
    ("COMPLETE", 4.0, None),
]


def _mpl(fn, *args, **kwargs):
    with pytest.warns(ExperimentalWarning):
        return fn(*args, **kwargs)


def test_markers_hold_complete_feasible_values_and_best_line_ignores_infeasible():
    fig = plot_optimization_history(build_study(ROWS))
    assert [t.name for t in fig.data] == ["Objective Value", "Best Value", "Infeasible Trial"]
    values, best, infeasible = fig.data
    assert list(values.x) == [0, 2, 5, 7] and list(values.y) == [3.0, 5.0, 2.0, 4.0]
    assert list(best.x) == list(range(8))
    assert list(best.y) == [3.0, 3.0, 3.0, 3.0, 3.0, 2.0, 2.0, 2.0]
    assert list(infeasible.x) == [3] and list(infeasible.y) == [1.0]
    assert infeasible.marker.color == "#cccccc" and infeasible.showlegend is False
    assert fig.layout.title.text == "Optimization History Plot"
    assert fig.layout.xaxis.title.text == "Trial" and fig.layout.yaxis.title.text == "Objective Value"


def test_best_line_follows_maximize():
    fig = plot_optimization_history(build_study(ROWS, direction="maximize"))
    assert list(fig.data[1].y) == [3.0, 3.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0]


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_same_figure_as_optuna(direction):
    study = build_study(ROWS, direction=direction)
    assert_same_figure(plot_optimization_history(study), optuna.visualization.plot_optimization_history(to_optuna(study)))


def test_several_studies_are_named_and_equal_optunas():
    a = build_study(ROWS, name="a")
    b = build_study([("COMPLETE", 0.5, None), ("COMPLETE", 7.0, None)], name="b")
    fig = plot_optimization_history([a, b])
    names = [t.name for t in fig.data]
    assert names == [
        "Objective Value of a",
        "Best Value of a",
        "Infeasible Trial",
        "Objective Value of b",
        "Best Value of b",
        "Infeasible Trial",
    ]
    assert list(fig.data[3].y) == [0.5, 7.0] and list(fig.data[4].y) == [0.5, 0.5]
    assert_same_figure(fig, optuna.visualization.plot_optimization_history([to_optuna(a), to_optuna(b)]))


def test_error_bars_are_mean_and_std_over_studies():
    a = build_study([("COMPLETE", 1.0, None), ("COMPLETE", 4.0, None), ("COMPLETE", 0.0, None)], name="a")
    b = build_study([("COMPLETE", 3.0, None), ("FAIL", None, None), ("COMPLETE", 2.0, None)], name="b")
    fig = plot_optimization_history([a, b], error_bar=True)
    values, best, upper, lower, infeasible = fig.data
    assert list(values.x) == [0, 1, 2]
    np.testing.assert_allclose(values.y, [2.0, 4.0, 1.0])
    np.testing.assert_allclose(values.error_y.array, [1.0, 0.0, 1.0])
    np.testing.assert_allclose(best.y, [2.0, 2.0, 1.0])  # best of a: 1,1,0; of b: 3,3,2
    np.testing.assert_allclose(upper.y, [3.0, 3.0, 2.0])
    np.testing.assert_allclose(lower.y, [1.0, 1.0, 0.0])
    assert lower.fill == "tonexty" and len(infeasible.x) == 0
    assert_same_figure(fig, optuna.visualization.plot_optimization_history([to_optuna(a), to_optuna(b)], error_bar=True))


def test_error_bars_with_infeasible_trials_say_so(logs):
    study = build_study(ROWS)
    fig = plot_optimization_history(study, error_bar=True)
    assert "error bars are calculated for only feasible trial values" in logs.text
    theirs = optuna.visualization.plot_optimization_history(to_optuna(study), error_bar=True)
    # Optuna's grey trace there pairs trial numbers with no values: nothing is drawn either way.
    assert len(theirs.data[-1].y) == 0 and len(fig.data[-1].x) == 0
    theirs.data[-1].x = ()
    assert_same_figure(fig, theirs)


def test_target_draws_no_best_line_and_warns_on_default_name():
    study = build_study(ROWS)
    with pytest.warns(UserWarning, match="target_name"):
        fig = plot_optimization_history(study, target=lambda t: -t.params["x"])
    assert [t.name for t in fig.data] == ["Objective Value", "Infeasible Trial"]
    assert list(fig.data[0].y) == [-0.0, -2.0, -5.0, -7.0]
    fig = plot_optimization_history(study, target=lambda t: 2 * t.value, target_name="Twice")
    assert fig.layout.yaxis.title.text == "Twice" and list(fig.data[0].y) == [6.0, 10.0, 4.0, 8.0]


def test_multi_objective_needs_target():
    study = ferrotune.create_study(directions=["minimize", "maximize"], sampler=RandomSampler(seed=1))
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)), n_trials=5)
    with pytest.raises(FerrotuneValueError, match="target"):
        plot_optimization_history(study)
    with pytest.raises(FerrotuneValueError, match="target"):
        _mpl(fmpl.plot_optimization_history, study)
    fig = plot_optimization_history(study, target=lambda t: t.values[1], target_name="y")
    assert list(fig.data[0].y) == [t.values[1] for t in study.trials]


@pytest.mark.parametrize("rows", [[], [("FAIL", None, None), ("FAIL", None, None)]], ids=["empty", "only-failed"])
def test_no_complete_trials_gives_an_empty_figure_and_a_log(rows, logs):
    study = build_study(rows)
    fig = plot_optimization_history(study)
    assert len(fig.data) == 0 and fig.layout.title.text == "Optimization History Plot"
    assert "There are no complete trials." in logs.text
    ax = _mpl(fmpl.plot_optimization_history, study)
    assert len(ax.collections) == 0 and len(ax.get_lines()) == 0


def test_no_studies_logs(logs):
    assert len(plot_optimization_history([]).data) == 0
    assert "There are no studies." in logs.text


def test_only_infeasible_with_error_bars_is_empty(logs):
    fig = plot_optimization_history(build_study([("COMPLETE", 1.0, 1.0)]), error_bar=True)
    assert len(fig.data) == 0 and "There are no feasible trials." in logs.text


def test_webgl_above_threshold():
    study = ferrotune.create_study()
    study.add_trials([ferrotune.trial.create_trial(value=float(i % 7)) for i in range(2500)])
    fig = plot_optimization_history(study)
    assert fig.data[0].type == "scattergl" and len(fig.data[0].x) == 2500
    assert fig.data[1].y[-1] == 0.0


def test_matplotlib_draws_the_same_numbers():
    study = build_study(ROWS)
    ax = _mpl(fmpl.plot_optimization_history, study)
    assert ax.get_title() == "Optimization History Plot" and ax.get_xlabel() == "Trial"
    feasible, infeasible = ax.collections
    np.testing.assert_array_equal(feasible.get_offsets(), [[0, 3.0], [2, 5.0], [5, 2.0], [7, 4.0]])
    np.testing.assert_array_equal(infeasible.get_offsets(), [[3, 1.0]])
    (best,) = ax.get_lines()
    np.testing.assert_array_equal(best.get_ydata(), [3.0, 3.0, 3.0, 3.0, 3.0, 2.0, 2.0, 2.0])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Objective Value", "Best Value"]


def test_matplotlib_several_studies_and_error_bars():
    a = build_study([("COMPLETE", 1.0, None), ("COMPLETE", 4.0, None)], name="a")
    b = build_study([("COMPLETE", 3.0, None), ("COMPLETE", 2.0, None)], name="b")
    ax = _mpl(fmpl.plot_optimization_history, [a, b])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Objective Value of a",
        "Best Value of a",
        "Objective Value of b",
        "Best Value of b",
    ]
    ax = _mpl(fmpl.plot_optimization_history, [a, b], error_bar=True)
    (_, _, (bars,)) = ax.containers[0].lines
    segs = bars.get_segments()  # one vertical segment per trial number: mean -/+ std
    np.testing.assert_allclose([s[:, 1] for s in segs], [[1.0, 3.0], [2.0, 4.0]])
    best = ax.get_lines()[-1]
    np.testing.assert_allclose(best.get_ydata(), [2.0, 1.5])


_row = st.one_of(
    st.tuples(st.just("COMPLETE"), st.floats(-1e6, 1e6), st.one_of(st.none(), st.sampled_from([-1.0, 0.0, 1.0]))),
    st.tuples(st.sampled_from(["FAIL", "PRUNED", "RUNNING", "WAITING"]), st.none(), st.none()),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_row, min_size=1, max_size=12), direction=st.sampled_from(["minimize", "maximize"]))
def test_property_best_line_is_running_best_of_feasible_and_equals_optuna(rows, direction):
    study = build_study(rows, direction=direction)
    fig = plot_optimization_history(study)
    theirs = optuna.visualization.plot_optimization_history(to_optuna(study))
    assert_same_figure(fig, theirs)
    if not fig.data:
        assert all(r[0] != "COMPLETE" for r in rows)
        return
    pick = min if direction == "minimize" else max
    worst = np.inf if direction == "minimize" else -np.inf
    seen: list[float] = []
    for i, (state, value, c) in enumerate(rows):
        if state == "COMPLETE" and (c is None or c <= 0):
            seen.append(value)
        assert fig.data[1].y[i] == (pick(seen) if seen else worst)


@settings(max_examples=20, deadline=None)
@given(
    studies=st.lists(st.lists(_row, min_size=1, max_size=8), min_size=1, max_size=3),
    direction=st.sampled_from(["minimize", "maximize"]),
)
def test_property_error_bars_equal_optuna(studies, direction):
    ours = [build_study(rows, direction=direction, name=f"s{i}") for i, rows in enumerate(studies)]
    fig = plot_optimization_history(ours, error_bar=True)
    theirs = optuna.visualization.plot_optimization_history([to_optuna(s) for s in ours], error_bar=True)
    if theirs.data:
        theirs.data[-1].x = ()  # Optuna's hidden grey trace (see above): empty in both drawings
    assert_same_figure(fig, theirs)


@pytest.mark.parametrize("bad", [None, 3, "study", [object()]])
def test_not_a_study_is_a_clear_error(bad):
    with pytest.raises(ferrotune.exceptions.FerrotuneTypeError, match="study must be a Study"):
        plot_optimization_history(bad)


@pytest.mark.parametrize(("value", "error"), [("high", FerrotuneValueError), (None, ferrotune.exceptions.FerrotuneTypeError)])
def test_target_that_returns_no_number_is_a_clear_error(value, error):
    study = build_study(ROWS)
    with pytest.warns(UserWarning, match="could not be cast to float"), pytest.raises(error, match="target must return a float"):
        plot_optimization_history(study, target=lambda t: value, target_name="t")


def test_error_bars_with_a_target_have_no_best_line_and_equal_optuna():
    a = build_study([("COMPLETE", 1.0, None), ("COMPLETE", 4.0, None)], name="a")
    b = build_study([("COMPLETE", 3.0, None), ("COMPLETE", 2.0, None), ("COMPLETE", 5.0, None)], name="b")
    kwargs = {"target": lambda t: t.params["x"] + t.value, "target_name": "x+v", "error_bar": True}
    fig = plot_optimization_history([a, b], **kwargs)
    assert [t.name for t in fig.data] == ["x+v", "Infeasible Trial"]
    np.testing.assert_allclose(fig.data[0].y, [2.0, 4.0, 7.0])  # means of (1, 3), (5, 3), (7,)
    np.testing.assert_allclose(fig.data[0].error_y.array, [1.0, 1.0, 0.0])
    assert_same_figure(fig, optuna.visualization.plot_optimization_history([to_optuna(a), to_optuna(b)], **kwargs))
