"""NSGAIISampler and NSGAIIISampler: Optuna's arguments, Pareto fronts far better than random
search, constraints, parameters inside their distributions, determinism, generations shared by
processes on one journal file, and clear errors for bad arguments. Non-dominated sorting,
crowding and each crossover's distribution are checked against brute force and the operators'
definitions in the core's tests (`rust/core/src/samplers/nsga/`)."""

from __future__ import annotations

import json
import math
import pickle
import subprocess
import sys
import textwrap
import threading

import pytest
from _util import hypervolume_2d
from conftest import open_shared
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ferrotune
from ferrotune.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.samplers import NSGAIIISampler, NSGAIISampler, RandomSampler
from ferrotune.samplers.nsgaii import (
    BaseCrossover,
    BaseMutation,
    BLXAlphaCrossover,
    PolynomialMutation,
    SBXCrossover,
    SPXCrossover,
    UNDXCrossover,
    UniformCrossover,
    VSBXCrossover,
)
from ferrotune.trial import TrialState

ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
pytestmark = pytest.mark.filterwarnings("ignore::ferrotune.exceptions.ExperimentalWarning")

GEN = "NSGAIISampler:generation"
PARENTS = "NSGAIISampler:parent_population"


def zdt1(trial: ferrotune.Trial, d: int = 10) -> tuple[float, float]:
    x = [trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(d)]
    g = 1.0 + 9.0 * sum(x[1:]) / (d - 1)
    return x[0], g * (1.0 - math.sqrt(x[0] / g))


def run(sampler, objective, n: int, directions=("minimize", "minimize")) -> ferrotune.Study:
    study = ferrotune.create_study(directions=list(directions), sampler=sampler)
    study.optimize(objective, n_trials=n)
    return study


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_zdt1_front_far_better_than_random(seed):
    sampler = NSGAIISampler(population_size=20, crossover=SBXCrossover(eta=15), mutation=PolynomialMutation(20), seed=seed)
    nsga = run(sampler, zdt1, 800)
    rand = run(RandomSampler(seed=seed), zdt1, 800)
    ref = (1.1, 11.0)
    hv_nsga = hypervolume_2d([tuple(t.values) for t in nsga.best_trials], ref)
    hv_rand = hypervolume_2d([tuple(t.values) for t in rand.best_trials], ref)
    # the true front's hypervolume is 1.1 * 11 - 1/3 ~ 11.77; random search stays far below
    assert hv_nsga > hv_rand + 1.0, (hv_nsga, hv_rand)
    assert hv_nsga > 11.0


def test_nsga3_on_three_objectives_beats_random():
    def dtlz2(t):
        x = [t.suggest_float(f"x{i}", 0.0, 1.0) for i in range(7)]
        g = sum((v - 0.5) ** 2 for v in x[2:])
        c = [math.cos(v * math.pi / 2) for v in x[:2]]
        s = [math.sin(v * math.pi / 2) for v in x[:2]]
        return (1 + g) * c[0] * c[1], (1 + g) * c[0] * s[1], (1 + g) * s[0]

    def mean_distance(study):
        # distance of the Pareto set from the unit sphere (the true front): smaller is better
        return sum(math.sqrt(sum(v * v for v in t.values)) - 1.0 for t in study.best_trials) / len(study.best_trials)

    dirs = ("minimize",) * 3
    nsga = run(NSGAIIISampler(population_size=24, crossover=SBXCrossover(), mutation=PolynomialMutation(), seed=3), dtlz2, 600, dirs)
    rand = run(RandomSampler(seed=3), dtlz2, 600, dirs)
    assert mean_distance(nsga) < 0.5 * mean_distance(rand)
    assert all(t.system_attrs["NSGAIIISampler:generation"] >= 0 for t in nsga.trials)


