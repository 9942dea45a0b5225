"""Logging: Optuna's per-trial lines on the ``ferrotune`` logger, and the verbosity switch."""

from __future__ import annotations

import io
import logging
import re
import subprocess
import sys
import textwrap

import pytest

import ferrotune
from ferrotune.samplers import RandomSampler
from ferrotune.storages import InMemoryStorage


@pytest.fixture
def records(caplog):
    """ferrotune's records at INFO and above. The ferrotune logger does not propagate by
    default (it writes to stderr itself); propagating lets caplog see its records whatever
    the pytest version."""
    ferrotune.logging.set_verbosity(ferrotune.logging.INFO)
    ferrotune.logging.enable_propagation()
    caplog.set_level(logging.DEBUG)
    caplog.clear()

    def get():
        return [r for r in caplog.records if r.name.startswith("ferrotune")]

    yield get
    ferrotune.logging.disable_propagation()


def _messages(get, level=logging.INFO):
    return [r.getMessage() for r in get() if r.levelno == level]


def test_one_info_line_per_finished_trial_in_optunas_format(records):
    s = ferrotune.create_study(sampler=RandomSampler(seed=0))
    records()  # the creation line is checked elsewhere
    s.optimize(lambda t: (t.suggest_float("x", -10, 10) - 2) ** 2, n_trials=5)
    lines = [m for m in _messages(records) if m.startswith("Trial ")]
    assert len(lines) == 5
    best = None
    for t, line in zip(s.trials, lines, strict=True):
        if best is None or t.value < best.value:
            best = t
        assert line == (
            f"Trial {t.number} finished with value: {t.value} and parameters: {t.params}. "
            f"Best is trial {best.number} with value: {best.value}."
        )


def test_pruned_failed_and_multi_objective_lines(records):
    s = ferrotune.create_study()

    def objective(trial):
        if trial.number == 0:
            trial.report(1.0, 0)
            raise ferrotune.TrialPruned("too slow")
        raise ValueError("bad batch")

    s.optimize(objective, n_trials=2, catch=(ValueError,))
    info = _messages(records)
    assert "Trial 0 pruned. too slow" in info
    warnings = _messages(records, logging.WARNING)
    assert any(m.startswith("Trial 1 failed with parameters: {}") and "bad batch" in m for m in warnings)
    # the failure is not also reported as finished
    assert not any(m.startswith("Trial 1 finished") for m in info)

    m = ferrotune.create_study(directions=["minimize", "maximize"])
    m.optimize(lambda t: (1.0, 2.5), n_trials=1)
    assert "Trial 0 finished with values: [1.0, 2.5] and parameters: {}." in _messages(records)


def test_ask_tell_logs_too(records):
    s = ferrotune.create_study()
    t = s.ask()
    x = t.suggest_int("n", 3, 3)
    s.tell(t, 4.0)
    assert f"Trial 0 finished with value: 4.0 and parameters: {{'n': {x}}}. Best is trial 0 with value: 4.0." in _messages(records)


def test_study_creation_lines(records):
    storage = InMemoryStorage()
    ferrotune.create_study(storage=storage, study_name="alpha")
    ferrotune.create_study(storage=storage, study_name="alpha", load_if_exists=True)
    ferrotune.create_study(storage=storage, study_name="beta", load_if_exists=True)
    assert _messages(records) == [
        "A new study created in memory with name: alpha",
        "Using an existing study with name 'alpha' instead of creating a new one.",
        "A new study created in memory with name: beta",
    ]


def test_set_verbosity_warning_silences_the_trial_lines(records):
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    assert ferrotune.logging.get_verbosity() == ferrotune.logging.WARNING
    s = ferrotune.create_study()
    s.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    s.optimize(lambda t: float("nan"), n_trials=1)
    assert _messages(records) == []
    # warnings still come through
    assert any(m.startswith("Trial 3 failed") for m in _messages(records, logging.WARNING))
    ferrotune.logging.set_verbosity(ferrotune.logging.INFO)
    s.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert len(_messages(records)) == 1


