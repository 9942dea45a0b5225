"""AutoSampler: which built-in sampler each kind of study gets, and when it switches."""

from __future__ import annotations

import pickle
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ferrotune
from ferrotune.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.samplers import AutoSampler, RandomSampler
from ferrotune.study._suggest import CorePath
from ferrotune.trial import FrozenTrial, Trial

ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)


def _run(
    sampler: AutoSampler, objective: Callable[[Trial], Any], n_trials: int, directions: list[str] | None = None
) -> tuple[ferrotune.Study, list[str]]:
    """The study and the name of the sampler that served each trial."""
    used: list[str] = []

    def record(study: ferrotune.Study, trial: FrozenTrial) -> None:
        used.append(type(sampler.current_sampler).__name__)

    study = ferrotune.create_study(sampler=sampler, directions=directions or ["minimize"])
    study.optimize(objective, n_trials=n_trials, callbacks=[record])
    return study, used


def numeric(trial: Trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_int("y", -5, 5)
    return (x - 1) ** 2 + (y + 2) ** 2


def categorical(trial: Trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    c = trial.suggest_categorical("c", ["a", "b", "c"])
    return x**2 + {"a": 0.0, "b": 1.0, "c": 2.0}[c]


def conditional(trial: Trial) -> float:
    kind = trial.suggest_int("kind", 0, 1)
    if kind == 0:
        return trial.suggest_float("a", -5, 5) ** 2
    return 1 + trial.suggest_float("b", 0, 3)


def two_objectives(trial: Trial) -> tuple[float, float]:
    x = trial.suggest_float("x", 0, 1)
    y = trial.suggest_float("y", 0, 1)
    return x, (1 + y) * (1 - x**0.5)


def four_objectives(trial: Trial) -> tuple[float, float, float, float]:
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_int("y", -5, 5)
    return x**2 + y**2, (x - 2) ** 2 + y**2, (x + 2) ** 2 + y**2, x**2 + (y - 2) ** 2


def test_numeric_single_objective_gp_then_cmaes_at_the_threshold() -> None:
    s = AutoSampler(seed=0)
    s.N_COMPLETE_TRIALS_FOR_GP = 20
    study, used = _run(s, numeric, 30)
    assert used == ["RandomSampler"] + ["GPSampler"] * 19 + ["CmaEsSampler"] * 10
    assert isinstance(study._path, CorePath)  # the chosen sampler's core does the work
    assert study._engine is not None and s._core_sampler is s.current_sampler._core_sampler


def test_documented_thresholds() -> None:
    assert AutoSampler.N_COMPLETE_TRIALS_FOR_GP == 1000
    assert AutoSampler.N_STAGNANT_TRIALS_FOR_CMAES == 30
    assert AutoSampler.N_COMPLETE_TRIALS_FOR_STAGNATION == 120
    assert AutoSampler.N_COMPLETE_TRIALS_FOR_MULTI_OBJECTIVE_GP == 250
    assert AutoSampler.N_COMPLETE_TRIALS_FOR_NSGA == 1000
    assert AutoSampler.N_OBJECTIVES_FOR_NSGA3 == 4


def test_one_parameter_numeric_goes_to_tpe_after_the_gp() -> None:
    s = AutoSampler(seed=0)
    s.N_COMPLETE_TRIALS_FOR_GP = 10
    _, used = _run(s, lambda t: t.suggest_float("x", -1, 1) ** 2, 15)
    assert used == ["RandomSampler"] + ["GPSampler"] * 9 + ["TPESampler"] * 5


def test_conditional_space_gets_tpe_for_good() -> None:
    _, used = _run(AutoSampler(seed=0), conditional, 30)
    assert used[0] == "RandomSampler"
    first_tpe = used.index("TPESampler")  # from the first finished trial of the other branch
    assert set(used[1:first_tpe]) <= {"GPSampler"}
    assert set(used[first_tpe:]) == {"TPESampler"}


def test_categorical_space_gp_then_tpe_at_the_threshold() -> None:
    s = AutoSampler(seed=0)
    s.N_COMPLETE_TRIALS_FOR_GP = 20
    study, used = _run(s, categorical, 30)
    assert used == ["RandomSampler"] + ["GPSampler"] * 19 + ["TPESampler"] * 10
    assert study.best_value < 0.5


def test_multi_objective_gp_then_tpe_then_nsga2_at_the_thresholds() -> None:
    s = AutoSampler(seed=0)
    s.N_COMPLETE_TRIALS_FOR_MULTI_OBJECTIVE_GP = 15
    s.N_COMPLETE_TRIALS_FOR_NSGA = 30
    _, used = _run(s, two_objectives, 60, ["minimize", "minimize"])
    assert used == ["RandomSampler"] + ["GPSampler"] * 14 + ["TPESampler"] * 15 + ["NSGAIISampler"] * 30


def test_many_objectives_get_nsga3() -> None:
    s = AutoSampler(seed=0)
    s.N_COMPLETE_TRIALS_FOR_MULTI_OBJECTIVE_GP = 5
    s.N_COMPLETE_TRIALS_FOR_NSGA = 10
    _, used = _run(s, four_objectives, 15, ["minimize"] * 4)
    assert used == ["RandomSampler"] + ["GPSampler"] * 4 + ["TPESampler"] * 5 + ["NSGAIIISampler"] * 5


def _constrained(trial: Trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_float("y", -5, 5)
    trial.set_constraint("c", 1 - x)  # feasible when x >= 1
    return x**2 + y**2


def test_constrained_numeric_study_gp_then_tpe_and_feasible_best() -> None:
    s = AutoSampler(seed=0)
    s.N_COMPLETE_TRIALS_FOR_GP = 25
    study, used = _run(s, _constrained, 35)
    assert used == ["RandomSampler"] + ["GPSampler"] * 24 + ["TPESampler"] * 10
    assert study.best_trial.params["x"] >= 1
    assert study.best_value < 1.5  # the optimum is 1 at (1, 0)


def test_constraints_func_is_stored_and_passed_on() -> None:
    def cf(t: FrozenTrial) -> list[float]:
        return [1 - t.params["x"]]

    with pytest.warns(FutureWarning, match="constraints_func"):
        s = AutoSampler(seed=0, constraints_func=cf)
    s.N_COMPLETE_TRIALS_FOR_MULTI_OBJECTIVE_GP = 5
    s.N_COMPLETE_TRIALS_FOR_NSGA = 10
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)  # warned once, at construction
        study, used = _run(s, two_objectives, 15, ["minimize", "minimize"])
    assert used[-1] == "NSGAIISampler"
    assert s.current_sampler._constraints_func is cf
    for t in study.trials:
        assert t.constraints == pytest.approx({"0": 1 - t.params["x"]})


def _params(seed: int, objective: Callable[[Trial], Any], n: int, directions: list[str] | None = None) -> list[dict[str, Any]]:
    s = AutoSampler(seed=seed)
    s.N_COMPLETE_TRIALS_FOR_GP = 15
    s.N_COMPLETE_TRIALS_FOR_MULTI_OBJECTIVE_GP = 15
    s.N_COMPLETE_TRIALS_FOR_NSGA = 15
    s.N_STAGNANT_TRIALS_FOR_CMAES = 10
    study, used = _run(s, objective, n, directions)
    return [t.params for t in study.trials] + [{"last": used[-1]}]


def plateau(trial: Trial) -> float:
    """Flat almost everywhere: the GP stalls on it, so the stagnation rule hands it to CMA-ES."""
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_float("y", -5, 5)
    return float(abs(x) > 1) + float(abs(y) > 1)


@pytest.mark.parametrize(
    ("objective", "directions", "last"),
    [
        (numeric, None, "CmaEsSampler"),
        (plateau, None, "CmaEsSampler"),
        (categorical, None, "TPESampler"),
        (two_objectives, ["minimize", "minimize"], "NSGAIISampler"),
    ],
)
def test_deterministic_under_a_seed(objective: Callable[[Trial], Any], directions: list[str] | None, last: str) -> None:
    a = _params(3, objective, 25, directions)
    assert a[-1] == {"last": last}
    assert a == _params(3, objective, 25, directions)
    assert a != _params(4, objective, 25, directions)


def test_pickles_mid_study_and_proposes_the_same() -> None:
    s = AutoSampler(seed=5)
    s.N_COMPLETE_TRIALS_FOR_GP = 10
    study = ferrotune.create_study(sampler=s)
    study.optimize(numeric, n_trials=12)
    assert type(s.current_sampler).__name__ == "CmaEsSampler"
    copy = pickle.loads(pickle.dumps(s))
    assert copy.seed == s.seed and type(copy.current_sampler) is type(s.current_sampler)
    # two studies with the same history: the copy proposes what the original proposes
    twins = []
    for sampler in (s, copy):
        st2 = ferrotune.create_study(sampler=sampler)
        st2.add_trials(study.trials)
        st2.optimize(numeric, n_trials=3)
        twins.append([t.params for t in st2.trials[12:]])
    assert twins[0] == twins[1]


def test_beats_random_search_on_a_numeric_study() -> None:
    def sphere(trial: Trial) -> float:
        return sum((trial.suggest_float(f"x{i}", -5, 5) - 0.5) ** 2 for i in range(4))

    wins = 0
    for seed in range(3):
        auto = ferrotune.create_study(sampler=AutoSampler(seed=seed))
        auto.optimize(sphere, n_trials=40)
        rand = ferrotune.create_study(sampler=RandomSampler(seed=seed))
        rand.optimize(sphere, n_trials=40)
        wins += auto.best_value < rand.best_value / 10
    assert wins == 3


def _inside(study: ferrotune.Study) -> None:
    for t in study.trials:
        for name, d in t.distributions.items():
            assert d._contains(d.to_internal_repr(t.params[name])), (name, t.params[name], d)


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), step=st.sampled_from([None, 0.25]), log=st.booleans())
def test_every_value_inside_its_distribution(seed: int, step: float | None, log: bool) -> None:
    def objective(trial: Trial) -> float:
        a = trial.suggest_float("a", 0.5, 4.0, step=None if log else step, log=log)
        b = trial.suggest_int("b", 1, 64, log=log)
        return a + b

    s = AutoSampler(seed=seed)
    s.N_COMPLETE_TRIALS_FOR_GP = 12
    study, used = _run(s, objective, 18)
    assert used[-1] == "CmaEsSampler"
    _inside(study)
    assert all(isinstance(d, (FloatDistribution, IntDistribution)) for d in study.trials[-1].distributions.values())

    study2, _ = _run(AutoSampler(seed=seed), categorical, 12)
    _inside(study2)
    assert isinstance(study2.trials[-1].distributions["c"], CategoricalDistribution)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"seed": "1"}, "seed"),
        ({"constraints_func": 3}, "constraints_func"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(FerrotuneValueError, match=match):
        AutoSampler(**kwargs)


def test_reseed_keeps_the_choice_and_changes_the_seed() -> None:
    s = AutoSampler(seed=1)
    before = s.seed
    s.reseed_rng()
    assert s.seed != before
    _, used = _run(s, numeric, 3)
    assert used == ["RandomSampler", "GPSampler", "GPSampler"]


def test_a_replaced_hook_runs_from_python_with_the_chosen_sampler() -> None:
    calls: list[str] = []

    class Logged(AutoSampler):
        def sample_independent(self, study: Any, trial: Any, param_name: str, param_distribution: Any) -> Any:
            calls.append(type(self.current_sampler).__name__)
            return super().sample_independent(study, trial, param_name, param_distribution)

    s = Logged(seed=0)
    s.N_COMPLETE_TRIALS_FOR_GP = 12
    study, used = _run(s, numeric, 15)
    assert not isinstance(study._path, CorePath)
    assert used == ["RandomSampler"] + ["GPSampler"] * 11 + ["CmaEsSampler"] * 3
    assert calls[:2] == ["RandomSampler", "RandomSampler"] and "GPSampler" in calls
    assert study.best_value < 2


def test_threads_share_the_switch() -> None:
    s = AutoSampler(seed=0)
    s.N_COMPLETE_TRIALS_FOR_GP = 15
    study = ferrotune.create_study(sampler=s)
    study.optimize(numeric, n_trials=40, n_jobs=3)
    assert len(study.trials) == 40
    assert all(t.state == ferrotune.trial.TrialState.COMPLETE for t in study.trials)
    assert type(s.current_sampler).__name__ == "CmaEsSampler"
    _inside(study)


def test_partial_fixed_over_auto_follows_its_switches() -> None:
    from ferrotune.samplers import PartialFixedSampler

    s = AutoSampler(seed=0)
    s.N_COMPLETE_TRIALS_FOR_GP = 10
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ferrotune.exceptions.ExperimentalWarning)
        fixed = PartialFixedSampler({"y": -2}, s)
    used: list[str] = []
    study = ferrotune.create_study(sampler=fixed)
    study.optimize(numeric, n_trials=14, callbacks=[lambda st, t: used.append(type(s.current_sampler).__name__)])
    assert used == ["RandomSampler"] + ["GPSampler"] * 9 + ["CmaEsSampler"] * 4
    assert isinstance(study._path, CorePath) and study._engine is not None
    assert all(t.params["y"] == -2 for t in study.trials)


