"""plot_timeline (plotly and matplotlib): one bar per trial from its start to its end, grouped and
coloured by state as Optuna does, running trials reaching to now, equal to Optuna's figure."""

from __future__ import annotations

import datetime
import time

import matplotlib
import numpy as np
import optuna
import pytest
from _plot_optuna import to_optuna

import ferrotune
from ferrotune.exceptions import ExperimentalWarning, FerrotuneValueError
from ferrotune.trial import TrialState, create_trial
from ferrotune.visualization import matplotlib as fmpl
from ferrotune.visualization import plot_timeline

matplotlib.use("Agg")

optuna.logging.set_verbosity(optuna.logging.ERROR)

T0 = datetime.datetime(2026, 3, 1, 12, 0, 0, 250000)


def _add(study, state, start, seconds, constraint=None, value=1.0):
    trial = create_trial(
        state=state,
        value=value if state == TrialState.COMPLETE else None,
        params={"x": 1.5},
        distributions={"x": ferrotune.distributions.FloatDistribution(0, 2)},
        user_attrs={"note": "n"},
        constraints=None if constraint is None else {"c": constraint},
    )
    trial.datetime_start = None if start is None else T0 + datetime.timedelta(seconds=start)
    trial.datetime_complete = None if seconds is None else T0 + datetime.timedelta(seconds=start + seconds)
    study.add_trial(trial)


def _finished_study():
    study = ferrotune.create_study()
    _add(study, TrialState.COMPLETE, 0, 2.5)
    _add(study, TrialState.FAIL, 1, 0.125)
    _add(study, TrialState.COMPLETE, 2, 1.0, constraint=3.0)  # infeasible
    _add(study, TrialState.PRUNED, 3, 4.0)
    _add(study, TrialState.COMPLETE, 4, 0.000001, constraint=-1.0)
    _add(study, TrialState.WAITING, None, None)  # no times: a 1 s bar at the last end
    return study


def _iso(t: datetime.datetime) -> np.datetime64:
    return np.datetime64(t, "us")


def test_bars_hold_each_trials_start_and_duration_by_state():
    fig = plot_timeline(_finished_study())
    assert [t.name for t in fig.data] == ["INFEASIBLE", "COMPLETE", "FAIL", "PRUNED", "WAITING"]
    assert [t.marker.color for t in fig.data] == ["#cccccc", "blue", "red", "orange", "gray"]
    by = {t.name: t for t in fig.data}
    assert list(by["COMPLETE"].y) == [0, 4] and list(by["INFEASIBLE"].y) == [2]
    np.testing.assert_allclose(by["COMPLETE"].x, [2500.0, 0.001])
    np.testing.assert_allclose(by["FAIL"].x, [125.0])
    starts = [np.datetime64(b) for b in by["COMPLETE"].base]
    assert starts == [_iso(T0), _iso(T0 + datetime.timedelta(seconds=4))]
    last_end = T0 + datetime.timedelta(seconds=7)  # the pruned trial's end
    assert np.datetime64(by["WAITING"].base[0]) == _iso(last_end) and list(by["WAITING"].x) == [1000.0]
    assert by["FAIL"].hovertemplate == "%{text}<extra>FAIL</extra>" and by["FAIL"].orientation == "h"
    assert '"number": 1' in by["FAIL"].text[0] and '"note": "n"' in by["FAIL"].text[0]
    assert fig.layout.title.text == "Timeline Plot" and fig.layout.xaxis.type == "date"
    assert fig.layout.xaxis.title.text == "Datetime" and fig.layout.yaxis.title.text == "Trial"
    assert fig.layout.showlegend is True


def test_same_figure_as_optuna():
    study = _finished_study()
    ours, theirs = plot_timeline(study), optuna.visualization.plot_timeline(to_optuna(study))
    assert [t.name for t in ours.data] == [t.name for t in theirs.data]
    for a, b in zip(ours.data, theirs.data, strict=True):
        assert list(a.y) == list(b.y) and a.marker.color == b.marker.color and a.hovertemplate == b.hovertemplate
        np.testing.assert_allclose(a.x, b.x)
        assert [np.datetime64(v) for v in a.base] == [np.datetime64(v) for v in b.base]
        assert list(a.text) == list(b.text)  # the hover text, built from the columns
    assert ours.layout.title.text == theirs.layout.title.text


def test_running_trial_reaches_past_now():
    study = ferrotune.create_study()
    study.add_trial(create_trial(value=1.0))
    trial = study.ask()  # running, started now
    before = time.time()
    fig = plot_timeline(study)
    running = next(t for t in fig.data if t.name == "RUNNING")
    assert running.marker.color == "green" and list(running.y) == [trial.number]
    start = np.datetime64(running.base[0])
    end = start + np.timedelta64(int(running.x[0] * 1000), "us")
    # It ends one second after "now", which was taken during the call.
    now_local = np.datetime64(datetime.datetime.fromtimestamp(before), "us")
    assert end >= now_local + np.timedelta64(999_000, "us")


