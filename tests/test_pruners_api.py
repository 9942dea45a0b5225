"""The pruners' Python API: arguments, the study's fast path, Python pruners and samplers under
Hyperband, BOHB."""

from __future__ import annotations

import pytest
from _util import assert_message

import ferrotune
from ferrotune import TrialState, _core
from ferrotune.exceptions import FerrotuneValueError, MultiObjectiveError
from ferrotune.pruners import (
    BasePruner,
    HyperbandPruner,
    MedianPruner,
    NopPruner,
    PatientPruner,
    PercentilePruner,
    SuccessiveHalvingPruner,
    ThresholdPruner,
    WilcoxonPruner,
    bohb,
)
from ferrotune.samplers import RandomSampler, TPESampler
from ferrotune.trial import FrozenTrial


@pytest.mark.parametrize(
    ("make", "fragments"),
    [
        (lambda: PercentilePruner(101.0), ["percentile", "between 0 and 100"]),
        (lambda: PercentilePruner(float("nan")), ["percentile", "NaN"]),
        (lambda: MedianPruner(n_startup_trials=-1), ["n_startup_trials", ">= 0"]),
        (lambda: MedianPruner(n_warmup_steps=-2), ["n_warmup_steps", ">= 0"]),
        (lambda: MedianPruner(interval_steps=0), ["interval_steps", ">= 1"]),
        (lambda: MedianPruner(n_min_trials=0), ["n_min_trials", ">= 1"]),
        (lambda: MedianPruner(n_startup_trials=1.5), ["n_startup_trials", "int"]),
        (lambda: MedianPruner(n_startup_trials=True), ["n_startup_trials", "int"]),
        (lambda: MedianPruner(n_startup_trials=2**70), ["n_startup_trials", "out of range"]),
        (ThresholdPruner, ["lower or upper"]),
        (lambda: ThresholdPruner(lower=2.0, upper=1.0), ["lower must be <= upper"]),
        (lambda: ThresholdPruner(upper="x"), ["upper", "number"]),
        (lambda: PatientPruner(None, patience=-1), ["patience", ">= 0"]),
        (lambda: PatientPruner(None, patience=1, min_delta=-0.1), ["min_delta", ">= 0"]),
        (lambda: PatientPruner("median", patience=1), ["wrapped_pruner"]),
        (lambda: WilcoxonPruner(p_threshold=1.5), ["p_threshold", "between 0 and 1"]),
        (lambda: WilcoxonPruner(n_startup_steps=-1), ["n_startup_steps", ">= 0"]),
        (lambda: SuccessiveHalvingPruner(min_resource=0), ["min_resource", ">= 1 or 'auto'"]),
        (lambda: SuccessiveHalvingPruner(min_resource="fast"), ["min_resource", "'auto'"]),
        (lambda: SuccessiveHalvingPruner(reduction_factor=1), ["reduction_factor", ">= 2"]),
        (lambda: SuccessiveHalvingPruner(min_early_stopping_rate=-1), ["min_early_stopping_rate", ">= 0"]),
        (lambda: SuccessiveHalvingPruner(bootstrap_count=-1), ["bootstrap_count", ">= 0"]),
        (lambda: SuccessiveHalvingPruner(bootstrap_count=2), ["bootstrap_count", "min_resource"]),
        (lambda: HyperbandPruner(min_resource=0), ["min_resource", ">= 1"]),
        (lambda: HyperbandPruner(max_resource="big"), ["max_resource", "'auto'"]),
        (lambda: HyperbandPruner(min_resource=5, max_resource=3), ["max_resource must be >= min_resource"]),
        (lambda: HyperbandPruner(reduction_factor=1), ["reduction_factor", ">= 2"]),
        (lambda: HyperbandPruner(bootstrap_count=1), ["bootstrap_count", "max_resource"]),
    ],
)
def test_bad_arguments_name_the_parameter(make, fragments):
    with pytest.raises(FerrotuneValueError) as e:
        make()
    assert_message(e, *fragments)
    assert isinstance(e.value, ValueError)


def test_numpy_arguments_are_accepted():
    np = pytest.importorskip("numpy")
    p = SuccessiveHalvingPruner(np.int64(2), np.int32(3))
    assert "min_resource=2, reduction_factor=3" in repr(p)
    assert "percentile=25.0" in repr(PercentilePruner(np.float64(25.0)))


