"""The workflows' tests run on SQLite and on the shared PostgreSQL, through the store tests' fixtures."""

from tests.store.conftest import database_url, postgres_server, store  # noqa: F401 (fixtures)
