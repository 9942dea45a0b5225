"""The postgres_url fixture gives each test its own fresh, empty database and drops it after."""

from __future__ import annotations

import pytest
from conftest import psql

SEEN: list[str] = []  # the URLs handed to the runs below, in order


@pytest.mark.parametrize("run", [0, 1])
def test_each_test_gets_a_fresh_empty_database(postgres_url: str, postgres_server: str, run: int) -> None:
    assert psql(postgres_url, "select count(*) from pg_tables where schemaname = 'public'") == "0"
    name = psql(postgres_url, "select current_database()")
    assert postgres_url.split("?")[0].endswith("/" + name)
    if run == 1 and SEEN:
        assert SEEN[-1] != postgres_url
        # the previous test's database was dropped when it ended
        dropped = SEEN[-1].split("?")[0].rsplit("/", 1)[1]
        assert psql(postgres_server, f"select count(*) from pg_database where datname = '{dropped}'") == "0"
    psql(postgres_url, "create table scratch (x int)")  # the next run must not see it
    SEEN.append(postgres_url)
