"""BruteForceSampler: every combination of a finite, possibly conditional space exactly once,
across threads and processes, stopping when the space is exhausted."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import textwrap
import threading
import warnings
from collections import Counter
from dataclasses import dataclass
from typing import Any

import optuna
import pytest
from _util import EVENT_TIMEOUT
from hypothesis import given, settings
from hypothesis import strategies as st

import ferrotune
from ferrotune.exceptions import ExperimentalWarning, FerrotuneTypeError, FerrotuneValueError
from ferrotune.samplers import BruteForceSampler
from ferrotune.trial import TrialState

ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
optuna.logging.set_verbosity(optuna.logging.WARNING)
pytestmark = pytest.mark.filterwarnings("ignore::ferrotune.exceptions.ExperimentalWarning")


# -- a small conditional space, described as data ---------------------------------------------


@dataclass
class Param:
    """A parameter and, per value, the subspace the objective suggests after it (None: no more)."""

    name: str
    kind: str  # "cat", "int" or "float"
    n: int
    children: list[Param | None]

    def values(self) -> list[Any]:
        if self.kind == "cat":
            return [None, "b", 2.5][: self.n]
        if self.kind == "int":
            return [2 * i for i in range(self.n)]
        return [0.5 + 0.25 * i for i in range(self.n)]

    def suggest(self, trial: Any) -> Any:
        if self.kind == "cat":
            return trial.suggest_categorical(self.name, self.values())
        if self.kind == "int":
            return trial.suggest_int(self.name, 0, 2 * (self.n - 1), step=2)
        return trial.suggest_float(self.name, 0.5, 0.5 + 0.25 * (self.n - 1), step=0.25)


def walk(space: Param, trial: Any) -> float:
    node: Param | None = space
    while node is not None:
        v = node.suggest(trial)
        node = node.children[node.values().index(v)]
    return 0.0


def combinations(space: Param | None) -> list[tuple[tuple[str, Any], ...]]:
    if space is None:
        return [()]
    return [((space.name, v), *rest) for v, child in zip(space.values(), space.children, strict=True) for rest in combinations(child)]


def key(params: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(params.items())


@st.composite
def spaces(draw: Any, depth: int = 0, names: Any = None) -> Param:
    names = names if names is not None else itertools.count()
    kind = draw(st.sampled_from(["cat", "int", "float"]))
    n = draw(st.integers(1, 3))
    name = f"p{next(names)}"
    if depth >= 2:
        return Param(name, kind, n, [None] * n)
    if draw(st.booleans()):
        child = draw(st.none() | spaces(depth + 1, names))
        return Param(name, kind, n, [child] * n)
    return Param(name, kind, n, [draw(st.none() | spaces(depth + 1, names)) for _ in range(n)])


# The space of the thread and process tests: c in 0..5; even c: x in 0..9; odd c: y and z.
BIG = Param(
    "c",
    "int",
    6,
    [
        Param("x", "int", 10, [None] * 10) if c % 2 == 0 else Param("y", "cat", 3, [Param("z", "float", 5, [None] * 5)] * 3)
        for c in range(6)
    ],
)
BIG_N = 3 * 10 + 3 * 15


@settings(max_examples=60, deadline=None)
@given(space=spaces(), seed=st.integers(0, 2**32 - 1))
def test_every_combination_exactly_once_then_stop(space, seed):
    study = ferrotune.create_study(sampler=BruteForceSampler(seed=seed))
    study.optimize(lambda t: walk(space, t))  # no n_trials: stops when exhausted
    got = Counter(key(t.params) for t in study.trials)
    expected = combinations(space)
    assert sorted(got, key=repr) == sorted(expected, key=repr)
    assert set(got.values()) == {1}
    assert study.sampler.is_exhausted(study)
    # asking for more trials runs none
    study.optimize(lambda t: walk(space, t), n_trials=5)
    assert len(study.trials) == len(expected)


def test_threads_share_the_space_without_repeating():
    study = ferrotune.create_study(sampler=BruteForceSampler(seed=1))
    study.optimize(lambda t: walk(BIG, t), n_trials=1)  # reveals c's values: 6 open branches
    lock = threading.Lock()
    first: set[int] = set()
    all_running = threading.Event()

    def objective(t):
        # Each thread's first trial waits until four trials run at once: a real race.
        with lock:
            if threading.get_ident() not in first:
                first.add(threading.get_ident())
                if len(first) == 4:
                    all_running.set()
        assert all_running.wait(EVENT_TIMEOUT), "four threads never ran trials at once"
        return walk(BIG, t)

    study.optimize(objective, n_jobs=4)
    got = Counter(key(t.params) for t in study.trials)
    assert set(got.values()) == {1}
    assert sorted(got, key=repr) == sorted(combinations(BIG), key=repr)
    assert len(study.trials) == BIG_N


WORKER = textwrap.dedent(
    """
    import os, sys, warnings, ferrotune
    sys.path.insert(0, sys.argv[4])
    from _util import wait_until
    from test_sampler_brute_force import BIG, walk
    warnings.simplefilter("ignore")
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    from ferrotune.samplers import BruteForceSampler
    s = ferrotune.load_study(study_name="bf", storage=sys.argv[1], sampler=BruteForceSampler(seed=int(sys.argv[2])))
    marker, others = sys.argv[3], [sys.argv[3][:-1] + str(i) for i in range(4)]
    def f(t):
        if not os.path.exists(marker):
            open(marker, "w").close()
            # the first trial of each worker waits until all four run one
            wait_until(lambda: all(os.path.exists(m) for m in others), what="the four workers running trials at once")
        return walk(BIG, t)
    s.optimize(f)
    """
)


def test_four_processes_on_one_journal_file_never_repeat(tmp_path):
    path = str(tmp_path / "bf.log")
    study = ferrotune.create_study(storage=path, study_name="bf", sampler=BruteForceSampler(seed=0))
    study.optimize(lambda t: walk(BIG, t), n_trials=1)
    tests_dir = os.path.dirname(__file__)
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER, path, str(i), str(tmp_path / f"m{i}"), tests_dir], stderr=subprocess.PIPE)
        for i in range(4)
    ]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err.decode()
    trials = ferrotune.load_study(study_name="bf", storage=path).trials
    got = Counter(key(t.params) for t in trials)
    assert set(got.values()) == {1}
    assert sorted(got, key=repr) == sorted(combinations(BIG), key=repr)
    assert {t.state for t in trials} == {TrialState.COMPLETE}


def test_trials_asked_before_suggesting_take_different_branches():
    study = ferrotune.create_study(sampler=BruteForceSampler(seed=3))
    t0 = study.ask()
    t0.suggest_int("x", 0, 4)
    study.tell(t0, 0.0)
    asked = [study.ask() for _ in range(4)]
    xs = [t.suggest_int("x", 0, 4) for t in asked]
    assert sorted(xs + [t0.params["x"]]) == [0, 1, 2, 3, 4]
    # nothing is left open, though the four still run
    assert study.sampler.is_exhausted(study)


def test_two_asks_on_a_fresh_study_get_both_values():
    # Optuna's test_parallel_optimize: the second trial claims nothing and picks what is open.
    study = ferrotune.create_study(sampler=BruteForceSampler())
    t1, t2 = study.ask(), study.ask()
    assert {t1.suggest_categorical("x", ["a", "b"]), t2.suggest_categorical("x", ["a", "b"])} == {"a", "b"}


def test_avoid_premature_stop_counts_running_branches_as_open():
    for avoid in (False, True):
        study = ferrotune.create_study(sampler=BruteForceSampler(seed=0, avoid_premature_stop=avoid))
        t0 = study.ask()
        t0.suggest_int("x", 0, 1)
        t0.suggest_int("y", 0, 1)
        study.tell(t0, 0.0)
        # the two open branches: the other x (nothing known past it), the other y under t0's x
        t1, t2 = study.ask(), study.ask()
        a, b = t0.params["x"], t0.params["y"]
        assert {t1.suggest_int("x", 0, 1), t2.suggest_int("x", 0, 1)} == {0, 1}
        u, v = (t1, t2) if t1.params["x"] != a else (t2, t1)
        assert v.suggest_int("y", 0, 1) == 1 - b
        study.tell(v, 0.0)
        # u has not suggested y yet: with avoid_premature_stop it may still open a branch
        assert study.sampler.is_exhausted(study) is not avoid
        u.suggest_int("y", 0, 1)
        study.tell(u, 0.0)
        study.optimize(lambda t: t.suggest_int("x", 0, 1) + t.suggest_int("y", 0, 1))
        assert sorted(key(t.params) for t in study.trials) == [(("x", x), ("y", y)) for x in (0, 1) for y in (0, 1)]


def _fails_midway(t):
    c = t.suggest_int("c", 0, 3)
    if c == 3:
        raise ValueError("c = 3 fails before suggesting x")
    x = t.suggest_int("x", 0, 2)
    if x == 1:
        return float("nan")  # a failed trial with every parameter
    return float(c + x)


def test_failed_trials_count_as_tried_as_in_optuna():
    study = ferrotune.create_study(sampler=BruteForceSampler(seed=0))
    study.optimize(_fails_midway, catch=(ValueError,))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        ostudy = optuna.create_study(sampler=optuna.samplers.BruteForceSampler(seed=0))
    ostudy.optimize(_fails_midway, catch=(ValueError,))
    ours = sorted(key(t.params) for t in study.trials)
    theirs = sorted(key(t.params) for t in ostudy.trials)
    assert ours == theirs == sorted([(("c", c), ("x", x)) for c in range(3) for x in range(3)] + [(("c", 3),)])
    assert sum(t.state == TrialState.FAIL for t in study.trials) == 3 + 1


def test_the_same_seed_gives_the_same_order():
    def order(seed):
        study = ferrotune.create_study(sampler=BruteForceSampler(seed=seed))
        study.optimize(lambda t: walk(BIG, t))
        return [key(t.params) for t in study.trials]

    assert order(5) == order(5)
    assert order(5) != order(6)
    assert sorted(order(5), key=repr) == sorted(combinations(BIG), key=repr)


def test_a_float_without_step_is_refused_by_name():
    study = ferrotune.create_study(sampler=BruteForceSampler())
    with pytest.raises(FerrotuneValueError, match=r"'lr'.*step"):
        study.optimize(lambda t: t.suggest_float("lr", 1e-5, 1e-1, log=True))


def test_a_changed_range_is_refused():
    study = ferrotune.create_study(sampler=BruteForceSampler())
    with pytest.raises(FerrotuneValueError, match="changed search space"):
        study.optimize(lambda t: t.suggest_int("x", -1, t.number), n_trials=10)


def test_bad_arguments_are_refused_by_name():
    with pytest.raises(FerrotuneTypeError, match="avoid_premature_stop"):
        BruteForceSampler(avoid_premature_stop="yes")  # type: ignore[arg-type]
    with pytest.raises(FerrotuneValueError, match="seed"):
        BruteForceSampler(seed=-1)


def test_experimental_warning_and_pickle():
    import pickle

    with pytest.warns(ExperimentalWarning):
        s = BruteForceSampler(seed=9, avoid_premature_stop=True)
    c = pickle.loads(pickle.dumps(s))
    assert c.seed == 9 and c._avoid_premature_stop
