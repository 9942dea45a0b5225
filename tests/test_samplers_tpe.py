"""TPESampler: optimization quality, parameter kinds, reproducibility and every option.

The quality checks compare TPE with random search on fixed seeds, so they are deterministic.
Their budgets and margins were chosen from runs over several hundred seeds: in the checks
that ask for 7 wins out of 8, TPE loses to random search on about 1% of seeds or fewer; where
it loses more often (2-4%), 6 wins are asked for. The median bounds leave a similar margin, so
the checks hold for any reasonable choice of seeds, not only for these ones.
"""

from __future__ import annotations

import itertools
import math
import statistics
import threading
import time
import warnings

import numpy as np
import pytest
from _util import assert_message, hypervolume_2d

import ferrotune
from ferrotune import TrialPruned, TrialState
from ferrotune.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.samplers import BaseSampler, RandomSampler, TPESampler
from ferrotune.samplers._tpe import default_gamma, default_gamma_multiobjective, default_weights, hyperopt_default_gamma

SEEDS = range(8)
RANDOM_SEED_OFFSET = 10_000

# -- objectives --------------------------------------------------------------------------------------------


def _relative(study, trial):
    """A built-in sampler's joint proposal, asked the way a wrapper sampler asks it."""
    space = study.sampler.infer_relative_search_space(study, trial)
    return study.sampler.sample_relative(study, trial, space)


def sphere(trial):
    x = trial.suggest_float("x", -10, 10)
    y = trial.suggest_float("y", -10, 10)
    return x * x + y * y


def log_quadratic(trial):
    """A shifted quadratic in which the learning rate only makes sense on a log scale."""
    lr = trial.suggest_float("lr", 1e-6, 1.0, log=True)
    x = trial.suggest_float("x", -10, 10)
    y = trial.suggest_float("y", -10, 10)
    return (math.log10(lr) + 4) ** 2 + (x - 3.0) ** 2 + (y + 1.0) ** 2


PENALTY = {"relu": 3.0, "tanh": 1.0, "gelu": 0.0, "elu": 2.0, "selu": 4.0}


def int_categorical(trial):
    n = trial.suggest_int("n", -500, 500, step=2)
    k = trial.suggest_int("k", 1, 1000, log=True)
    act = trial.suggest_categorical("act", list(PENALTY))
    return ((n - 120) / 100.0) ** 2 + (math.log10(k) - 2) ** 2 + PENALTY[act]


def conditional(trial):
    """A define-by-run space: the optimizer decides which two other parameters exist."""
    opt = trial.suggest_categorical("optimizer", ["sgd", "adam"])
    if opt == "sgd":
        lr = trial.suggest_float("sgd_lr", 1e-5, 1.0, log=True)
        momentum = trial.suggest_float("momentum", 0.0, 1.0)
        return 0.5 + (math.log10(lr) + 2) ** 2 + (10 * (momentum - 0.9)) ** 2
    lr = trial.suggest_float("adam_lr", 1e-5, 1.0, log=True)
    beta1 = trial.suggest_float("beta1", 0.5, 0.999)
    return (math.log10(lr) + 3.5) ** 2 + (10 * (beta1 - 0.9)) ** 2


def sphere3(trial):
    return sum(trial.suggest_float(f"x{i}", -10, 10) ** 2 for i in range(3))


# -- helpers ---------------------------------------------------------------------------------------------------


def best_values(make_sampler, objective, n_trials, **optimize_kwargs):
    out = []
    for seed in SEEDS:
        s = ferrotune.create_study(sampler=make_sampler(seed))
        s.optimize(objective, n_trials=n_trials, **optimize_kwargs)
        out.append(s.best_value)
    return out


def random_best_values(objective, n_trials, **optimize_kwargs):
    return best_values(lambda seed: RandomSampler(seed=seed + RANDOM_SEED_OFFSET), objective, n_trials, **optimize_kwargs)


def assert_tpe_beats_random(tpe, rnd, bound, min_wins=7, factor=3.0):
    """TPE is at least as good on ``min_wins`` seeds, its median is below ``bound`` and
    ``factor`` times below random search's median (all for minimization)."""
    wins = sum(a <= b for a, b in zip(tpe, rnd, strict=True))
    assert wins >= min_wins, f"TPE won on {wins} of {len(tpe)} seeds: tpe={tpe} random={rnd}"
    med, rmed = statistics.median(tpe), statistics.median(rnd)
    assert med < bound, f"median TPE best {med} >= {bound}: {tpe}"
    assert med * factor < rmed, f"median TPE best {med} is not {factor}x below random's {rmed}"


def typed(params):
    # True == 1 == 1.0 in Python: compare the types too
    return {k: (type(v), v) for k, v in params.items()}


# -- optimization quality ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("objective", "multivariate", "n_trials", "bound"),
    [
        (sphere, None, 100, 0.1),
        (log_quadratic, None, 100, 0.5),
        (log_quadratic, False, 200, 0.6),
        (int_categorical, None, 200, 0.02),
        (int_categorical, False, 200, 0.05),
    ],
    ids=["sphere", "log-quadratic", "log-quadratic-independent", "int-categorical", "int-categorical-independent"],
)
def test_tpe_beats_random_search(objective, multivariate, n_trials, bound):
    tpe = best_values(lambda seed: TPESampler(seed=seed, multivariate=multivariate), objective, n_trials)
    rnd = random_best_values(objective, n_trials)
    assert_tpe_beats_random(tpe, rnd, bound)


def test_tpe_is_the_default_sampler_and_optimizes():
    s = ferrotune.create_study()
    assert isinstance(s.sampler, TPESampler)
    s.optimize(sphere, n_trials=100)
    # the seed is drawn from the OS: over 2000 seeds TPE's worst best value was 0.2 (random search's median is about 1)
    assert s.best_value < 1.0


