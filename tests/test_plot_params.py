"""plot_slice, plot_parallel_coordinate and plot_contour (plotly and matplotlib): the figures
hold the study's numbers, and match Optuna's figure built from the same trials."""

from __future__ import annotations

import warnings
from typing import Any

import matplotlib
import numpy as np
import optuna
import pytest
from _plot_twins import assert_same_figure, twins
from hypothesis import given, settings
from hypothesis import strategies as st
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

import ferrotune
from ferrotune.exceptions import ExperimentalWarning, FerrotuneValueError
from ferrotune.trial import TrialState
from ferrotune.visualization import plot_contour, plot_parallel_coordinate, plot_slice
from ferrotune.visualization.matplotlib import plot_contour as mpl_plot_contour
from ferrotune.visualization.matplotlib import plot_parallel_coordinate as mpl_plot_parallel_coordinate
from ferrotune.visualization.matplotlib import plot_slice as mpl_plot_slice

matplotlib.use("Agg")

optuna.logging.set_verbosity(optuna.logging.ERROR)

X = FloatDistribution(-5, 5)
LR = FloatDistribution(1e-5, 1e-1, log=True)
N = IntDistribution(1, 9)
C = CategoricalDistribution(["adam", "sgd", 3])


def mixed_specs(n: int = 30, seed: int = 0, constraints: bool = True) -> list[dict[str, Any]]:
    """A float, a log float, an int, a categorical with mixed choices, a conditional parameter
    (``n`` only when the choice is ``sgd``), some failed and some infeasible trials."""
    rng = np.random.default_rng(seed)
    specs: list[dict[str, Any]] = []
    for i in range(n):
        c = ["adam", "sgd", 3][int(rng.integers(0, 3))]
        params: dict[str, Any] = {"x": float(rng.uniform(-5, 5)), "lr": float(10 ** rng.uniform(-5, -1)), "c": c}
        dists: dict[str, Any] = {"x": X, "lr": LR, "c": C}
        if c == "sgd":
            params["n"] = int(rng.integers(1, 10))
            dists["n"] = N
        spec: dict[str, Any] = {"params": params, "distributions": dists, "value": params["x"] ** 2 + np.log10(params["lr"])}
        if i % 7 == 3:
            spec = {"params": params, "distributions": dists, "state": "FAIL"}
        if constraints:
            spec["constraints"] = {"c0": float(rng.uniform(-1, 0.5))}
        specs.append(spec)
    return specs


def _mo_specs(n: int = 12) -> list[dict[str, Any]]:
    rng = np.random.default_rng(1)
    out = []
    for _ in range(n):
        x, lr = float(rng.uniform(-5, 5)), float(10 ** rng.uniform(-5, -1))
        out.append({"params": {"x": x, "lr": lr}, "distributions": {"x": X, "lr": LR}, "values": [x * x, -x]})
    return out


def _complete(study: ferrotune.Study) -> list[Any]:
    return [t for t in study.trials if t.state == TrialState.COMPLETE]


# ---- plot_slice --------------------------------------------------------------------------


@pytest.mark.parametrize("params", [None, ["x"], ["c"], ["lr", "n"], ["c", "x", "x"]])
def test_slice_matches_optuna(params):
    fs, os_ = twins(mixed_specs())
    assert_same_figure(plot_slice(fs, params=params), optuna.visualization.plot_slice(os_, params=params))


def test_slice_traces_hold_the_study_numbers():
    fs, _ = twins(mixed_specs(constraints=False))
    fig = plot_slice(fs, params=["x", "n"])
    done = _complete(fs)
    # Subplots in name order: n, then x.
    xs = fig.data[1]
    assert list(xs.x) == [t.params["x"] for t in done]
    assert list(xs.y) == [t.value for t in done]
    assert list(xs.marker.color) == [t.number for t in done]
    with_n = [t for t in done if "n" in t.params]
    assert 0 < len(with_n) < len(done)
    assert list(fig.data[0].x) == [t.params["n"] for t in with_n]
    assert list(fig.data[0].marker.color) == [t.number for t in with_n]
    assert fig.layout.xaxis.title.text == "n" and fig.layout.xaxis2.title.text == "x"
    assert fig.layout.yaxis.title.text == "Objective Value"