def test_reprs():
    assert repr(MedianPruner()) == "MedianPruner(n_startup_trials=5, n_warmup_steps=0, interval_steps=1, n_min_trials=1)"
    assert repr(HyperbandPruner()) == "HyperbandPruner(min_resource=1, max_resource='auto', reduction_factor=3, bootstrap_count=0)"
    assert repr(NopPruner()) == "NopPruner()"
    assert repr(ThresholdPruner(upper=1)).startswith("ThresholdPruner(lower=None, upper=1.0")


def _reported(study, values):
    t = study.ask()
    for step, v in enumerate(values):
        t.report(v, step)
    return t


def test_should_prune_is_one_call_into_the_core(monkeypatch):
    s = ferrotune.create_study(pruner=MedianPruner(n_startup_trials=1))
    s.tell(_reported(s, [1.0, 1.0]), 1.0)
    t = _reported(s, [5.0])

    def no_frozen(*args, **kwargs):
        raise AssertionError("should_prune built a FrozenTrial")

    monkeypatch.setattr(FrozenTrial, "_from_export", staticmethod(no_frozen))
    assert t.should_prune() is True


def test_prune_from_python_judges_the_stored_trial():
    s = ferrotune.create_study(pruner=NopPruner())
    s.tell(_reported(s, [1.0]), 1.0)
    _reported(s, [5.0])
    frozen = s.trials[-1]
    assert MedianPruner(1).prune(s, frozen) is True
    assert MedianPruner(2).prune(s, frozen) is False
    assert NopPruner().prune(s, frozen) is False


def test_a_subclass_overriding_prune_is_called():
    calls = []

    class Logged(MedianPruner):
        def prune(self, study, trial):
            calls.append(dict(trial.intermediate_values))
            return super().prune(study, trial)

    s = ferrotune.create_study(pruner=Logged(n_startup_trials=1))
    s.tell(_reported(s, [1.0]), 1.0)
    t = _reported(s, [5.0])
    assert t.should_prune() is True
    assert calls == [{0: 5.0}]


def test_assigning_a_pruner_takes_effect():
    s = ferrotune.create_study()
    assert isinstance(s.pruner, NopPruner)
    s.tell(_reported(s, [1.0]), 1.0)
    t = _reported(s, [5.0])
    assert t.should_prune() is False
    s.pruner = ThresholdPruner(upper=2.0)
    assert t.should_prune() is True
    s.pruner = None
    assert isinstance(s.pruner, NopPruner) and t.should_prune() is False
    with pytest.raises(FerrotuneValueError, match="pruner must be a ferrotune pruner"):
        s.pruner = "median"


def test_the_pruner_survives_a_sampler_change():
    s = ferrotune.create_study(pruner=ThresholdPruner(upper=2.0))
    s.sampler = RandomSampler(seed=1)
    assert _reported(s, [5.0]).should_prune() is True


def test_pruning_needs_one_objective():
    s = ferrotune.create_study(directions=["minimize", "maximize"], pruner=MedianPruner())
    t = s.ask()
    with pytest.raises(MultiObjectiveError):
        t.should_prune()
    with pytest.raises(FerrotuneValueError, match="single objective"):
        MedianPruner().prune(s, s.trials[0])


def test_rung_attributes_cannot_be_written_to_a_finished_trial():
    s = ferrotune.create_study()
    t = _reported(s, [1.0, 1.0])
    s.tell(t, 1.0)
    with pytest.raises(ferrotune.exceptions.UpdateFinishedTrialError):
        SuccessiveHalvingPruner(1, 2).prune(s, s.trials[0])


def _objective(trial):
    x = trial.suggest_float("x", 0, 1)
    for step in range(9):
        trial.report(x + (trial.number % 5) / (step + 1), step)
        if trial.should_prune():
            raise ferrotune.TrialPruned()
    return x