# -- group decomposition on a conditional space ----------------------------------------------------------


def test_group_optimizes_a_conditional_space():
    tpe = best_values(lambda seed: TPESampler(seed=seed, multivariate=True, group=True), conditional, 150)
    rnd = random_best_values(conditional, 150)
    assert_tpe_beats_random(tpe, rnd, bound=0.01)


def _after(n_trials, sampler, objective=conditional):
    s = ferrotune.create_study(sampler=sampler)
    s.optimize(objective, n_trials=n_trials)
    return s


def test_relative_space_with_and_without_group():
    # Multivariate without groups models jointly only what every trial has: the optimizer.
    plain = _after(20, TPESampler(seed=1, n_startup_trials=5, multivariate=True))
    frozen = plain.trials[-1]
    assert set(_relative(plain, frozen)) == {"optimizer"}
    # With groups, each branch's parameters form a group of their own.
    grouped = _after(20, TPESampler(seed=1, n_startup_trials=5, multivariate=True, group=True))
    rel = _relative(grouped, grouped.trials[-1])
    assert set(rel) == {"optimizer", "sgd_lr", "momentum", "adam_lr", "beta1"}
    assert rel["optimizer"] in ("sgd", "adam")
    assert 1e-5 <= rel["sgd_lr"] <= 1.0 and 0.0 <= rel["momentum"] <= 1.0
    assert 1e-5 <= rel["adam_lr"] <= 1.0 and 0.5 <= rel["beta1"] <= 0.999


def test_conditional_parameters_fall_back_to_independent_sampling():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _after(30, TPESampler(seed=2, n_startup_trials=5, multivariate=True, warn_independent_sampling=True))
    names = {n for w in caught for n in ("optimizer", "sgd_lr", "momentum", "adam_lr", "beta1") if f"'{n}'" in str(w.message)}
    # the branch parameters are sampled on their own; the shared categorical never is
    assert names == {"sgd_lr", "momentum", "adam_lr", "beta1"}
    assert all(issubclass(w.category, UserWarning) for w in caught)

    # with groups, everything already seen is modelled jointly: no warning (beyond Optuna's
    # ExperimentalWarning for group=True, given when the sampler is built)
    with pytest.warns(ferrotune.exceptions.ExperimentalWarning, match="``group``"):
        grouped = TPESampler(seed=2, n_startup_trials=5, multivariate=True, group=True, warn_independent_sampling=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _after(30, grouped)
    assert [str(w.message) for w in caught] == []


def test_a_parameter_new_after_startup_is_sampled_independently_then_jointly():
    def objective(trial):
        v = conditional(trial)
        if trial.number >= 12:
            v += (trial.suggest_int("extra", 0, 20) - 7) ** 2
        return v

    sampler = TPESampler(seed=4, n_startup_trials=6, multivariate=True, group=True)
    s = _after(12, sampler, objective)
    assert "extra" not in _relative(s, s.trials[-1])
    s.optimize(objective, n_trials=15)
    extras = [t.params["extra"] for t in s.trials if t.number >= 12]
    assert len(extras) == 15 and all(type(v) is int and 0 <= v <= 20 for v in extras)
    # once a finished trial has it, it joins the relative space as a group of its own
    assert "extra" in _relative(s, s.trials[-1])


def test_group_needs_multivariate():
    with pytest.raises(FerrotuneValueError) as e:
        TPESampler(group=True, multivariate=False)
    assert_message(e, "group=True", "multivariate")
    TPESampler(group=True, multivariate=True)
    TPESampler(group=True)  # multivariate=None: the group option turns joint sampling on


# -- parameter kinds --------------------------------------------------------------------------------------------

CHOICES = (None, True, 3, 2.5, "s")


def all_kinds(trial):
    f = trial.suggest_float("f", -2.5, 7.5)
    lf = trial.suggest_float("lf", 1e-4, 10.0, log=True)
    sf = trial.suggest_float("sf", -1.0, 2.0, step=0.25)
    i = trial.suggest_int("i", -7, 12)
    li = trial.suggest_int("li", 1, 4096, log=True)
    si = trial.suggest_int("si", 3, 30, step=3)
    c = trial.suggest_categorical("c", CHOICES)
    one = trial.suggest_int("one", 5, 5)
    return (
        (f - 1) ** 2
        + (math.log10(lf) + 1) ** 2
        + (sf - 0.75) ** 2
        + (i - 4) ** 2 / 10
        + (math.log2(li) - 5) ** 2 / 10
        + abs(si - 12) / 3
        + (0.0 if c == "s" else 1.0)
        + (one - 5)
    )


def _on_grid(v, low, step):
    k = (v - low) / step
    return abs(k - round(k)) < 1e-9


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"multivariate": False}, {"multivariate": True, "group": True}, {"constant_liar": False}],
    ids=["multivariate", "independent", "group", "no-liar"],
)
def test_every_parameter_kind_stays_inside_its_distribution(kwargs):
    s = ferrotune.create_study(sampler=TPESampler(seed=3, n_startup_trials=5, **kwargs))
    s.optimize(all_kinds, n_trials=45)
    tpe_trials = s.trials[5:]
    for t in tpe_trials:
        p = t.params
        assert type(p["f"]) is float and -2.5 <= p["f"] <= 7.5
        assert type(p["lf"]) is float and 1e-4 <= p["lf"] <= 10.0
        assert type(p["sf"]) is float and -1.0 <= p["sf"] <= 2.0 and _on_grid(p["sf"], -1.0, 0.25)
        assert type(p["i"]) is int and -7 <= p["i"] <= 12
        assert type(p["li"]) is int and 1 <= p["li"] <= 4096
        assert type(p["si"]) is int and 3 <= p["si"] <= 30 and (p["si"] - 3) % 3 == 0
        assert any(type(p["c"]) is type(c) and p["c"] == c for c in CHOICES), p["c"]
        assert p["one"] == 5 and type(p["one"]) is int
    # the proposals vary (nothing is stuck on one value)
    for name in ("f", "lf", "sf", "i", "li", "si"):
        assert len({t.params[name] for t in tpe_trials}) > 3, name


