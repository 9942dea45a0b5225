"""Parameter importances (ferrotune.importance): PED-ANOVA against Optuna 5's evaluator on the
same trials, on functions with a known answer, and its error cases."""

from __future__ import annotations

import math
import random
import warnings
from typing import Any

import numpy as np
import optuna
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ferrotune
from ferrotune.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from ferrotune.exceptions import ExperimentalWarning, FerrotuneTypeError, FerrotuneValueError
from ferrotune.importance import PedAnovaImportanceEvaluator, get_param_importances
from ferrotune.trial import TrialState, create_trial

optuna.logging.set_verbosity(optuna.logging.ERROR)

Spec = tuple[dict[str, Any], dict[str, Any], list[float]]

DISTS: dict[str, tuple[Any, Any]] = {
    "x": (FloatDistribution(-5.0, 5.0), optuna.distributions.FloatDistribution(-5.0, 5.0)),
    "lr": (FloatDistribution(1e-5, 1e-1, log=True), optuna.distributions.FloatDistribution(1e-5, 1e-1, log=True)),
    "q": (FloatDistribution(0.0, 1.0, step=0.1), optuna.distributions.FloatDistribution(0.0, 1.0, step=0.1)),
    "n": (IntDistribution(1, 200), optuna.distributions.IntDistribution(1, 200)),
    "units": (IntDistribution(1, 1024, log=True), optuna.distributions.IntDistribution(1, 1024, log=True)),
    "opt": (CategoricalDistribution(["adam", "sgd", "rms"]), optuna.distributions.CategoricalDistribution(["adam", "sgd", "rms"])),
    # conditional: only with opt == "sgd", and drawn from one of two ranges
    "mom": (FloatDistribution(0.0, 1.0), optuna.distributions.FloatDistribution(0.0, 1.0)),
    "mom2": (FloatDistribution(0.5, 1.0), optuna.distributions.FloatDistribution(0.5, 1.0)),
}


def _specs(seed: int, n: int, n_obj: int = 1) -> list[Spec]:
    rng = random.Random(seed)
    out: list[Spec] = []
    for _ in range(n):
        p: dict[str, Any] = {
            "x": rng.uniform(-5, 5),
            "lr": math.exp(rng.uniform(math.log(1e-5), math.log(1e-1))),
            "q": round(rng.randrange(11) * 0.1, 10),
            "n": rng.randint(1, 200),
            "units": rng.randint(1, 1024),
            "opt": rng.choice(["adam", "sgd", "rms"]),
        }
        dists = {k: k for k in p}
        if p["opt"] == "sgd":
            key = "mom" if rng.random() < 0.5 else "mom2"
            p["mom"] = rng.uniform(0.0, 1.0) if key == "mom" else rng.uniform(0.5, 1.0)
            dists["mom"] = key
        v = p["x"] ** 2 + 3 * abs(math.log10(p["lr"]) + 3) + (2.0 if p["opt"] == "adam" else 0.0) + 0.01 * p["n"]
        values = [v] if n_obj == 1 else [v, -p["x"] + 0.1 * p["n"]]
        out.append((p, dists, values))
    return out


def _studies(specs: list[Spec], directions: list[str]) -> tuple[ferrotune.Study, optuna.Study]:
    fs = ferrotune.create_study(directions=directions)
    os_ = optuna.create_study(directions=directions)
    for p, d, values in specs:
        fs.add_trial(create_trial(params=p, distributions={k: DISTS[d[k]][0] for k in p}, values=values))
        os_.add_trial(optuna.trial.create_trial(params=p, distributions={k: DISTS[d[k]][1] for k in p}, values=values))
    return fs, os_


def _quiet(f: Any, *a: Any, **k: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*a, **k)


def _assert_same(ours: dict[str, float], theirs: dict[str, float]) -> None:
    assert set(ours) == set(theirs)
    for k in theirs:
        assert ours[k] == pytest.approx(theirs[k], rel=1e-6, abs=1e-12), k
    # same order, up to exact ties
    assert [round(v, 9) for v in ours.values()] == [round(v, 9) for v in theirs.values()]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"target_quantile": 0.25},
        {"target_quantile": 0.2, "region_quantile": 0.6},
        {"evaluate_on_local": False},
    ],
)
@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_ped_anova_equals_optuna(kwargs: dict[str, Any], direction: str) -> None:
    fs, os_ = _studies(_specs(1, 300), [direction])
    ours = _quiet(PedAnovaImportanceEvaluator(**kwargs).evaluate, fs)
    theirs = _quiet(optuna.importance.PedAnovaImportanceEvaluator(**kwargs).evaluate, os_)
    _assert_same(ours, theirs)


def test_ped_anova_equals_optuna_with_target_params_and_normalization() -> None:
    fs, os_ = _studies(_specs(2, 200), ["minimize"])
    target = lambda t: -abs(t.params["x"])  # noqa: E731
    ours = _quiet(get_param_importances, fs, params=["x", "opt", "mom"], target=target)
    theirs = _quiet(optuna.importance.get_param_importances, os_, params=["x", "opt", "mom"], target=target)
    _assert_same(ours, theirs)


def test_ped_anova_equals_optuna_multi_objective_without_target() -> None:
    fs, os_ = _studies(_specs(3, 150, n_obj=2), ["minimize", "maximize"])
    _assert_same(_quiet(get_param_importances, fs), _quiet(optuna.importance.get_param_importances, os_))


