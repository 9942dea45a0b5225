"""Property-based tests (hypothesis) over arbitrary distributions, seeds and value sequences."""

from __future__ import annotations

import itertools
import math

import pytest
from _util import pareto_front
from hypothesis import given, settings
from hypothesis import strategies as st

import ferrotune
from ferrotune import TrialState
from ferrotune.distributions import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    distribution_to_json,
    json_to_distribution,
)
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.samplers import GridSampler, RandomSampler, TPESampler

SETTINGS = settings(max_examples=60, deadline=None)
SEEDS = st.integers(min_value=0, max_value=2**64 - 1)

# -- strategies ------------------------------------------------------------------------------------------


@st.composite
def float_dists(draw):
    kind = draw(st.sampled_from(["uniform", "log", "step"]))
    if kind == "uniform":
        low = draw(st.floats(-1e6, 1e6))
        return FloatDistribution(low, low + draw(st.floats(0, 1e6)))
    if kind == "log":
        low = draw(st.floats(1e-8, 1e4))
        return FloatDistribution(low, low * draw(st.floats(1, 1e6)), log=True)
    low = draw(st.floats(-1e4, 1e4))
    step = draw(st.floats(1e-3, 1e3))
    return FloatDistribution(low, low + draw(st.integers(0, 1000)) * step, step=step)


@st.composite
def int_dists(draw):
    if draw(st.booleans()):
        low = draw(st.integers(1, 10**6))
        return IntDistribution(low, low + draw(st.integers(0, 10**6)), log=True)
    low = draw(st.integers(-(2**52), 2**52))
    step = draw(st.integers(1, 100))
    return IntDistribution(low, low + draw(st.integers(0, 1000)) * step, step=step)


CHOICES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=5),
)
categorical_dists = st.lists(CHOICES, min_size=1, max_size=6).map(CategoricalDistribution)
any_dist = st.one_of(float_dists(), int_dists(), categorical_dists)


def suggest(trial, name, dist):
    """Suggests through the public suggest_* call that matches the distribution."""
    if isinstance(dist, FloatDistribution):
        return trial.suggest_float(name, dist.low, dist.high, step=dist.step, log=dist.log)
    if isinstance(dist, IntDistribution):
        return trial.suggest_int(name, dist.low, dist.high, step=dist.step, log=dist.log)
    return trial.suggest_categorical(name, list(dist.choices))


def inside(dist, v) -> bool:
    """Membership, checked independently of the library's own encoding."""
    if isinstance(dist, FloatDistribution):
        if type(v) is not float or not dist.low <= v <= dist.high:
            return False
        if dist.step is None:
            return True
        k = (v - dist.low) / dist.step
        return abs(k - round(k)) <= 1e-6 * max(1.0, abs(k))
    if isinstance(dist, IntDistribution):
        return type(v) is int and dist.low <= v <= dist.high and (v - dist.low) % dist.step == 0
    return any(v is c for c in dist.choices)