def test_categorical_values_keep_their_types():
    s = ferrotune.create_study(sampler=TPESampler(seed=0, n_startup_trials=3))
    order = {c: i for i, c in enumerate(["none", "bool", "int", "float", "str"])}

    def objective(trial):
        c = trial.suggest_categorical("c", CHOICES)
        return float(order[{type(None): "none", bool: "bool", int: "int", float: "float", str: "str"}[type(c)]])

    s.optimize(objective, n_trials=40)
    seen = {type(t.params["c"]) for t in s.trials[3:]}
    assert seen <= {type(None), bool, int, float, str}
    assert s.best_params["c"] is None
    # TPE favours the best choice once it has seen it
    late = [t.params["c"] for t in s.trials[20:]]
    assert sum(c is None for c in late) > 0.4 * len(late)  # 20% for random search


# -- reproducibility ------------------------------------------------------------------------------------------


def _sequence(seed, n_trials=25, **kwargs):
    s = ferrotune.create_study(sampler=TPESampler(seed=seed, n_startup_trials=5, **kwargs))
    s.optimize(all_kinds, n_trials=n_trials)
    return [typed(t.params) for t in s.trials]


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"multivariate": False}, {"multivariate": True, "group": True}],
    ids=["multivariate", "independent", "group"],
)
def test_same_seed_gives_the_same_sequence(kwargs):
    assert _sequence(7, **kwargs) == _sequence(7, **kwargs)


def test_different_seeds_differ():
    a, b = _sequence(1), _sequence(2)
    assert all(x["f"] != y["f"] for x, y in zip(a, b, strict=True))


def test_seed_property_and_validation():
    assert TPESampler(seed=5).seed == 5
    assert TPESampler(seed=np.uint64(5)).seed == 5
    drawn = TPESampler().seed
    assert isinstance(drawn, int) and 0 <= drawn < 2**64
    for bad in (-1, 2**64, 1.5, "1", True):
        with pytest.raises(FerrotuneValueError):
            TPESampler(seed=bad)
    s = TPESampler(seed=5)
    s.reseed_rng()
    assert s.seed != 5
    assert "TPESampler" in repr(s)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_startup_trials": -1},
        {"n_startup_trials": 2.5},
        {"n_ei_candidates": 0},
        {"prior_weight": -1.0},
        {"prior_weight": float("nan")},
        {"prior_weight": "heavy"},
        {"gamma": 3},
        {"weights": "ramp"},
        {"constraints_func": [1.0]},
        {"categorical_distance_func": {"c": 1.0}},
    ],
)
def test_invalid_arguments_raise(kwargs):
    with pytest.raises(FerrotuneValueError) as e:
        TPESampler(**kwargs)
    assert_message(e, next(iter(kwargs)).split("_func")[0])


def test_default_gamma_and_weights_helpers_match_the_builtin_defaults():
    assert [default_gamma(n) for n in (0, 1, 10, 11, 249, 250, 251, 10_000)] == [0, 1, 1, 2, 25, 25, 25, 25]
    assert default_gamma_multiobjective(10_000) == 1000
    assert hyperopt_default_gamma(16) == 1 and hyperopt_default_gamma(10**6) == 25
    assert len(default_weights(0)) == 0
    assert list(default_weights(10)) == [1.0] * 10
    w = default_weights(40)
    assert len(w) == 40 and w[0] == pytest.approx(1 / 40) and all(w[-25:] == 1.0)
    assert all(np.diff(w[:15]) > 0)
    # passing the helpers explicitly changes nothing
    assert _sequence(3, n_trials=60) == _sequence(3, n_trials=60, gamma=default_gamma, weights=default_weights)


def test_default_gamma_and_weights_helpers_are_the_cores_definition(monkeypatch):
    # the numbers are defined once, in the core: the helpers return what it computes
    from ferrotune import _core

    for n in (0, 1, 24, 25, 26, 40, 1000):
        assert list(default_weights(n)) == _core.tpe_default_weights(n)
        assert default_gamma(n) == _core.tpe_default_gamma(n)
        assert default_gamma_multiobjective(n) == _core.tpe_default_gamma(n, multi_objective=True)
    monkeypatch.setattr(_core, "tpe_default_weights", lambda n: [7.0] * n)
    monkeypatch.setattr(_core, "tpe_default_gamma", lambda n, multi_objective=False: 7)
    assert list(default_weights(2)) == [7.0, 7.0]
    assert default_gamma(100) == default_gamma_multiobjective(100) == 7


def test_default_gamma_and_weights_match_optunas_helpers():
    optuna_tpe = pytest.importorskip("optuna.samplers._tpe.sampler")
    for n in [0, 1, 2, 24, 25, 26, 27, 50, 99, 100, 251, 1000]:
        assert default_gamma(n) == optuna_tpe.default_gamma(n)
        assert np.allclose(default_weights(n), optuna_tpe.default_weights(n), rtol=1e-12, atol=0)


# -- pruned and failed trials ------------------------------------------------------------------------------


def pruned_sphere3(trial):
    v = sphere3(trial)
    for step in range(3):
        trial.report(v + 3 - step, step)
        if trial.number % 3 == 1 or (step == 1 and v > 50):
            raise TrialPruned()
    return v