def test_slice_categorical_and_log_axes():
    fs, _ = twins(mixed_specs())
    fig = plot_slice(fs, params=["c", "lr"])
    assert fig.layout.xaxis.type == "category"
    assert list(fig.layout.xaxis.categoryarray) == ["'adam'", "'sgd'", "3"]
    assert fig.layout.xaxis2.type == "log"
    # Categorical points are grouped by choice in the distribution's order.
    xs = [x for tr in fig.data[:2] for x in tr.x]
    assert set(xs) <= {"'adam'", "'sgd'", "3"}
    feas = list(fig.data[0].x)
    assert feas == sorted(feas, key=["'adam'", "'sgd'", "3"].index)


def test_slice_infeasible_trials_are_grey():
    fs, _ = twins(mixed_specs())
    fig = plot_slice(fs, params=["x"])
    assert [tr.name for tr in fig.data] == ["Feasible Trial", "Infeasible Trial"]
    done = _complete(fs)
    bad = [t for t in done if t.constraints["c0"] > 0]
    assert list(fig.data[1].y) == [t.value for t in bad]
    assert fig.data[1].marker.color == "#cccccc"


def test_slice_multi_objective_needs_target():
    fs, os_ = twins(_mo_specs(), directions=["minimize", "maximize"])
    with pytest.raises(FerrotuneValueError, match="target"):
        plot_slice(fs)
    fig = plot_slice(fs, target=lambda t: t.values[1], target_name="neg x")
    assert list(fig.data[0].y) == [-t.params["x"] for t in fs.trials]
    assert_same_figure(fig, optuna.visualization.plot_slice(os_, target=lambda t: t.values[1], target_name="neg x"))


def test_slice_target_with_default_name_warns():
    fs, _ = twins(mixed_specs())
    with pytest.warns(UserWarning, match="target_name"):
        plot_slice(fs, target=lambda t: t.params["x"])


@pytest.mark.parametrize("states", [[], ["FAIL", "FAIL"]])
def test_slice_empty_and_only_failed(states):
    fs, _ = twins([{"params": {"x": 1.0}, "distributions": {"x": X}, "state": s} for s in states])
    fig = plot_slice(fs)
    assert fig.data == () and fig.layout.title.text == "Slice Plot"
    ax = mpl_plot_slice(fs)
    assert not ax.collections


def test_slice_unknown_param_is_an_error():
    fs, _ = twins(mixed_specs())
    with pytest.raises(FerrotuneValueError, match="nope"):
        plot_slice(fs, params=["nope"])
    with pytest.raises(FerrotuneValueError, match="nope"):
        mpl_plot_slice(fs, params=["x", "nope"])


def test_slice_nonfinite_values_are_left_out():
    specs = [{"params": {"x": float(i)}, "distributions": {"x": X}, "value": v} for i, v in enumerate([1.0, float("inf"), 2.0])]
    fs, os_ = twins(specs)
    fig = plot_slice(fs)
    assert list(fig.data[0].x) == [0.0, 2.0]
    assert_same_figure(fig, optuna.visualization.plot_slice(os_))


def test_slice_webgl_above_threshold():
    rng = np.random.default_rng(0)
    fs = ferrotune.create_study()
    d = {"x": ferrotune.distributions.FloatDistribution(0, 1)}
    xs = rng.uniform(0, 1, 2500)
    fs.add_trials([ferrotune.trial.create_trial(params={"x": float(x)}, distributions=d, value=float(x)) for x in xs])
    fig = plot_slice(fs)
    assert fig.data[0].type == "scattergl"
    np.testing.assert_array_equal(fig.data[0].x, xs)


@pytest.mark.parametrize("params", [None, ["x"], ["c"], ["lr"]])
def test_slice_matplotlib_points(params):
    fs, _ = twins(mixed_specs())
    with pytest.warns(ExperimentalWarning):
        axs = mpl_plot_slice(fs, params=params)
    axes = [axs] if not isinstance(axs, np.ndarray) else list(axs)
    names = sorted(params or ["x", "lr", "c", "n"])
    assert [ax.get_xlabel() for ax in axes] == sorted(set(names))
    done = _complete(fs)
    for ax, name in zip(axes, sorted(set(names)), strict=True):
        feas, infeas = ax.collections[0], ax.collections[1]
        rows = [t for t in done if name in t.params]
        ok = [t for t in rows if t.constraints["c0"] <= 0]
        if name == "c":
            order = ["adam", "sgd", 3]
            ok = sorted(ok, key=lambda t: order.index(t.params["c"]))
            labels = [tick.get_text() for tick in ax.get_xticklabels()]
            assert [labels[round(x)] for x in feas.get_offsets()[:, 0]] == [repr(t.params["c"]) for t in ok]
        else:
            np.testing.assert_allclose(feas.get_offsets()[:, 0], [t.params[name] for t in ok])
        np.testing.assert_allclose(feas.get_offsets()[:, 1], [t.value for t in ok])
        np.testing.assert_array_equal(feas.get_array(), [t.number for t in ok])
        assert len(infeas.get_offsets()) == len(rows) - len(ok)
        if name == "lr":
            assert ax.get_xscale() == "log"