def test_generations_and_parents_are_stored_as_optuna_tags_them():
    study = run(NSGAIISampler(population_size=8, seed=4), zdt1, 40)
    gens = [t.system_attrs[GEN] for t in study.trials]
    assert gens == [n // 8 for n in range(40)]
    openers = [t.number for t in study.trials if PARENTS in t.system_attrs]
    assert openers == [8, 16, 24, 32]
    for n in openers:
        parents = study.trials[n].system_attrs[PARENTS]
        assert len(parents) == 8 and all(p < n for p in parents)


def test_constraints_feasible_first():
    # the feasible region x0 >= 0.6 excludes most of the unconstrained front
    def objective(t):
        f = zdt1(t, 5)
        t.set_constraint("x0", 0.6 - t.params["x0"])
        return f

    study = run(NSGAIISampler(population_size=16, seed=5), objective, 320)
    trials = study.trials
    for t in trials:
        g = t.system_attrs[GEN]
        if PARENTS not in t.system_attrs:
            continue
        parents = [trials[p] for p in t.system_attrs[PARENTS]]
        candidates = [u for u in trials if u.state == TrialState.COMPLETE and u.system_attrs[GEN] == g - 1]
        n_feasible = sum(1 for u in candidates if u.constraints["x0"] <= 0)
        # every feasible candidate survives before any infeasible one
        assert sum(1 for p in parents if p.constraints["x0"] <= 0) >= min(n_feasible, 16)
    late = [t for t in trials if t.system_attrs[GEN] >= 15]
    assert sum(t.params["x0"] >= 0.6 for t in late) / len(late) > 0.8
    assert all(t.params["x0"] >= 0.6 for t in study.best_trials)


def test_constraints_func_is_stored_and_used():
    with pytest.warns(FutureWarning):
        sampler = NSGAIISampler(population_size=10, seed=6, constraints_func=lambda t: [0.5 - t.params["x1"]])
    study = run(sampler, lambda t: zdt1(t, 4), 200)
    assert all("constraints" in t.system_attrs for t in study.trials)
    late = [t for t in study.trials if t.system_attrs[GEN] >= 12]
    assert sum(t.params["x1"] >= 0.5 for t in late) / len(late) > 0.8


CROSSOVERS = [
    lambda: UniformCrossover(0.3),
    lambda: BLXAlphaCrossover(0.8),
    lambda: SBXCrossover(eta=2),
    lambda: VSBXCrossover(eta=1),
    lambda: UNDXCrossover(sigma_xi=1.2),
    lambda: SPXCrossover(epsilon=3.0),
]

distributions = st.one_of(
    st.builds(lambda lo, w: FloatDistribution(lo, lo + w), st.floats(-1e3, 1e3), st.floats(1e-3, 1e3)),
    st.builds(lambda lo, w: FloatDistribution(lo, lo * w, log=True), st.floats(1e-5, 10), st.floats(1.01, 1e4)),
    st.builds(
        lambda lo, k, s: FloatDistribution(lo, lo + k * s, step=s),
        st.integers(-50, 50).map(float),
        st.integers(1, 20),
        st.sampled_from([0.5, 1.0, 0.25]),
    ),
    st.builds(lambda lo, w, s: IntDistribution(lo, lo + w * s, step=s), st.integers(-100, 100), st.integers(1, 30), st.integers(1, 4)),
    st.builds(lambda lo, w: IntDistribution(lo, lo + w, log=True), st.integers(1, 100), st.integers(1, 1000)),
    st.builds(CategoricalDistribution, st.lists(st.sampled_from(["a", "b", 1, 2.5, None, True]), min_size=1, max_size=4, unique=True)),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dists=st.lists(distributions, min_size=1, max_size=4), which=st.integers(0, len(CROSSOVERS) - 1), seed=st.integers(0, 2**32))
def test_every_parameter_stays_inside_its_distribution(dists, which, seed):
    names = [f"p{i}" for i in range(len(dists))]
    sampler = NSGAIISampler(
        population_size=4, crossover=CROSSOVERS[which](), mutation=PolynomialMutation(1.0), mutation_prob=0.5, seed=seed
    )
    study = ferrotune.create_study(directions=["minimize", "maximize"], sampler=sampler)

    for _ in range(40):
        t = study.ask(dict(zip(names, dists, strict=True)))
        text = repr(sorted(t.params.items(), key=str))
        study.tell(t, (float(len(text)), float(sum(map(ord, text)) % 97)))
    for t in study.trials:
        for n, d in zip(names, dists, strict=True):
            v = t.params[n]
            assert d._contains(d.to_internal_repr(v)), (n, v, d)


def test_same_seed_same_trials():
    def params(seed):
        s = NSGAIISampler(population_size=6, crossover=UNDXCrossover(), mutation=PolynomialMutation(), seed=seed)
        return [t.params for t in run(s, lambda t: zdt1(t, 3), 60).trials]

    assert params(11) == params(11)
    assert params(11) != params(12)


def test_categorical_and_dynamic_parameters():
    def objective(t):
        c = t.suggest_categorical("c", ["a", "b", "c"])
        x = t.suggest_float("x", 0, 1)
        if t.number % 2:
            t.suggest_float("only_odd", 0, 1)  # outside the space every finished trial shares
        return x + (c == "b"), 1 - x + (c == "a")

    study = run(NSGAIISampler(population_size=10, seed=7, mutation_prob=0.0), objective, 120)
    late = [t for t in study.trials if t.system_attrs[GEN] >= 5]
    # "c" is the one choice on the front: crossover of parents keeps it
    assert sum(t.params["c"] == "c" for t in late) / len(late) > 0.9
    assert all(0 <= t.params["only_odd"] <= 1 for t in study.trials if t.number % 2)


def test_pickled_sampler_proposes_the_same():
    s = NSGAIISampler(population_size=5, crossover=SBXCrossover(), seed=3)
    s2 = pickle.loads(pickle.dumps(s))
    a = run(s, lambda t: zdt1(t, 3), 30)
    b = run(s2, lambda t: zdt1(t, 3), 30)
    assert [t.params for t in a.trials] == [t.params for t in b.trials]


@pytest.mark.parametrize(
    ("make", "fragments"),
    [
        (lambda: NSGAIISampler(population_size=1), ["population_size", "at least 2"]),
        (lambda: NSGAIISampler(population_size=2, crossover=SPXCrossover()), ["SPXCrossover", "population_size", "3"]),
        (lambda: NSGAIISampler(mutation_prob=1.5), ["mutation_prob", "[0, 1]"]),
        (lambda: NSGAIISampler(crossover_prob=-0.1), ["crossover_prob"]),
        (lambda: NSGAIISampler(swapping_prob=2.0), ["swapping_prob"]),
        (lambda: NSGAIISampler(crossover="sbx"), ["crossover", "SBXCrossover"]),
        (lambda: NSGAIISampler(mutation="poly"), ["mutation", "PolynomialMutation"]),
        (lambda: NSGAIISampler(population_size="10"), ["population_size"]),
        (lambda: NSGAIISampler(after_trial_strategy=lambda *a: None), ["after_trial_strategy", "None"]),
        (lambda: SBXCrossover(eta=-1.0), ["SBXCrossover", "eta"]),
        (lambda: SBXCrossover(use_child_gene_prob=0.0), ["use_child_gene_prob", "(0, 1]"]),
        (lambda: VSBXCrossover(uniform_crossover_prob=1.5), ["VSBXCrossover", "uniform_crossover_prob"]),
        (lambda: UniformCrossover(swapping_prob=-1), ["UniformCrossover", "swapping_prob"]),
        (lambda: BLXAlphaCrossover(alpha=-0.5), ["BLXAlphaCrossover", "alpha"]),
        (lambda: UNDXCrossover(sigma_xi=float("nan")), ["UNDXCrossover", "sigma_xi"]),
        (lambda: SPXCrossover(epsilon=0.0), ["SPXCrossover", "epsilon"]),
        (lambda: PolynomialMutation(eta=-2), ["PolynomialMutation", "eta"]),
        (lambda: NSGAIIISampler(dividing_parameter=0), ["dividing_parameter"]),
        (lambda: NSGAIIISampler(reference_points=[[1.0, 0.0], [1.0]]), ["reference_points[1]"]),
        (lambda: NSGAIIISampler(reference_points=[[-1.0, 0.0]]), ["reference_points[0]", "non-negative"]),
        (lambda: NSGAIIISampler(reference_points="points"), ["reference_points"]),
    ],
)
def test_bad_arguments_raise_clearly(make, fragments):
    with pytest.raises(FerrotuneValueError) as e:
        make()
    for f in fragments:
        assert f in str(e.value), str(e.value)


def test_python_operators_are_refused_with_the_builtins_named():
    class Mine(BaseCrossover):
        n_parents = 2

    class MyMutation(BaseMutation):
        def mutation(self, param, rng, study, search_space_bounds):
            return param

    with pytest.raises(FerrotuneValueError, match=r"written in Python.*SBXCrossover"):
        NSGAIISampler(crossover=Mine())
    with pytest.raises(FerrotuneValueError, match=r"written in Python.*PolynomialMutation"):
        NSGAIISampler(mutation=MyMutation())


def test_reference_points_of_the_wrong_dimension_fail_the_trial_clearly():
    study = ferrotune.create_study(
        directions=["minimize"] * 2, sampler=NSGAIIISampler(population_size=4, reference_points=[[1, 0, 0]], seed=1)
    )
    with pytest.raises(FerrotuneValueError, match="3 coordinates but the study has 2 objectives"):
        study.optimize(lambda t: zdt1(t, 3), n_trials=12)
    assert all(t.state != TrialState.RUNNING for t in study.trials)


WORKER = textwrap.dedent(
    """
    import math, sys, warnings, ferrotune
    from ferrotune.samplers import NSGAIISampler
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    warnings.simplefilter("ignore")
    def zdt1(t):
        x = [t.suggest_float(f"x{i}", 0.0, 1.0) for i in range(5)]
        g = 1.0 + 9.0 * sum(x[1:]) / 4
        return x[0], g * (1.0 - math.sqrt(x[0] / g))
    s = ferrotune.load_study(study_name="nsga", storage=sys.argv[1], sampler=NSGAIISampler(population_size=12, seed=int(sys.argv[2])))
    s.optimize(zdt1, n_trials=60)
    """
)


def test_four_processes_share_generations_on_one_journal(tmp_path):
    path = str(tmp_path / "nsga.log")
    ferrotune.create_study(storage=path, study_name="nsga", directions=["minimize", "minimize"])
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, path, str(i)], stderr=subprocess.PIPE) for i in range(4)]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err.decode()
    trials = ferrotune.load_study(study_name="nsga", storage=path).trials
    assert len(trials) == 240 and all(t.state == TrialState.COMPLETE for t in trials)
    gens = [t.system_attrs[GEN] for t in trials]
    top = max(gens)
    assert top >= 10  # 240 trials in generations of 12: the workers advanced together
    # exactly one trial per generation opened it and stored its parents, whichever process ran it
    for g in range(1, top + 1):
        openers = [t for t in trials if t.system_attrs[GEN] == g and PARENTS in t.system_attrs]
        assert len(openers) == 1, g
        opener = openers[0]
        parents = opener.system_attrs[PARENTS]
        assert len(parents) == 12
        # the parents come from the previous generation and its parents, all finished before
        prev = {t.number for t in trials if t.system_attrs[GEN] == g - 1}
        if g >= 2:
            prev |= set(next(t for t in trials if t.system_attrs[GEN] == g - 1 and PARENTS in t.system_attrs).system_attrs[PARENTS])
        assert set(parents) <= prev
        assert all(p < opener.number for p in parents)
    # a generation opens only once the one before holds population_size finished trials
    for g in range(1, top + 1):
        first = min(t.number for t in trials if t.system_attrs[GEN] == g)
        assert sum(1 for t in trials[:first] if t.system_attrs[GEN] == g - 1) >= 12
    json.dumps(gens)  # generations are plain ints, as Optuna stores them