def failing_sphere3(trial):
    v = sphere3(trial)
    if trial.number % 2 == 1:
        raise RuntimeError("this trial fails")
    return v


def test_studies_with_pruned_trials_still_converge():
    tpe = best_values(lambda seed: TPESampler(seed=seed), pruned_sphere3, 120)
    rnd = random_best_values(pruned_sphere3, 120)
    assert_tpe_beats_random(tpe, rnd, bound=2.0, min_wins=6, factor=2.5)
    s = ferrotune.create_study(sampler=TPESampler(seed=0))
    s.optimize(pruned_sphere3, n_trials=60)
    states = [t.state for t in s.trials]
    assert states.count(TrialState.PRUNED) >= 20 and states.count(TrialState.COMPLETE) >= 10
    assert all(t.intermediate_values for t in s.trials)


def test_failed_trials_are_ignored():
    tpe = best_values(lambda seed: TPESampler(seed=seed), failing_sphere3, 150, catch=(RuntimeError,))
    rnd = random_best_values(failing_sphere3, 150, catch=(RuntimeError,))
    assert_tpe_beats_random(tpe, rnd, bound=1.5, min_wins=6)


SPACE = {"x": FloatDistribution(-5, 5), "y": FloatDistribution(-5, 5)}


def _history(sampler, extra):
    """Twelve complete trials, then trial 12 running (asked), then ``extra`` added."""
    s = ferrotune.create_study(sampler=sampler)
    rng = np.random.default_rng(0)
    for _ in range(12):
        x, y = (float(v) for v in rng.uniform(-5, 5, 2))
        s.add_trial(ferrotune.create_trial(params={"x": x, "y": y}, distributions=SPACE, value=x * x + y * y))
    s.ask()
    extra(s)
    return s


@pytest.mark.parametrize("multivariate", [True, False])
def test_failed_and_waiting_trials_do_not_change_the_proposals(multivariate):
    def failures(s):
        for _ in range(5):
            s.add_trial(ferrotune.create_trial(state=TrialState.FAIL, params={"x": 0.1, "y": -0.1}, distributions=SPACE))
        s.enqueue_trial({"x": 0.0, "y": 0.0})

    def kw():
        return TPESampler(seed=11, n_startup_trials=5, multivariate=multivariate)

    a, b = _history(kw(), lambda s: None), _history(kw(), failures)
    assert [t.state for t in b.trials[13:]] == [TrialState.FAIL] * 5 + [TrialState.WAITING]
    for name, dist in SPACE.items():
        va = a.sampler.sample_independent(a, a.trials[12], name, dist)
        vb = b.sampler.sample_independent(b, b.trials[12], name, dist)
        assert va == vb
    assert _relative(a, a.trials[12]) == _relative(b, b.trials[12])


def _proposal(s, multivariate):
    if multivariate:
        return _relative(s, s.trials[12])
    return {name: s.sampler.sample_independent(s, s.trials[12], name, dist) for name, dist in SPACE.items()}


def _running_at(point):
    """Adds a trial that is running at ``point``."""

    def extra(s):
        s.enqueue_trial(point)
        t = s.ask()
        t.suggest_float("x", -5, 5)
        t.suggest_float("y", -5, 5)

    return extra


@pytest.mark.parametrize("multivariate", [True, False])
def test_running_trials_count_only_with_the_constant_liar(multivariate):
    changed = 0
    for seed in SEEDS:
        for liar in (False, True):
            options = {"seed": seed, "n_startup_trials": 5, "multivariate": multivariate, "constant_liar": liar}
            proposal = _proposal(_history(TPESampler(**options), lambda s: None), multivariate)
            # another trial is running right at the point trial 12 would get
            crowded = _history(TPESampler(**options), _running_at(proposal))
            assert crowded.trials[13].state == TrialState.RUNNING
            assert crowded.trials[13].params == proposal
            if not liar:
                assert _proposal(crowded, multivariate) == proposal
            else:
                changed += _proposal(crowded, multivariate) != proposal
    # with the liar the running trial counts as a bad one there; over 200 seeds the proposal
    # stayed the same on 2% (multivariate) and 9% (independent) of them
    assert changed >= 5, changed


# -- constant liar --------------------------------------------------------------------------------------------


def _batch_spread(constant_liar, seed, multivariate, rounds=6, batch=4):
    """Mean (over rounds) of the smallest distance between points proposed while the others of
    their batch are still running; each batch is asked one by one, then told together."""
    s = ferrotune.create_study(sampler=TPESampler(seed=seed, n_startup_trials=10, constant_liar=constant_liar, multivariate=multivariate))

    def point(t):
        return (t.suggest_float("x", -5, 5), t.suggest_float("y", -5, 5))

    for _ in range(10):
        t = s.ask()
        s.tell(t, sum(v * v for v in point(t)))
    spreads = []
    for _ in range(rounds):
        running = []
        for _ in range(batch):
            t = s.ask()
            running.append((t, point(t)))
        spreads.append(min(math.dist(p, q) for (_, p), (_, q) in itertools.combinations(running, 2)))
        for t, p in running:
            s.tell(t, sum(v * v for v in p))
    return statistics.mean(spreads)


@pytest.mark.parametrize("multivariate", [None, False], ids=["multivariate", "independent"])
def test_constant_liar_spreads_out_concurrent_proposals(multivariate):
    liar = sum(_batch_spread(True, seed, multivariate) for seed in range(4))
    honest = sum(_batch_spread(False, seed, multivariate) for seed in range(4))
    # over many seeds the pooled ratio stays above 1.8 (multivariate) and 4 (independent)
    assert liar > 1.5 * honest, (liar, honest)


