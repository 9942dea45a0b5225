"""Optuna's public names in ferrotune: which exist, and that the ones added behave as Optuna's do
(legacy distributions, exceptions, the version module, study summaries, search spaces)."""

from __future__ import annotations

import datetime
import importlib
import pickle
import warnings
from types import ModuleType
from typing import Any

import optuna
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ferrotune
from ferrotune import distributions as fd
from ferrotune.trial import TrialState

# Optuna modules whose every public name ferrotune must have, and the names not there yet, each
# listed in docs/optuna-differences.md. The test fails when one is added (shrink the list) and
# when one goes missing.
NOT_YET = {
    "": {"integration"},
    "importance": set(),
    "terminator": set(),
    "visualization": set(),
    "visualization.matplotlib": set(),
    "artifacts": set(),
    "samplers": set(),
    "storages": set(),
    "storages.journal": set(),
    "study": set(),
    "trial": set(),
    "distributions": set(),
    "pruners": set(),
    "exceptions": set(),
    "logging": set(),
    "search_space": set(),
}


# What Optuna's distributions module (which has no __all__) imports for its own use.
IMPORTED = {"TYPE_CHECKING", "Union", "Real", "abc", "cast", "copy", "decimal", "deprecated_class", "optuna_warn", "json", "math", "Any"}


def public_names(module: ModuleType) -> set[str]:
    if hasattr(module, "__all__"):
        names = set(module.__all__)
    else:
        names = {n for n in dir(module) if not isinstance(getattr(module, n), ModuleType)}
    return {n for n in names if not n.startswith("_")} - IMPORTED


@pytest.mark.parametrize("module", sorted(NOT_YET))
def test_optunas_public_names_exist(module: str) -> None:
    theirs = importlib.import_module("optuna" + ("." + module if module else ""))
    ours = importlib.import_module("ferrotune" + ("." + module if module else ""))
    wanted = public_names(theirs)
    if module == "":
        wanted |= {"version", "search_space"}
    missing = {n for n in wanted if not hasattr(ours, n)}
    assert missing == NOT_YET[module], (
        f"ferrotune.{module} lacks {sorted(missing - NOT_YET[module])}; now has {sorted(NOT_YET[module] - missing)}"
    )


# -- exceptions and warnings ----------------------------------------------------------------------


def test_optuna_error_catches_every_ferrotune_error() -> None:
    assert ferrotune.exceptions.OptunaError is ferrotune.exceptions.FerrotuneError
    with pytest.raises(ferrotune.exceptions.OptunaError):
        ferrotune.load_study(study_name="nope", storage=ferrotune.storages.InMemoryStorage())
    assert issubclass(ferrotune.exceptions.CLIUsageError, ferrotune.exceptions.OptunaError)


def test_experimental_warning_is_a_warning_that_filters_apply_to() -> None:
    assert issubclass(ferrotune.exceptions.ExperimentalWarning, Warning)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore", ferrotune.exceptions.ExperimentalWarning)
        warnings.warn("x", ferrotune.exceptions.ExperimentalWarning, stacklevel=1)
    assert caught == []


def test_the_version_module_names_the_installed_version() -> None:
    assert ferrotune.version.__version__ == ferrotune.__version__


# -- deprecated distributions -------------------------------------------------------------------

LEGACY = [
    ("UniformDistribution", (0.0, 1.0), fd.FloatDistribution(0.0, 1.0)),
    ("LogUniformDistribution", (1e-3, 1.0), fd.FloatDistribution(1e-3, 1.0, log=True)),
    ("DiscreteUniformDistribution", (0.0, 1.0, 0.25), fd.FloatDistribution(0.0, 1.0, step=0.25)),
    ("IntUniformDistribution", (0, 10, 2), fd.IntDistribution(0, 10, step=2)),
    ("IntLogUniformDistribution", (1, 100), fd.IntDistribution(1, 100, log=True)),
]


@pytest.mark.parametrize("name, args, modern", LEGACY)
def test_a_deprecated_distribution_warns_and_is_its_modern_equivalent(
    name: str, args: tuple[float, ...], modern: fd.BaseDistribution
) -> None:
    with pytest.warns(FutureWarning, match=f"{name} is deprecated.*use {type(modern).__name__}"):
        legacy = getattr(fd, name)(*args)
    assert isinstance(legacy, type(modern))
    assert (legacy.low, legacy.high, legacy.log, legacy.step) == (modern.low, modern.high, modern.log, modern.step)  # type: ignore[attr-defined]
    assert legacy != modern  # a different class, as in Optuna
    assert legacy.single() == modern.single()
    assert legacy.to_internal_repr(args[0]) == modern.to_internal_repr(args[0])