def test_slice_matplotlib_matches_optuna_limits():
    fs, os_ = twins(mixed_specs())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = mpl_plot_slice(fs)
        theirs = optuna.visualization.matplotlib.plot_slice(os_)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.get_xlim(), b.get_xlim())
        assert a.get_xscale() == b.get_xscale() and a.get_xlabel() == b.get_xlabel()
        np.testing.assert_allclose(a.collections[0].get_offsets()[:, 1], b.collections[0].get_offsets()[:, 1])


# ---- plot_parallel_coordinate ------------------------------------------------------------


def _mo_cat_specs() -> list[dict[str, Any]]:
    """Three objectives, a numeric categorical (sorted by value on its axis) and a mixed one."""
    rng = np.random.default_rng(3)
    k_dist = CategoricalDistribution([10, 1, 0.5])
    b_dist = CategoricalDistribution(["p", None, True])
    out = []
    for i in range(20):
        x, k, b = float(rng.uniform(0, 1)), [1, 0.5, 10][i % 3], ["p", None, True][i % 3]
        out.append(
            {
                "params": {"x": x, "k": k, "b": b},
                "distributions": {"x": FloatDistribution(0, 1), "k": k_dist, "b": b_dist},
                "values": [x * k, (1 - x) ** 2, float(i % 4)],
            }
        )
    return out


@pytest.mark.parametrize("params", [None, ["x"], ["c", "n"], ["lr"]])
@pytest.mark.parametrize("constraints", [True, False])
def test_parallel_coordinate_matches_optuna(params, constraints):
    fs, os_ = twins(mixed_specs(constraints=constraints))
    assert_same_figure(plot_parallel_coordinate(fs, params=params), optuna.visualization.plot_parallel_coordinate(os_, params=params))


def test_parallel_coordinate_multi_objective_matches_optuna():
    fs, os_ = twins(_mo_cat_specs(), directions=["minimize", "maximize", "minimize"])
    assert_same_figure(plot_parallel_coordinate(fs), optuna.visualization.plot_parallel_coordinate(os_))
    fs.set_metric_names(["a", "b", "c"])
    os_.set_metric_names(["a", "b", "c"])
    assert_same_figure(plot_parallel_coordinate(fs, params=["b"]), optuna.visualization.plot_parallel_coordinate(os_, params=["b"]))

    def target(t):
        return t.values[0]

    assert_same_figure(
        plot_parallel_coordinate(fs, target=target, target_name="a"),
        optuna.visualization.plot_parallel_coordinate(os_, target=target, target_name="a"),
    )


def test_parallel_coordinate_lines_hold_the_study_numbers():
    fs, _ = twins(mixed_specs(constraints=False))
    fig = plot_parallel_coordinate(fs, params=["n", "x"])
    done = _complete(fs)
    lines = fig.data[: len(done)]
    assert len(fig.data) == len(done) + 1  # plus the colour bar's trace
    values = np.array([t.value for t in done])
    lo, hi = values.min(), values.max()
    xs = np.array([t.params["x"] for t in done])
    for t, line in zip(done, lines, strict=True):
        assert list(line.x) == [0, 1, 2]
        assert line.y[0] == pytest.approx((t.value - lo) / (hi - lo))
        assert line.y[2] == pytest.approx((t.params["x"] - xs.min()) / (xs.max() - xs.min()))
        # Without n the line meets the axis at the "None" tick (the bottom).
        assert (line.y[1] == 0.0) == ("n" not in t.params)
        assert line.customdata[2][0] == "x"
    # Minimising: the best (smallest) value is drawn darkest, via a reversed scale.
    assert fig.data[-1].marker.reversescale is True
    assert fig.data[-1].marker.cmin == lo and fig.data[-1].marker.cmax == hi
    ticks = [a.text for a in fig.layout.annotations if a.x == 1]
    assert ticks[0] == "None"