def test_threads_with_constant_liar_propose_distinct_points():
    # Trials 8 to 11 wait for each other: the four workers run them at the same time.
    together = threading.Barrier(4, timeout=120)

    def objective(trial):
        x, y = trial.suggest_float("x", -5, 5), trial.suggest_float("y", -5, 5)
        if 8 <= trial.number < 12:
            together.wait()
        elif trial.number >= 12:
            time.sleep(0.02)
        return x * x + y * y

    s = ferrotune.create_study(sampler=TPESampler(seed=0, n_startup_trials=8))
    s.optimize(objective, n_trials=32, n_jobs=4)
    trials = s.trials
    assert len(trials) == 32 and all(t.state == TrialState.COMPLETE for t in trials)
    overlapping = [
        (a, b)
        for a, b in itertools.combinations(trials[8:], 2)
        if a.datetime_start < b.datetime_complete and b.datetime_start < a.datetime_complete
    ]
    assert {(a.number, b.number) for a, b in itertools.combinations(trials[8:12], 2)} <= {(a.number, b.number) for a, b in overlapping}
    for a, b in overlapping:
        d = math.dist((a.params["x"], a.params["y"]), (b.params["x"], b.params["y"]))
        assert d > 1e-6, (a.number, b.number, a.params, b.params)


# -- multi-objective --------------------------------------------------------------------------------------------


def bi_objective(trial):
    x = trial.suggest_float("x", -1, 3)
    y = trial.suggest_float("y", -1, 3)
    return x * x + y * y, (x - 2) ** 2 + (y - 2) ** 2


REFERENCE = (8.0, 8.0)


def test_hypervolume_helper():
    assert hypervolume_2d([(0.0, 0.0)], REFERENCE) == 64.0
    assert hypervolume_2d([(4.0, 4.0)], REFERENCE) == 16.0
    assert hypervolume_2d([(2.0, 6.0), (6.0, 2.0), (7.0, 7.0)], REFERENCE) == 6 * 2 + 2 * 4
    assert hypervolume_2d([(9.0, 0.0)], REFERENCE) == 0.0


def _front_hypervolume(sampler, n_trials=100):
    s = ferrotune.create_study(directions=["minimize", "minimize"], sampler=sampler)
    s.optimize(bi_objective, n_trials=n_trials)
    front = s.best_trials
    assert front
    return hypervolume_2d([tuple(t.values) for t in front], REFERENCE)


@pytest.mark.parametrize("multivariate", [None, True], ids=["default", "multivariate"])
def test_multi_objective_front_beats_random(multivariate):
    tpe = [_front_hypervolume(TPESampler(seed=seed, multivariate=multivariate)) for seed in SEEDS]
    rnd = [_front_hypervolume(RandomSampler(seed=seed + RANDOM_SEED_OFFSET)) for seed in SEEDS]
    wins = sum(a > b for a, b in zip(tpe, rnd, strict=True))
    assert wins >= 7, (tpe, rnd)
    # random search's median is near 49.9 and its best of 200 runs about 51.4
    assert statistics.median(tpe) > 51.0, tpe


# -- constraints ---------------------------------------------------------------------------------------------------


def boxed(trial):
    """min x0^2 + x1^2 + x2^2 subject to x0 >= 1 and x1 >= 0.5: the optimum (1, 0.5, 0) with
    value 1.25 lies on the boundary; the unconstrained optimum (0, 0, 0) is infeasible."""
    x = [trial.suggest_float(f"x{i}", -5, 5) for i in range(3)]
    trial.set_user_attr("c", [1.0 - x[0], 0.5 - x[1]])
    return sum(v * v for v in x)


def box_constraints(frozen):
    return frozen.user_attrs["c"]


def _feasible(t):
    return t.state == TrialState.COMPLETE and max(t.user_attrs["c"]) <= 0


def _feasible_gap(sampler, n_trials=200):
    s = ferrotune.create_study(sampler=sampler)
    s.optimize(boxed, n_trials=n_trials)
    return min((t.value for t in s.trials if _feasible(t)), default=math.inf) - 1.25


@pytest.mark.parametrize("multivariate", [None, False], ids=["multivariate", "independent"])
def test_constraints_find_a_better_feasible_point_than_random(multivariate):
    tpe = [_feasible_gap(TPESampler(seed=seed, multivariate=multivariate, constraints_func=box_constraints)) for seed in SEEDS]
    rnd = [_feasible_gap(RandomSampler(seed=seed + RANDOM_SEED_OFFSET)) for seed in SEEDS]
    assert_tpe_beats_random(tpe, rnd, bound=1.2, factor=2.5)


@pytest.mark.parametrize("multivariate", [None, False], ids=["multivariate", "independent"])
def test_constraints_steer_the_search_into_the_feasible_region(multivariate):
    for seed in range(3):
        fractions = []
        for cf in (box_constraints, None):
            s = ferrotune.create_study(sampler=TPESampler(seed=seed, multivariate=multivariate, constraints_func=cf))
            s.optimize(boxed, n_trials=80)
            fractions.append(sum(_feasible(t) for t in s.trials[10:]) / 70)
        with_constraints, without = fractions
        # Without constraints TPE heads for the infeasible origin, with them it stays mostly
        # feasible; over 300 seeds the fractions never crossed 0.3 (about 0.55 and 0.07 typically).
        assert with_constraints > 0.3 > without, (seed, fractions)