# -- the stagnation rule: a numeric one-objective space leaves the GP for CMA-ES when the best
# value has not improved for N_STAGNANT_TRIALS_FOR_CMAES complete trials


def _xy(trial: Trial) -> tuple[float, float]:
    return trial.suggest_float("x", -5, 5), trial.suggest_float("y", -5, 5)


def _stalling(k: int, n: int, values: Callable[[int], float], direction: str = "minimize") -> list[str]:
    s = AutoSampler(seed=0)
    s.N_STAGNANT_TRIALS_FOR_CMAES = k
    s.N_COMPLETE_TRIALS_FOR_GP = 1000

    def objective(trial: Trial) -> float:
        _xy(trial)
        return values(trial.number)

    return _run(s, objective, n, [direction])[1]


def test_gp_hands_over_to_cmaes_after_k_trials_without_improvement() -> None:
    # every value ties with the first: the first is the best, and no later trial improves it
    used = _stalling(12, 18, lambda n: 1.0)
    assert used == ["RandomSampler"] + ["GPSampler"] * 12 + ["CmaEsSampler"] * 5


def test_an_improvement_restarts_the_count() -> None:
    # the best is trial 8: the switch comes after 12 more complete trials (9..20), at trial 21
    used = _stalling(12, 25, lambda n: 0.5 if n == 8 else 1.0)
    assert used == ["RandomSampler"] + ["GPSampler"] * 20 + ["CmaEsSampler"] * 4


