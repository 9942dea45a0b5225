"""Hand-worked pruning scenarios: which trials each pruner stops, at which step."""

from __future__ import annotations

import math

import pytest
from _pruning import run

import ferrotune
from ferrotune import TrialState
from ferrotune.pruners import (
    HyperbandPruner,
    MedianPruner,
    PatientPruner,
    PercentilePruner,
    SuccessiveHalvingPruner,
    ThresholdPruner,
    WilcoxonPruner,
)

NAN = float("nan")


def test_median_pruner_hand_worked():
    # Three complete trials; at step 1 their values are 1, 2, 3 (median 2), at step 2: 0, 1, 2.
    done = [[5.0, 1.0, 0.0], [5.0, 2.0, 1.0], [5.0, 3.0, 2.0]]
    challengers = [
        [5.0, 2.5, 0.5],  # step 1: best so far 2.5 > 2 -> pruned at step 1
        [5.0, 1.5, 1.5],  # step 1: 1.5 <= 2; step 2: best 1.5 > 1 -> pruned at step 2
        [0.5, 9.0, 9.0],  # its best (0.5, from step 0) stays <= the medians: kept
        [5.0, 2.0, 1.0],  # equal to the medians: kept
    ]
    log = run(ferrotune, MedianPruner(n_startup_trials=3), done + challengers)
    assert log == [(0, None), (1, None), (2, None), (3, 1), (4, 2), (5, None), (6, None)]


def test_median_pruner_maximize_and_warmup():
    done = [[0.0, 1.0, 2.0, 3.0], [0.0, 3.0, 4.0, 5.0]]
    # maximizing: medians 0, 2, 3, 4 at steps 0 .. 3; the best so far 0.5 < 2 at step 1
    bad = [[0.0, 0.5, 0.5, 0.5]]
    assert run(ferrotune, MedianPruner(2), done + bad, direction="maximize")[-1] == (2, 1)
    # no check before step 2, then every second step: steps 2 (median 3) -> pruned there
    assert run(ferrotune, MedianPruner(2, n_warmup_steps=2, interval_steps=2), done + bad, direction="maximize")[-1] == (2, 2)
    # n_min_trials=3: only two complete trials ever reported -> never pruned
    assert run(ferrotune, MedianPruner(2, n_min_trials=3), done + bad, direction="maximize")[-1] == (2, None)


def test_percentile_pruner_keeps_the_top_quarter():
    done = [[float(v)] * 3 for v in range(1, 10)]  # complete trials at 1 .. 9 every step
    # np.percentile(1..9, 25) = 3: a trial at 3 is kept, at 3.5 pruned at its first step
    log = run(ferrotune, PercentilePruner(25.0, n_startup_trials=9), done + [[3.0, 3.0, 3.0], [3.5, 3.0, 3.0]])
    assert log[-2:] == [(9, None), (10, 0)]


def test_nan_values():
    done = [[1.0, NAN, 1.0], [2.0, NAN, 2.0]]
    # median pruner: an all-NaN trial is pruned; NaN values of complete trials are ignored
    # (at step 1 they are all NaN: no median, no pruning)
    log = run(ferrotune, MedianPruner(2), done + [[NAN, NAN]] + [[1.0, 0.5, 1.0]])
    assert log[2:] == [(2, 0), (3, None)]
    # threshold: NaN is pruned at the first check
    assert run(ferrotune, ThresholdPruner(upper=10.0), [[1.0, NAN, 1.0]]) == [(0, 1)]
    # ASHA: NaN at the end of a rung is pruned and not recorded
    s = ferrotune.create_study(pruner=SuccessiveHalvingPruner(1, 2))
    t = s.ask()
    t.report(1.0, 0)
    t.report(NAN, 1)
    assert t.should_prune()
    assert "completed_rung_0" not in t.system_attrs
    # a pruned trial ends PRUNED with its last value, none when that value is NaN
    frozen = s.tell(t, state=TrialState.PRUNED)
    assert frozen.state == TrialState.PRUNED and frozen.value is None
    t = s.ask()
    t.report(0.25, 3)
    assert s.tell(t, state=TrialState.PRUNED).value == 0.25


