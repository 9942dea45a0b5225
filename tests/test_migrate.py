"""Studies moved between Optuna and ferrotune, both ways, compared field by field: Optuna's
SQLite database and JSON-lines journal (written and read by a real Optuna), an in-memory
Optuna study, Optuna's FrozenTrial in add_trial, and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import optuna
import pytest

import ferrotune
import ferrotune.migrate

FIELDS = (
    "number",
    "state",
    "values",
    "datetime_start",
    "datetime_complete",
    "params",
    "distributions",
    "user_attrs",
    "system_attrs",
    "intermediate_values",
)


def quiet():
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    ferrotune.logging.set_verbosity(ferrotune.logging.ERROR)


def build_optuna_study(storage, directions):
    """An Optuna study with every distribution kind (a deprecated one too), complete, pruned,
    failed and waiting trials, intermediate values, constraints, metric names and attributes."""
    quiet()
    constraints = lambda t: [t.params["x"] - 0.5]  # noqa: E731 -- a one-line callable
    sampler = (
        optuna.samplers.TPESampler(seed=0, constraints_func=constraints)
        if len(directions) == 1
        else optuna.samplers.NSGAIISampler(seed=0, constraints_func=constraints)
    )
    study = optuna.create_study(study_name="src", storage=storage, directions=directions, sampler=sampler)
    study.set_user_attr("owner", {"team": "lab", "ids": [1, 2]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.set_metric_names([f"m{i}" for i in range(len(directions))])

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        trial.suggest_float("q", 0, 1, step=0.25)
        n = trial.suggest_int("n", 1, 64, log=True)
        trial.suggest_int("k", 0, 10, step=2)
        trial.suggest_categorical("c", ["a", None, 3, 2.5, True])
        trial.set_user_attr("note", f"trial {trial.number}")
        if len(directions) == 1:
            for step in range(3):
                trial.report(x + step, step)
        if trial.number == 2:
            raise optuna.TrialPruned()
        if trial.number == 3:
            raise ValueError("a failed trial")
        return (x,) * len(directions) if len(directions) > 1 else x * n

    study.optimize(objective, n_trials=8, catch=(ValueError,))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.add_trial(
            optuna.trial.create_trial(
                params={"old": 0.5},
                distributions={"old": optuna.distributions.UniformDistribution(0, 1)},
                values=[0.25] * len(directions),
            )
        )
    study.enqueue_trial({"x": 0.5})
    return study


def assert_same_trials(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        for field in FIELDS:
            ours, theirs = getattr(x, field), getattr(y, field)
            if field == "state":
                ours, theirs = ours.name, theirs.name
            if field in ("user_attrs", "system_attrs"):
                # as stored: Optuna's in-memory storage keeps tuples that every stored copy holds as lists
                ours, theirs = json.loads(json.dumps(ours)), json.loads(json.dumps(theirs))
            if field == "distributions":
                ours = {
                    k: ferrotune.distributions.distribution_to_json(ferrotune.migrate.distribution_from_optuna(d)) for k, d in ours.items()
                }
                theirs = {
                    k: ferrotune.distributions.distribution_to_json(ferrotune.migrate.distribution_from_optuna(d))
                    for k, d in theirs.items()
                }
            assert ours == theirs, (x.number, field, ours, theirs)


@pytest.mark.parametrize("directions", [["minimize"], ["minimize", "maximize"]])
@pytest.mark.parametrize("kind", ["sqlite", "journal"])
def test_an_optuna_study_goes_to_ferrotune_and_back_unchanged(tmp_path, kind, directions):
    source = f"sqlite:///{tmp_path / 'optuna.db'}" if kind == "sqlite" else str(tmp_path / "optuna.jsonl")
    original = build_optuna_study(ferrotune.migrate.optuna_storage(source), directions)
    ours = ferrotune.migrate.import_study(from_storage=source, to_storage=str(tmp_path / "ferrotune.log"))
    assert [d.name for d in ours.directions] == [d.name for d in original.directions]
    assert ours.user_attrs == original.user_attrs
    assert ours.metric_names == original.metric_names
    assert_same_trials(ours.trials, original.trials)
    # the constraints Optuna stored stay where its samplers read them
    assert ours.trials[0].system_attrs["constraints"] == original.trials[0].system_attrs["constraints"]

    back_url = f"sqlite:///{tmp_path / 'back.db'}" if kind == "sqlite" else str(tmp_path / "back.jsonl")
    back = ferrotune.migrate.export_study(from_storage=str(tmp_path / "ferrotune.log"), to_storage=back_url)
    reopened = optuna.load_study(study_name="src", storage=ferrotune.migrate.optuna_storage(back_url))
    assert_same_trials(reopened.trials, original.trials)
    assert reopened.user_attrs == original.user_attrs
    assert reopened.metric_names == original.metric_names
    assert back.study_name == "src"
    # Optuna goes on with the copy as with its own study
    reopened.optimize(lambda t: t.suggest_float("x", 0, 1) if len(directions) == 1 else (0.0, 0.0), n_trials=2)


def test_an_in_memory_optuna_study_and_its_trials_come_in_directly():
    original = build_optuna_study(None, ["minimize"])
    via_copy = ferrotune.storages.InMemoryStorage()
    ferrotune.copy_study(from_study_name="src", from_storage=original, to_storage=via_copy)
    assert_same_trials(ferrotune.load_study(study_name="src", storage=via_copy).trials, original.trials)
    # Study.add_trial takes Optuna's FrozenTrial as it is
    study = ferrotune.create_study()
    for t in original.trials:
        study.add_trial(t)
    assert_same_trials(study.trials, original.trials)
    assert study.best_trial.number == original.best_trial.number


def test_a_ferrotune_study_opens_in_optuna_and_optuna_continues_it(tmp_path):
    quiet()
    study = ferrotune.create_study(study_name="ours", storage=str(tmp_path / "s.log"), sampler=ferrotune.samplers.TPESampler(seed=0))
    study.optimize(lambda t: (t.suggest_float("x", -3, 3) - 1) ** 2 + t.suggest_int("n", 0, 3), n_trials=20)
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    ferrotune.migrate.export_study(from_storage=str(tmp_path / "s.log"), to_storage=url)
    theirs = optuna.load_study(study_name="ours", storage=url)
    assert theirs.best_value == study.best_value and theirs.best_params == study.best_params
    theirs.optimize(lambda t: (t.suggest_float("x", -3, 3) - 1) ** 2 + t.suggest_int("n", 0, 3), n_trials=5)
    assert len(theirs.trials) == 25


def test_the_command_line_copies_every_study_both_ways(tmp_path):
    quiet()
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    for name in ("a", "b"):
        s = optuna.create_study(study_name=name, storage=url)
        s.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    journal = str(tmp_path / "ours.log")
    run = lambda *args: subprocess.run([sys.executable, "-m", "ferrotune.migrate", *args], capture_output=True, text=True)  # noqa: E731
    done = run("import", "--from", url, "--to", journal)
    assert done.returncode == 0, done.stderr
    assert "imported 'a': 3 trials" in done.stdout and "imported 'b': 3 trials" in done.stdout
    assert sorted(ferrotune.get_all_study_names(journal)) == ["a", "b"]
    back = str(tmp_path / "back.jsonl")
    done = run("export", "--from", journal, "--to", back, "--study", "a", "--to-study", "a2")
    assert done.returncode == 0, done.stderr
    assert optuna.get_all_study_names(ferrotune.migrate.optuna_storage(back)) == ["a2"]
    # a second import of the same study is refused with the reason, not half done
    again = run("import", "--from", url, "--to", journal, "--study", "a")
    assert again.returncode == 1 and "a" in again.stderr and "Traceback" not in again.stderr


def test_add_trial_refuses_other_objects_naming_them():
    with pytest.raises(ferrotune.exceptions.FerrotuneValueError, match=r"builtins\.dict"):
        ferrotune.create_study().add_trial({"x": 1})


@pytest.mark.parametrize("source", ["missing.jsonl", "sqlite:///missing.db"])
def test_importing_from_a_file_that_does_not_exist_is_refused_and_creates_nothing(tmp_path, monkeypatch, source):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ferrotune.exceptions.FerrotuneValueError, match="names no existing file"):
        ferrotune.migrate.import_study(from_storage=source, to_storage=str(tmp_path / "to.log"))
    done = subprocess.run(
        [sys.executable, "-m", "ferrotune.migrate", "import", "--from", source, "--to", "to.log"], capture_output=True, text=True
    )
    assert done.returncode == 1 and "names no existing file" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("storage", [None, 42, ""])
def test_an_optuna_storage_of_the_wrong_type_is_refused_naming_it(storage):
    with pytest.raises(ferrotune.exceptions.FerrotuneValueError, match="Optuna storage"):
        ferrotune.migrate.optuna_storage(storage)
