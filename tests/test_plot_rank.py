"""plot_rank (plotly and matplotlib): traces hold the trials' parameters, rank colours and hover
texts exactly as Optuna's figure on the same trials."""

from __future__ import annotations

import logging
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
from ferrotune.visualization import plot_rank
from ferrotune.visualization._rank_info import average_order, scaled_rgb_colors
from ferrotune.visualization.matplotlib import plot_rank as mpl_plot_rank

matplotlib.use("Agg")

optuna.logging.set_verbosity(optuna.logging.ERROR)
pytestmark = pytest.mark.filterwarnings("ignore::ferrotune.exceptions.ExperimentalWarning")


def _both(n: int = 30, *, k: int = 1, seed: int = 0) -> tuple[ferrotune.Study, optuna.Study]:
    """The same trials in both libraries: a log float, a conditional int, a categorical, a
    numeric categorical; some infeasible; ties in the objective."""
    rng = np.random.default_rng(seed)
    directions = ["minimize"] * k
    ft, op = ferrotune.create_study(directions=directions), optuna.create_study(directions=directions)
    for i in range(n):
        lr = float(10 ** rng.uniform(-4, -1))
        values = [float(i % 7)] + [float(rng.integers(0, 5)) for _ in range(k - 1)]
        for mod, study in ((ferrotune, ft), (optuna, op)):
            d = mod.distributions
            params: dict[str, Any] = {"lr": lr, "c": ["a", "b", "c"][i % 3], "m": [1, 2.5][i % 2]}
            dists = {
                "lr": d.FloatDistribution(1e-4, 1e-1, log=True),
                "c": d.CategoricalDistribution(["a", "b", "c"]),
                "m": d.CategoricalDistribution([1, 2.5]),
            }
            if i % 4:
                params["n"], dists["n"] = i % 5 + 1, d.IntDistribution(1, 5)
            study.add_trial(
                mod.create_trial(
                    values=values, params=params, distributions=dists, system_attrs={"constraints": [1.0 if i % 6 == 0 else -1.0]}
                )
            )
    return ft, op


def _colors(trace: Any) -> np.ndarray:
    return np.array([[float(v) for v in c[4:-1].split(",")] for c in trace.marker.color])


def _same(ours: Any, theirs: Any) -> None:
    assert len(ours.data) == len(theirs.data)
    for a, b in zip(ours.data, theirs.data, strict=True):
        assert list(a.x) == list(b.x) and list(a.y) == list(b.y)
        if b.hovertext is not None:
            assert list(a.hovertext) == list(b.hovertext)
            np.testing.assert_array_equal(_colors(a), _colors(b))
        else:  # the colour bar
            assert a.marker.colorbar == b.marker.colorbar and a.marker.colorscale == b.marker.colorscale
    assert ours.layout.to_plotly_json() == theirs.layout.to_plotly_json()


@pytest.mark.parametrize("params", [None, ["lr", "c"], ["n"], ["c", "m", "lr"], ["m", "n"]])
def test_plotly_matches_optuna(params: list[str] | None) -> None:
    ft, op = _both()
    _same(plot_rank(ft, params), optuna.visualization.plot_rank(op, params))


def test_axes_log_categorical_and_conditional() -> None:
    ft, _ = _both()
    fig = plot_rank(ft, ["lr", "c"])
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "category"
    trials = ft.trials
    np.testing.assert_array_equal(fig.data[0].x, [t.params["lr"] for t in trials])
    assert list(fig.data[0].y) == [t.params["c"] for t in trials]
    # A conditional parameter: only the trials that used it.
    fig = plot_rank(ft, ["lr", "n"])
    assert list(fig.data[0].y) == [t.params["n"] for t in trials if "n" in t.params]
    assert fig.layout.title.text == "Rank (Objective Value)"


def test_rank_colours_order_values_and_grey_infeasible() -> None:
    ft, _ = _both()
    fig = plot_rank(ft, ["lr", "c"])
    colors = _colors(fig.data[0])
    values = np.array([t.value for t in ft.trials])
    infeasible = np.array([t.system_attrs["constraints"][0] > 0 for t in ft.trials])
    assert (colors[infeasible] == 204).all()
    # Feasible trials: the colour scale sampled at the value's average rank among all plotted trials.
    import plotly.colors as pc

    ok = ~infeasible
    srt = np.sort(values)
    ranks = np.array([np.flatnonzero(srt == v).mean() for v in values]) / (len(values) - 1)
    want = np.array([pc.unlabel_rgb(c) for c in pc.sample_colorscale("RdYlBu_r", list(ranks))], dtype=float)
    np.testing.assert_array_equal(colors[ok], want[ok])
    # Equal values, equal colours.
    for v in np.unique(values[ok]):
        assert len({tuple(c) for c in colors[ok][values[ok] == v]}) == 1