@pytest.mark.parametrize(
    ("direction", "sign", "switches"), [("minimize", -1, False), ("maximize", 1, False), ("minimize", 1, True), ("maximize", -1, True)]
)
def test_stagnation_follows_the_direction(direction: str, sign: int, switches: bool) -> None:
    # sign * number improves at every trial in the study's direction, or gets worse at every one
    used = _stalling(10, 16, lambda n: float(sign * n), direction)
    assert ("CmaEsSampler" in used) is switches
    if switches:
        assert used.index("CmaEsSampler") == 11


def test_no_stagnation_switch_after_the_window() -> None:
    # the best is trial 5; without the window the switch would come at trial 18
    def values(n: int) -> float:
        return 0.5 if n == 5 else 1.0

    s = AutoSampler(seed=0)
    s.N_STAGNANT_TRIALS_FOR_CMAES = 12
    s.N_COMPLETE_TRIALS_FOR_STAGNATION = 17  # the last count at which the rule looks
    s.N_COMPLETE_TRIALS_FOR_GP = 25

    def objective(trial: Trial) -> float:
        _xy(trial)
        return values(trial.number)

    _, used = _run(s, objective, 28)
    assert used == ["RandomSampler"] + ["GPSampler"] * 24 + ["CmaEsSampler"] * 3
    # with the default window (120) the same study switches at trial 18
    assert _stalling(12, 20, values) == ["RandomSampler"] + ["GPSampler"] * 17 + ["CmaEsSampler"] * 2