def test_constraints_are_stored_on_complete_and_pruned_trials():
    seen = []

    def cf(frozen):
        seen.append(frozen.number)
        x = frozen.params["x"]
        return (x - 1.0, np.float64(-x))

    def objective(trial):
        x = trial.suggest_float("x", -3, 3)
        if trial.number % 5 == 3:
            raise RuntimeError("fails")
        if trial.number % 5 == 4:
            trial.report(x, 0)
            raise TrialPruned()
        return x * x

    s = ferrotune.create_study(sampler=TPESampler(seed=0, n_startup_trials=4, constraints_func=cf))
    s.optimize(objective, n_trials=20, catch=(RuntimeError,))
    t = s.ask()
    x = t.suggest_float("x", -3, 3)
    s.tell(t, x * x)
    finished = []
    for t in s.trials:
        if t.state == TrialState.FAIL:
            assert "constraints" not in t.system_attrs
            continue
        finished.append(t.number)
        stored = t.system_attrs["constraints"]
        assert stored == [t.params["x"] - 1.0, -t.params["x"]]
        assert all(type(v) is float for v in stored)
    assert sorted(seen) == finished
    assert {t.state for t in s.trials} == {TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL}


def test_multi_objective_with_constraints():
    def feasible_share(seed, constrained):
        kw = {"constraints_func": lambda frozen: [frozen.params["x"] - 0.5]} if constrained else {}
        s = ferrotune.create_study(directions=["minimize", "minimize"], sampler=TPESampler(seed=seed, n_startup_trials=5, **kw))
        s.optimize(bi_objective, n_trials=60)
        assert all(("constraints" in t.system_attrs) == constrained for t in s.trials)
        late = s.trials[30:]
        return sum(t.params["x"] <= 0.5 for t in late) / len(late)

    # Without constraints TPE spreads along the whole front (0 <= x = y <= 2); with them it keeps
    # to its feasible part. Pooled over 3 seeds, over 100 seed triples: >= 0.57 and <= 0.38.
    with_constraints = statistics.mean(feasible_share(seed, True) for seed in range(3))
    without = statistics.mean(feasible_share(seed, False) for seed in range(3))
    assert with_constraints > 0.48 > without, (with_constraints, without)


@pytest.mark.parametrize("bad", [["a"], 1.0, None, "0.5", [object()], [[1.0]]], ids=repr)
def test_constraints_func_returning_non_numbers_raises(bad):
    s = ferrotune.create_study(sampler=TPESampler(seed=0, constraints_func=lambda frozen: bad))
    with pytest.raises(FerrotuneValueError) as e:
        s.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    assert_message(e, "constraints_func", "sequence of numbers")
    assert [t.state for t in s.trials] == [TrialState.FAIL]

    # ask-and-tell: the error reaches the caller and the trial does not stay RUNNING
    t = s.ask()
    t.suggest_float("x", 0, 1)
    with pytest.raises(FerrotuneValueError):
        s.tell(t, 0.5)
    assert s.trials[-1].state == TrialState.FAIL


def test_constraints_func_errors_propagate_and_finish_the_trial():
    def cf(frozen):
        raise KeyError("missing")

    s = ferrotune.create_study(sampler=TPESampler(seed=0, constraints_func=cf))
    t = s.ask()
    t.suggest_float("x", 0, 1)
    with pytest.raises(KeyError):
        s.tell(t, 0.5)
    assert s.trials[-1].state == TrialState.FAIL


# -- categorical distances, gamma and weights -----------------------------------------------------------------

POWERS = [1, 2, 4, 8, 16, 32, 64, 128]


def powers_objective(trial):
    c = trial.suggest_categorical("c", POWERS)
    act = trial.suggest_categorical("act", ["relu", "tanh"])
    x = trial.suggest_float("x", -1, 1)
    return (math.log2(c) - 2) ** 2 + x * x + (act == "relu")


@pytest.mark.parametrize("multivariate", [None, False], ids=["multivariate", "independent"])
def test_categorical_distance_func_is_used(multivariate):
    calls = []

    def distance(a, b):
        calls.append((a, b))
        return abs(math.log2(a) - math.log2(b))

    def run(**kw):
        s = ferrotune.create_study(sampler=TPESampler(seed=5, n_startup_trials=5, multivariate=multivariate, **kw))
        s.optimize(powers_objective, n_trials=40)
        return s

    s = run(categorical_distance_func={"c": distance, "not_a_param": distance})
    assert calls, "the distance function was never called"
    # called only for the parameter it belongs to, with that parameter's choices
    assert {a for a, _ in calls} <= set(POWERS) and {b for _, b in calls} == set(POWERS)
    for t in s.trials:
        assert t.params["c"] in POWERS and t.params["act"] in ("relu", "tanh") and -1 <= t.params["x"] <= 1
    # still a sensible search: within one doubling of the best choice (random search's median
    # best is about 0.08, and 1.5 was never exceeded over 100 seeds)
    assert s.best_value < 1.5
    # it changes the proposals: the same seed without it gives another sequence
    plain = run()
    assert [t.params for t in s.trials[:5]] == [t.params for t in plain.trials[:5]]
    assert [t.params for t in s.trials] != [t.params for t in plain.trials]


@pytest.mark.parametrize(
    ("distance", "error", "fragments"),
    [
        (lambda a, b: 1 / 0, ZeroDivisionError, ()),  # the user's own exception, as itself
        (lambda a, b: "far", FerrotuneValueError, ("distance", "'c'", "'far'")),
        (lambda a, b: -1.0, FerrotuneValueError, ("distance", "'c'", ">= 0")),
    ],
    ids=["raises", "not-a-number", "negative"],
)
def test_categorical_distance_func_errors_surface(distance, error, fragments):
    s = ferrotune.create_study(
        sampler=TPESampler(seed=0, n_startup_trials=2, multivariate=False, categorical_distance_func={"c": distance})
    )
    with pytest.raises(error) as e:
        s.optimize(lambda t: float(t.suggest_categorical("c", [1, 2, 3])), n_trials=5)
    assert_message(e, *fragments)
    assert [t.state for t in s.trials] == [TrialState.COMPLETE, TrialState.COMPLETE, TrialState.FAIL]


