"""Shared fixtures: quiet logging, seeded studies, a shared storage."""

from __future__ import annotations

import pytest

import ferrotune
from ferrotune.samplers import RandomSampler
from ferrotune.storages import InMemoryStorage


@pytest.fixture(autouse=True)
def _quiet_ferrotune_logging():
    # One INFO line per trial would drown pytest's output; test_logging.py raises the level itself.
    before = ferrotune.logging.get_verbosity()
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    yield
    ferrotune.logging.set_verbosity(before)
    ferrotune.logging.disable_propagation()


@pytest.fixture
def storage() -> InMemoryStorage:
    return InMemoryStorage()


@pytest.fixture
def study() -> ferrotune.Study:
    """A single-objective minimizing study with a seeded random sampler."""
    return ferrotune.create_study(sampler=RandomSampler(seed=0))