def test_parallel_coordinate_log_and_categorical_axes():
    fs, _ = twins(mixed_specs())
    fig = plot_parallel_coordinate(fs, params=["c", "lr"])
    by_axis = {}
    for a in fig.layout.annotations:
        by_axis.setdefault(a.x, []).append(a.text)
    # The choices in order of first use, and decades on the log axis.
    done = _complete(fs)
    first_use = list(dict.fromkeys(str(t.params["c"]) for t in done))
    assert by_axis[1] == first_use
    lrs = [t.params["lr"] for t in done]
    assert by_axis[2][0] == f"{min(lrs):.3g}" and by_axis[2][-1] == f"{max(lrs):.3g}"
    assert "0.001" in by_axis[2]
    assert [tr.name for tr in fig.data[-3:-1]] == ["Feasible", "Infeasible"]
    dashes = [tr.line.dash for tr in fig.data[: len(done)]]
    assert dashes == ["solid" if t.constraints["c0"] <= 0 else "dot" for t in done]


def test_parallel_coordinate_maximize_keeps_the_scale():
    specs = [{"params": {"x": float(i)}, "distributions": {"x": X}, "value": float(i)} for i in range(4)]
    fs, os_ = twins(specs, directions=["maximize"])
    fig = plot_parallel_coordinate(fs)
    assert fig.data[-1].marker.reversescale is False
    assert_same_figure(fig, optuna.visualization.plot_parallel_coordinate(os_))


@pytest.mark.parametrize("states", [[], ["FAIL", "FAIL"]])
def test_parallel_coordinate_empty_and_only_failed(states):
    fs, _ = twins([{"params": {"x": 1.0}, "distributions": {"x": X}, "state": s} for s in states])
    fig = plot_parallel_coordinate(fs)
    assert fig.data == () and fig.layout.title.text == "Parallel Coordinate Plot"
    with pytest.warns(ExperimentalWarning):
        ax = mpl_plot_parallel_coordinate(fs)
    assert not ax.collections


def test_parallel_coordinate_errors():
    fs, _ = twins(mixed_specs())
    with pytest.raises(FerrotuneValueError, match="nope"):
        plot_parallel_coordinate(fs, params=["x", "nope"])
    mo, _ = twins(_mo_specs(), directions=["minimize", "maximize"])
    with pytest.warns(UserWarning, match="target_name"):
        plot_parallel_coordinate(mo, target=lambda t: t.values[0])


def test_parallel_coordinate_many_trials_are_banded_webgl_lines():
    rng = np.random.default_rng(0)
    fs = ferrotune.create_study()
    d = {"x": ferrotune.distributions.FloatDistribution(0, 1), "y": ferrotune.distributions.FloatDistribution(0, 1)}
    xy = rng.uniform(0, 1, (3000, 2))
    fs.add_trials([ferrotune.trial.create_trial(params={"x": float(a), "y": float(b)}, distributions=d, value=float(a + b)) for a, b in xy])
    fig = plot_parallel_coordinate(fs)
    lines = [tr for tr in fig.data if tr.type == "scattergl"]
    assert 1 < len(lines) <= 64
    # Every trial is one polyline (3 points and a gap) in exactly one band.
    ys = np.concatenate([np.asarray(tr.y, dtype=float).reshape(-1, 4) for tr in lines])
    assert len(ys) == 3000 and np.isnan(ys[:, 3]).all()
    v = xy.sum(axis=1)
    expect = np.stack(
        [(v - v.min()) / np.ptp(v), (xy[:, 0] - xy[:, 0].min()) / np.ptp(xy[:, 0]), (xy[:, 1] - xy[:, 1].min()) / np.ptp(xy[:, 1])], axis=1
    )
    got = ys[np.lexsort(ys[:, :3].T[::-1])][:, :3]
    np.testing.assert_allclose(got, expect[np.lexsort(expect.T[::-1])])


