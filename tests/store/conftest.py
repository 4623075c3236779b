"""The store's tests run on SQLite and on a real PostgreSQL through one parametrised fixture.

PostgreSQL: $LEADSCORE_TEST_POSTGRES_URL (.ci/run starts a throwaway cluster and sets it), else a throwaway
cluster started here. Without either the PostgreSQL tests fail: they are never skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from leadscore.store import Store
from tests.store.postgres import ThrowawayPostgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server URL (an existing one from the environment, or a throwaway cluster)."""
    url = os.environ.get("LEADSCORE_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    server = ThrowawayPostgres()
    try:
        yield server.url
    finally:
        server.stop()


def fresh_database(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """An empty database's URL: a new SQLite file, or a new PostgreSQL database dropped after the test."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    server = request.getfixturevalue("postgres_server")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.rsplit("/", 1)[0] + "/" + name

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    request.addfinalizer(drop)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database, once on SQLite and once on PostgreSQL."""
    return fresh_database(request.param, tmp_path, request)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A store on a fresh database, migrated to the newest schema."""
    opened = Store.open(database_url)
    yield opened
    opened.close()
