"""NSGAIISampler / NSGAIIISampler ``selection``: Optuna's tournament by default, unchanged, and
the opt-in ``selection="pymoo"`` (pymoo's tournament and duplicate elimination).

The tournament's choices (domination, then crowding distance within the front; violation, then
a coin for NSGA-III) are checked against hand-worked populations in the core's tests
(`rust/core/src/samplers/nsga/tournament.rs`); here: duplicate children, bad values, seeds,
and that the default still proposes exactly what it proposed before the argument existed."""

from __future__ import annotations

import hashlib
import json

import pytest

import ferrotune
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.samplers import NSGAIIISampler, NSGAIISampler
from ferrotune.samplers.nsgaii import PolynomialMutation, SBXCrossover
from ferrotune.trial import TrialState

ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
pytestmark = pytest.mark.filterwarnings("ignore::ferrotune.exceptions.ExperimentalWarning")

CLASSES = [NSGAIISampler, NSGAIIISampler]


def three_objectives(trial: ferrotune.Trial) -> tuple[float, float, float]:
    x = trial.suggest_float("x", -2.0, 3.0)
    y = trial.suggest_float("y", 1e-3, 10.0, log=True)
    k = trial.suggest_int("k", 0, 7)
    c = trial.suggest_categorical("c", ["a", "b", "c"])
    bonus = {"a": 0.0, "b": 0.5, "c": 1.0}[c]
    return x * x + k * 0.1, (x - 1) ** 2 + y + bonus, abs(y - 1) + (7 - k) * 0.05


def grid(n: int):
    """Two integers in [0, n): a small space where children often repeat."""

    def objective(trial: ferrotune.Trial) -> tuple[float, float]:
        a, b = trial.suggest_int("a", 0, n - 1), trial.suggest_int("b", 0, n - 1)
        return float(a + b), float((n - 1 - a) + b * b)

    return objective


def run(sampler, objective, n_trials: int, n_objectives: int = 2) -> ferrotune.Study:
    study = ferrotune.create_study(directions=["minimize"] * n_objectives, sampler=sampler)
    study.optimize(objective, n_trials=n_trials)
    return study


def generations(study: ferrotune.Study, cls) -> dict[int, list[ferrotune.trial.FrozenTrial]]:
    by: dict[int, list[ferrotune.trial.FrozenTrial]] = {}
    for t in study.trials:
        by.setdefault(t.system_attrs[f"{cls.__name__}:generation"], []).append(t)
    return by


def duplicates(study: ferrotune.Study, cls) -> int:
    """Children equal to a parent of their generation or to an earlier child of it."""
    numbers = {t.number: t for t in study.trials}
    count = 0
    for g, members in generations(study, cls).items():
        if g == 0:
            continue
        parents = members[0].system_attrs[f"{cls.__name__}:parent_population"]
        seen = {tuple(sorted(numbers[p].params.items())) for p in parents}
        for t in members:
            key = tuple(sorted(t.params.items()))
            count += key in seen
            seen.add(key)
    return count


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_duplicate_children_in_a_small_discrete_space(cls, seed):
    # 100 points; a generation's children avoid at most 6 parents and 5 earlier children
    ops = {"crossover": SBXCrossover(eta=15), "mutation": PolynomialMutation(20.0)}
    pymoo = run(cls(population_size=6, seed=seed, selection="pymoo", **ops), grid(10), 60)
    assert duplicates(pymoo, cls) == 0
    # Optuna's selection keeps them: the space is small enough that they are common
    optuna = run(cls(population_size=6, seed=seed, **ops), grid(10), 60)
    assert duplicates(optuna, cls) >= 10
    # without a mutation operator the mutated parameters are drawn with the child and checked
    # too (polynomial mutation moves an integer too little to leave a collapsed 6 x 6 grid's
    # occupied points within the bounded tries; uniform draws do)
    drawn = run(cls(population_size=6, seed=seed, selection="pymoo"), grid(6), 60)
    assert duplicates(drawn, cls) == 0
    assert duplicates(run(cls(population_size=6, seed=seed), grid(6), 60), cls) >= 10


@pytest.mark.parametrize("cls", CLASSES)
def test_an_exhausted_space_still_gives_every_trial(cls):
    # 4 points for populations of 6: no generation can be free of duplicates
    study = run(cls(population_size=6, seed=3, selection="pymoo"), grid(2), 30)
    assert len(study.trials) == 30
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    assert all(set(t.params.values()) <= {0, 1} for t in study.trials)
    assert duplicates(study, cls) > 0


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("bad", ["crowded", "Optuna", "", 3, None])
def test_bad_selection_is_named(cls, bad):
    with pytest.raises(FerrotuneValueError, match="selection"):
        cls(selection=bad)


def params(study: ferrotune.Study) -> list[dict]:
    return [t.params for t in study.trials]


@pytest.mark.parametrize("cls", CLASSES)
def test_same_seed_same_trials(cls):
    a = run(cls(population_size=8, seed=5, selection="pymoo"), three_objectives, 40, 3)
    b = run(cls(population_size=8, seed=5, selection="pymoo"), three_objectives, 40, 3)
    c = run(cls(population_size=8, seed=6, selection="pymoo"), three_objectives, 40, 3)
    d = run(cls(population_size=8, seed=5), three_objectives, 40, 3)
    assert params(a) == params(b)
    assert params(a) != params(c)
    # the first generation is random in both; the children differ
    assert params(a)[:8] == params(d)[:8]
    assert params(a)[8:] != params(d)[8:]


def test_default_proposes_what_it_did_before_selection_existed():
    # recorded with the build before `selection` was added (same seed, same studies)
    out = []
    for cls, kw in [
        (NSGAIISampler, {}),
        (NSGAIISampler, {"crossover": SBXCrossover(eta=15), "mutation": PolynomialMutation(20.0)}),
        (NSGAIIISampler, {"dividing_parameter": 4}),
    ]:
        study = run(cls(population_size=8, seed=11, **kw), three_objectives, 48, 3)
        out.append([[round(t.params["x"], 10), round(t.params["y"], 10), t.params["k"], t.params["c"]] for t in study.trials])
    assert out[0][-1] == [2.7143534351, 0.3533993595, 3, "b"]
    assert hashlib.sha256(json.dumps(out).encode()).hexdigest() == "6aa9c5b83653123ef38384a6cbf80b10b305717460f041440e3d2751d5e3b8be"
    # and "optuna" is that default
    explicit = run(NSGAIISampler(population_size=8, seed=11, selection="optuna"), three_objectives, 48, 3)
    assert [[round(t.params["x"], 10), round(t.params["y"], 10), t.params["k"], t.params["c"]] for t in explicit.trials] == out[0]