@pytest.mark.parametrize("multi", [False, True])
def test_parallel_coordinate_matplotlib_lines(multi):
    if multi:
        fs, os_ = twins(_mo_cat_specs(), directions=["minimize", "maximize", "minimize"])
    else:
        fs, os_ = twins(mixed_specs())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = mpl_plot_parallel_coordinate(fs)
        theirs = optuna.visualization.matplotlib.plot_parallel_coordinate(os_)
    lc, lc_o = ours.collections[0], theirs.collections[0]
    assert len(lc.get_segments()) == len(lc_o.get_segments()) > 0
    for a, b in zip(lc.get_segments(), lc_o.get_segments(), strict=True):
        np.testing.assert_allclose(a, b)
    np.testing.assert_allclose(lc.get_array(), lc_o.get_array())
    assert lc.get_linestyles() == lc_o.get_linestyles()
    assert [t.get_text() for t in ours.get_xticklabels()] == [t.get_text() for t in theirs.get_xticklabels()]
    twins_ours = [a for a in ours.figure.axes if a is not ours][:-1]
    twins_theirs = [a for a in theirs.figure.axes if a is not theirs][:-1]
    assert len(twins_ours) == len(twins_theirs)
    for a, b in zip(twins_ours, twins_theirs, strict=True):
        np.testing.assert_allclose(a.get_ylim(), b.get_ylim())
        assert a.get_yscale() == b.get_yscale()
        assert [t.get_text() for t in a.get_yticklabels()] == [t.get_text() for t in b.get_yticklabels()]
    if not multi:
        values = [t.value for t in _complete(fs)]
        np.testing.assert_allclose(lc.get_array(), values)


# ---- plot_contour ------------------------------------------------------------------------


@pytest.mark.parametrize("params", [None, ["x", "lr"], ["c", "x"], ["lr", "n"], ["c", "n", "x"]])
@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_contour_matches_optuna(params, direction):
    fs, os_ = twins(mixed_specs(), directions=[direction])
    assert_same_figure(plot_contour(fs, params=params), optuna.visualization.plot_contour(os_, params=params))


def test_contour_with_target_matches_optuna():
    fs, os_ = twins(_mo_specs(), directions=["minimize", "maximize"])
    with pytest.raises(FerrotuneValueError, match="target"):
        plot_contour(fs)

    def target(t):
        return t.values[1]

    assert_same_figure(
        plot_contour(fs, target=target, target_name="v1"), optuna.visualization.plot_contour(os_, target=target, target_name="v1")
    )


def test_contour_grid_holds_the_best_value_per_place():
    # Two trials share (x, y): the grid keeps the smaller value when minimising.
    d = {"x": IntDistribution(0, 3), "y": IntDistribution(0, 3)}
    pts = [(0, 0, 5.0), (0, 0, 2.0), (1, 2, 7.0), (3, 1, 1.0)]
    fs, _ = twins([{"params": {"x": x, "y": y}, "distributions": d, "value": v} for x, y, v in pts])
    fig = plot_contour(fs)
    contour, feasible = fig.data[0], fig.data[1]
    # Distinct values plus the padded ends (5% of the span each side).
    assert list(contour.x) == pytest.approx([-0.15, 0, 1, 3, 3.15])
    assert list(contour.y) == pytest.approx([-0.1, 0, 1, 2, 2.1])
    z = np.asarray(contour.z)
    assert z[1, 1] == 2.0 and z[3, 2] == 7.0 and z[2, 3] == 1.0
    assert np.isnan(z).sum() == z.size - 3
    assert contour.reversescale is True and contour.colorbar.title.text == "Objective Value"
    assert list(feasible.x) == [0, 0, 1, 3] and list(feasible.y) == [0, 0, 2, 1]
    assert fig.layout.xaxis.title.text == "x" and fig.layout.yaxis.title.text == "y"


def test_contour_log_and_categorical_axes():
    fs, _ = twins(mixed_specs())
    fig = plot_contour(fs, params=["c", "lr"])
    assert fig.layout.xaxis.type == "category" and fig.layout.yaxis.type == "log"
    assert list(fig.data[0].x) == sorted({"adam", "sgd", "3"})
    done = _complete(fs)
    lrs = [t.params["lr"] for t in done]
    lo, hi = fig.layout.yaxis.range
    assert lo < np.log10(min(lrs)) and hi > np.log10(max(lrs))


