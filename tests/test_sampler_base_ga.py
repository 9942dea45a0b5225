"""BaseGASampler: generations, populations and parents for GA samplers written in Python."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from _ga_sampler import BlendGA
from conftest import open_shared

import ferrotune
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.samplers import BaseGASampler, NSGAIIISampler, NSGAIISampler, RandomSampler
from ferrotune.samplers._ga import _base as ga_base
from ferrotune.trial import TrialState

GEN = "BlendGA:generation"
PARENT = "BlendGA:parent:"
OPENS = "BlendGA:opens_generation"


def sphere(trial: ferrotune.Trial) -> float:
    return sum(trial.suggest_float(f"x{i}", -5.0, 5.0) ** 2 for i in range(4))


def check_generations(study: ferrotune.Study, population_size: int) -> int:
    """The invariants every study run by a BaseGASampler keeps, whatever the workers; returns
    the newest generation."""
    trials = study.get_trials(deepcopy=False)
    gens = [t.system_attrs[GEN] for t in trials]  # every trial was tagged when created
    # tagged under the storage's atomic create, in creation order: never a step back, never a gap
    assert gens == sorted(gens)
    top = gens[-1]
    assert set(gens) == set(range(top + 1))
    attrs = study.system_attrs
    for g in range(top):
        complete = [t for t in trials if gens[t.number] == g and t.state == TrialState.COMPLETE]
        # a generation is closed only once population_size of its trials completed
        assert len(complete) >= population_size, g
    for g in range(1, top + 1):
        # the trials created before generation g opened: g - 1 had population_size COMPLETE
        first = gens.index(g)
        assert sum(1 for t in trials[:first] if gens[t.number] == g - 1) >= population_size
        # the first trial of each generation, and only it, is marked as opening it
        assert [t.number for t in trials if gens[t.number] == g and OPENS in t.system_attrs] == [first]
        ids = attrs.get(PARENT + str(g))
        if ids is None:
            continue  # no trial of g asked for parents (all failed before suggesting, say)
        pool = {t._trial_id for t in trials if gens[t.number] == g - 1}
        pool |= set(attrs.get(PARENT + str(g - 1), []))
        assert set(ids) <= pool, g
    return top


def test_keys_follow_the_subclass_name_as_in_optuna():
    assert BaseGASampler._get_generation_key() == "BaseGASampler:generation"
    assert BlendGA._get_generation_key() == GEN
    assert BlendGA._get_parent_cache_key_prefix() == PARENT
    assert BlendGA(population_size=7).population_size == 7


@pytest.mark.parametrize("bad", [0, -1, 2.5, "10", True])
def test_a_bad_population_size_names_the_parameter(bad):
    with pytest.raises(FerrotuneValueError, match="population_size"):
        BlendGA(population_size=bad)
    sampler = BlendGA(population_size=4)
    with pytest.raises(FerrotuneValueError, match="population_size"):
        sampler.population_size = bad
    assert sampler.population_size == 4


class Late(BlendGA):
    """A GA whose population size is set after it is made (``BaseGASampler(None)``)."""

    def __init__(self) -> None:
        BaseGASampler.__init__(self, population_size=None)
        self._seed, self._random, self.selections = 0, RandomSampler(seed=0), []


def test_without_a_population_size_asking_a_generation_says_what_to_set():
    study = ferrotune.create_study(sampler=Late())
    with pytest.raises(FerrotuneValueError, match=r"population_size is None; set it"):
        study.optimize(sphere, n_trials=1)
    assert study.trials[0].state == TrialState.FAIL


def test_select_parent_must_return_trials():
    class Bad(BlendGA):
        def select_parent(self, study, generation):
            return [1, 2]

    study = ferrotune.create_study(sampler=Bad(population_size=2, seed=0))
    with pytest.raises(FerrotuneValueError, match=r"select_parent must return a list of FrozenTrial"):
        study.optimize(sphere, n_trials=10)


def test_population_size_set_later_tags_trials_as_optuna_does():
    sampler = Late()
    assert sampler.population_size is None
    study = ferrotune.create_study(sampler=sampler)
    sampler.population_size = 5
    study.optimize(sphere, n_trials=30)  # the study's engine still has the untagged core
    late = [t.system_attrs["Late:generation"] for t in study.trials]
    assert late == sorted(late) and late[-1] >= 3  # tagged by get_trial_generation, one worker
    study.sampler = sampler  # re-attached: now tagged at creation
    study.optimize(sphere, n_trials=5)
    assert all("Late:generation" in t.system_attrs for t in study.trials)


def test_parents_are_selected_once_per_generation_and_stored():
    sampler = BlendGA(population_size=6, seed=3)
    study = ferrotune.create_study(sampler=sampler)
    study.optimize(sphere, n_trials=60, n_jobs=2)
    top = check_generations(study, 6)
    assert top >= 5
    assert sorted(sampler.selections) == list(range(1, top + 1))  # once each, for both threads
    for g in range(1, top + 1):
        parents = sampler.get_parent_population(study, g)
        assert [t._trial_id for t in parents] == sorted(study.system_attrs[PARENT + str(g)])
        assert all(t.system_attrs[GEN] < g and t.state == TrialState.COMPLETE for t in parents)
        assert sampler.get_population(study, g) == [t for t in study.trials if t.state == TrialState.COMPLETE and t.system_attrs[GEN] == g]
    # a second sampler instance (another process, say) reads the stored parents
    other = BlendGA(population_size=6, seed=3)
    assert [t.number for t in other.get_parent_population(study, 1)] == [t.number for t in sampler.get_parent_population(study, 1)]
    assert other.selections == []
    assert other.get_parent_population(study, 0) == []


def test_pickled_sampler_keeps_its_arguments_and_tags():
    sampler = pickle.loads(pickle.dumps(BlendGA(population_size=3, seed=5)))
    study = ferrotune.create_study(sampler=sampler)
    study.optimize(sphere, n_trials=12)
    check_generations(study, 3)


@pytest.mark.parametrize("seed", range(5))
def test_a_small_ga_beats_random_search(seed):
    ga = ferrotune.create_study(sampler=BlendGA(population_size=10, seed=seed))
    ga.optimize(sphere, n_trials=150)
    rnd = ferrotune.create_study(sampler=RandomSampler(seed=seed))
    rnd.optimize(sphere, n_trials=150)
    assert ga.best_value < rnd.best_value / 4, (ga.best_value, rnd.best_value)


def test_generations_on_every_shared_storage_with_threads(shared_storage_url):
    ferrotune.create_study(study_name="ga", storage=open_shared(shared_storage_url))
    barrier = threading.Barrier(2)
    samplers = [BlendGA(4, seed) for seed in range(2)]  # two sampler objects: two workers

    def work(seed: int) -> None:
        study = ferrotune.load_study(study_name="ga", storage=open_shared(shared_storage_url), sampler=samplers[seed])
        barrier.wait()
        study.optimize(sphere, n_trials=20)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    study = ferrotune.load_study(study_name="ga", storage=open_shared(shared_storage_url))
    assert len(study.trials) == 40
    top = check_generations(study, 4)
    assert top >= 4
    # each generation's parents were selected once, by the worker that opened it
    assert sorted(samplers[0].selections + samplers[1].selections) == list(range(1, top + 1))


WORKER = textwrap.dedent(
    """
    import json, sys, warnings, ferrotune
    sys.path.insert(0, sys.argv[3])
    from _ga_sampler import BlendGA
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    warnings.simplefilter("ignore")
    path, seed = sys.argv[1], int(sys.argv[2])
    def sphere(t):
        t.set_user_attr("worker", seed)
        return sum(t.suggest_float(f"x{i}", -5.0, 5.0) ** 2 for i in range(4))
    sampler = BlendGA(population_size=5, seed=seed)
    study = ferrotune.load_study(study_name="ga", storage=path, sampler=sampler)
    print("ready", flush=True)
    # Start together: both processes ask from the first trial on (the test says go once both
    # are ready; an empty line means it gave up).
    if sys.stdin.readline().strip() != "go":
        sys.exit("not started")
    study.optimize(sphere, n_trials=40)
    with open(path + f".selections{seed}", "w") as f:
        json.dump(sampler.selections, f)
    """
)


def test_two_processes_share_generations_on_one_journal(tmp_path):
    path = str(tmp_path / "ga.log")
    ferrotune.create_study(storage=path, study_name="ga")
    here = str(Path(__file__).parent)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, path, str(i), here],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready", p.stderr.read() if p.stderr else ""
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    study = ferrotune.load_study(study_name="ga", storage=path)
    trials = study.trials
    assert len(trials) == 80 and all(t.state == TrialState.COMPLETE for t in trials)
    assert {t.user_attrs["worker"] for t in trials} == {0, 1}
    top = check_generations(study, 5)
    assert top >= 10  # 80 trials in generations of 5: the two workers advanced together
    # each generation's parents were selected once, by the process that opened it, and stored
    selections = [json.loads(Path(f"{path}.selections{i}").read_text()) for i in range(2)]
    assert sorted(selections[0] + selections[1]) == list(range(1, top + 1))
    assert all(selections)  # both processes opened generations
    for g in range(1, top + 1):
        assert PARENT + str(g) in study.system_attrs


@pytest.mark.parametrize("cls", [NSGAIISampler, NSGAIIISampler])
def test_the_builtin_nsga_samplers_answer_as_ga_samplers(cls):
    sampler = cls(population_size=4, seed=1)
    assert isinstance(sampler, BaseGASampler)  # as in Optuna, where they derive from it
    assert cls._get_generation_key() == f"{cls.__name__}:generation"
    study = ferrotune.create_study(directions=["minimize", "minimize"], sampler=sampler)
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), 1 - t.suggest_float("x", 0, 1) ** 0.5), n_trials=20)
    trials = study.trials
    assert [sampler.get_trial_generation(study, t) for t in trials] == [t.system_attrs[cls._get_generation_key()] for t in trials]
    assert sampler.get_parent_population(study, 0) == []
    for g in range(1, 4):
        parents = sampler.get_parent_population(study, g)
        stored = next(
            t for t in trials if t.system_attrs[cls._get_generation_key()] == g and f"{cls.__name__}:parent_population" in t.system_attrs
        )
        assert [p.number for p in parents] == sorted(stored.system_attrs[f"{cls.__name__}:parent_population"])
        assert sampler.select_parent(study, g) == parents
        assert [t.number for t in sampler.get_population(study, g)] == [
            t.number for t in trials if t.system_attrs[cls._get_generation_key()] == g
        ]
    with pytest.raises(FerrotuneValueError, match="has not opened yet"):
        sampler.get_parent_population(study, 99)
    # the core still runs them: the study calls no Python hook
    assert type(study._path).__name__ == "CorePath"


def test_assigning_the_population_size_of_an_nsga_sampler_checks_it():
    sampler = NSGAIISampler(population_size=4, seed=1)
    sampler.population_size = 6
    assert sampler.population_size == 6 and sampler.seed == 1
    study = ferrotune.create_study(directions=["minimize", "minimize"], sampler=sampler)
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), 1 - t.suggest_float("x", 0, 1)), n_trials=12)
    assert [t.system_attrs["NSGAIISampler:generation"] for t in study.trials] == [0] * 6 + [1] * 6
    with pytest.raises(FerrotuneValueError, match="population_size"):
        sampler.population_size = 1
    assert sampler.population_size == 6


def test_the_sampler_that_opened_a_generation_selects_without_waiting(monkeypatch):
    sampler = BlendGA(population_size=2, seed=0)
    study = ferrotune.create_study(sampler=sampler)
    study.optimize(sphere, n_trials=2)

    def no_wait(_: float) -> None:
        raise AssertionError("waited for parents this sampler object must select itself")

    monkeypatch.setattr(ga_base.time, "sleep", no_wait)
    opener, other = study.ask(), study.ask()  # batch ask-and-tell, served out of order
    assert OPENS in opener._frozen().system_attrs and OPENS not in other._frozen().system_attrs
    study.tell(other, sphere(other))
    study.tell(opener, sphere(opener))
    assert sampler.selections == [1]


def test_a_generation_whose_opening_trial_failed_gets_parents_from_the_next_worker(monkeypatch):
    monkeypatch.setattr(ga_base, "PARENT_WAIT_S", 1e9)  # only the opener's end may stop the wait
    first, second = BlendGA(population_size=2, seed=0), BlendGA(population_size=2, seed=1)
    study = ferrotune.create_study(sampler=first)
    study.optimize(sphere, n_trials=2)
    opener = study.ask()  # opens generation 1 for `first`, which fails before selecting
    study.tell(opener, state=TrialState.FAIL)
    study.sampler = second
    study.optimize(sphere, n_trials=1)
    assert first.selections == [] and second.selections == [1]
    assert PARENT + "1" in study.system_attrs
