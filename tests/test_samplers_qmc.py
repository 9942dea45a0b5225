"""QMCSampler and the Sobol'/Halton sequences: SciPy's points to the bit, scrambling, Optuna's semantics."""

from __future__ import annotations

import math
import threading
import warnings

import numpy as np
import pytest
from _util import assert_message
from hypothesis import given, settings
from hypothesis import strategies as st

import ferrotune
from ferrotune import TrialState
from ferrotune.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.samplers import BaseSampler, QMCSampler, RandomSampler, TPESampler, qmc_points
from ferrotune.storages import InMemoryStorage

qmc = pytest.importorskip("scipy.stats.qmc")


def _scipy(qmc_type: str, d: int, n: int, skip: int = 0) -> np.ndarray:
    engine = qmc.Sobol(d, scramble=False) if qmc_type == "sobol" else qmc.Halton(d, scramble=False)
    if skip:
        engine.fast_forward(skip)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SciPy's "n should be a power of 2" for Sobol'
        return engine.random(n)


# -- the sequences ---------------------------------------------------------------------------------


@pytest.mark.parametrize("d", [1, 2, 3, 7, 21, 64, 255, 1024])
def test_unscrambled_sobol_equals_scipy(d):
    n = 4096 if d <= 64 else 1024
    assert np.array_equal(qmc_points("sobol", d, n), _scipy("sobol", d, n))
    assert np.array_equal(qmc_points("sobol", d, 200, skip=1000), _scipy("sobol", d, 200, skip=1000))


@pytest.mark.parametrize("d", [1, 2, 3, 7, 21, 64, 255, 1024])
def test_unscrambled_halton_equals_scipy(d):
    n = 4096 if d <= 64 else 512
    assert np.array_equal(qmc_points("halton", d, n), _scipy("halton", d, n))
    assert np.array_equal(qmc_points("halton", d, 200, skip=1000), _scipy("halton", d, 200, skip=1000))


def test_sobol_in_1024_dimensions_for_4096_points():
    assert np.array_equal(qmc_points("sobol", 1024, 4096), _scipy("sobol", 1024, 4096))


@settings(max_examples=60, deadline=None)
@given(
    qmc_type=st.sampled_from(["sobol", "halton"]),
    d=st.integers(1, 40),
    n=st.integers(1, 64),
    skip=st.one_of(st.integers(0, 70), st.integers(0, 2**22)),
)
def test_fast_forward_then_random_equals_scipy(qmc_type, d, n, skip):
    assert np.array_equal(qmc_points(qmc_type, d, n, skip=skip), _scipy(qmc_type, d, n, skip=skip))


def test_consecutive_draws_continue_the_sequence_as_scipy():
    engine = qmc.Sobol(5, scramble=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first, second = engine.random(3), engine.random(13)
    assert np.array_equal(qmc_points("sobol", 5, 3), first)
    assert np.array_equal(qmc_points("sobol", 5, 13, skip=3), second)


def test_first_unscrambled_point_is_zero_and_shapes():
    for qmc_type in ("sobol", "halton"):
        p = qmc_points(qmc_type, 4, 3)
        assert p.shape == (3, 4) and p.dtype == np.float64
        assert np.all(p[0] == 0.0)
        assert qmc_points(qmc_type, 4, 0).shape == (0, 4)


@pytest.mark.parametrize("qmc_type", ["sobol", "halton"])
def test_scrambled_points_depend_on_the_seed_only(qmc_type):
    a = qmc_points(qmc_type, 6, 256, scramble=True, seed=1)
    assert np.array_equal(a, qmc_points(qmc_type, 6, 256, scramble=True, seed=1))
    assert not np.array_equal(a, qmc_points(qmc_type, 6, 256, scramble=True, seed=2))
    assert not np.array_equal(a, qmc_points(qmc_type, 6, 256))
    assert np.all((a >= 0.0) & (a < 1.0))
    assert np.all(a[0] != 0.0)
    # the continuation of a scrambled sequence is the same sequence
    assert np.array_equal(qmc_points(qmc_type, 6, 56, scramble=True, seed=1, skip=200), a[200:])
    # a dimension's scramble does not depend on the number of dimensions
    assert np.array_equal(qmc_points(qmc_type, 3, 256, scramble=True, seed=1), a[:, :3])


def _one_per_interval(x: np.ndarray, k: int) -> bool:
    """Each value lies in its own interval [i / k, (i + 1) / k)."""
    cells = np.floor(x * k).astype(np.int64)
    return len(x) == k and len(np.unique(cells)) == k


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**64 - 1), d=st.integers(1, 50))
def test_scrambled_sobol_is_balanced_in_every_one_dimensional_projection(seed, d):
    pts = qmc_points("sobol", d, 4096, scramble=True, seed=seed)
    assert np.all((pts >= 0.0) & (pts < 1.0))
    for m in range(13):
        for j in range(d):
            assert _one_per_interval(pts[: 2**m, j], 2**m), (m, j)
        # every aligned block of 2^m points is a net too
        assert all(_one_per_interval(pts[2**m : 2 ** (m + 1), j], 2**m) for j in range(d) if m < 12)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**64 - 1))
