"""What crosses the boundary between Python and the core: arguments are read strictly and a bad
one is a ferrotune exception naming the parameter and the argument; the core's messages reach
the user once, attributed to the user's own line."""

from __future__ import annotations

import copy
import logging
import math
import pickle
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ferrotune
from ferrotune import _core
from ferrotune.distributions import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from ferrotune.exceptions import FerrotuneValueError, InvalidDistributionError
from ferrotune.samplers import BaseSampler, RandomSampler, TPESampler
from ferrotune.storages import JournalFileBackend, JournalStorage
from ferrotune.trial import FixedTrial

# -- arguments ------------------------------------------------------------------------------------------


def test_report_step_beyond_64_bits_is_a_ferrotune_error():
    s = ferrotune.create_study()
    t = s.ask()
    for step in (2**63, -(2**63) - 1, 10**30):
        with pytest.raises(FerrotuneValueError) as e:
            t.report(1.0, step)
        assert "step" in str(e.value) and str(step) in str(e.value)
    t.report(1.0, 2**63 - 1)  # the largest step is fine, and the trial is still usable
    s.tell(t, 1.0)


class _MidpointSampler(BaseSampler):
    def infer_relative_search_space(self, study, trial):
        return {}

    def sample_relative(self, study, trial, search_space):
        return {}

    def sample_independent(self, study, trial, param_name, param_distribution):
        return (param_distribution.low + param_distribution.high) / 2


def _trial(kind):
    if kind == "core sampler":
        return ferrotune.create_study(sampler=RandomSampler(seed=0)).ask()
    if kind == "python sampler":
        return ferrotune.create_study(sampler=_MidpointSampler()).ask()
    return FixedTrial({"ok": 0.5})


@pytest.mark.parametrize(
    ("call", "fragments"),
    [
        (lambda t: t.suggest_float("x", 0.0, 1.0, log="yes"), ["log", "bool", "'yes'"]),
        (lambda t: t.suggest_float("x", 1e-3, 1.0, log=1), ["log", "bool"]),
        (lambda t: t.suggest_float("x", True, 2.0), ["low", "number", "True"]),
        (lambda t: t.suggest_float("x", 0.0, True), ["high", "number", "True"]),
        (lambda t: t.suggest_float("x", 0.0, 1.0, step=False), ["step", "number", "False"]),
        (lambda t: t.suggest_float("x", "0", 1.0), ["low", "number", "'0'"]),
        (lambda t: t.suggest_int("x", 0, 10, log="yes"), ["log", "bool", "'yes'"]),
        (lambda t: t.suggest_int("x", True, 10), ["low", "True"]),
    ],
)
@pytest.mark.parametrize("kind", ["core sampler", "python sampler", "fixed trial"])
def test_suggest_arguments_are_read_strictly(kind, call, fragments):
    t = _trial(kind)
    with pytest.raises(InvalidDistributionError) as e:
        call(t)
    msg = str(e.value)
    assert "'x'" in msg, msg
    for f in fragments:
        assert f in msg, (f, msg)
    assert "x" not in t.params
    assert 0 <= t.suggest_float("ok", 0, 1) <= 1


def test_numpy_arguments_are_still_read():
    np = pytest.importorskip("numpy")
    t = ferrotune.create_study(sampler=RandomSampler(seed=0)).ask()
    assert 1e-3 <= t.suggest_float("x", np.float64(1e-3), np.float32(1.0), log=np.bool_(True)) <= 1.0
    assert 1 <= t.suggest_int("n", np.int64(1), np.int32(8), log=np.True_) <= 8


@pytest.mark.parametrize(
    ("make", "fragments"),
    [
        (lambda: FloatDistribution(0.0, 1.0, log="yes"), ["log", "bool"]),
        (lambda: FloatDistribution(True, 2.0), ["low", "number"]),
        (lambda: FloatDistribution(0.0, 1.0, step=True), ["step", "number"]),
        (lambda: IntDistribution(1, 8, log="no"), ["log", "bool"]),
    ],
)
def test_distribution_arguments_are_read_strictly(make, fragments):
    with pytest.raises(InvalidDistributionError) as e:
        make()
    for f in fragments:
        assert f in str(e.value), (f, str(e.value))


# -- warnings: once, at the user's line ---------------------------------------------------------------