def test_target_and_multi_objective() -> None:
    ft, op = _both(k=2)
    with pytest.raises(FerrotuneValueError, match="target"):
        plot_rank(ft)

    def target(t: Any) -> float:
        return float(t.values[1])

    ours = plot_rank(ft, ["lr", "m"], target=target, target_name="second")
    _same(ours, optuna.visualization.plot_rank(op, ["lr", "m"], target=target, target_name="second"))
    assert "Objective #1" in ours.data[0].hovertext[0]


def test_unknown_param_empty_and_failed(caplog: pytest.LogCaptureFixture) -> None:
    ft, _ = _both()
    with pytest.raises(FerrotuneValueError, match="Parameter nope does not exist"):
        plot_rank(ft, ["lr", "nope"])
    empty = ferrotune.create_study()
    empty.add_trial(ferrotune.create_trial(state=ferrotune.trial.TrialState.FAIL))
    with caplog.at_level(logging.WARNING):
        fig = plot_rank(empty)
    assert "does not have any completed trials" in caplog.text
    assert len(fig.data) == 0 and fig.layout.title.text == "Rank (Objective Value)"
    ax = mpl_plot_rank(empty)
    assert ax.get_title() == "Rank (Objective Value)" and not ax.has_data()


def test_many_trials_numeric_colours() -> None:
    study = ferrotune.create_study(sampler=ferrotune.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("a", 0, 1) + t.suggest_int("b", 0, 3), n_trials=2100)
    fig = plot_rank(study, ["a", "b"])
    trace = fig.data[0]
    assert trace.type == "scattergl"
    values = np.array([t.value for t in study.trials])
    ranks = average_order(values) / (len(values) - 1)
    np.testing.assert_allclose(trace.marker.color, ranks * 0.999)
    np.testing.assert_array_equal(trace.x, [t.params["a"] for t in study.trials])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=40))
def test_average_order_is_mean_sorted_position(data: list[int]) -> None:
    a = np.array(data, dtype=float)
    srt = np.sort(a)
    want = [np.flatnonzero(srt == v).mean() for v in a]
    np.testing.assert_allclose(average_order(a), want)


def test_colours_equal_plotly_sampling() -> None:
    import plotly.colors as pc

    idx = np.linspace(0, 1, 97)
    want = [pc.unlabel_rgb(c) for c in pc.sample_colorscale("RdYlBu_r", list(idx))]
    np.testing.assert_array_equal(scaled_rgb_colors(idx), np.array(want, dtype=float))


@pytest.mark.parametrize("params", [["lr", "c"], ["c", "m", "lr"]])
def test_matplotlib_matches_optuna(params: list[str]) -> None:
    ft, op = _both()
    with pytest.warns(ExperimentalWarning):
        ours = mpl_plot_rank(ft, params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = optuna.visualization.matplotlib.plot_rank(op, params)
    ours_axes, theirs_axes = np.atleast_1d(ours).ravel(), np.atleast_1d(theirs).ravel()
    assert len(ours_axes) == len(theirs_axes)
    for a, b in zip(ours_axes, theirs_axes, strict=True):
        assert (a.get_xlabel(), a.get_ylabel(), a.get_xscale(), a.get_yscale()) == (
            b.get_xlabel(),
            b.get_ylabel(),
            b.get_xscale(),
            b.get_yscale(),
        )
        np.testing.assert_array_equal(a.collections[0].get_offsets(), b.collections[0].get_offsets())
        np.testing.assert_allclose(a.collections[0].get_facecolors(), b.collections[0].get_facecolors())
        if a.get_xscale() != "log":
            np.testing.assert_allclose(a.get_xlim(), b.get_xlim())
    fig = ours_axes[0].figure
    cbar_labels = [t.get_text() for t in fig.axes[-1].get_yticklabels()]
    assert cbar_labels == [t.get_text() for t in theirs_axes[0].figure.axes[-1].get_yticklabels()]


@pytest.mark.filterwarnings("ignore:Attempting to set identical")  # matplotlib, as under Optuna
def test_one_parameter_and_single_trial() -> None:
    study = ferrotune.create_study()
    study.add_trial(
        ferrotune.create_trial(value=1.5, params={"x": 0.25}, distributions={"x": ferrotune.distributions.FloatDistribution(0, 1)})
    )
    fig = plot_rank(study)
    # One parameter: a 1 x 1 matrix plus the colour bar; one trial sits mid-scale.
    assert len(fig.data) == 2
    assert list(fig.data[0].x) == [0.25] and list(fig.data[0].y) == [0.25]
    assert _colors(fig.data[0]).tolist() == [[255.0, 255.0, 191.0]]
    ax = mpl_plot_rank(study)
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), [[0.25, 0.25]])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "x")


def test_nan_target_is_left_out(caplog: pytest.LogCaptureFixture) -> None:
    ft, _ = _both(10)
    with caplog.at_level(logging.WARNING):
        fig = plot_rank(ft, ["lr", "c"], target=lambda t: float("nan") if t.number == 3 else t.value, target_name="v")
    assert "Trial 3 is omitted" in caplog.text
    assert len(fig.data[0].x) == 9 and not any(h.startswith("Trial #3<") for h in fig.data[0].hovertext)