def test_scrambled_sobol_first_two_dimensions_form_a_0_m_2_net(seed):
    pts = qmc_points("sobol", 2, 1024, scramble=True, seed=seed)
    for m in range(11):
        for a in range(m + 1):
            cells = np.floor(pts[: 2**m, 0] * 2**a) * 2 ** (m - a) + np.floor(pts[: 2**m, 1] * 2 ** (m - a))
            assert len(np.unique(cells)) == 2**m


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**64 - 1))
def test_scrambled_halton_is_stratified_in_each_base(seed):
    pts = qmc_points("halton", 5, 3**7, scramble=True, seed=seed)
    assert np.all((pts >= 0.0) & (pts < 1.0))
    for j, b in enumerate([2, 3, 5, 7, 11]):
        m = math.floor(math.log(3**7, b))
        assert _one_per_interval(pts[: b**m, j], b**m), (j, b)


def test_qmc_points_errors_name_the_argument():
    with pytest.raises(FerrotuneValueError) as e:
        qmc_points("lhs", 2, 4)
    assert_message(e, "'lhs'", "'sobol'", "'halton'")
    with pytest.raises(FerrotuneValueError) as e:
        qmc_points("sobol", 1025, 4)
    assert_message(e, "dim=1025", "1024")
    with pytest.raises(FerrotuneValueError) as e:
        qmc_points("halton", 0, 4)
    assert_message(e, "dim")
    with pytest.raises(FerrotuneValueError) as e:
        qmc_points("sobol", 2, -1)
    assert_message(e, "n must be")
    with pytest.raises(FerrotuneValueError) as e:
        qmc_points("sobol", 2, 4, skip=-3)
    assert_message(e, "skip")
    with pytest.raises(FerrotuneValueError) as e:
        qmc_points("sobol", 2, 4, scramble=True, seed=-1)
    assert_message(e, "seed")
    with pytest.raises(FerrotuneValueError) as e:
        qmc_points("sobol", 1024, 2**20)
    assert_message(e, "chunks")


# -- the sampler -----------------------------------------------------------------------------------

SPACE = {
    "x": FloatDistribution(-3.0, 2.0),
    "lr": FloatDistribution(1e-5, 1e-1, log=True),
    "n": IntDistribution(1, 9, step=2),
    "units": IntDistribution(8, 512, log=True),
    "drop": FloatDistribution(0.0, 0.5, step=0.1),
    "act": CategoricalDistribution(["relu", "tanh", None, 3]),
    "k": IntDistribution(-5, 5),
}


def _objective(trial):
    for name, dist in SPACE.items():
        trial._suggest(name, dist)
    return trial.params["x"] ** 2


def _params(study):
    return [tuple(t.params[k] for k in SPACE) for t in study.trials]


def _optuna_untransform(dist, u: float):
    """Optuna's ``_SearchSpaceTransform(transform_0_1=True).untransform`` for one coordinate,
    with categoricals as ``floor(u * n_choices)`` (Optuna's QMCSampler)."""
    below = np.nextafter
    if isinstance(dist, CategoricalDistribution):
        n = len(dist.choices)
        return dist.choices[int(min(0.0 + u * (n - 0.0), below(float(n), n - 1)))]
    if isinstance(dist, FloatDistribution):
        if dist.log:
            lo, hi = math.log(dist.low), math.log(dist.high)
            return float(np.clip(math.exp(lo + u * (hi - lo)), dist.low, below(dist.high, dist.high - 1)))
        if dist.step is not None:
            lo, hi = dist.low - 0.5 * dist.step, dist.high + 0.5 * dist.step
            t = lo + u * (hi - lo)
            return float(np.clip(np.round((t - dist.low) / dist.step) * dist.step + dist.low, dist.low, dist.high))
        return float(min(dist.low + u * (dist.high - dist.low), below(dist.high, dist.high - 1)))
    if dist.log:
        lo, hi = math.log(dist.low - 0.5), math.log(dist.high + 0.5)
        return min(max(round(math.exp(lo + u * (hi - lo))), dist.low), dist.high)
    lo, hi = dist.low - 0.5 * dist.step, dist.high + 0.5 * dist.step
    t = lo + u * (hi - lo)
    return min(max(math.floor((t - dist.low) / dist.step + 0.5) * dist.step + dist.low, dist.low), dist.high)


