"""ferrotune.terminator: the evaluators against hand computations and against Optuna's on the
same trials, the terminator's decision on a plateau and on an improving curve, the callback,
cross-validation scores and bad arguments."""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Iterator

import numpy as np
import optuna
import optuna.terminator as ot
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ferrotune as ft
from ferrotune.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.study import StudyDirection
from ferrotune.terminator import (
    BaseImprovementEvaluator,
    BestValueStagnationEvaluator,
    CrossValidationErrorEvaluator,
    EMMREvaluator,
    MedianErrorEvaluator,
    RegretBoundEvaluator,
    StaticErrorEvaluator,
    Terminator,
    TerminatorCallback,
    report_cross_validation_scores,
)
from ferrotune.trial import FrozenTrial, create_trial

NEVER = sys.float_info.max * 0.1
SPACE: dict[str, BaseDistribution] = {"x": FloatDistribution(0.0, 1.0)}


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ft.exceptions.ExperimentalWarning)
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        ft.logging.set_verbosity(ft.logging.WARNING)
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        yield


def study_of(xs: np.ndarray, ys: np.ndarray, direction: str = "maximize") -> ft.Study:
    s = ft.create_study(direction=direction)
    s.add_trials([create_trial(params={"x": float(x)}, distributions=SPACE, value=float(y)) for x, y in zip(xs, ys, strict=True)])
    return s


def optuna_study_of(study: ft.Study) -> optuna.Study:
    """The same complete trials in an Optuna study."""
    o = optuna.create_study(direction="maximize" if study.direction == StudyDirection.MAXIMIZE else "minimize")
    for t in study.trials:
        dists = {k: optuna.distributions.json_to_distribution(ft.distributions.distribution_to_json(d)) for k, d in t.distributions.items()}
        o.add_trial(optuna.trial.create_trial(params=t.params, distributions=dists, value=t.value))
    return o


def plateau(n: int = 60, direction: str = "maximize") -> ft.Study:
    """A smooth 1-D objective sampled all over its domain: nothing left to find."""
    rng = np.random.default_rng(0)
    xs = rng.uniform(0.0, 1.0, n)
    sign = 1.0 if direction == "maximize" else -1.0
    return study_of(xs, sign * (-((xs - 0.5) ** 2) + rng.normal(0.0, 1e-3, n)), direction)


def improving(n: int = 60) -> ft.Study:
    """Values that rise steadily along x while most of the domain is unexplored."""
    xs = np.arange(n) / 100.0
    return study_of(xs, xs)


# -- hand computations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "direction", "expected"),
    [
        ([0, 1, 2], "maximize", 1),
        ([2, 1, 0], "minimize", 1),
        ([0, 1, 0], "maximize", 0),
        ([1, 0, 1], "minimize", 0),
        ([0, 0, 0], "maximize", -1),
        ([0, 0, 0], "minimize", -1),
        ([3, 1, 2, 0, 5, 4, 4], "minimize", -2),
    ],
)
def test_best_value_stagnation_counts_trials_since_the_best(values: list[float], direction: str, expected: int) -> None:
    trials = [create_trial(value=v) for v in values]
    assert BestValueStagnationEvaluator(max_stagnation_trials=1).evaluate(trials, StudyDirection[direction.upper()]) == expected


@given(st.lists(st.integers(-5, 5), min_size=1, max_size=30), st.integers(0, 40))
@settings(max_examples=50, deadline=None)
def test_best_value_stagnation_matches_optuna(values: list[int], patience: int) -> None:
    ours = BestValueStagnationEvaluator(patience).evaluate([create_trial(value=v) for v in values], StudyDirection.MINIMIZE)
    theirs = ot.BestValueStagnationEvaluator(patience).evaluate(
        [optuna.trial.create_trial(value=v) for v in values], optuna.study.StudyDirection.MINIMIZE
    )
    assert ours == theirs


def _cv_trial(value: float, scores: list[float]) -> FrozenTrial:
    return create_trial(value=value, system_attrs={"terminator:cv_scores": scores})


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_cross_validation_error_is_the_best_trials_scaled_deviation(direction: str) -> None:
    sign = 1.0 if direction == "minimize" else -1.0
    study = ft.create_study(direction=direction)
    study.add_trials([_cv_trial(sign * 2.0, [1.0, -1.0]), _cv_trial(sign * 1.0, [2.0, -2.0, 0.5])])
    # The best trial's scores: k = 3, var = mean of squares around 1/6.
    scores = np.array([2.0, -2.0, 0.5])
    want = math.sqrt((1 / 3 + 1 / 2) * float(np.mean((scores - scores.mean()) ** 2)))
    assert CrossValidationErrorEvaluator().evaluate(study.trials, study.direction) == pytest.approx(want, rel=1e-12)


