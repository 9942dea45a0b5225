"""plot_intermediate_values (plotly and matplotlib): one curve per running, pruned or complete
trial holding its reported values by step, infeasible trials grey, equal to Optuna's figure."""

from __future__ import annotations

import matplotlib
import numpy as np
import optuna
import pytest
from _plot_optuna import assert_same_figure, to_optuna

import ferrotune
from ferrotune.exceptions import ExperimentalWarning
from ferrotune.trial import TrialState, create_trial
from ferrotune.visualization import matplotlib as fmpl
from ferrotune.visualization import plot_intermediate_values
from ferrotune.visualization._intermediate_values import MAX_SEPARATE_CURVES

matplotlib.use("Agg")

optuna.logging.set_verbosity(optuna.logging.ERROR)


def _study(rows) -> ferrotune.Study:
    """One trial per (state, intermediate values, constraint) row."""
    study = ferrotune.create_study()
    for state, inter, c in rows:
        study.add_trial(
            create_trial(
                state=state,
                value=1.0 if state == TrialState.COMPLETE else None,
                intermediate_values=inter,
                constraints=None if c is None else {"c": c},
            )
        )
    return study


ROWS = [
    (TrialState.COMPLETE, {2: 0.5, 0: 2.0, 1: 1.0}, None),  # steps out of order: drawn sorted
    (TrialState.FAIL, {0: 9.0}, None),  # failed trials are left out
    (TrialState.PRUNED, {0: 3.0, 5: 2.5}, None),
    (TrialState.COMPLETE, {}, None),  # nothing reported: no curve
    (TrialState.RUNNING, {0: 4.0}, None),
    (TrialState.COMPLETE, {0: 1.5, 1: 0.25}, 1.0),  # infeasible: grey
]


def test_curves_hold_each_trials_values_by_step():
    fig = plot_intermediate_values(_study(ROWS))
    assert [t.name for t in fig.data] == ["Trial0", "Trial2", "Trial4", "Trial5"]
    assert [list(t.x) for t in fig.data] == [[0, 1, 2], [0, 5], [0], [0, 1]]
    assert [list(t.y) for t in fig.data] == [[2.0, 1.0, 0.5], [3.0, 2.5], [4.0], [1.5, 0.25]]
    assert [t.marker.color for t in fig.data] == [None, None, None, "#CCCCCC"]
    assert all(t.mode == "lines+markers" and t.marker.maxdisplayed == 10 for t in fig.data)
    assert fig.layout.title.text == "Intermediate Values Plot" and fig.layout.showlegend is False
    assert fig.layout.xaxis.title.text == "Step" and fig.layout.yaxis.title.text == "Intermediate Value"


def test_same_figure_as_optuna():
    study = _study(ROWS)
    assert_same_figure(plot_intermediate_values(study), optuna.visualization.plot_intermediate_values(to_optuna(study)))


def test_optimized_study_with_pruner_equals_optuna():
    study = ferrotune.create_study(
        sampler=ferrotune.samplers.RandomSampler(seed=3), pruner=ferrotune.pruners.MedianPruner(n_warmup_steps=1)
    )

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        for step in range(6):
            trial.report(x * (6 - step), step)
            if trial.should_prune():
                raise ferrotune.TrialPruned()
        return x

    study.optimize(objective, n_trials=15)
    fig = plot_intermediate_values(study)
    assert len(fig.data) == 15
    assert_same_figure(fig, optuna.visualization.plot_intermediate_values(to_optuna(study)))


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "Study instance does not contain trials."),
        ([(TrialState.FAIL, {0: 1.0}, None)], "Study instance does not contain trials."),
        ([(TrialState.COMPLETE, {}, None)], "You need to set up the pruning feature"),
    ],
    ids=["empty", "only-failed", "no-reports"],
)
def test_nothing_to_draw_gives_empty_figure_and_log(rows, message, logs):
    study = _study(rows)
    fig = plot_intermediate_values(study)
    assert len(fig.data) == 0 and fig.layout.title.text == "Intermediate Values Plot"
    assert message in logs.text
    with pytest.warns(ExperimentalWarning):
        ax = fmpl.plot_intermediate_values(study)
    assert len(ax.get_lines()) == 0


def test_matplotlib_draws_the_same_curves():
    with pytest.warns(ExperimentalWarning):
        ax = fmpl.plot_intermediate_values(_study(ROWS))
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == ["Trial0", "Trial2", "Trial4", "Trial5"]
    assert [list(ln.get_xdata()) for ln in lines] == [[0, 1, 2], [0, 5], [0], [0, 1]]
    assert [list(ln.get_ydata()) for ln in lines] == [[2.0, 1.0, 0.5], [3.0, 2.5], [4.0], [1.5, 0.25]]
    assert lines[3].get_color() == "#CCCCCC" and lines[0].get_color() != "#CCCCCC"
    assert ax.get_legend() is not None and ax.get_title() == "Intermediate Values Plot"


def _many(n: int) -> ferrotune.Study:
    study = ferrotune.create_study()
    study.add_trials(
        [
            create_trial(value=1.0, intermediate_values={0: float(i), 1: float(i) / 2}, constraints={"c": 1.0 if i % 3 == 0 else 0.0})
            for i in range(n)
        ]
    )
    return study


def test_many_curves_are_grouped_into_few_webgl_traces_with_every_point():
    n = MAX_SEPARATE_CURVES + 7
    fig = plot_intermediate_values(_many(n))
    assert len(fig.data) == 11 and all(t.type == "scattergl" for t in fig.data)
    assert fig.data[0].line.color == "#CCCCCC" and fig.data[0].name == "Infeasible Trials"
    points = {}
    for k, t in enumerate(fig.data):
        x, y, who = np.asarray(t.x), np.asarray(t.y), np.asarray(t.customdata)
        assert np.isnan(x[2::3]).all()  # each two-step curve ends with a break
        for step, value, number in zip(x, y, who, strict=True):
            if not np.isnan(step):
                points.setdefault(int(number), []).append((step, value))
                assert (number % 3 == 0) == (k == 0)  # the grey trace holds the infeasible ones
    assert points == {i: [(0.0, float(i)), (1.0, i / 2)] for i in range(n)}


def test_matplotlib_many_curves_in_one_collection():
    n = MAX_SEPARATE_CURVES + 1
    with pytest.warns(ExperimentalWarning):
        ax = fmpl.plot_intermediate_values(_many(n))
    (coll,) = ax.collections
    segs = coll.get_segments()
    assert len(segs) == n and np.array_equal(segs[3], [[0.0, 3.0], [1.0, 1.5]])
    assert ax.get_legend() is None