def test_stagnation_rule_only_for_numeric_unconstrained_spaces() -> None:
    for objective in (categorical, _constrained, lambda t: t.suggest_float("x", -1, 1) * 0):
        s = AutoSampler(seed=0)
        s.N_STAGNANT_TRIALS_FOR_CMAES = 5
        s.N_COMPLETE_TRIALS_FOR_GP = 20

        def flat(trial: Trial, objective: Callable[[Trial], Any] = objective) -> float:
            objective(trial)
            return 1.0  # stagnant from the first trial

        _, used = _run(s, flat, 24)
        assert used == ["RandomSampler"] + ["GPSampler"] * 19 + ["TPESampler"] * 4


def test_handover_warm_starts_cmaes_from_the_whole_history() -> None:
    def shifted(trial: Trial) -> float:
        x, y = _xy(trial)
        return (x - 3) ** 2 + (y + 3) ** 2

    s = AutoSampler(seed=0)
    s.N_COMPLETE_TRIALS_FOR_GP = 20
    study, used = _run(s, shifted, 26)
    assert used == ["RandomSampler"] + ["GPSampler"] * 19 + ["CmaEsSampler"] * 6
    source = s.current_sampler._args["source_trials"]
    assert [v for _, v, _, _ in source] == [t.value for t in study.trials[:20]]
    assert len(study.trials) == 26  # the study keeps every trial; CMA-ES starts from them
    # a cold CMA-ES would start at the centre (0, 0) with sigma 10/6; the warm start near (3, -3)
    first = study.trials[20:]
    assert sum(t.params["x"] for t in first) / len(first) > 1.5
    assert sum(t.params["y"] for t in first) / len(first) < -1.5