class _ListHandler(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        if record.name.startswith("ferrotune"):
            self.messages.append(record.getMessage())


def test_records_reach_the_root_logger_only_with_propagation():
    root_handler = _ListHandler()
    root = logging.getLogger()
    root.addHandler(root_handler)
    try:
        ferrotune.logging.set_verbosity(ferrotune.logging.INFO)
        ferrotune.create_study().optimize(lambda t: 0.0, n_trials=1)
        assert root_handler.messages == []  # ferrotune writes its own lines; no duplicates via root
        ferrotune.logging.enable_propagation()
        ferrotune.create_study(study_name="seen").optimize(lambda t: 0.0, n_trials=1)
        assert root_handler.messages[0] == "A new study created in memory with name: seen"
        assert root_handler.messages[1].startswith("Trial 0 finished with value: 0.0")
        ferrotune.logging.disable_propagation()
        ferrotune.create_study().optimize(lambda t: 0.0, n_trials=1)
        assert len(root_handler.messages) == 2
    finally:
        root.removeHandler(root_handler)
        ferrotune.logging.disable_propagation()


def test_default_handler_writes_optuna_style_lines_to_stderr():
    # A fresh interpreter: the default handler is bound to the real stderr at first use.
    script = textwrap.dedent(
        """
        import ferrotune
        s = ferrotune.create_study(study_name="demo")
        s.optimize(lambda t: t.suggest_int("n", 7, 7) * 1.5, n_trials=2)
        ferrotune.logging.disable_default_handler()
        s.optimize(lambda t: 0.0, n_trials=1)
        ferrotune.logging.enable_default_handler()
        ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
        s.optimize(lambda t: 0.0, n_trials=1)
        print("done")
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "done"  # nothing on stdout
    lines = out.stderr.strip().splitlines()
    stamp = r"\[I \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}\] "
    assert len(lines) == 3, lines
    assert re.fullmatch(stamp + "A new study created in memory with name: demo", lines[0])
    assert re.fullmatch(
        stamp + re.escape("Trial 0 finished with value: 10.5 and parameters: {'n': 7}. Best is trial 0 with value: 10.5."),
        lines[1],
    )
    assert re.fullmatch(
        stamp + re.escape("Trial 1 finished with value: 10.5 and parameters: {'n': 7}. Best is trial 0 with value: 10.5."),
        lines[2],
    )


@pytest.fixture
def optuna_logger():
    """``logging.getLogger("optuna")``, put back as it was after the test."""
    logger = logging.getLogger("optuna")
    level, handlers = logger.level, list(logger.handlers)
    # Other tests import the real Optuna and quiet it; start from a logger nobody configured.
    logger.setLevel(logging.NOTSET)
    logger.handlers[:] = []
    yield logger
    logger.setLevel(level)
    logger.handlers[:] = handlers


def test_optuna_logger_configuration_applies_to_ferrotune(optuna_logger):
    # Code written for Optuna configures the "optuna" logger; ferrotune's records follow it.
    ferrotune.logging.set_verbosity(ferrotune.logging.INFO)
    captured = io.StringIO()
    optuna_logger.addHandler(logging.StreamHandler(captured))
    ferrotune.create_study().optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    lines = captured.getvalue().splitlines()
    assert len(lines) == 4 and lines[0].startswith("A new study created") and "Trial 2 finished" in lines[3]
    # A level set on the "optuna" logger silences what is below it.
    optuna_logger.setLevel(logging.WARNING)
    ferrotune.create_study().optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert len(captured.getvalue().splitlines()) == 4


SILENCED_AS_FOR_OPTUNA = textwrap.dedent(
    """
    import logging, ferrotune
    logging.getLogger("optuna").setLevel(logging.WARNING)
    ferrotune.create_study().optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    ferrotune.logging.get_logger("ferrotune.x").warning("still shown")
    """
)


def test_a_level_on_the_optuna_logger_silences_the_default_handler():
    done = subprocess.run([sys.executable, "-c", SILENCED_AS_FOR_OPTUNA], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "finished" not in done.stderr and "study created" not in done.stderr
    assert "still shown" in done.stderr