@pytest.mark.parametrize("name, args, modern", LEGACY)
def test_a_deprecated_distribution_has_optunas_json_both_ways(name: str, args: tuple[float, ...], modern: fd.BaseDistribution) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        ours = getattr(fd, name)(*args)
        theirs = getattr(optuna.distributions, name)(*args)
        assert fd.distribution_to_json(ours) == optuna.distributions.distribution_to_json(theirs)
        assert repr(ours) == repr(theirs)
        back = fd.json_to_distribution(optuna.distributions.distribution_to_json(theirs))
        assert type(back) is type(ours) and back == ours
        assert optuna.distributions.json_to_distribution(fd.distribution_to_json(ours)) == theirs
    assert pickle.loads(pickle.dumps(ours)) == ours


def test_a_deprecated_distribution_pickles_without_warning_again() -> None:
    with pytest.warns(FutureWarning):
        d = fd.DiscreteUniformDistribution(0.0, 1.0, 0.25)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        again = pickle.loads(pickle.dumps(d))
    assert again == d and again.q == 0.25


def test_a_deprecated_distribution_suggests_in_a_study() -> None:
    with pytest.warns(FutureWarning):
        space = {"x": fd.UniformDistribution(-1.0, 1.0), "n": fd.IntUniformDistribution(0, 8, 2)}
    study = ferrotune.create_study(sampler=ferrotune.samplers.RandomSampler(seed=0))
    trial = study.ask(fixed_distributions=space)
    assert -1 <= trial.params["x"] <= 1 and trial.params["n"] in (0, 2, 4, 6, 8)
    study.tell(trial, 0.0)
    assert study.trials[0].distributions["x"] == fd.FloatDistribution(-1.0, 1.0)


def test_distribution_classes_lists_every_class_in_optunas_order() -> None:
    assert [c.__name__ for c in fd.DISTRIBUTION_CLASSES] == [c.__name__ for c in optuna.distributions.DISTRIBUTION_CLASSES]


# -- study summaries ------------------------------------------------------------------------------


def fill(lib, storage):  # type: ignore[no-untyped-def]
    """The same studies in either library: one minimized with 6 trials (one failed), one
    maximized, empty, with a user attribute, and one with two objectives."""
    lib.logging.set_verbosity(lib.logging.WARNING)
    a = lib.create_study(study_name="a", storage=storage, sampler=lib.samplers.RandomSampler(seed=1))
    for i in range(6):
        t = a.ask()
        x = t.suggest_float("x", -1, 1)
        if i == 3:
            a.tell(t, state=lib.trial.TrialState.FAIL)
        else:
            a.tell(t, x * x)
    b = lib.create_study(study_name="b", storage=storage, direction="maximize")
    b.set_user_attr("owner", "lab")
    m = lib.create_study(study_name="m", storage=storage, directions=["minimize", "maximize"])
    m.optimize(lambda t: (t.suggest_float("x", 0, 1), 1.0), n_trials=3)
    return a


@pytest.mark.parametrize("include_best_trial", [True, False])
def test_study_summaries_say_what_optunas_say(include_best_trial: bool) -> None:
    ours = ferrotune.storages.InMemoryStorage()
    fill(ferrotune, ours)
    theirs = optuna.storages.InMemoryStorage()
    fill(optuna, theirs)
    got = ferrotune.get_all_study_summaries(ours, include_best_trial=include_best_trial)
    want = optuna.get_all_study_summaries(theirs, include_best_trial=include_best_trial)
    assert [s.study_name for s in got] == [s.study_name for s in want] == ["a", "b", "m"]
    for g, w in zip(got, want, strict=True):
        assert [d.name for d in g.directions] == [d.name for d in w.directions]
        assert (g.n_trials, g.user_attrs) == (w.n_trials, w.user_attrs)
        assert (g.best_trial is None) == (w.best_trial is None)
        assert (g.datetime_start is None) == (w.datetime_start is None)
    a = got[0]
    assert a.direction.name == "MINIMIZE" and a.n_trials == 6
    if include_best_trial:
        assert a.best_trial is not None
        assert a.best_trial.value == min(t.value for t in ferrotune.load_study(study_name="a", storage=ours).trials if t.value is not None)
    assert isinstance(a.datetime_start, datetime.datetime)
    with pytest.raises(RuntimeError, match="multi-objective"):
        _ = got[2].direction
    assert sorted(got, reverse=True)[0] is got[2]