def test_storage_warning_is_emitted_once_at_the_users_line(tmp_path, caplog):
    p = tmp_path / "j.log"
    s = ferrotune.create_study(storage=JournalStorage(JournalFileBackend(str(p))), study_name="s", sampler=RandomSampler(seed=0))
    s.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    with open(p, "ab") as f:
        f.write(b"xx")
    ferrotune.logging.enable_propagation()
    try:
        with caplog.at_level(logging.WARNING, logger="ferrotune"), warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            JournalStorage(JournalFileBackend(str(p)))  # the damaged tail is found here
    finally:
        ferrotune.logging.disable_propagation()
    found = [x for x in w if "ignored 2 bytes" in str(x.message)]
    assert len(found) == 1, [str(x.message) for x in w]
    assert found[0].category is UserWarning
    assert found[0].filename == __file__
    assert not [r for r in caplog.records if "ignored 2 bytes" in r.getMessage()]


def test_sampler_warning_points_at_the_users_line():
    s = ferrotune.create_study(sampler=TPESampler(seed=0, n_startup_trials=2, multivariate=True, warn_independent_sampling=True))

    def objective(t):
        x = t.suggest_float("x", 0, 1)
        if t.number % 2:
            x += t.suggest_float("y", 0, 1)  # a dynamic parameter: sampled independently
        return x

    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        s.optimize(objective, n_trials=8)
    found = [x for x in w if "sampled independently" in str(x.message)]
    assert found
    assert {x.filename for x in found} == {__file__}


# -- typed data: distributions and trials --------------------------------------------------------------


@pytest.mark.parametrize(
    "d",
    [
        FloatDistribution(1e-3, 1.0, log=True),
        FloatDistribution(0.0, 1.0, step=0.25),
        IntDistribution(1, 9, step=2),
        CategoricalDistribution([None, True, 1, 1.0, "a", math.nan]),
    ],
    ids=repr,
)
def test_a_distribution_holds_one_core_distribution_and_pickles(d):
    core = d._spec()
    assert isinstance(core, _core.Distribution)
    assert d._spec() is core  # built once, handed to every call as is
    for back in (pickle.loads(pickle.dumps(d)), copy.deepcopy(d), copy.copy(d)):
        assert back == d and hash(back) == hash(d)
        assert back._spec() == core and hash(back._spec()) == hash(core)
    assert repr(pickle.loads(pickle.dumps(d))) == repr(d)


def test_core_distributions_compare_by_kind_and_choice_type():
    assert _core.Distribution.categorical([1]) != _core.Distribution.categorical([True])
    assert _core.Distribution.categorical([1]) != _core.Distribution.categorical([1.0])
    nan = _core.Distribution.categorical([math.nan])
    assert nan == _core.Distribution.categorical([math.nan]) and hash(nan) == hash(_core.Distribution.categorical([math.nan]))
    assert _core.Distribution.float(0, 1) == _core.Distribution.float(0.0, 1.0)
    assert _core.Distribution.float(0, 1) != _core.Distribution.int(0, 1)
    with pytest.raises(InvalidDistributionError, match="parameter 'p': log must be a bool"):
        _core.Distribution.int(1, 2, log="no", name="p")


def test_trials_cross_as_a_typed_export():
    s = ferrotune.create_study(sampler=RandomSampler(seed=0))
    s.enqueue_trial({"c": "b"})
    t = s.ask()
    x = t.suggest_float("x", 0, 1)
    c = t.suggest_categorical("c", ["a", "b"])
    t.report(0.5, 3)
    t.set_user_attr("u", [1])
    s.tell(t, 1.0)
    export = s._engine.export_trials()
    assert isinstance(export, _core.TrialExport) and len(export) == 1
    assert export.names == ["x", "c"]
    assert [d.kind for d in export.distributions] == ["float", "categorical"]
    row = export.rows[0]
    assert isinstance(row, _core.TrialRow)
    assert (row.number, row.state, row.values, row.intermediate) == (0, 1, [1.0], [(3, 0.5)])
    assert [(export.names[n], v) for n, v, _ in row.params] == [("x", x), ("c", 1.0)]
    assert row.user_attrs == {"u": "[1]"} and row.fixed_params == [("c", "b")]
    assert c == "b"
    assert s.trials[0].params == {"x": x, "c": "b"}
    assert s.trials[0].distributions["x"] == FloatDistribution(0, 1)