def value_inside(dist):
    """A strategy of user values that belong to ``dist``."""
    if isinstance(dist, FloatDistribution):
        if dist.step is None:
            return st.floats(dist.low, dist.high)
        k = round((dist.high - dist.low) / dist.step)
        return st.integers(0, k).map(lambda j: dist.low + j * dist.step)
    if isinstance(dist, IntDistribution):
        return st.integers(0, (dist.high - dist.low) // dist.step).map(lambda j: dist.low + j * dist.step)
    return st.sampled_from(dist.choices)


def typed(values):
    # 1 == 1.0 == True in Python; compare with the types so a wrong type is caught
    return [(type(v), v) for v in values]


# -- properties -----------------------------------------------------------------------------------------------


@SETTINGS
@given(dist=any_dist, seed=SEEDS)
def test_suggested_values_lie_inside_the_distribution(dist, seed):
    s = ferrotune.create_study(sampler=RandomSampler(seed=seed))
    for _ in range(5):
        t = s.ask()
        v = suggest(t, "p", dist)
        assert inside(dist, v), f"{v!r} not in {dist!r}"
        assert t.distributions["p"] == dist
        s.tell(t, 0.0)


@SETTINGS
@given(data=st.data(), dist=any_dist)
def test_internal_external_round_trip(data, dist):
    v = data.draw(value_inside(dist))
    internal = dist.to_internal_repr(v)
    assert isinstance(internal, float)
    back = dist.to_external_repr(internal)
    assert back == v and type(back) is type(v)
    if v is None or isinstance(v, bool):
        assert back is v


@SETTINGS
@given(dist=any_dist)
def test_json_round_trip(dist):
    back = json_to_distribution(distribution_to_json(dist))
    assert back == dist and hash(back) == hash(dist)


@SETTINGS
@given(seed=SEEDS, dists=st.lists(any_dist, min_size=1, max_size=4))
def test_same_seed_gives_the_same_sequence(seed, dists):
    def run():
        s = ferrotune.create_study(sampler=RandomSampler(seed=seed))
        out = []
        for _ in range(3):
            t = s.ask()
            out.append(typed(suggest(t, f"p{i}", d) for i, d in enumerate(dists)))
            s.tell(t, 0.0)
        return out

    assert run() == run()


@SETTINGS
@given(
    direction=st.sampled_from(["minimize", "maximize"]),
    entries=st.lists(
        st.tuples(st.sampled_from(["complete", "pruned", "fail"]), st.floats(allow_nan=True, allow_infinity=True)),
        max_size=25,
    ),
)
def test_best_value_is_the_extreme_of_complete_values(direction, entries):
    s = ferrotune.create_study(direction=direction)
    for kind, v in entries:
        t = s.ask()
        if kind == "complete":
            s.tell(t, v)  # NaN makes the trial FAIL
        elif kind == "pruned":
            s.tell(t, v, state=TrialState.PRUNED)
        else:
            s.tell(t, state=TrialState.FAIL)

    complete = [(i, v) for i, (kind, v) in enumerate(entries) if kind == "complete" and not math.isnan(v)]
    assert [t.number for t in s.get_trials(states=(TrialState.COMPLETE,))] == [i for i, _ in complete]
    if not complete:
        with pytest.raises(FerrotuneValueError):
            s.best_value  # noqa: B018
        return
    values = [v for _, v in complete]
    best = min(values) if direction == "minimize" else max(values)
    assert s.best_value == best
    assert s.best_trial.value == best
    assert s.best_trial.number == next(i for i, v in complete if v == best)


@SETTINGS
@given(
    directions=st.lists(st.sampled_from(["minimize", "maximize"]), min_size=2, max_size=3),
    data=st.data(),
)
def test_best_trials_is_the_brute_force_pareto_front(directions, data):
    point = st.tuples(*[st.integers(0, 5).map(float) for _ in directions])
    points = data.draw(st.lists(point, max_size=20))
    s = ferrotune.create_study(directions=directions)
    for p in points:
        s.tell(s.ask(), list(p))
    assert {t.number for t in s.best_trials} == pareto_front(points, directions)


@settings(max_examples=30, deadline=None)
@given(
    space=st.dictionaries(
        st.sampled_from(["a", "b", "c"]),
        st.lists(st.integers(-50, 50), min_size=1, max_size=4, unique=True),
        min_size=1,
    ),
    seed=SEEDS,
)
def test_grid_sampler_visits_every_point_once(space, seed):
    s = ferrotune.create_study(sampler=GridSampler(space, seed=seed))
    s.optimize(lambda t: sum(t.suggest_int(name, -50, 50) for name in sorted(space)))
    got = sorted(tuple(t.params[n] for n in sorted(space)) for t in s.trials)
    assert got == sorted(itertools.product(*(space[n] for n in sorted(space))))


# -- TPE ---------------------------------------------------------------------------------------------------

TPE_OPTIONS = st.fixed_dictionaries(
    {
        "consider_prior": st.booleans(),
        "prior_weight": st.sampled_from([0.0, 1e-3, 1.0, 5.0]),
        "consider_magic_clip": st.booleans(),
        "consider_endpoints": st.booleans(),
        "n_startup_trials": st.integers(0, 3),
        "n_ei_candidates": st.integers(1, 30),
        "constant_liar": st.booleans(),
    }
)
TPE_MODELLING = st.sampled_from(
    [{"multivariate": None}, {"multivariate": False}, {"multivariate": True}, {"multivariate": True, "group": True}]
)
TRIAL_OUTCOMES = st.lists(
    st.tuples(st.sampled_from(["complete", "complete", "pruned", "fail"]), st.floats(allow_nan=True), st.integers(0, 7)),
    min_size=4,
    max_size=12,
)


@SETTINGS
@given(
    options=TPE_OPTIONS,
    modelling=TPE_MODELLING,
    seed=SEEDS,
    dists=st.lists(any_dist, min_size=1, max_size=3),
    n_objectives=st.integers(1, 2),
    outcomes=TRIAL_OUTCOMES,
)
def test_tpe_suggestions_lie_inside_the_distribution(options, modelling, seed, dists, n_objectives, outcomes):
    # Any options, any history (infinite values, NaN ones that fail the trial, pruned and
    # failed trials, a trial left running) and a define-by-run space: p0 in every trial, the
    # others when the trial's mask says so.
    s = ferrotune.create_study(directions=["minimize"] * n_objectives, sampler=TPESampler(seed=seed, **options, **modelling))
    running = s.ask()
    suggest(running, "p0", dists[0])
    for kind, value, mask in outcomes:
        t = s.ask()
        for i, dist in enumerate(dists):
            if i == 0 or mask >> i & 1:
                v = suggest(t, f"p{i}", dist)
                assert inside(dist, v), f"{v!r} not in {dist!r}"
        if kind == "complete":
            s.tell(t, [value, -value][:n_objectives])
        elif kind == "pruned":
            if n_objectives == 1:
                t.report(value, 0)
            s.tell(t, state=TrialState.PRUNED)
        else:
            s.tell(t, state=TrialState.FAIL)


@SETTINGS
@given(
    seed=SEEDS,
    modelling=TPE_MODELLING,
    dists=st.lists(any_dist, min_size=1, max_size=3),
    values=st.lists(st.floats(-1e6, 1e6), min_size=3, max_size=10),
)
def test_tpe_same_seed_gives_the_same_sequence(seed, modelling, dists, values):
    def run():
        s = ferrotune.create_study(sampler=TPESampler(seed=seed, n_startup_trials=2, **modelling))
        out = []
        for v in values:
            t = s.ask()
            out.append(typed(suggest(t, f"p{i}", d) for i, d in enumerate(dists)))
            s.tell(t, v)
        return out

    assert run() == run()


@settings(max_examples=40, deadline=None)
@given(
    seed=SEEDS,
    multivariate=st.sampled_from([None, False]),
    table=st.lists(
        st.tuples(st.floats(-10, 10), st.lists(st.floats(allow_nan=True), min_size=1, max_size=3)),
        min_size=3,
        max_size=10,
    ),
)
def test_tpe_with_arbitrary_constraint_values(seed, multivariate, table):
    s = ferrotune.create_study(
        sampler=TPESampler(seed=seed, n_startup_trials=2, multivariate=multivariate, constraints_func=lambda ft: table[ft.number][1])
    )
    for value, _ in table:
        t = s.ask()
        x = t.suggest_float("x", -1.0, 1.0)
        assert -1.0 <= x <= 1.0
        s.tell(t, value)
    for t, (_, constraints) in zip(s.trials, table, strict=True):
        stored = t.system_attrs["constraints"]
        assert len(stored) == len(constraints)
        assert all(a == b or (math.isnan(a) and math.isnan(b)) for a, b in zip(stored, constraints, strict=True))