# -- intersection search space ------------------------------------------------------------------

# A trial: its state and, per parameter, None (absent) or which of two ranges it used.
trial_strategy = st.tuples(
    st.sampled_from(["COMPLETE", "PRUNED", "FAIL", "RUNNING"]),
    st.fixed_dictionaries({name: st.sampled_from([None, 0, 1]) for name in ("a", "b", "c")}),
)


def build(lib, spec):  # type: ignore[no-untyped-def]
    trials = []
    for state, params in spec:
        dists = {n: lib.distributions.FloatDistribution(0, 1 + r) for n, r in params.items() if r is not None}
        values = [0.0] if state == "COMPLETE" else None
        trials.append(
            lib.trial.create_trial(
                state=getattr(lib.trial.TrialState, state), values=values, params=dict.fromkeys(dists, 0.5), distributions=dists
            )
        )
    return trials


def names_and_highs(space: dict[str, object]) -> list[tuple[str, float]]:
    return [(n, d.high) for n, d in space.items()]  # type: ignore[attr-defined]


@settings(max_examples=60, deadline=None)
@given(spec=st.lists(trial_strategy, max_size=8), include_pruned=st.booleans())
def test_intersection_search_space_agrees_with_optunas(spec: list[tuple[str, dict[str, int | None]]], include_pruned: bool) -> None:
    ours = ferrotune.search_space.intersection_search_space(build(ferrotune, spec), include_pruned=include_pruned)
    theirs = optuna.search_space.intersection_search_space(build(optuna, spec), include_pruned=include_pruned)
    assert names_and_highs(ours) == names_and_highs(theirs)


@settings(max_examples=30, deadline=None)
@given(spec=st.lists(trial_strategy, max_size=10), include_pruned=st.booleans())
def test_the_incremental_search_space_equals_the_one_computed_afresh(
    spec: list[tuple[str, dict[str, int | None]]], include_pruned: bool
) -> None:
    study = ferrotune.create_study()
    incremental = ferrotune.search_space.IntersectionSearchSpace(include_pruned=include_pruned)
    for trial in build(ferrotune, spec):
        study.add_trial(trial) if trial.state != TrialState.RUNNING else study.enqueue_trial({})
        afresh = ferrotune.search_space.intersection_search_space(study.trials, include_pruned=include_pruned)
        assert names_and_highs(incremental.calculate(study)) == names_and_highs(afresh)


def test_an_intersection_search_space_follows_one_study() -> None:
    space = ferrotune.search_space.IntersectionSearchSpace()
    space.calculate(ferrotune.create_study())
    with pytest.raises(ValueError, match="one study"):
        space.calculate(ferrotune.create_study())


# -- how values print -----------------------------------------------------------------------------


@pytest.mark.parametrize("state", list(TrialState))
def test_a_trial_state_prints_as_optunas(state: TrialState) -> None:
    theirs = optuna.trial.TrialState[state.name]
    assert (str(state), f"{state}", repr(state), int(state)) == (str(theirs), f"{theirs}", f"TrialState.{state.name}", int(theirs))
    assert str(state) == f"TrialState.{state.name}"


# -- Optuna's experimental and deprecation warnings -----------------------------------------------