def test_report_cross_validation_scores_stores_floats() -> None:
    study = ft.create_study()
    trial = study.ask()
    report_cross_validation_scores(trial, np.array([0.9, 0.8, 0.85]))
    study.tell(trial, 0.85)
    assert study.trials[0].system_attrs["terminator:cv_scores"] == [0.9, 0.8, 0.85]


def test_static_error_is_its_constant() -> None:
    assert StaticErrorEvaluator(constant=2.5).evaluate([], StudyDirection.MINIMIZE) == 2.5


class _Sequence(BaseImprovementEvaluator):
    """Returns the number of complete trials it is given, times ten."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        self.calls.append(trials[0].number)
        return 10.0 * len(trials)


def test_median_error_is_the_ratio_of_the_initial_median() -> None:
    paired = _Sequence()
    evaluator = MedianErrorEvaluator(paired, warm_up_trials=2, n_initial_trials=5, threshold_ratio=0.1)
    trials = [create_trial(value=float(i)) for i in range(6)]
    for i, t in enumerate(trials):
        t.number = i
    assert evaluator.evaluate(trials, StudyDirection.MINIMIZE) == -sys.float_info.min
    trials.append(create_trial(value=6.0))
    trials[-1].number = 6
    # Values 10, 20, ..., 50 over trials 2..2+i: median 30, threshold 3.
    assert evaluator.evaluate(trials[::-1], StudyDirection.MINIMIZE) == pytest.approx(3.0)
    assert set(paired.calls) == {2}
    # Fixed once computed.
    assert evaluator.evaluate(trials[:1], StudyDirection.MINIMIZE) == pytest.approx(3.0)


def test_beta_and_regret_bound_by_hand_on_two_points() -> None:
    # Two trials (top_n = both): the bound is max UCB - max LCB; it is non-negative and finite.
    trials = [create_trial(params={"x": x}, distributions=SPACE, value=x) for x in (0.2, 0.8)]
    bound = RegretBoundEvaluator(seed=0).evaluate(trials, StudyDirection.MAXIMIZE)
    assert 0.0 <= bound < 10.0


# -- against Optuna ---------------------------------------------------------------------------------


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
@pytest.mark.parametrize("make", [plateau, improving])
def test_regret_bound_is_close_to_optunas(make: object, direction: str) -> None:
    study = make(direction=direction) if make is plateau else improving()
    theirs_study = optuna_study_of(study)
    ours = [RegretBoundEvaluator(seed=s).evaluate(study.trials, study.direction) for s in range(3)]
    theirs = [ot.RegretBoundEvaluator(seed=s).evaluate(theirs_study.trials, theirs_study.direction) for s in range(3)]
    assert np.median(ours) == pytest.approx(np.median(theirs), rel=0.25)


@pytest.mark.parametrize("make", [plateau, improving])
def test_emmr_is_close_to_optunas(make: object) -> None:
    study = make()  # type: ignore[operator]
    theirs_study = optuna_study_of(study)
    ours = [EMMREvaluator(seed=s).evaluate(study.trials, study.direction) for s in range(3)]
    theirs = [ot.EMMREvaluator(seed=s).evaluate(theirs_study.trials, theirs_study.direction) for s in range(3)]
    assert np.median(ours) == pytest.approx(np.median(theirs), rel=0.3)


def _mixed_study() -> ft.Study:
    """Log, stepped integer and categorical parameters."""
    rng = np.random.default_rng(3)
    dists = {"a": FloatDistribution(1e-3, 1.0, log=True), "n": IntDistribution(1, 9, step=2), "c": CategoricalDistribution(["p", "q", "r"])}
    study = ft.create_study()
    for _ in range(50):
        a, n, c = float(np.exp(rng.uniform(np.log(1e-3), 0))), int(rng.choice([1, 3, 5, 7, 9])), str(rng.choice(["p", "q", "r"]))
        value = (np.log10(a) + 2) ** 2 + 0.1 * (n - 4) ** 2 + (c == "q") + rng.normal(0, 0.01)
        study.add_trial(create_trial(params={"a": a, "n": n, "c": c}, distributions=dists, value=value))
    return study


def test_mixed_spaces_give_optunas_decision() -> None:
    study = _mixed_study()
    theirs_study = optuna_study_of(study)
    ours = RegretBoundEvaluator(seed=0).evaluate(study.trials, study.direction)
    theirs = ot.RegretBoundEvaluator(seed=0).evaluate(theirs_study.trials, theirs_study.direction)
    assert ours == pytest.approx(theirs, rel=0.35)
    for threshold in (theirs / 4, theirs * 4):
        assert (ours < threshold) == (theirs < threshold)


# -- the study path ------------------------------------------------------------------------------


def test_study_read_in_the_core_equals_the_trial_list() -> None:
    study = plateau()
    failed = study.ask()
    study.tell(failed, state=ft.trial.TrialState.FAIL)
    for cls in (RegretBoundEvaluator, EMMREvaluator):
        assert cls(seed=5)._evaluate_study(study) == cls(seed=5).evaluate(study.trials, study.direction)
    mixed = _mixed_study()
    for cls in (RegretBoundEvaluator, EMMREvaluator):
        assert cls(seed=2)._evaluate_study(mixed) == cls(seed=2).evaluate(mixed.trials, mixed.direction)


def test_a_seed_repeats_the_evaluations() -> None:
    study = improving()
    a, b = RegretBoundEvaluator(seed=1), RegretBoundEvaluator(seed=1)
    assert [a._evaluate_study(study) for _ in range(2)] == [b._evaluate_study(study) for _ in range(2)]


@given(st.lists(st.floats(-100, 100), min_size=2, max_size=25), st.integers(0, 2**32))
@settings(max_examples=15, deadline=None)
def test_regret_bound_is_never_negative(values: list[float], seed: int) -> None:
    xs = np.linspace(0.0, 1.0, len(values))
    trials = [create_trial(params={"x": float(x)}, distributions=SPACE, value=v) for x, v in zip(xs, values, strict=True)]
    assert RegretBoundEvaluator(seed=seed).evaluate(trials, StudyDirection.MINIMIZE) >= 0.0


# -- the terminator's decision ---------------------------------------------------------------------


@pytest.mark.parametrize("improvement", [RegretBoundEvaluator, EMMREvaluator])
def test_terminator_stops_on_a_plateau_and_not_on_an_improving_curve(improvement: type) -> None:
    terminator = Terminator(improvement(seed=0), StaticErrorEvaluator(0.1))
    assert terminator.should_terminate(plateau())
    assert not terminator.should_terminate(improving())


def test_terminator_waits_for_min_n_trials() -> None:
    study = plateau(n=10)
    assert not Terminator(RegretBoundEvaluator(seed=0), StaticErrorEvaluator(1e9), min_n_trials=11).should_terminate(study)
    assert Terminator(RegretBoundEvaluator(seed=0), StaticErrorEvaluator(1e9), min_n_trials=10).should_terminate(study)


def test_numpy_integers_are_accepted() -> None:
    study = plateau(n=10)
    terminator = Terminator(RegretBoundEvaluator(min_n_trials=np.int64(5), seed=0), StaticErrorEvaluator(1e9), min_n_trials=np.int64(10))
    assert terminator.should_terminate(study)


def test_terminator_compares_strictly() -> None:
    study = plateau(n=3)
    terminator = Terminator(BestValueStagnationEvaluator(max_stagnation_trials=0), min_n_trials=1)
    best = int(np.argmax([float(t.value or 0.0) for t in study.trials]))
    # Stagnation 0 - (2 - best) against the static error 0 that the stagnation evaluator brings.
    assert terminator.should_terminate(study) == (0 - (2 - best) < 0)


def test_callback_stops_optimize_on_stagnation() -> None:
    study = ft.create_study()
    callback = TerminatorCallback(Terminator(BestValueStagnationEvaluator(max_stagnation_trials=5), min_n_trials=1))
    study.optimize(lambda t: 0.0 * t.suggest_float("x", 0, 1), n_trials=100, callbacks=[callback])
    # Stagnant for 6 trials after the first (the best) at the 7th trial.
    assert len(study.trials) == 7


def _cv_objective(trial: ft.Trial) -> float:
    x = trial.suggest_float("x", 0.0, 1.0)
    scores = -((x - 0.5) ** 2) + np.array([-0.02, -0.01, 0.0, 0.01, 0.02])
    report_cross_validation_scores(trial, scores)
    return float(scores.mean())


def test_default_terminator_stops_a_noisy_plateau_with_cross_validation() -> None:
    study = ft.create_study(direction="maximize", sampler=ft.samplers.RandomSampler(seed=0))
    study.optimize(_cv_objective, n_trials=150, callbacks=[TerminatorCallback(Terminator())])
    assert 20 <= len(study.trials) < 150


def test_default_terminator_keeps_an_improving_curve_going() -> None:
    study = ft.create_study(direction="maximize")
    for i in range(60):
        study.enqueue_trial({"x": i / 200})

    def objective(trial: ft.Trial) -> float:
        x = trial.suggest_float("x", 0.0, 1.0)
        report_cross_validation_scores(trial, x + np.array([-1e-3, 0.0, 1e-3]))
        return x

    study.optimize(objective, n_trials=60, callbacks=[TerminatorCallback(Terminator())])
    assert len(study.trials) == 60


# -- warnings and bad arguments -------------------------------------------------------------------


def test_emmr_before_min_n_trials_and_without_parameters() -> None:
    evaluator = EMMREvaluator()
    assert evaluator.evaluate([create_trial(value=0.0)], StudyDirection.MAXIMIZE) == NEVER
    with pytest.warns(UserWarning, match="never be terminated"):
        assert evaluator.evaluate([create_trial(value=0.0) for _ in range(3)], StudyDirection.MAXIMIZE) == NEVER


def test_experimental_warnings_as_optunas() -> None:
    with pytest.warns(ft.exceptions.ExperimentalWarning, match="RegretBoundEvaluator"):
        RegretBoundEvaluator()


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: Terminator(min_n_trials=0), "min_n_trials"),
        (lambda: RegretBoundEvaluator(top_trials_ratio=0.0), "top_trials_ratio"),
        (lambda: RegretBoundEvaluator(min_n_trials=0), "min_n_trials"),
        (lambda: EMMREvaluator(min_n_trials=1), "min_n_trials"),
        (lambda: EMMREvaluator(delta=0.0), "delta"),
        (lambda: BestValueStagnationEvaluator(max_stagnation_trials=-1), "max_stagnation_trials"),
        (lambda: MedianErrorEvaluator(EMMREvaluator(), warm_up_trials=-1), "warm_up_trials"),
        (lambda: MedianErrorEvaluator(EMMREvaluator(), n_initial_trials=0), "n_initial_trials"),
        (lambda: MedianErrorEvaluator(EMMREvaluator(), threshold_ratio=0.0), "threshold_ratio"),
    ],
)
def test_bad_arguments_name_the_parameter(build: object, match: str) -> None:
    with pytest.raises(FerrotuneValueError, match=match):
        build()  # type: ignore[operator]


@pytest.mark.parametrize("evaluator", [RegretBoundEvaluator, BestValueStagnationEvaluator, CrossValidationErrorEvaluator])
def test_no_complete_trial_is_an_error(evaluator: type) -> None:
    with pytest.raises(FerrotuneValueError, match="no trial has completed"):
        evaluator().evaluate([], StudyDirection.MAXIMIZE)


def test_regret_bound_without_common_parameters_is_an_error() -> None:
    with pytest.raises(FerrotuneValueError, match="intersection search space"):
        RegretBoundEvaluator().evaluate([create_trial(value=0.0)], StudyDirection.MAXIMIZE)
    study = ft.create_study()
    study.add_trial(create_trial(value=0.0))
    with pytest.raises(FerrotuneValueError, match="intersection search space"):
        RegretBoundEvaluator()._evaluate_study(study)


def test_missing_cross_validation_scores_name_the_fix() -> None:
    with pytest.raises(FerrotuneValueError, match="report_cross_validation_scores"):
        CrossValidationErrorEvaluator().evaluate([create_trial(value=0.0)], StudyDirection.MAXIMIZE)


def test_one_cross_validation_score_is_refused() -> None:
    trial = ft.create_study().ask()
    with pytest.raises(FerrotuneValueError, match="more than one score"):
        report_cross_validation_scores(trial, [1.0])


def test_multi_objective_study_is_refused() -> None:
    study = ft.create_study(directions=["minimize", "minimize"])
    study.add_trial(create_trial(params={"x": 0.5}, distributions=SPACE, values=[0.0, 1.0]))
    with pytest.raises(FerrotuneValueError):
        Terminator(RegretBoundEvaluator(), StaticErrorEvaluator(0.0), min_n_trials=1).should_terminate(study)


def test_an_infinite_value_among_the_top_trials_is_an_error_and_elsewhere_ignored() -> None:
    xs = np.linspace(0.0, 1.0, 30)
    values = list(xs)
    values[3] = float("inf")
    trials = [create_trial(params={"x": float(x)}, distributions=SPACE, value=v) for x, v in zip(xs, values, strict=True)]
    assert math.isfinite(RegretBoundEvaluator(seed=0).evaluate(trials, StudyDirection.MINIMIZE))
    with pytest.raises(FerrotuneValueError, match="non-finite"):
        RegretBoundEvaluator(seed=0).evaluate(trials, StudyDirection.MAXIMIZE)