def test_contour_many_distinct_values_are_binned():
    rng = np.random.default_rng(0)
    fs = ferrotune.create_study()
    d = {"x": ferrotune.distributions.FloatDistribution(0, 1), "y": ferrotune.distributions.FloatDistribution(0, 1)}
    xy = rng.uniform(0, 1, (3000, 2))
    fs.add_trials([ferrotune.trial.create_trial(params={"x": float(a), "y": float(b)}, distributions=d, value=float(a + b)) for a, b in xy])
    fig = plot_contour(fs)
    contour = fig.data[0]
    assert len(contour.x) == len(contour.y) == 100
    gx, gy = np.asarray(contour.x), np.asarray(contour.y)
    z = np.asarray(contour.z)
    # Each filled cell holds the smallest value of the trials nearest to it.
    ix = np.abs(gx[None, :] - xy[:, :1]).argmin(axis=1)
    iy = np.abs(gy[None, :] - xy[:, 1:]).argmin(axis=1)
    expect = np.full((100, 100), np.inf)
    np.minimum.at(expect, (iy, ix), xy.sum(axis=1))
    expect[np.isinf(expect)] = np.nan
    np.testing.assert_array_equal(z, expect)
    assert fig.data[1].type == "scattergl"
    np.testing.assert_array_equal(fig.data[1].x, xy[:, 0])


def test_contour_warnings_and_empty_figures(caplog):
    fs, _ = twins(mixed_specs())
    with pytest.raises(FerrotuneValueError, match="nope"):
        plot_contour(fs, params=["x", "nope"])
    assert plot_contour(fs, params=["x"]).data == ()
    # n and a constant parameter: n has more than one value, k only one.
    specs = [{"params": {"x": float(i), "k": 1.0}, "distributions": {"x": X, "k": X}, "value": float(i)} for i in range(3)]
    fk, ok = twins(specs)
    fig = plot_contour(fk)
    assert fig.data[0].x is None and fig.data[0].z is None
    assert_same_figure(fig, optuna.visualization.plot_contour(ok))
    # Parameters never used together: a warning and no contour.
    apart = [
        {"params": {"a": 0.0}, "distributions": {"a": X}, "value": 0.0},
        {"params": {"a": 1.0}, "distributions": {"a": X}, "value": 1.0},
        {"params": {"b": 0.0}, "distributions": {"b": X}, "value": 0.0},
        {"params": {"b": 1.0}, "distributions": {"b": X}, "value": 1.0},
    ]
    fa, oa = twins(apart)
    with pytest.warns(UserWarning, match="cannot co-exist"):
        fig = plot_contour(fa)
    assert fig.data[0].z is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same_figure(fig, optuna.visualization.plot_contour(oa))


@pytest.mark.parametrize("states", [[], ["FAIL", "FAIL"]])
def test_contour_empty_and_only_failed(states):
    fs, _ = twins([{"params": {"x": 1.0}, "distributions": {"x": X}, "state": s} for s in states])
    fig = plot_contour(fs)
    assert fig.data == () and fig.layout.title.text == "Contour Plot"
    with pytest.warns(ExperimentalWarning):
        ax = mpl_plot_contour(fs)
    assert not ax.collections


def test_fill_grid_solves_laplace():
    from ferrotune.visualization._grid_fill import fill_grid

    rng = np.random.default_rng(0)
    known = np.full((30, 40), np.nan)
    idx = rng.choice(known.size, 25, replace=False)
    known.flat[idx] = rng.normal(size=25)
    z = fill_grid(known)
    np.testing.assert_array_equal(z.flat[idx], known.flat[idx])
    # Every other cell is the mean of its neighbours inside the grid.
    pad = np.pad(z, 1, constant_values=np.nan)
    neigh = np.stack([pad[:-2, 1:-1], pad[2:, 1:-1], pad[1:-1, :-2], pad[1:-1, 2:]])
    mean = np.nanmean(neigh, axis=0)
    free = np.isnan(known)
    np.testing.assert_allclose(z[free], mean[free], atol=1e-9)
    assert z.min() >= known.flat[idx].min() - 1e-9 and z.max() <= known.flat[idx].max() + 1e-9