@pytest.mark.parametrize("qmc_type", ["sobol", "halton"])
def test_trial_k_takes_point_k_of_scipys_sequence(qmc_type):
    s = ferrotune.create_study(sampler=QMCSampler(qmc_type=qmc_type, seed=0))
    s.optimize(_objective, n_trials=129)
    pts = _scipy(qmc_type, len(SPACE), 128)
    trials = s.trials
    assert "qmc_id" not in trials[0].system_attrs  # the first trial is random
    for t in trials[1:]:
        k = t.number - 1
        assert t.system_attrs["qmc_id"] == k
        expect = {name: _optuna_untransform(d, u) for (name, d), u in zip(SPACE.items(), pts[k], strict=True)}
        assert t.params == expect, t.number
        for name, v in t.params.items():
            assert type(v) is type(expect[name])
    # without scrambling the first QMC point is all lows
    assert trials[1].params == {"x": -3.0, "lr": 1e-5, "n": 1, "units": 8, "drop": 0.0, "act": "relu", "k": -5}


@pytest.mark.parametrize("qmc_type", ["sobol", "halton"])
def test_same_suggestions_as_optunas_qmc_sampler(qmc_type):
    optuna = pytest.importorskip("optuna")
    if int(optuna.__version__.split(".")[0]) < 5:
        pytest.skip("compares with Optuna 5's QMCSampler (categoricals as floor(u * n_choices))")
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    fixed = {"x": 0.5, "lr": 1e-3, "n": 3, "units": 16, "drop": 0.2, "act": "tanh", "k": 0}

    def objective(trial):
        return _objective_any(trial)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Optuna's ExperimentalWarning
        o = optuna.create_study(sampler=optuna.samplers.QMCSampler(qmc_type=qmc_type, scramble=False, seed=0))
    o.enqueue_trial(fixed)
    o.optimize(objective, n_trials=100)
    f = ferrotune.create_study(sampler=QMCSampler(qmc_type=qmc_type, scramble=False, seed=0))
    f.enqueue_trial(fixed)
    f.optimize(objective, n_trials=100)
    assert [t.params for t in f.trials] == [t.params for t in o.trials]


def _objective_any(trial):
    """The SPACE objective through the suggest_* API shared by Optuna and ferrotune."""
    x = trial.suggest_float("x", -3.0, 2.0)
    trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    trial.suggest_int("n", 1, 9, step=2)
    trial.suggest_int("units", 8, 512, log=True)
    trial.suggest_float("drop", 0.0, 0.5, step=0.1)
    trial.suggest_categorical("act", ["relu", "tanh", None, 3])
    trial.suggest_int("k", -5, 5)
    return x * x


@settings(max_examples=25, deadline=None)
@given(
    qmc_type=st.sampled_from(["sobol", "halton"]),
    scramble=st.booleans(),
    low=st.floats(-1e6, 1e6),
    width=st.floats(0.0, 1e6),
    ilow=st.integers(-1000, 1000),
    iwidth=st.integers(0, 1000),
    step=st.integers(1, 7),
    seed=st.integers(0, 2**32),
)
def test_values_stay_in_bounds_for_every_kind(qmc_type, scramble, low, width, ilow, iwidth, step, seed):
    high = low + width
    ihigh = ilow + iwidth // step * step
    space = {
        "f": FloatDistribution(low, high),
        "fl": FloatDistribution(1e-3 + abs(low), 1e-3 + abs(low) + width, log=True),
        "fs": FloatDistribution(ilow, ihigh, step=step),
        "i": IntDistribution(ilow, ihigh, step=step),
        "il": IntDistribution(1 + abs(ilow), 1 + abs(ilow) + iwidth, log=True),
        "c": CategoricalDistribution(list(range(1 + step))),
    }
    s = ferrotune.create_study(sampler=QMCSampler(qmc_type=qmc_type, scramble=scramble, seed=seed))
    s.optimize(lambda t: sum(float(t._suggest(n, d)) for n, d in space.items()), n_trials=12)
    for t in s.trials:
        for name, v in t.params.items():
            assert space[name]._contains(space[name].to_internal_repr(v)), (name, v, space[name])