def test_pruned_trials_keep_their_last_intermediate_value():
    def objective(trial):
        for step in range(10):
            trial.report(10.0 - step if trial.number == 0 else 100.0 + step, step)
            if trial.should_prune():
                raise ferrotune.TrialPruned()
        return 0.0

    s = ferrotune.create_study(pruner=MedianPruner(n_startup_trials=1))
    s.optimize(objective, n_trials=3)
    states = [(t.state, t.value, t.last_step) for t in s.trials]
    assert states == [(TrialState.COMPLETE, 0.0, 9), (TrialState.PRUNED, 100.0, 0), (TrialState.PRUNED, 100.0, 0)]


def test_second_report_for_a_step_is_ignored_with_a_warning():
    s = ferrotune.create_study(pruner=ThresholdPruner(upper=1.0))
    t = s.ask()
    t.report(0.5, 0)
    with pytest.warns(UserWarning, match="already reported"):
        t.report(5.0, 0)
    assert t.should_prune() is False
    assert s.tell(t, 0.5).intermediate_values == {0: 0.5}


def test_threshold_pruner_hand_worked():
    trials = [[0.5, 0.7, 1.1, 1.2], [0.5, -0.1], [2.0, 0.5, 0.5, 0.5], [0.0, 1.0]]
    assert run(ferrotune, ThresholdPruner(lower=0.0, upper=1.0), trials) == [(0, 2), (1, 1), (2, 0), (3, None)]
    # warm-up 1, interval 2: only steps 1 and 3 are checked
    assert run(ferrotune, ThresholdPruner(lower=0.0, upper=1.0, n_warmup_steps=1, interval_steps=2), trials) == [
        (0, 3),
        (1, 1),
        (2, None),
        (3, None),
    ]


def test_patient_pruner_hand_worked():
    # patience 2: pruned once the best of the last 3 values is worse than the best before
    trials = [[3.0, 2.0, 2.5, 2.4, 2.1, 1.9], [3.0, 2.0, 2.5, 2.4, 2.0]]
    assert run(ferrotune, PatientPruner(None, patience=2), trials) == [(0, 4), (1, None)]
    # min_delta 0.6: 2.0 + 0.6 is not below 2.1 (step 4) nor 1.9 (step 5): kept
    assert run(ferrotune, PatientPruner(None, patience=2, min_delta=0.6), trials[:1]) == [(0, None)]


class _Always(ferrotune.pruners.BasePruner):
    def __init__(self):
        self.calls = 0

    def prune(self, study, trial):
        self.calls += 1
        return True


def test_patient_pruner_asks_a_python_pruner_only_when_stalled():
    inner = _Always()
    log = run(ferrotune, PatientPruner(inner, patience=1), [[3.0, 2.0, 1.0, 1.5, 2.0]])
    assert log == [(0, 4)]
    assert inner.calls == 1


def test_wilcoxon_pruner_hand_worked():
    s = ferrotune.create_study(pruner=WilcoxonPruner(p_threshold=0.1))
    best = s.ask()
    for step, v in enumerate([1.0, 2.0, 3.0, 4.0, 5.0]):
        best.report(v, step)
    s.tell(best, 3.0)
    t = s.ask()
    decisions = []
    for step in [4, 0, 2, 3]:  # any order: steps pair by id
        t.report(1.1 * (step + 1), step)
        decisions.append(t.should_prune())
    # one pair is too few; 2, 3, 4 positive differences: exact p = 1/4, 1/8, 1/16 (< 0.1), and
    # the trial's mean (3.575) is worse than the best trial's (3.0)
    assert decisions == [False, False, False, True]


def test_wilcoxon_pruner_warns_about_infinite_values():
    s = ferrotune.create_study(pruner=WilcoxonPruner())
    t = s.ask()
    t.report(1.0, 0)
    s.tell(t, 1.0)
    t = s.ask()
    t.report(math.inf, 0)
    with pytest.warns(UserWarning, match="infinity or NaN"):
        assert t.should_prune() is False


