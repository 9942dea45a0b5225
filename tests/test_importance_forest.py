"""The forest-based importance evaluators (fANOVA, mean decrease impurity): known answers,
agreement with Optuna's (scikit-learn's forest) on the same trials, seeds, and errors."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import optuna
import pytest

import ferrotune
from ferrotune.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from ferrotune.exceptions import FerrotuneTypeError, FerrotuneValueError
from ferrotune.importance import FanovaImportanceEvaluator, MeanDecreaseImpurityImportanceEvaluator, get_param_importances
from ferrotune.trial import create_trial

optuna.logging.set_verbosity(optuna.logging.ERROR)
EVALUATORS = [FanovaImportanceEvaluator, MeanDecreaseImpurityImportanceEvaluator]
OPTUNA = {
    FanovaImportanceEvaluator: optuna.importance.FanovaImportanceEvaluator,
    MeanDecreaseImpurityImportanceEvaluator: optuna.importance.MeanDecreaseImpurityImportanceEvaluator,
}


def _pair(n: int, seed: int = 0) -> tuple[ferrotune.Study, optuna.Study]:
    """y = 10 x0 + 3 x1 + 0.1 x2 + (2 if c == 'a') + noise; x3 and k have no effect."""
    rng = np.random.default_rng(seed)
    fs, os_ = ferrotune.create_study(), optuna.create_study()
    fd = {
        "x0": FloatDistribution(0, 1),
        "x1": FloatDistribution(0, 1),
        "x2": FloatDistribution(0, 1),
        "x3": FloatDistribution(0, 1),
        "k": IntDistribution(0, 10),
        "c": CategoricalDistribution(["a", "b", "c"]),
    }
    od = {
        "x0": optuna.distributions.FloatDistribution(0, 1),
        "x1": optuna.distributions.FloatDistribution(0, 1),
        "x2": optuna.distributions.FloatDistribution(0, 1),
        "x3": optuna.distributions.FloatDistribution(0, 1),
        "k": optuna.distributions.IntDistribution(0, 10),
        "c": optuna.distributions.CategoricalDistribution(["a", "b", "c"]),
    }
    for _ in range(n):
        p: dict[str, Any] = {f"x{i}": float(rng.random()) for i in range(4)}
        p["k"] = int(rng.integers(0, 11))
        p["c"] = str(rng.choice(["a", "b", "c"]))
        v = 10 * p["x0"] + 3 * p["x1"] + 0.1 * p["x2"] + (2.0 if p["c"] == "a" else 0.0) + 0.01 * float(rng.normal())
        fs.add_trial(create_trial(params=p, distributions=fd, value=v))
        os_.add_trial(optuna.trial.create_trial(params=p, distributions=od, value=v))
    return fs, os_


def _spearman(a: list[float], b: list[float]) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_known_answer_and_agreement_with_optuna(evaluator: Any) -> None:
    fs, os_ = _pair(300)
    ours = get_param_importances(fs, evaluator=evaluator(seed=0, n_trees=32))
    theirs = optuna.importance.get_param_importances(os_, evaluator=OPTUNA[evaluator](seed=0, n_trees=32))
    # x1's variance (9/12) and c's (4 * 2/9) are close: both are next, in either order
    assert next(iter(ours)) == "x0" == next(iter(theirs))
    assert set(list(ours)[:3]) == {"x0", "x1", "c"} == set(list(theirs)[:3])
    assert ours["x0"] > 0.6
    assert all(ours[k] < 0.05 for k in ("x2", "x3", "k"))
    assert sum(ours.values()) == pytest.approx(1.0)
    names = sorted(ours)
    assert _spearman([ours[k] for k in names], [theirs[k] for k in names]) > 0.7
    for k in names:  # the big shares agree closely
        assert ours[k] == pytest.approx(theirs[k], abs=0.02), k


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_seed_n_trees_and_max_depth(evaluator: Any) -> None:
    fs, _ = _pair(80, seed=1)
    a = evaluator(seed=2).evaluate(fs)
    assert a == evaluator(seed=2).evaluate(fs)
    assert a != evaluator(seed=3).evaluate(fs)
    assert evaluator(n_trees=10, seed=0).evaluate(fs) != evaluator(n_trees=20, seed=0).evaluate(fs)
    assert evaluator(max_depth=1, seed=0).evaluate(fs) != evaluator(max_depth=2, seed=0).evaluate(fs)


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_errors(evaluator: Any) -> None:
    mo = ferrotune.create_study(directions=["minimize", "minimize"])
    mo.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)), n_trials=5)
    with pytest.raises(FerrotuneValueError, match=r"target=lambda t: t\.values\[0\]"):
        evaluator().evaluate(mo)
    assert set(evaluator(seed=0).evaluate(mo, target=lambda t: t.values[0])) == {"x", "y"}
    dyn = ferrotune.create_study()
    dyn.optimize(lambda t: t.suggest_float("x", 0, 1 + t.number % 2), n_trials=6)
    with pytest.raises(FerrotuneValueError, match=r"'x'.*different distributions"):
        evaluator().evaluate(dyn, params=["x"])
    assert evaluator().evaluate(dyn) == {}  # no parameter with one distribution in every trial
    with pytest.raises(FerrotuneValueError, match="no completed trial has all"):
        evaluator().evaluate(dyn, params=["nope"])
    for bad in ({"n_trees": 0}, {"max_depth": -1}):
        with pytest.raises(FerrotuneValueError, match="n_trees"):
            evaluator(**bad)
    with pytest.raises(FerrotuneTypeError, match="n_trees"):
        evaluator(n_trees=1.5)
    assert get_param_importances(ferrotune.create_study(), evaluator=evaluator()) == {}


def test_fanova_single_valued_parameter_and_constant_target() -> None:
    study = ferrotune.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("fixed", 2, 2), n_trials=20)
    imp = FanovaImportanceEvaluator(seed=0).evaluate(study)
    assert imp["fixed"] == 0.0 and imp["x"] > 0.99
    flat = ferrotune.create_study()
    flat.optimize(lambda t: 0.0 * t.suggest_float("x", 0, 1), n_trials=20)
    with pytest.raises(FerrotuneValueError, match="same in every trial"):
        FanovaImportanceEvaluator(seed=0).evaluate(flat)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert MeanDecreaseImpurityImportanceEvaluator(seed=0).evaluate(flat) == {"x": 0.0}