def test_custom_gamma_and_weights_are_called():
    gamma_calls, weight_calls = [], []

    def gamma(n):
        gamma_calls.append(n)
        return min(n, 3)

    def weights(n):
        weight_calls.append(n)
        return np.linspace(0.5, 1.0, n)

    s = ferrotune.create_study(sampler=TPESampler(seed=0, n_startup_trials=4, gamma=gamma, weights=weights))
    s.optimize(lambda t: t.suggest_float("x", -3, 3) ** 2, n_trials=12)
    # one joint sampling per trial after start-up, each over all finished trials
    assert gamma_calls == list(range(4, 12))
    # each sampling weighs the 3 "below" and the n - 3 "above" observations; a value is
    # computed once per size (callbacks are functions of n, as in Optuna)
    assert sorted(weight_calls) == sorted({3, *range(1, 9)})
    assert s.best_value < 1.0


def test_custom_gamma_changes_the_split():
    def run(gamma):
        s = ferrotune.create_study(sampler=TPESampler(seed=0, n_startup_trials=5, gamma=gamma))
        s.optimize(sphere, n_trials=30)
        return [t.params for t in s.trials]

    assert run(None) == run(default_gamma)
    assert run(None) != run(lambda n: max(1, n // 2))


@pytest.mark.parametrize(
    ("weights", "fragments"),
    [
        (lambda n: -np.ones(n), ("weights", "non-negative")),
        (lambda n: [float("nan")] * n, ("weights", "finite")),
        (np.zeros, ("weights", "not all zero")),
        (lambda n: np.ones(max(n - 1, 0)), ("weights",)),
        (lambda n: "ramp", ("weights",)),
    ],
    ids=["negative", "nan", "zeros", "too-short", "not-numbers"],
)
@pytest.mark.parametrize("multivariate", [None, False], ids=["multivariate", "independent"])
def test_bad_weights_raise(weights, fragments, multivariate):
    s = ferrotune.create_study(sampler=TPESampler(seed=0, n_startup_trials=2, weights=weights, multivariate=multivariate))
    with pytest.raises(FerrotuneValueError) as e:
        s.optimize(lambda t: t.suggest_float("x", -3, 3) ** 2, n_trials=6)
    assert_message(e, *fragments)
    assert len(s.trials) == 3  # start-up trials complete, the first TPE trial fails


@pytest.mark.parametrize("gamma", [lambda n: -1, lambda n: 1.5, lambda n: "all"], ids=["negative", "float", "str"])
def test_bad_gamma_raises(gamma):
    s = ferrotune.create_study(sampler=TPESampler(seed=0, n_startup_trials=2, gamma=gamma))
    with pytest.raises(FerrotuneValueError) as e:
        s.optimize(lambda t: t.suggest_float("x", -3, 3) ** 2, n_trials=6)
    assert_message(e, "gamma")


def test_a_failing_independent_sampling_fails_its_trial():
    s = ferrotune.create_study(sampler=TPESampler(seed=0, n_startup_trials=2, multivariate=False, weights=lambda n: -np.ones(n)))
    with pytest.raises(FerrotuneValueError):
        s.optimize(sphere, n_trials=5)
    assert [t.state for t in s.trials] == [TrialState.COMPLETE, TrialState.COMPLETE, TrialState.FAIL]


# -- warnings -------------------------------------------------------------------------------------------------------


def dynamic(trial):
    x = trial.suggest_float("x", -3, 3)
    if trial.number % 2:
        return x * x + trial.suggest_float("y", -3, 3) ** 2
    return x * x


def test_warn_independent_sampling():
    with pytest.warns(UserWarning, match="'y'"):
        _after(15, TPESampler(seed=0, n_startup_trials=4, multivariate=True, warn_independent_sampling=True), dynamic)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"multivariate": True},  # the warning is off by default
        {"multivariate": False, "warn_independent_sampling": True},  # independent TPE: nothing to warn about
        {"multivariate": True, "warn_independent_sampling": True, "n_startup_trials": 100},  # random start-up
    ],
)
def test_no_independent_sampling_warning(kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _after(15, TPESampler(seed=0, **{"n_startup_trials": 4, **kwargs}), dynamic)


# -- calling the sampler's methods directly --------------------------------------------------------------------


def test_sample_independent_and_relative_called_directly():
    sampler = TPESampler(seed=0, n_startup_trials=5)
    s = _after(20, sampler, all_kinds)
    dists = s.trials[0].distributions
    for frozen in (s.trials[3], s.trials[-1]):
        for name, dist in dists.items():
            for _ in range(2):
                v = sampler.sample_independent(s, frozen, name, dist)
                if isinstance(dist, CategoricalDistribution):
                    assert any(type(v) is type(c) and v == c for c in dist.choices)
                else:
                    assert dist.low <= v <= dist.high
        # a parameter the study has never seen: sampled from the prior, inside its range
        assert 10 <= sampler.sample_independent(s, frozen, "new", IntDistribution(10, 20, step=5)) <= 20
    rel = _relative(s, s.trials[-1])
    assert set(rel) == set(dists) - {"one"}  # single-value parameters are not modelled
    for name, v in rel.items():
        d = dists[name]
        if isinstance(d, CategoricalDistribution):
            assert v in d.choices
        else:
            assert d.low <= v <= d.high and type(v) is (int if isinstance(d, IntDistribution) else float)
    # a search space restricts the answer to its parameters
    assert set(sampler.sample_relative(s, s.trials[-1], {"f": dists["f"], "c": dists["c"]})) == {"f", "c"}
    # before the start-up trials are done there is no joint proposal
    early = _after(3, TPESampler(seed=0, n_startup_trials=5), all_kinds)
    assert _relative(early, early.trials[-1]) == {}


class Delegating(BaseSampler):
    """A wrapper sampler, as users write them: it forwards to a TPESampler."""

    def __init__(self, base, space):
        self.base = base
        self.space = space

    def infer_relative_search_space(self, study, trial):
        return dict(self.space)

    def sample_relative(self, study, trial, search_space):
        return self.base.sample_relative(study, trial, search_space)

    def sample_independent(self, study, trial, param_name, param_distribution):
        return self.base.sample_independent(study, trial, param_name, param_distribution)


def mixed(trial):
    x = trial.suggest_float("x", -5, 5)
    lr = trial.suggest_float("lr", 1e-4, 1, log=True)
    k = trial.suggest_int("k", 0, 10)
    c = trial.suggest_categorical("c", ["a", "b", "c"])
    return (x - 1) ** 2 + (math.log10(lr) + 2) ** 2 + abs(k - 3) + (c != "b")


MIXED_SPACE = {
    "x": FloatDistribution(-5, 5),
    "lr": FloatDistribution(1e-4, 1, log=True),
    "k": IntDistribution(0, 10),
    "c": CategoricalDistribution(["a", "b", "c"]),
}


@pytest.mark.parametrize("multivariate", [None, False], ids=["multivariate", "independent"])
def test_a_wrapper_sampler_reproduces_tpe(multivariate):
    direct = _after(30, TPESampler(seed=5, n_startup_trials=5, multivariate=multivariate), mixed)
    wrapped = _after(30, Delegating(TPESampler(seed=5, n_startup_trials=5, multivariate=multivariate), MIXED_SPACE), mixed)
    assert [typed(t.params) for t in wrapped.trials] == [typed(t.params) for t in direct.trials]


# -- known problems in the Rust core ----------------------------------------------------------------------------


@pytest.mark.parametrize("multivariate", [None, False], ids=["multivariate", "independent"])
def test_float_range_wider_than_the_largest_float(multivariate):
    s = ferrotune.create_study(sampler=TPESampler(seed=0, n_startup_trials=3, multivariate=multivariate))
    for _ in range(8):
        t = s.ask()
        x = t.suggest_float("x", -1e308, 1e308)
        assert -1e308 <= x <= 1e308
        s.tell(t, abs(x) / 1e300)


def test_one_sampler_can_serve_two_studies():
    sampler = TPESampler(seed=0, n_startup_trials=5)
    _after(20, sampler, sphere)
    second = _after(10, sampler, sphere)
    fresh = _after(10, TPESampler(seed=0, n_startup_trials=5), sphere)
    assert [t.params for t in second.trials] == [t.params for t in fresh.trials]


def test_a_failing_relative_sampling_leaves_no_running_trial():
    s = ferrotune.create_study(sampler=TPESampler(seed=0, n_startup_trials=2, weights=lambda n: -np.ones(n)))
    with pytest.raises(FerrotuneValueError):
        s.optimize(sphere, n_trials=5)
    assert TrialState.RUNNING not in {t.state for t in s.trials}


def test_infer_relative_search_space_and_relative_params():
    s = ferrotune.create_study(sampler=TPESampler(seed=0, n_startup_trials=3))
    s.optimize(
        lambda t: t.suggest_float("x", -1, 1) ** 2 + t.suggest_int("n", 1, 4) + (t.number % 2 and t.suggest_float("odd", 0, 1)), n_trials=6
    )
    space = s.sampler.infer_relative_search_space(s, s.trials[-1])
    # "odd" is missing from half the trials, so only x and n are modelled jointly
    assert set(space) == {"x", "n"}
    t = s.ask()
    rel = t.relative_params
    assert set(rel) == {"x", "n"}
    # the joint proposal is what the trial then gets
    assert t.suggest_float("x", -1, 1) == rel["x"]
    assert t.suggest_int("n", 1, 4) == rel["n"]
    independent = ferrotune.create_study(sampler=TPESampler(seed=0, multivariate=False))
    independent.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=3)
    assert independent.sampler.infer_relative_search_space(independent, independent.trials[-1]) == {}