@pytest.mark.parametrize("params", [["x", "lr"], ["c", "x"], ["lr", "n"], ["c", "n", "x"]])
def test_contour_matplotlib_matches_optuna(params):
    from optuna.visualization._contour import _get_contour_info
    from optuna.visualization.matplotlib._contour import _calculate_griddata

    from ferrotune.visualization._contour_info import get_contour_info
    from ferrotune.visualization.matplotlib._contour import grid_values

    fs, os_ = twins(mixed_specs(60))
    ours_info = get_contour_info(fs, params, None, "Objective Value")
    theirs_info = _get_contour_info(os_, params, None, "Objective Value")
    compared = 0
    for ra, rb in zip(ours_info.sub_plot_infos, theirs_info.sub_plot_infos, strict=True):
        for sa, sb in zip(ra, rb, strict=True):
            if sa.z is None:
                continue
            np.testing.assert_allclose(grid_values(sa), _calculate_griddata(sb)[0], rtol=1e-8, atol=1e-8)
            compared += 1
    assert compared == (1 if len(params) == 2 else len(params) * (len(params) - 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = mpl_plot_contour(fs, params=params)
        theirs = optuna.visualization.matplotlib.plot_contour(os_, params=params)
    for a, b in zip(np.ravel(ours), np.ravel(theirs), strict=True):
        assert a.get_xlim() == pytest.approx(b.get_xlim()) and a.get_ylim() == pytest.approx(b.get_ylim())
        assert a.get_xscale() == b.get_xscale() and a.get_yscale() == b.get_yscale()
        assert a.get_xlabel() == b.get_xlabel() and a.get_ylabel() == b.get_ylabel()
        assert [t.get_text() for t in a.get_xticklabels()] == [t.get_text() for t in b.get_xticklabels()]
        # The drawn trials (Optuna's matplotlib splits feasible and infeasible points out of step
        # with the trials when a parameter is conditional, so compare them all together).
        pa = [c.get_offsets() for c in a.collections if c.__class__.__name__ == "PathCollection"]
        pb = [c.get_offsets() for c in b.collections if c.__class__.__name__ == "PathCollection"]
        if pa:
            sa_pts, sb_pts = np.concatenate(pa), np.concatenate(pb)
            np.testing.assert_allclose(sa_pts[np.lexsort(sa_pts.T)], sb_pts[np.lexsort(sb_pts.T)])


def test_contour_matplotlib_feasible_points():
    fs, _ = twins(mixed_specs())
    with pytest.warns(ExperimentalWarning):
        ax = mpl_plot_contour(fs, params=["lr", "x"])
    done = _complete(fs)
    points = [c for c in ax.collections if c.__class__.__name__ == "PathCollection"]
    ok = [t for t in done if t.constraints["c0"] <= 0]
    bad = [t for t in done if t.constraints["c0"] > 0]
    np.testing.assert_allclose(points[0].get_offsets(), [[t.params["lr"], t.params["x"]] for t in ok])
    np.testing.assert_allclose(points[1].get_offsets(), [[t.params["lr"], t.params["x"]] for t in bad])
    assert ax.get_xscale() == "log" and ax.figure.axes[-1].get_ylabel() == "Objective Value"


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4).flatmap(lambda k: st.lists(st.lists(st.integers(-3, 3), min_size=k, max_size=k), min_size=1, max_size=40)))
def test_non_domination_rank_matches_optuna(points):
    from optuna.study._multi_objective import _fast_non_domination_rank

    from ferrotune.visualization._pareto_rank import non_domination_rank

    loss = np.array(points, dtype=float)
    np.testing.assert_array_equal(non_domination_rank(loss), _fast_non_domination_rank(loss))


@pytest.mark.parametrize(("n", "banded"), [(300, False), (301, True)])
def test_parallel_coordinate_trace_per_trial_up_to_the_limit(n, banded):
    from ferrotune.visualization._parallel_coordinate import LINE_TRACE_LIMIT

    assert LINE_TRACE_LIMIT == 300
    fs = ferrotune.create_study()
    d = {"x": ferrotune.distributions.FloatDistribution(0, 1)}
    xs = np.linspace(0, 1, n)
    fs.add_trials([ferrotune.trial.create_trial(params={"x": float(x)}, distributions=d, value=float(x)) for x in xs])
    fig = plot_parallel_coordinate(fs)
    lines = fig.data[:-1]
    if banded:
        assert all(tr.type == "scattergl" for tr in lines) and len(lines) <= 64
        assert sum(len(tr.x) for tr in lines) == 3 * n
    else:
        assert len(lines) == n and all(tr.type == "scatter" for tr in lines)