# -- one crossing per tell -------------------------------------------------------------------------------


class _CountingEngine:
    """Delegates to the study's engine, recording the name of every call into the core."""

    def __init__(self, engine: _core.Engine) -> None:
        self._engine = engine
        self.calls: list[str] = []

    def __getattr__(self, name: str):
        attr = getattr(self._engine, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            self.calls.append(name)
            return attr(*args, **kwargs)

        return call


@pytest.fixture
def info_logging():
    ferrotune.logging.set_verbosity(ferrotune.logging.INFO)
    yield
    ferrotune.logging.set_verbosity(ferrotune.logging.INFO)


def _counted(study: ferrotune.Study) -> _CountingEngine:
    counting = _CountingEngine(study._engine)
    study._engine = counting  # type: ignore[assignment]
    return counting


def test_a_finished_trial_of_optimize_is_one_crossing_with_its_log_line(info_logging, caplog):
    s = ferrotune.create_study(sampler=RandomSampler(seed=0))
    s.optimize(lambda t: 3.0, n_trials=1)  # a best trial exists
    counting = _counted(s)
    ferrotune.logging.enable_propagation()
    try:
        with caplog.at_level(logging.INFO, logger="ferrotune"):
            s.optimize(lambda t: 2.0, n_trials=1)
    finally:
        ferrotune.logging.disable_propagation()
    assert counting.calls.count("tell") == 1
    assert [c for c in counting.calls if c != "ask"] == ["tell"], counting.calls
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Trial 1 ")]
    # (caplog may see a record through two handlers)
    assert set(lines) == {"Trial 1 finished with value: 2.0 and parameters: {}. Best is trial 1 with value: 2.0."}


def test_tell_returns_the_trial_from_its_one_crossing(info_logging):
    s = ferrotune.create_study(sampler=RandomSampler(seed=0))
    t = s.ask()
    t.suggest_float("x", 0, 1)
    counting = _counted(s)
    frozen = s.tell(t, 1.5)
    assert counting.calls.count("tell") == 1 and "export_trial" not in counting.calls
    assert "best_number" not in counting.calls and "best_value" not in counting.calls
    assert frozen.value == 1.5 and frozen.params == s.trials[0].params


def test_a_pruned_trial_without_value_takes_its_last_report_in_the_core():
    s = ferrotune.create_study(sampler=RandomSampler(seed=0))
    t = s.ask()
    t.report(4.0, 1)
    t.report(3.0, 2)
    frozen = s.tell(t, state=ferrotune.trial.TrialState.PRUNED)
    assert frozen.value == 3.0 and s.trials[0].value == 3.0
    # directly through the engine too: the rule lives in the core
    t2 = s.ask()
    t2.report(7.0, 0)
    s._engine.tell(t2._trial_id, int(ferrotune.trial.TrialState.PRUNED), None)
    assert s.trials[1].value == 7.0


# -- properties of the core distribution type ----------------------------------------------------------

_choice = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=3),
)


@settings(max_examples=200, deadline=None)
@given(a=st.lists(_choice, min_size=1, max_size=4), b=st.lists(_choice, min_size=1, max_size=4))
def test_core_categorical_equality_matches_python_and_hash_follows_it(a, b):
    da, db = CategoricalDistribution(a), CategoricalDistribution(b)
    ca, cb = da._spec(), db._spec()
    assert (ca == cb) == (da == db)
    if ca == cb:
        assert hash(ca) == hash(cb)
    assert ca == CategoricalDistribution(list(a))._spec()  # equal to itself, NaN included
    assert pickle.loads(pickle.dumps(da)) == da


@settings(max_examples=200, deadline=None)
@given(
    low=st.floats(-1e6, 1e6),
    width=st.floats(0, 1e6),
    log=st.booleans(),
)
def test_core_float_distribution_round_trips_its_arguments(low, width, log):
    low = abs(low) + 1e-3 if log else low
    d = FloatDistribution(low, low + width, log=log)
    assert (d.low, d.high, d.log, d.step) == (low, low + width, log, None)
    assert d._spec() == _core.Distribution.float(low, low + width, log)
    assert hash(d._spec()) == hash(_core.Distribution.float(low, low + width, log))
