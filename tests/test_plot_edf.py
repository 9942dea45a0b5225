"""plot_edf (plotly and matplotlib): each study's line is the share of its complete finite values
at or below each of 100 evenly spaced x, equal to Optuna's figure."""

from __future__ import annotations

import matplotlib
import numpy as np
import optuna
import pytest
from _plot_optuna import assert_same_figure, build_study, to_optuna
from hypothesis import given, settings
from hypothesis import strategies as st

import ferrotune
from ferrotune.exceptions import ExperimentalWarning, FerrotuneValueError
from ferrotune.samplers import RandomSampler
from ferrotune.visualization import matplotlib as fmpl
from ferrotune.visualization import plot_edf

matplotlib.use("Agg")

optuna.logging.set_verbosity(optuna.logging.ERROR)


def _edf(values, x):
    v = np.asarray(values)
    return np.array([(v <= xi).mean() for xi in x])


def test_line_is_the_share_of_values_at_or_below_x():
    study = build_study([("COMPLETE", 3.0, None), ("FAIL", None, None), ("COMPLETE", 1.0, None), ("COMPLETE", 2.0, 5.0)], name="s")
    fig = plot_edf(study)
    (line,) = fig.data
    assert line.name == "s" and line.mode == "lines"
    np.testing.assert_allclose(line.x, np.linspace(1.0, 3.0, 100))
    np.testing.assert_allclose(line.y, _edf([3.0, 1.0, 2.0], line.x))  # infeasible trials count too
    assert fig.layout.title.text == "Empirical Distribution Function Plot"
    assert fig.layout.xaxis.title.text == "Objective Value" and fig.layout.yaxis.title.text == "Cumulative Probability"
    assert tuple(fig.layout.yaxis.range) == (0, 1)


def test_several_studies_share_the_x_grid_and_equal_optuna():
    a = build_study([("COMPLETE", v, None) for v in (0.0, 5.0, 2.0)], name="a")
    b = build_study([("COMPLETE", v, None) for v in (10.0, 1.0)], name="b")
    empty = build_study([("FAIL", None, None)], name="empty")  # omitted
    fig = plot_edf([a, empty, b])
    assert [t.name for t in fig.data] == ["a", "b"]
    np.testing.assert_allclose(fig.data[0].x, np.linspace(0.0, 10.0, 100))
    np.testing.assert_allclose(fig.data[1].y, _edf([10.0, 1.0], fig.data[1].x))
    assert_same_figure(fig, optuna.visualization.plot_edf([to_optuna(a), to_optuna(empty), to_optuna(b)]))


def test_non_finite_values_are_left_out_with_a_log(logs):
    study = ferrotune.create_study()
    study.add_trials([ferrotune.trial.create_trial(value=v) for v in (1.0, float("inf"), 2.0, -float("inf"))])
    fig = plot_edf(study)
    np.testing.assert_allclose(fig.data[0].x, np.linspace(1.0, 2.0, 100))
    assert "Trial 1 is omitted in visualization because its objective value is inf or nan." in logs.text
    assert "Trial 3 is omitted" in logs.text


def test_target_and_multi_objective():
    study = ferrotune.create_study(directions=["minimize", "maximize"], sampler=RandomSampler(seed=2))
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)), n_trials=8)
    with pytest.raises(FerrotuneValueError, match="target"):
        plot_edf(study)
    fig = plot_edf(study, target=lambda t: t.values[1], target_name="y")
    ys = [t.values[1] for t in study.trials]
    np.testing.assert_allclose(fig.data[0].x, np.linspace(min(ys), max(ys), 100))
    np.testing.assert_allclose(fig.data[0].y, _edf(ys, fig.data[0].x))
    assert fig.layout.xaxis.title.text == "y"
    assert_same_figure(fig, optuna.visualization.plot_edf(to_optuna(study), target=lambda t: t.values[1], target_name="y"))
    with pytest.warns(UserWarning, match="target_name"):
        plot_edf(study, target=lambda t: t.values[0])


@pytest.mark.parametrize("studies", [[], [[]], [[("FAIL", None, None)]]], ids=["no-studies", "empty", "only-failed"])
def test_nothing_to_draw(studies, logs):
    arg = [build_study(rows) for rows in studies]
    fig = plot_edf(arg)
    assert len(fig.data) == 0 and fig.layout.title.text == "Empirical Distribution Function Plot"
    assert ("There are no studies." if not studies else "There are no complete trials.") in logs.text
    with pytest.warns(ExperimentalWarning):
        ax = fmpl.plot_edf(arg)
    assert len(ax.get_lines()) == 0


def test_matplotlib_draws_the_same_lines():
    a = build_study([("COMPLETE", v, None) for v in (0.0, 5.0, 2.0)], name="a")
    b = build_study([("COMPLETE", v, None) for v in (10.0, 1.0)], name="b")
    with pytest.warns(ExperimentalWarning):
        ax = fmpl.plot_edf([a, b])
    la, lb = ax.get_lines()
    np.testing.assert_allclose(la.get_xdata(), np.linspace(0.0, 10.0, 100))
    np.testing.assert_allclose(la.get_ydata(), _edf([0.0, 5.0, 2.0], la.get_xdata()))
    np.testing.assert_allclose(lb.get_ydata(), _edf([10.0, 1.0], lb.get_xdata()))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    assert ax.get_ylim() == (0.0, 1.0) and ax.get_xlabel() == "Objective Value"


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.floats(-1e9, 1e9), min_size=0, max_size=20), min_size=1, max_size=3))
def test_property_equals_optuna(value_lists):
    studies = [build_study([("COMPLETE", v, None) for v in vs], name=f"s{i}", params=False) for i, vs in enumerate(value_lists)]
    assert_same_figure(plot_edf(studies), optuna.visualization.plot_edf([to_optuna(s) for s in studies]))