def test_same_seed_same_suggestions_and_seeds_differ_when_scrambled():
    def run(seed, scramble=True):
        s = ferrotune.create_study(sampler=QMCSampler(scramble=scramble, seed=seed))
        s.optimize(_objective, n_trials=17)
        return _params(s)

    assert run(5) == run(5)
    assert run(5)[1:] != run(6)[1:]
    # unscrambled sequences do not use the seed (only the random first trial does)
    assert run(5, False)[1:] == run(6, False)[1:]
    assert QMCSampler(seed=5).seed == 5


def test_scrambled_sampler_follows_the_scrambled_sequence():
    s = ferrotune.create_study(sampler=QMCSampler(qmc_type="sobol", scramble=True, seed=9))
    s.optimize(_objective, n_trials=33)
    pts = qmc_points("sobol", len(SPACE), 32, scramble=True, seed=9)
    for t in s.trials[1:]:
        expect = {name: _optuna_untransform(d, u) for (name, d), u in zip(SPACE.items(), pts[t.number - 1], strict=True)}
        assert t.params == expect


def test_threads_never_share_a_point():
    # The first trials may start before any has finished: their space is what the running
    # trials have suggested so far, and the rest of their parameters is random (with a warning).
    s = ferrotune.create_study(sampler=QMCSampler(seed=0, warn_independent_sampling=False))
    s.optimize(_objective, n_trials=200, n_jobs=2)
    trials = s.trials
    assert len(trials) == 200 and all(t.state == TrialState.COMPLETE for t in trials)
    by_key: dict[str, list[int]] = {}
    for t in trials:
        if "qmc_id" in t.system_attrs:
            by_key.setdefault(t.system_attrs["qmc_key"], []).append(t.system_attrs["qmc_id"])
    for ids in by_key.values():
        assert sorted(ids) == list(range(len(ids)))  # each point once, none skipped
    # the trials of the full space's sequence have distinct points
    main = max(by_key, key=lambda k: len(by_key[k]))
    assert len(by_key[main]) >= 190
    full = [t for t in trials if t.system_attrs.get("qmc_key") == main]
    assert len({tuple(sorted(t.params.items(), key=str)) for t in full}) == len(full)


def test_concurrent_asks_claim_distinct_points():
    s = ferrotune.create_study(sampler=QMCSampler(seed=0))
    s.optimize(_objective, n_trials=1)
    out: list[int] = []
    lock = threading.Lock()

    def worker():
        for _ in range(50):
            t = s.ask()
            with lock:
                out.append(t.system_attrs["qmc_id"])

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(out) == list(range(200))


def test_a_resumed_study_continues_the_sequence():
    storage = InMemoryStorage()
    s = ferrotune.create_study(study_name="q", storage=storage, sampler=QMCSampler(seed=1))
    s.optimize(_objective, n_trials=10)
    again = ferrotune.load_study(study_name="q", storage=storage, sampler=QMCSampler(seed=1))
    again.optimize(_objective, n_trials=10)
    whole = ferrotune.create_study(sampler=QMCSampler(seed=1))
    whole.optimize(_objective, n_trials=20)
    assert [t.system_attrs.get("qmc_id") for t in again.trials] == [None] + list(range(19))
    assert _params(again)[1:] == _params(whole)[1:]


def test_enqueued_params_are_respected_and_use_their_point():
    s = ferrotune.create_study(sampler=QMCSampler(seed=0))
    s.optimize(_objective, n_trials=3)
    s.enqueue_trial({"x": 1.25, "act": None})
    s.optimize(_objective, n_trials=2)
    t = s.trials[3]
    assert t.params["x"] == 1.25 and t.params["act"] is None
    pts = _scipy("sobol", len(SPACE), 4)
    # as in Optuna, the enqueued trial claims point 2; its free parameters come from it
    assert t.system_attrs["qmc_id"] == 2
    assert t.params["k"] == _optuna_untransform(SPACE["k"], pts[2][6])
    assert s.trials[4].params["x"] == _optuna_untransform(SPACE["x"], pts[3][0])