WARNED = [
    ("QMCSampler", "ExperimentalWarning", lambda lib, tmp: lib.samplers.QMCSampler(seed=0)),
    ("PatientPruner", "ExperimentalWarning", lambda lib, tmp: lib.pruners.PatientPruner(None, patience=1)),
    ("WilcoxonPruner", "ExperimentalWarning", lambda lib, tmp: lib.pruners.WilcoxonPruner()),
    ("RetryHeartbeatStaleTrialCallback", "ExperimentalWarning", lambda lib, tmp: lib.storages.RetryHeartbeatStaleTrialCallback()),
    ("RetryFailedTrialCallback", "FutureWarning", lambda lib, tmp: lib.storages.RetryFailedTrialCallback()),
    ("JournalFileStorage", "FutureWarning", lambda lib, tmp: lib.storages.JournalFileStorage(str(tmp / f"{lib.__name__}-old.log"))),
    (
        "fail_stale_trials",
        "ExperimentalWarning",
        lambda lib, tmp: lib.storages.fail_stale_trials(lib.create_study()),
    ),
    ("suggest_uniform", "FutureWarning", lambda lib, tmp: lib.trial.FixedTrial({"x": 0.5}).suggest_uniform("x", 0, 1)),
    ("suggest_loguniform", "FutureWarning", lambda lib, tmp: lib.trial.FixedTrial({"x": 0.5}).suggest_loguniform("x", 0.1, 1)),
    (
        "suggest_discrete_uniform",
        "FutureWarning",
        lambda lib, tmp: lib.trial.FixedTrial({"x": 0.5}).suggest_discrete_uniform("x", 0, 1, 0.5),
    ),
]


@pytest.mark.parametrize("what, category, call", WARNED, ids=[w[0] for w in WARNED])
def test_optunas_experimental_and_deprecation_warnings_are_given_alike(what: str, category: str, call, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for lib in (optuna, ferrotune):
        lib.logging.set_verbosity(lib.logging.WARNING)
        cls = getattr(lib.exceptions, category) if category == "ExperimentalWarning" else FutureWarning
        with pytest.warns(cls) as caught:
            call(lib, tmp_path)
        assert any(issubclass(w.category, cls) for w in caught), (lib.__name__, [str(w.message) for w in caught])


def test_optimize_gives_no_experimental_warning_for_its_own_stale_trial_check(tmp_path) -> None:
    backend = ferrotune.storages.journal.JournalFileBackend(str(tmp_path / "beats.log"))
    study = ferrotune.create_study(storage=ferrotune.storages.JournalStorage(backend, heartbeat_interval=60))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ferrotune.exceptions.ExperimentalWarning)
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    assert len(study.trials) == 3


# -- metric names -----------------------------------------------------------------------------------


@pytest.mark.parametrize("directions, names", [(["minimize"], ["loss"]), (["minimize", "maximize"], ["loss", "acc"])])
def test_metric_names_label_the_dataframe_as_optunas_do(directions: list[str], names: list[str]) -> None:
    pytest.importorskip("pandas")
    frames = []
    for lib in (optuna, ferrotune):
        lib.logging.set_verbosity(lib.logging.WARNING)
        study = lib.create_study(directions=directions, sampler=lib.samplers.RandomSampler(seed=0))
        assert study.metric_names is None
        with pytest.warns(lib.exceptions.ExperimentalWarning):
            study.set_metric_names(names)
        assert study.metric_names == names
        study.optimize(lambda t: tuple(t.suggest_float("x", 0, 1) for _ in directions), n_trials=3)
        frames.append((list(study.trials_dataframe().columns), list(study.trials_dataframe(multi_index=True).columns)))
    assert frames[0] == frames[1]


@pytest.mark.parametrize("directions", [["minimize"], ["minimize", "maximize"]])
def test_the_dataframe_has_optunas_columns_without_metric_names(directions: list[str]) -> None:
    pytest.importorskip("pandas")
    attrs = ("number", "value", "params", "intermediate_values", "state")
    frames = []
    for lib in (optuna, ferrotune):
        lib.logging.set_verbosity(lib.logging.WARNING)
        study = lib.create_study(directions=directions, sampler=lib.samplers.RandomSampler(seed=0))

        def objective(t: Any) -> Any:
            x = t.suggest_float("x", 0, 1)
            if len(directions) == 1:
                for step in (0, 2, 10):
                    t.report(x + step, step)
                return x
            return x, 1 - x

        study.optimize(objective, n_trials=2)
        frames.append((list(study.trials_dataframe(attrs).columns), list(study.trials_dataframe(attrs, multi_index=True).columns)))
    assert frames[0] == frames[1]


def test_metric_names_must_be_one_per_objective() -> None:
    study = ferrotune.create_study(directions=["minimize", "maximize"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ferrotune.exceptions.ExperimentalWarning)
        with pytest.raises(ValueError, match="1 name"):
            study.set_metric_names(["loss"])
    assert study.metric_names is None
