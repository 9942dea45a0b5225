"""plot_param_importances (plotly and matplotlib): the bars are
``ferrotune.importance.get_param_importances``'s values, least important first, one group per
objective for a multi-objective study without ``target``; equal to Optuna's figure."""

from __future__ import annotations

import matplotlib
import numpy as np
import optuna
import pytest
from _plot_optuna import assert_same_figure, build_study, to_optuna

import ferrotune
from ferrotune.exceptions import ExperimentalWarning
from ferrotune.importance import FanovaImportanceEvaluator, get_param_importances
from ferrotune.samplers import RandomSampler
from ferrotune.visualization import matplotlib as fmpl
from ferrotune.visualization import plot_param_importances

matplotlib.use("Agg")

optuna.logging.set_verbosity(optuna.logging.ERROR)


def _objective(trial):
    x = trial.suggest_float("x", -5, 5)
    lr = trial.suggest_float("lr", 1e-4, 1, log=True)
    c = trial.suggest_categorical("c", ["a", "b", "c"])
    n = trial.suggest_int("n", 1, 8)
    return x**2 + 0.1 * np.log10(lr) + (1.0 if c == "a" else 0.0) + 0.01 * n


@pytest.fixture(scope="module")
def study():
    s = ferrotune.create_study(sampler=RandomSampler(seed=0))
    s.optimize(_objective, n_trials=60)
    return s


@pytest.fixture(scope="module")
def mo_study():
    s = ferrotune.create_study(directions=["minimize", "maximize"], sampler=RandomSampler(seed=1))
    s.optimize(lambda t: (t.suggest_float("x", -5, 5) ** 2, t.suggest_float("y", 0, 1) + 0.01 * t.suggest_int("n", 1, 3)), n_trials=40)
    return s


def test_bars_are_the_importances_least_first(study):
    fig = plot_param_importances(study)
    (bar,) = fig.data
    imp = get_param_importances(study)
    assert list(bar.y) == list(reversed(imp)) and list(bar.y)[-1] == "x"
    np.testing.assert_allclose(bar.x, [imp[n] for n in bar.y])
    assert list(bar.text) == [f"{imp[n]:.2f}" if imp[n] >= 0.01 else "<0.01" for n in bar.y]
    kinds = {"x": "FloatDistribution", "lr": "FloatDistribution", "c": "CategoricalDistribution", "n": "IntDistribution"}
    assert list(bar.hovertemplate) == [f"{n} ({kinds[n]}): {imp[n]}<extra></extra>" for n in bar.y]
    assert bar.name == "Objective Value" and bar.orientation == "h" and bar.textposition == "outside"
    assert fig.layout.title.text == "Hyperparameter Importances"
    assert fig.layout.xaxis.title.text == "Hyperparameter Importance" and fig.layout.yaxis.title.text == "Hyperparameter"


def test_same_figure_as_optuna(study):
    # The importances agree to rounding; the hover text prints them in full, so it is left out.
    assert_same_figure(
        plot_param_importances(study), optuna.visualization.plot_param_importances(to_optuna(study)), skip=("hovertemplate",)
    )


def test_evaluator_params_and_target_are_passed_on(study):
    fig = plot_param_importances(
        study, evaluator=FanovaImportanceEvaluator(seed=0), params=["x", "c"], target=lambda t: -t.value, target_name="neg"
    )
    imp = get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=0), params=["x", "c"], target=lambda t: -t.value)
    assert list(fig.data[0].y) == list(reversed(imp)) and fig.data[0].name == "neg"
    np.testing.assert_allclose(fig.data[0].x, [imp[n] for n in fig.data[0].y])


def test_metric_name_names_the_bars():
    s = ferrotune.create_study(sampler=RandomSampler(seed=0))
    s.set_metric_names(["loss"])
    s.optimize(_objective, n_trials=20)
    assert plot_param_importances(s).data[0].name == "loss"


def test_multi_objective_without_target_has_one_group_per_objective(mo_study):
    fig = plot_param_importances(mo_study)
    assert [b.name for b in fig.data] == ["Objective Value 0", "Objective Value 1"]
    for k, bar in enumerate(fig.data):
        imp = get_param_importances(mo_study, target=lambda t, k=k: t.values[k])
        assert list(bar.y) == list(reversed(imp))
        np.testing.assert_allclose(bar.x, [imp[n] for n in bar.y])
    assert fig.data[0].y[-1] == "x" and fig.data[1].y[-1] == "y"
    assert_same_figure(fig, optuna.visualization.plot_param_importances(to_optuna(mo_study)), skip=("hovertemplate",))
    one = plot_param_importances(mo_study, target=lambda t: t.values[1], target_name="second")
    assert [b.name for b in one.data] == ["second"]
    np.testing.assert_allclose(one.data[0].x, fig.data[1].x)


def test_multi_objective_with_a_forest_evaluator(mo_study):
    fig = plot_param_importances(mo_study, evaluator=FanovaImportanceEvaluator(seed=1))
    for k, bar in enumerate(fig.data):
        imp = get_param_importances(mo_study, evaluator=FanovaImportanceEvaluator(seed=1), target=lambda t, k=k: t.values[k])
        assert list(bar.y) == list(reversed(imp))
        np.testing.assert_allclose(bar.x, [imp[n] for n in bar.y])


def test_multi_objective_metric_names(mo_study):
    s = ferrotune.create_study(directions=["minimize", "maximize"])
    s.set_metric_names(["loss", "acc"])
    s.add_trials(mo_study.trials)
    assert [b.name for b in plot_param_importances(s).data] == ["loss", "acc"]


@pytest.mark.parametrize("rows", [[], [("FAIL", None, None)]], ids=["empty", "only-failed"])
def test_no_complete_trials_gives_empty_figure_and_log(rows, logs):
    s = build_study(rows)
    fig = plot_param_importances(s)
    assert len(fig.data) == 0 and fig.layout.title.text == "Hyperparameter Importances"
    assert "Study instance does not contain completed trials." in logs.text
    with pytest.warns(ExperimentalWarning):
        ax = fmpl.plot_param_importances(s)
    assert len(ax.patches) == 0


def test_matplotlib_bars(study, mo_study):
    imp = get_param_importances(study)
    with pytest.warns(ExperimentalWarning):
        ax = fmpl.plot_param_importances(study)
    names = list(reversed(imp))
    np.testing.assert_allclose([p.get_width() for p in ax.patches], [imp[n] for n in names])
    assert [t.get_text() for t in ax.get_yticklabels()] == names
    assert [t.get_text() for t in ax.texts] == [f"{imp[n]:.2f}" if imp[n] >= 0.01 else "<0.01" for n in names]
    assert ax.get_xlim()[1] > max(imp.values())  # the labels fit
    with pytest.warns(ExperimentalWarning):
        ax = fmpl.plot_param_importances(mo_study)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Objective Value 0", "Objective Value 1"]
    assert len(ax.patches) == 2 * len(get_param_importances(mo_study, target=lambda t: t.values[0]))