def test_two_workers_share_generations_on_every_shared_storage(shared_storage_url):
    # Two storage objects on one study, as two processes would have: on a backend whose create
    # is optimistic (PostgreSQL, Redis) a generation was opened twice unless the create locks.
    ferrotune.create_study(study_name="nsga", storage=open_shared(shared_storage_url), directions=["minimize", "minimize"])
    barrier = threading.Barrier(2)

    def work(seed: int) -> None:
        sampler = NSGAIISampler(population_size=6, seed=seed)
        study = ferrotune.load_study(study_name="nsga", storage=open_shared(shared_storage_url), sampler=sampler)
        barrier.wait()
        study.optimize(lambda t: zdt1(t, 3), n_trials=36)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    trials = ferrotune.load_study(study_name="nsga", storage=open_shared(shared_storage_url)).trials
    assert len(trials) == 72
    gens = [t.system_attrs[GEN] for t in trials]
    assert gens == sorted(gens), gens  # tagged in creation order: never a step back
    top = gens[-1]
    assert top >= 4
    for g in range(1, top + 1):
        assert sum(1 for t in trials if t.system_attrs[GEN] == g and PARENTS in t.system_attrs) == 1, g


def test_sizes_beyond_reason_fail_clearly_or_just_run():
    # a population larger than the study: every trial stays in the first (random) generation
    study = run(NSGAIISampler(population_size=2**62, seed=1), lambda t: zdt1(t, 3), 20)
    assert {t.system_attrs[GEN] for t in study.trials} == {0}
    # default reference points beyond counting: a clear error when the first selection needs them
    sampler = NSGAIIISampler(population_size=4, dividing_parameter=10**9, seed=1)
    study = ferrotune.create_study(directions=["minimize"] * 3, sampler=sampler)
    with pytest.raises(FerrotuneValueError, match="dividing_parameter"):
        study.optimize(lambda t: (*zdt1(t, 3), 0.0), n_trials=20)
