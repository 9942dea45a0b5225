"""The five plots of this group on every kind of study (single- and multi-objective, conditional
and categorical, one parameter, empty, only failed): both backends build, and the plotly figure
equals Optuna's on the same trials."""

from __future__ import annotations

import matplotlib
import optuna
import pytest
from _plot_optuna import assert_same_figure, to_optuna

import ferrotune
import ferrotune.visualization as fv
from ferrotune.exceptions import ExperimentalWarning, FerrotuneValueError
from ferrotune.samplers import RandomSampler

matplotlib.use("Agg")

optuna.logging.set_verbosity(optuna.logging.ERROR)

NAMES = ["plot_optimization_history", "plot_intermediate_values", "plot_edf", "plot_timeline", "plot_param_importances"]
NEED_TARGET = {"plot_optimization_history", "plot_edf"}  # multi-objective needs a target there


def _conditional(trial):
    kind = trial.suggest_categorical("kind", ["linear", "tree", None])
    if kind == "linear":
        v = trial.suggest_float("alpha", 1e-4, 1.0, log=True)
    elif kind == "tree":
        v = trial.suggest_int("depth", 1, 8) / 8
    else:
        v = 0.5
    trial.report(v * 2, 0)
    trial.report(v, 1)
    if v > 0.9:
        raise ValueError("fails on purpose")
    return v


def _studies():
    conditional = ferrotune.create_study(sampler=RandomSampler(seed=0))
    conditional.optimize(_conditional, n_trials=30, catch=(ValueError,))
    one = ferrotune.create_study(direction="maximize", sampler=RandomSampler(seed=1))
    one.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=12)
    multi = ferrotune.create_study(directions=["minimize", "maximize"], sampler=RandomSampler(seed=2))
    multi.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_categorical("c", [1, 2, 3]) * t.suggest_float("y", 0, 1)), n_trials=15)
    failed = ferrotune.create_study()
    failed.optimize(lambda t: float("nan"), n_trials=3)  # a NaN result fails the trial
    return {"conditional": conditional, "one-param": one, "multi": multi, "empty": ferrotune.create_study(), "only-failed": failed}


STUDIES = _studies()


@pytest.mark.parametrize("kind", sorted(STUDIES))
@pytest.mark.parametrize("name", NAMES)
def test_every_plot_on_every_study_equals_optuna(name, kind):
    study = STUDIES[kind]
    multi = len(study.directions) > 1
    if multi and name in NEED_TARGET:
        with pytest.raises(FerrotuneValueError, match="target"):
            getattr(fv, name)(study)
        kwargs = {"target": lambda t: t.values[1], "target_name": "second"}
    else:
        kwargs = {}
    ours = getattr(fv, name)(study, **kwargs)
    theirs = getattr(optuna.visualization, name)(to_optuna(study), **kwargs)
    # Importances agree to rounding, which the hover text prints in full; the timeline's bar
    # starts are compared as datetimes in test_plot_timeline.py.
    skip = ("hovertemplate",) if name == "plot_param_importances" else ()
    assert_same_figure(ours, theirs, skip=skip)
    with pytest.warns(ExperimentalWarning):
        ax = getattr(fv.matplotlib, name)(study, **kwargs)
    assert isinstance(ax, matplotlib.axes.Axes) and (ax.get_title() or ax.get_title(loc="left"))


@pytest.mark.parametrize("name", NAMES)
def test_matplotlib_style_is_not_left_changed(name):
    before = dict(matplotlib.rcParams)
    with pytest.warns(ExperimentalWarning):
        ax = getattr(fv.matplotlib, name)(STUDIES["conditional"])
    assert dict(matplotlib.rcParams) == before
    assert matplotlib.colors.to_hex(ax.get_facecolor()) == "#e5e5e5"  # drawn in ggplot's style