def test_python_samplers_see_only_their_bracket():
    seen = []

    class Spy(ferrotune.samplers.BaseSampler):
        def before_trial(self, study, trial):
            seen.append(("before", trial.number, study))

        def sample_independent(self, study, trial, name, dist):
            seen.append(("independent", trial.number, study))
            return 0.5

        def after_trial(self, study, trial, state, values):
            seen.append(("after", trial.number, study))

    s = ferrotune.create_study(study_name="spy", sampler=Spy(), pruner=HyperbandPruner(1, 9, 3))
    s.optimize(_objective, n_trials=30)
    brackets = s._engine.trial_brackets()
    assert len(set(brackets)) == 3
    for hook, number, view in seen:
        if number == 0 and hook != "after":
            assert view is s  # no brackets before the first decision
            continue
        assert view.bracket_id == brackets[number]
        assert isinstance(view, ferrotune.Study) and view.study_name == "spy"
    # get_trials() and trials are the bracket's; the rest is the study's own state
    view = seen[-1][2]
    assert [t.number for t in view.trials] == [n for n, b in enumerate(brackets) if b == view.bracket_id]
    assert [t.number for t in view.get_trials(states=(TrialState.COMPLETE,))] == [
        t.number for t in s.get_trials(states=(TrialState.COMPLETE,)) if brackets[t.number] == view.bracket_id
    ]
    assert view.best_trial.number == s.best_trial.number


def test_stop_from_a_bracket_view_stops_the_study():
    class Stopper(ferrotune.samplers.BaseSampler):
        def sample_independent(self, study, trial, name, dist):
            if trial.number == 12:
                study.stop()
            return 0.5

    s = ferrotune.create_study(sampler=Stopper(), pruner=HyperbandPruner(1, 9, 3))
    s.optimize(_objective, n_trials=50)
    assert len(s.trials) == 13


def test_tpe_models_each_bracket_on_its_own():
    """Under Hyperband, TPE's random start-up (n_startup_trials finished trials) is counted per
    bracket: a trial whose bracket has fewer finished trials still gets the random draw, long
    after the study as a whole has passed the start-up."""
    seed = 3
    sampler, pruner = bohb(min_resource=1, max_resource=9, reduction_factor=3, seed=seed, n_startup_trials=5)
    assert isinstance(sampler, TPESampler) and isinstance(pruner, HyperbandPruner)
    assert sampler._args["multivariate"] is True
    s = ferrotune.create_study(study_name="bohb", sampler=sampler, pruner=pruner)
    s.optimize(_objective, n_trials=40)
    brackets = s._engine.trial_brackets()
    random = _core.Sampler.random(seed)
    spec = ferrotune.distributions.FloatDistribution(0, 1)._spec()
    n_random_late = 0
    for t in s.trials:
        # the trials of its bracket that finished before it (all earlier ones: one job)
        earlier_in_bracket = sum(1 for n in range(t.number) if brackets[n] == brackets[t.number])
        is_random = t.params["x"] == random.random_draw(t.number, "x", spec)
        assert is_random == (earlier_in_bracket < 5), t.number
        n_random_late += is_random and t.number >= 5
    assert n_random_late > 0  # with one history for all brackets, trials from the 6th on would use TPE


def test_grid_sampler_still_visits_each_point_once_under_hyperband():
    grid = ferrotune.samplers.GridSampler({"x": [i / 10 for i in range(10)]}, seed=0)
    s = ferrotune.create_study(sampler=grid, pruner=HyperbandPruner(1, 9, 3))
    s.optimize(_objective, n_trials=100)
    assert sorted(t.params["x"] for t in s.trials) == [i / 10 for i in range(10)]


def test_user_base_pruner_still_works_with_threads():
    class Last(BasePruner):
        def prune(self, study, trial):
            return trial.intermediate_values[trial.last_step] > 3.0

    s = ferrotune.create_study(pruner=Last(), sampler=RandomSampler(seed=0))
    s.optimize(_objective, n_trials=20, n_jobs=2)
    for t in s.trials:
        assert (t.state == TrialState.PRUNED) == any(v > 3.0 for v in t.intermediate_values.values())


def test_bohb_with_threads():
    sampler, pruner = bohb(max_resource=9, seed=0, n_startup_trials=3)
    s = ferrotune.create_study(sampler=sampler, pruner=pruner)
    s.optimize(_objective, n_trials=45, n_jobs=3)
    trials = s.trials
    assert len(trials) == 45 and {t.state for t in trials} <= {TrialState.COMPLETE, TrialState.PRUNED}
    assert any(t.state == TrialState.PRUNED for t in trials)
    brackets = s._engine.trial_brackets()
    assert brackets is not None and len(brackets) == 45