def test_asha_promotes_the_top_fraction_of_each_rung():
    """Each trial reaching a rung goes on iff its value ranks within the best
    max(1, n // eta) of the n values recorded there so far, itself included."""
    eta = 3
    values = [0.9, 0.2, 0.5, 0.7, 0.1, 0.8, 0.3, 0.6, 0.4, 0.05, 0.95, 0.15]
    trials = [[1.0, v, v, v] for v in values]  # rung 0 ends at step 1, rung 1 at step 3
    log = run(ferrotune, SuccessiveHalvingPruner(min_resource=1, reduction_factor=eta), trials)
    rung0, rung1 = [], []
    want = []
    for v in values:
        rung0.append(v)
        k = max(1, len(rung0) // eta)
        if v > sorted(rung0)[k - 1]:
            want.append(1)
            continue
        rung1.append(v)
        k = max(1, len(rung1) // eta)
        want.append(3 if v > sorted(rung1)[k - 1] else None)
    assert [p for _, p in log] == want
    # hand-checked: 0.9 (first: promoted), 0.2 (best), 0.5 (3 values, top 1 is 0.2: pruned), ...
    assert want[:6] == [None, None, 1, 1, None, 1]


def test_asha_rungs_are_stored_as_system_attrs():
    s = ferrotune.create_study(pruner=SuccessiveHalvingPruner(min_resource=2, reduction_factor=2))
    t = s.ask()
    for step in range(9):
        t.report(1.0 / (step + 1), step)
        assert t.should_prune() is False
    attrs = {k: v for k, v in t.system_attrs.items() if k.startswith("completed_rung_")}
    # rungs end at steps 2, 4, 8
    assert attrs == {"completed_rung_0": 1 / 3, "completed_rung_1": 1 / 5, "completed_rung_2": 1 / 9}


def test_hyperband_bracket_sizes_follow_the_paper():
    """R = 81, eta = 3: five brackets, sizes ceil(5 * 3**s / (s + 1)) = 81, 34, 15, 8, 5 for
    s = 4 .. 0, and bracket b's first rung ends at 3**b (the paper's R * eta**-s)."""
    s = ferrotune.create_study(study_name="paper", pruner=HyperbandPruner(1, 81, 3))
    t = s.ask()
    t.report(1.0, 0)
    t.should_prune()
    s.tell(t, 1.0)
    for _ in range(1429):
        s.tell(s.ask(), 1.0)
    brackets = s._engine.trial_brackets()
    counts = [brackets.count(b) for b in range(5)]
    sizes = [math.ceil(5 * 3**sv / (sv + 1)) for sv in range(4, -1, -1)]
    assert sizes == [81, 34, 15, 8, 5]
    for c, n in zip(counts, sizes, strict=True):
        assert abs(c / len(brackets) - n / sum(sizes)) < 0.04, (counts, sizes)


def test_hyperband_prunes_each_bracket_on_its_own_schedule():
    eta = 3
    pruner = HyperbandPruner(min_resource=1, max_resource=27, reduction_factor=eta)
    s = ferrotune.create_study(study_name="schedule", pruner=pruner)

    def objective(trial):
        quality = (trial.number * 7919) % 101 / 100.0  # a spread of final losses
        for step in range(27):
            trial.report(quality + 1.0 / (step + 1), step)
            if trial.should_prune():
                raise ferrotune.TrialPruned()
        return quality

    s.optimize(objective, n_trials=200)
    brackets = s._engine.trial_brackets()
    pruned_at: dict[int, set[int]] = {}
    for t in s.trials:
        if t.state == TrialState.PRUNED:
            pruned_at.setdefault(brackets[t.number], set()).add(t.last_step)
    # bracket b's rungs end at 3**(b + k); the last bracket (b = 3) never prunes
    for b, steps in pruned_at.items():
        assert steps <= {eta ** (b + k) for k in range(4) if eta ** (b + k) < 27}, (b, steps)
    assert set(pruned_at) == {0, 1, 2}
    assert 1 in pruned_at[0] and 3 in pruned_at[1] and 9 in pruned_at[2]
    # trials compete within their bracket only: every rung value a trial recorded is compared
    # with its bracket's values, so each bracket promotes its own best
    for b in range(4):
        members = [t for t in s.trials if brackets[t.number] == b]
        best = min(members, key=lambda t: t.intermediate_values[0])
        assert best.state == TrialState.COMPLETE


def test_hyperband_auto_max_resource_waits_for_a_complete_trial():
    s = ferrotune.create_study(pruner=HyperbandPruner())
    t = s.ask()
    for step in range(5):
        t.report(100.0, step)
        assert t.should_prune() is False
    assert s._engine.bracket_of(t.number) is None
    s.tell(t, 100.0)
    t2 = s.ask()
    t2.report(1.0, 0)
    t2.should_prune()
    # max_resource = 5: two brackets (1 and 3 steps)
    assert set(s._engine.trial_brackets()) <= {0, 1}


def test_several_workers_on_one_storage_share_rungs(storage):
    """Two studies opened on one storage (two workers) compete in the same rungs."""
    a = ferrotune.create_study(study_name="shared", storage=storage, pruner=SuccessiveHalvingPruner(1, 2))
    b = ferrotune.load_study(study_name="shared", storage=storage, pruner=SuccessiveHalvingPruner(1, 2))
    ta, tb = a.ask(), b.ask()
    for t in (ta, tb):
        t.report(0.0, 0)
    ta.report(0.1, 1)
    assert ta.should_prune() is False  # the first value of rung 0
    tb.report(0.5, 1)
    # worker b sees worker a's 0.1 in rung 0: with 2 values only the best goes on
    assert tb.should_prune() is True
    # alone, b's trial would have been promoted
    alone = ferrotune.create_study(pruner=SuccessiveHalvingPruner(1, 2)).ask()
    alone.report(0.0, 0)
    alone.report(0.5, 1)
    assert alone.should_prune() is False


def test_median_decisions_see_the_other_workers_trials(storage):
    a = ferrotune.create_study(study_name="median", storage=storage, pruner=MedianPruner(1))
    b = ferrotune.load_study(study_name="median", storage=storage, pruner=MedianPruner(1))
    t = a.ask()
    t.report(1.0, 0)
    a.tell(t, 1.0)
    tb = b.ask()
    tb.report(2.0, 0)
    assert tb.should_prune() is True


def test_n_jobs_threads_share_one_rung_bookkeeping():
    pruner = SuccessiveHalvingPruner(min_resource=1, reduction_factor=2)
    s = ferrotune.create_study(pruner=pruner, sampler=ferrotune.samplers.RandomSampler(seed=0))

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        for step in range(8):
            trial.report(x + 1.0 / (step + 1), step)
            if trial.should_prune():
                raise ferrotune.TrialPruned()
        return x

    s.optimize(objective, n_trials=60, n_jobs=4)
    trials = s.trials
    assert {t.state for t in trials} == {TrialState.COMPLETE, TrialState.PRUNED}
    for t in trials:
        rungs = sorted(k for k in t.system_attrs if k.startswith("completed_rung_"))
        # rungs end at steps 1, 2, 4: a trial pruned at a rung recorded it, one that ran to the
        # end recorded all three
        if t.state == TrialState.COMPLETE:
            assert rungs == ["completed_rung_0", "completed_rung_1", "completed_rung_2"]
        else:
            assert t.last_step in (1, 2, 4)
            assert len(rungs) == {1: 1, 2: 2, 4: 3}[t.last_step]
        assert t.value == t.intermediate_values[t.last_step] or t.state == TrialState.COMPLETE
    # a rung promotes at most about half of the trials that reach it (plus the early arrivals)
    reached = [sum(f"completed_rung_{k}" in t.system_attrs for t in trials) for k in range(3)]
    assert reached[0] == 60 and reached[1] < 0.75 * reached[0] and reached[2] < 0.75 * reached[1]