def test_conditional_parameters_are_random_with_optunas_warning():
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number % 2 == 1:
            trial.suggest_int("depth", 1, 8)
        return x

    s = ferrotune.create_study(sampler=QMCSampler(seed=0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s.optimize(objective, n_trials=1)  # the first trial: independent, no warning
    with pytest.warns(UserWarning, match="The parameter `depth` in Trial#1 is sampled independently using `RandomSampler`"):
        s.optimize(objective, n_trials=1)
    assert 1 <= s.trials[1].params["depth"] <= 8
    quiet = ferrotune.create_study(sampler=QMCSampler(seed=0, warn_independent_sampling=False))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet.optimize(objective, n_trials=6)


def test_a_changed_distribution_is_sampled_independently():
    s = ferrotune.create_study(sampler=QMCSampler(seed=0, warn_independent_sampling=False))
    s.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    s.optimize(lambda t: t.suggest_float("x", 5, 6), n_trials=5)
    assert all(5 <= t.params["x"] <= 6 for t in s.trials[1:])


def test_independent_sampler_is_used_for_the_first_trial():
    s = ferrotune.create_study(sampler=QMCSampler(seed=0, independent_sampler=RandomSampler(seed=42)))
    s.optimize(_objective, n_trials=1)
    r = ferrotune.create_study(sampler=RandomSampler(seed=42))
    r.optimize(_objective, n_trials=1)
    assert _params(s) == _params(r)
    t = ferrotune.create_study(sampler=QMCSampler(seed=0, independent_sampler=TPESampler(seed=1)))
    t.optimize(_objective, n_trials=5)
    assert len(t.trials) == 5


def test_relative_search_space_and_params_through_the_python_api():
    sampler = QMCSampler(seed=0)
    s = ferrotune.create_study(sampler=sampler)
    trial = s.ask()
    assert sampler.infer_relative_search_space(s, trial._frozen()) == {}
    assert trial.relative_params == {}
    s.tell(trial, _objective(trial))
    trial = s.ask()
    space = sampler.infer_relative_search_space(s, trial._frozen())
    assert space == SPACE and list(space) == list(SPACE)
    rel = sampler.sample_relative(s, trial._frozen(), space)
    assert rel == {"x": -3.0, "lr": 1e-5, "n": 1, "units": 8, "drop": 0.0, "act": "relu", "k": -5}
    assert trial.relative_params == rel


def test_bad_arguments_raise_ferrotune_errors():
    with pytest.raises(FerrotuneValueError) as e:
        QMCSampler(qmc_type="lhs")
    assert_message(e, "qmc_type='lhs'", "'sobol'", "'halton'")
    with pytest.raises(ValueError, match="qmc_type"):  # what an Optuna user catches
        QMCSampler(qmc_type="Sobol")
    with pytest.raises(FerrotuneValueError) as e:
        QMCSampler(seed=-1)
    assert_message(e, "seed")

    class PySampler(BaseSampler):
        def sample_independent(self, study, trial, param_name, param_distribution):
            return param_distribution.low

    with pytest.raises(FerrotuneValueError) as e:
        QMCSampler(independent_sampler=PySampler())
    assert_message(e, "PySampler", "written in Python", "RandomSampler")
    with pytest.raises(FerrotuneValueError) as e:
        QMCSampler(independent_sampler="random")  # type: ignore[arg-type]
    assert_message(e, "independent_sampler")


def test_more_parameters_than_the_sequence_has_dimensions_is_a_clear_error():
    s = ferrotune.create_study(sampler=QMCSampler(seed=0, warn_independent_sampling=False))
    s.optimize(lambda t: sum(t.suggest_float(f"p{i}", 0, 1) for i in range(1025)), n_trials=1)
    with pytest.raises(FerrotuneValueError) as e:
        s.ask()
    assert_message(e, "1025 parameters", "1024")
    assert len(s.trials) == 1


def test_asynchronous_seeding_warning(caplog):
    import logging

    ferrotune.logging.enable_propagation()
    caplog.set_level(logging.WARNING)
    try:
        QMCSampler(scramble=True)
        assert any("No seed is provided for `QMCSampler`" in r.getMessage() for r in caplog.records)
        caplog.clear()
        QMCSampler(scramble=True, warn_asynchronous_seeding=False)
        QMCSampler(scramble=True, seed=3)
        QMCSampler()
        assert not caplog.records
    finally:
        ferrotune.logging.disable_propagation()


def test_repr_and_reseed_keep_the_qmc_seed():
    sampler = QMCSampler(qmc_type="halton", scramble=True, seed=7)
    assert repr(sampler) == "QMCSampler(qmc_type='halton', scramble=True, seed=7)"
    sampler.reseed_rng()
    assert sampler.seed == 7 and sampler.qmc_type == "halton" and sampler.scramble