def test_infinite_and_failed_trials_are_left_out_as_in_optuna() -> None:
    specs = _specs(4, 120)
    for i in range(0, 120, 7):
        specs[i] = (specs[i][0], specs[i][1], [math.inf])
    fs, os_ = _studies(specs, ["minimize"])
    fs.add_trial(create_trial(params={"x": 0.0}, distributions={"x": DISTS["x"][0]}, state=TrialState.FAIL))
    os_.add_trial(optuna.trial.create_trial(params={"x": 0.0}, distributions={"x": DISTS["x"][1]}, state=optuna.trial.TrialState.FAIL))
    _assert_same(_quiet(get_param_importances, fs), _quiet(optuna.importance.get_param_importances, os_))


def _spearman(a: list[float], b: list[float]) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def test_known_answer_and_rank_agreement_along_a_real_study() -> None:
    rng = np.random.default_rng(0)

    def objective(trial: Any) -> float:
        xs = [trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(6)]
        return 10 * xs[0] + 3 * xs[1] + 0.1 * xs[2] + 0.01 * float(rng.normal())

    fs = ferrotune.create_study(sampler=ferrotune.samplers.RandomSampler(seed=0))
    fs.optimize(objective, n_trials=400)
    ours = _quiet(get_param_importances, fs)
    assert next(iter(ours)) == "x0"
    assert ours["x0"] > 0.5
    assert ours["x1"] > max(ours[f"x{i}"] for i in range(2, 6))
    assert all(ours[f"x{i}"] < 0.1 for i in range(3, 6))  # no effect: near zero
    os_ = optuna.create_study()
    os_.add_trials(
        [
            optuna.trial.create_trial(
                params=t.params, distributions={k: optuna.distributions.FloatDistribution(0.0, 1.0) for k in t.params}, value=t.value
            )
            for t in fs.trials
        ]
    )
    theirs = _quiet(optuna.importance.get_param_importances, os_)
    assert next(iter(theirs)) == "x0"
    names = sorted(ours)
    assert _spearman([ours[k] for k in names], [theirs[k] for k in names]) > 0.9


def test_deterministic() -> None:
    fs, _ = _studies(_specs(5, 100), ["minimize"])
    a = _quiet(get_param_importances, fs)
    b = _quiet(get_param_importances, fs)
    assert list(a.items()) == list(b.items())


def test_params_missing_from_completed_trials_names_them() -> None:
    fs, _ = _studies(_specs(6, 30), ["minimize"])
    fs.add_trial(create_trial(params={"z": 1.0}, distributions={"z": FloatDistribution(0, 2)}, state=TrialState.FAIL))
    with pytest.raises(FerrotuneValueError, match=r"\['z', 'nope'\].*params=None"):
        get_param_importances(fs, params=["x", "z", "nope"])
    assert _quiet(get_param_importances, fs, params=[]) == {}


def test_bad_arguments() -> None:
    fs, _ = _studies(_specs(7, 10), ["minimize"])
    with pytest.raises(FerrotuneTypeError, match="params"):
        get_param_importances(fs, params="x")  # type: ignore[arg-type]
    with pytest.raises(FerrotuneTypeError, match="params"):
        get_param_importances(fs, params=[1])  # type: ignore[list-item]
    with pytest.raises(FerrotuneTypeError, match="evaluator"):
        get_param_importances(fs, evaluator=object())  # type: ignore[arg-type]
    for tq, rq in [(0.0, 1.0), (0.5, 0.5), (0.2, 1.5), (math.nan, 1.0)]:
        with pytest.raises(FerrotuneValueError, match="target_quantile"):
            PedAnovaImportanceEvaluator(target_quantile=tq, region_quantile=rq)
    with pytest.warns(UserWarning, match="region_quantile"):
        PedAnovaImportanceEvaluator(region_quantile=0.5, evaluate_on_local=False)
    with pytest.warns(ExperimentalWarning, match="normalize"):
        _quiet_keep = get_param_importances(fs, normalize=False)
    assert all(v >= 0 for v in _quiet_keep.values())


def test_empty_and_failed_only_studies_give_empty_dicts_with_a_warning() -> None:
    fs = ferrotune.create_study()
    with pytest.warns(UserWarning, match="too small"):
        assert get_param_importances(fs) == {}
    fs.add_trial(create_trial(params={"x": 1.0}, distributions={"x": FloatDistribution(0, 2)}, state=TrialState.FAIL))
    with pytest.warns(UserWarning, match="too small"):
        assert get_param_importances(fs) == {}
    fs.add_trial(create_trial(params={"x": 1.0}, distributions={"x": FloatDistribution(0, 2)}, value=1.0))
    with pytest.warns(UserWarning, match="too small"):
        assert get_param_importances(fs) == {"x": 1.0}


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 60), tq=st.sampled_from([0.05, 0.1, 0.3, 0.7]))
def test_normalized_importances_are_non_negative_and_sum_to_one(seed: int, n: int, tq: float) -> None:
    fs, _ = _studies(_specs(seed, n), ["minimize"])
    imp = _quiet(get_param_importances, fs, evaluator=PedAnovaImportanceEvaluator(target_quantile=tq))
    assert imp
    assert all(v >= 0 for v in imp.values())
    assert sum(imp.values()) == pytest.approx(1.0)
    assert list(imp.values()) == sorted(imp.values(), reverse=True)
