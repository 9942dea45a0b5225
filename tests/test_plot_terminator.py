"""plot_terminator_improvement (plotly and matplotlib): the traces hold the evaluators' values
after each trial, as Optuna's figure does."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import matplotlib
import numpy as np
import optuna
import optuna.terminator as ot
import optuna.visualization as ov
import pytest

import ferrotune as ft
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.terminator import BestValueStagnationEvaluator, RegretBoundEvaluator, StaticErrorEvaluator, report_cross_validation_scores

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ft.exceptions.ExperimentalWarning)
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        warnings.simplefilter("ignore", FutureWarning)
        ft.logging.set_verbosity(ft.logging.WARNING)
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        yield
    matplotlib.pyplot.close("all")


def plot_terminator_improvement(study: ft.Study, **kwargs: Any) -> Any:
    # Imported when called, not at collection: importing ferrotune.visualization sets it as an
    # attribute of ferrotune, which tests/test_optuna_names.py checks is not there yet.
    from ferrotune.visualization import plot_terminator_improvement as plot

    return plot(study, **kwargs)


def plot_mpl(study: ft.Study, **kwargs: Any) -> Any:
    from ferrotune.visualization.matplotlib import plot_terminator_improvement as plot

    return plot(study, **kwargs)


def _values() -> list[float]:
    return [5.0, 4.0, 4.5, 3.0, 3.2, 3.1, 2.0, 2.5, 2.2, 2.3, 2.4, 2.1]


def _pair() -> tuple[ft.Study, optuna.Study]:
    """The same trials (a failed one among them) in both libraries."""
    ours, theirs = ft.create_study(), optuna.create_study()
    studies: list[tuple[Any, Any]] = [(ours, ft), (theirs, optuna)]
    for i, v in enumerate(_values()):
        for s, mod in studies:
            t = s.ask()
            t.suggest_float("x", 0.0, 1.0)
            if i == 4:
                s.tell(t, state=mod.trial.TrialState.FAIL)
            else:
                (report_cross_validation_scores if s is ours else ot.report_cross_validation_scores)(t, [v - 0.1 * i, v + 0.1 * i])
                s.tell(t, v)
    return ours, theirs


def test_traces_equal_optunas_with_a_deterministic_evaluator() -> None:
    ours, theirs = _pair()
    mine = plot_terminator_improvement(ours, plot_error=True, improvement_evaluator=BestValueStagnationEvaluator(3), min_n_trials=5)
    ref = ov.plot_terminator_improvement(theirs, plot_error=True, improvement_evaluator=ot.BestValueStagnationEvaluator(3), min_n_trials=5)
    assert len(mine.data) == len(ref.data) == 3
    for a, b in zip(mine.data, ref.data, strict=True):
        assert list(a.x) == list(b.x) and list(a.y) == list(b.y)
        assert (a.name, a.mode, a.showlegend, a.marker.color) == (b.name, b.mode, b.showlegend, b.marker.color)
    assert mine.layout.yaxis.range == pytest.approx(ref.layout.yaxis.range)
    assert mine.layout.title.text == ref.layout.title.text == "Terminator Improvement Plot"
    # Stagnation after each trial from the first: 3 - trials since the best; the failed trial 4
    # repeats trial 3's value; the static error is 0.
    assert list(mine.data[0].y[:4]) == [3, 3, 2, 3]


def test_regret_bound_points_are_the_evaluator_on_each_prefix() -> None:
    ours, theirs = _pair()
    fig = plot_terminator_improvement(ours, improvement_evaluator=RegretBoundEvaluator(seed=0), min_n_trials=5)
    ys = np.concatenate([fig.data[0].y, fig.data[1].y[1:]])
    # The same seed sequence, evaluated on the complete trials up to each trial.
    evaluator = RegretBoundEvaluator(seed=0)
    trials = ours.trials
    want = [
        evaluator.evaluate([t for t in trials[: i + 1] if t.state == ft.trial.TrialState.COMPLETE], ours.direction)
        for i in range(len(trials))
    ]
    assert list(ys) == want
    assert list(np.concatenate([fig.data[0].x, fig.data[1].x[1:]])) == list(range(len(trials)))
    ref = ov.plot_terminator_improvement(theirs, improvement_evaluator=ot.RegretBoundEvaluator(seed=0), min_n_trials=5)
    assert [len(t.x) for t in fig.data[:2]] == [len(t.x) for t in ref.data[:2]]
    assert np.all(ys >= 0) and fig.data[2].x is None


def test_error_is_the_cross_validation_error_by_default() -> None:
    ours, _ = _pair()
    fig = plot_terminator_improvement(ours, plot_error=True, improvement_evaluator=RegretBoundEvaluator(seed=0))
    errors = np.array(fig.data[-1].y)
    # The first trial is the best until trial 1: scores [5, 5] have no spread.
    assert errors[0] == 0.0 and fig.data[-1].name == "Error"
    best = ours.trials[int(np.argmin([t.value if t.value is not None else np.inf for t in ours.trials]))]
    s = np.array(best.system_attrs["terminator:cv_scores"])
    assert errors[-1] == pytest.approx(np.sqrt((1 / 2 + 1) * np.var(s)))


def test_matplotlib_draws_the_same_numbers() -> None:
    ours, _ = _pair()
    fig = plot_terminator_improvement(ours, plot_error=True, improvement_evaluator=BestValueStagnationEvaluator(3), min_n_trials=5)
    ax = plot_mpl(ours, plot_error=True, improvement_evaluator=BestValueStagnationEvaluator(3), min_n_trials=5)
    lines = ax.get_lines()
    assert len(lines) == 3
    for line, trace in zip(lines, fig.data, strict=True):
        assert list(line.get_xdata()) == list(trace.x) and list(line.get_ydata()) == list(trace.y)
    assert ax.get_ylim() == pytest.approx(tuple(fig.layout.yaxis.range))
    assert ax.get_title() == "Terminator Improvement Plot"


def test_empty_and_failed_only_studies_give_an_empty_figure() -> None:
    study = ft.create_study()
    assert len(plot_terminator_improvement(study).data) == 0
    assert len(plot_mpl(study).get_lines()) == 0
    study.tell(study.ask(), state=ft.trial.TrialState.FAIL)
    assert len(plot_terminator_improvement(study, improvement_evaluator=BestValueStagnationEvaluator()).data) == 0


def test_multi_objective_is_refused() -> None:
    study = ft.create_study(directions=["minimize", "maximize"])
    for backend in (plot_terminator_improvement, plot_mpl):
        with pytest.raises(FerrotuneValueError, match="multi-objective"):
            backend(study)


def test_experimental_warning() -> None:
    with pytest.warns(ft.exceptions.ExperimentalWarning, match="plot_terminator_improvement"):
        plot_terminator_improvement(
            ft.create_study(), improvement_evaluator=BestValueStagnationEvaluator(), error_evaluator=StaticErrorEvaluator(0)
        )