def test_optunas_warnings_for_group_constraints_func_and_hyperopt_parameters():
    from ferrotune.exceptions import ExperimentalWarning

    with pytest.warns(ExperimentalWarning, match="``group``"):
        TPESampler(multivariate=True, group=True)
    with pytest.warns(FutureWarning, match="constraints_func"):
        TPESampler(constraints_func=lambda t: (0.0,))
    with pytest.warns(FutureWarning, match="hyperopt_parameters"):
        params = TPESampler.hyperopt_parameters()
    # hyperopt 0.1.2's defaults, which the sampler takes as they are
    assert params["gamma"] is hyperopt_default_gamma and params["weights"] is default_weights
    assert (params["n_startup_trials"], params["n_ei_candidates"], params["consider_endpoints"]) == (20, 24, False)
    study = ferrotune.create_study(sampler=TPESampler(**params, seed=0))
    study.optimize(lambda t: (t.suggest_float("x", 10, 20) - 12) ** 2, n_trials=30)
    assert len(study.trials) == 30
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TPESampler(multivariate=True)  # nothing to warn about


@pytest.mark.parametrize("multivariate", [False, True])
def test_sample_relative_with_an_empty_space_does_not_look_at_the_trial(multivariate):
    # Optuna's contract: nothing to propose, so the trial (any object here) is not read
    from unittest.mock import Mock

    sampler = TPESampler(multivariate=multivariate)
    assert sampler.sample_relative(ferrotune.create_study(), Mock(spec=[]), {}) == {}