def test_n_recent_trials_keeps_the_last_ones():
    fig = plot_timeline(_finished_study(), n_recent_trials=2)
    assert sorted(n for t in fig.data for n in t.y) == [4, 5]
    fig = plot_timeline(_finished_study(), n_recent_trials=100)
    assert sorted(n for t in fig.data for n in t.y) == [0, 1, 2, 3, 4, 5]
    for bad in (0, -1):
        with pytest.raises(FerrotuneValueError, match="n_recent_trials"):
            plot_timeline(_finished_study(), n_recent_trials=bad)
        with pytest.raises(ValueError, match="n_recent_trials"), pytest.warns(ExperimentalWarning):
            fmpl.plot_timeline(_finished_study(), n_recent_trials=bad)


def test_empty_study_gives_empty_figure_and_log(logs):
    study = ferrotune.create_study()
    fig = plot_timeline(study)
    assert len(fig.data) == 0 and fig.layout.title.text == "Timeline Plot"
    assert "Your study does not have any trials." in logs.text
    with pytest.warns(ExperimentalWarning):
        ax = fmpl.plot_timeline(study)
    assert len(ax.patches) == 0


def test_reversed_times_are_logged(logs):
    study = ferrotune.create_study()
    _add(study, TrialState.COMPLETE, 5, -2.0)
    plot_timeline(study)
    assert "The start and end times for Trial 0 seem to be reversed." in logs.text


def test_matplotlib_bars_and_legend():
    with pytest.warns(ExperimentalWarning):
        ax = fmpl.plot_timeline(_finished_study())
    bars = ax.patches
    assert len(bars) == 6
    assert [round(b.get_y() + b.get_height() / 2) for b in bars] == [0, 1, 2, 3, 4, 5]
    days = matplotlib.dates.date2num
    np.testing.assert_allclose([b.get_width() * 86400 for b in bars], [2.5, 0.125, 1.0, 4.0, 0.000001, 1.0], atol=1e-6)
    np.testing.assert_allclose(bars[3].get_x(), days(T0 + datetime.timedelta(seconds=3)))
    colors = [matplotlib.colors.to_hex(b.get_facecolor()) for b in bars]
    tab = {n: matplotlib.colors.to_hex(n) for n in ("tab:blue", "tab:red", "tab:orange", "tab:gray")}
    assert colors == [tab["tab:blue"], tab["tab:red"], "#cccccc", tab["tab:orange"], tab["tab:blue"], tab["tab:gray"]]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["COMPLETE", "FAIL", "PRUNED", "INFEASIBLE", "WAITING"]
    assert ax.get_title() == "Timeline Plot" and ax.get_xlabel() == "Datetime"


@pytest.mark.parametrize("bad", [2.5, True, "3"])
def test_n_recent_trials_must_be_an_integer(bad):
    with pytest.raises(FerrotuneValueError, match="n_recent_trials must be a positive integer"):
        plot_timeline(_finished_study(), n_recent_trials=bad)


def test_n_recent_trials_numpy_integer():
    fig = plot_timeline(_finished_study(), n_recent_trials=np.int64(1))
    assert [n for t in fig.data for n in t.y] == [5]


@pytest.mark.parametrize("bad", [None, [ferrotune.create_study()]])
def test_not_a_study_is_a_clear_error(bad):
    with pytest.raises(ferrotune.exceptions.FerrotuneTypeError, match="study must be a Study"):
        plot_timeline(bad)


def test_matplotlib_many_bars_are_one_collection_with_every_bar():
    from ferrotune.visualization.matplotlib._timeline import MAX_SEPARATE_BARS

    study = ferrotune.create_study()
    n = MAX_SEPARATE_BARS + 5
    for i in range(n):
        _add(study, TrialState.COMPLETE if i % 4 else TrialState.FAIL, i * 0.5, 2.0)
    with pytest.warns(ExperimentalWarning):
        ax = fmpl.plot_timeline(study)
    assert len(ax.patches) == 0
    (coll,) = ax.collections
    paths = coll.get_paths()
    assert len(paths) == n
    days = matplotlib.dates.date2num
    for i in (0, 1, n - 1):
        xs, ys = paths[i].vertices[:, 0], paths[i].vertices[:, 1]
        np.testing.assert_allclose(
            [xs.min(), xs.max()], [days(T0 + datetime.timedelta(seconds=i * 0.5)), days(T0 + datetime.timedelta(seconds=i * 0.5 + 2.0))]
        )
        np.testing.assert_allclose([ys.min(), ys.max()], [i - 0.4, i + 0.4])
    red = matplotlib.colors.to_rgba("tab:red")
    assert [tuple(c) == red for c in coll.get_facecolors()[:4]] == [True, False, False, False]