def test_too_short_a_history_hands_over_without_a_warm_start() -> None:
    used = _stalling(3, 8, lambda n: 1.0)
    assert used == ["RandomSampler"] + ["GPSampler"] * 3 + ["CmaEsSampler"] * 4


# -- the separability test: a stalled GP keeps a smooth surface whose basins lie along the axes


def _stalled_from_the_first_trial(objective: Callable[[float, float], float], best: tuple[float, float]) -> list[str]:
    """The samplers of 45 trials whose first is the optimum (so the GP's best never improves)."""
    s = AutoSampler(seed=3)
    s.N_STAGNANT_TRIALS_FOR_CMAES = 25  # past the 19 trials the additive fit needs in 2 dimensions
    study = ferrotune.create_study(sampler=s)
    study.enqueue_trial({"x": best[0], "y": best[1]})
    used: list[str] = []
    study.optimize(lambda t: objective(*_xy(t)), n_trials=45, callbacks=[lambda st, ft: used.append(type(s.current_sampler).__name__)])
    assert study.best_trial.number == 0
    return used


def _double_well(x: float, y: float) -> float:
    return sum(v**4 - 16 * v * v + 5 * v for v in (x, y)) / 2


def test_a_stalled_gp_keeps_a_separable_smooth_surface() -> None:
    # two basins per coordinate, a sum of one quartic per parameter: the GP stays
    used = _stalled_from_the_first_trial(_double_well, (-2.903534, -2.903534))
    assert used == ["RandomSampler"] + ["GPSampler"] * 44


def test_a_stalled_gp_hands_a_surface_with_interactions_to_cmaes() -> None:
    # the same stall on a surface with a cross term: CMA-ES after 25 trials without improvement
    used = _stalled_from_the_first_trial(lambda x, y: (x * y - 1) ** 2 + (x - y) ** 2, (1.0, 1.0))
    assert used == ["RandomSampler"] + ["GPSampler"] * 25 + ["CmaEsSampler"] * 19


def test_separable_threshold_is_documented() -> None:
    assert AutoSampler.SEPARABLE_R2_FOR_GP == 0.99
