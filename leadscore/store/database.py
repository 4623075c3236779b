"""Where the store lives and how it is brought to the current schema.

By default an SQLite file beside the model registry (``store.sqlite3`` in ``settings.models_folder()``), made on
first use with no set-up; ``LEADSCORE_DATABASE_URL`` names any other database (``postgresql+psycopg://...``
for a team). SQLite runs in WAL mode with a busy timeout, so the dashboard, the command line and the API can
write at once; PostgreSQL gets the same wait as a lock timeout (a table locked by another program fails the
statement after that wait instead of hanging) and a connect timeout. Alembic migrations ship inside the
package and run forward on first use; an upgrade never drops a table that holds records.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url

from leadscore.folders import FILE_MODE, FOLDER_MODE, create_file, make_folders
from leadscore.settings import DEFAULT_LOCK_SECONDS, Settings, models_folder
from leadscore.store.faults import StoreError

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic logs every plugin and migration step at INFO (its plugins as soon as it is imported); the store logs
# what matters itself.
logging.getLogger("alembic").setLevel(logging.WARNING)

log = logging.getLogger(__name__)

DEFAULT_FILE = "store.sqlite3"
#: How long a writer waits for another one's lock before giving up (SQLite's busy timeout, PostgreSQL's
#: lock_timeout), unless $LEADSCORE_LOCK_TIMEOUT says otherwise.
BUSY_TIMEOUT_MS = int(DEFAULT_LOCK_SECONDS * 1000)
#: Seconds to wait for a PostgreSQL server to accept a connection.
CONNECT_TIMEOUT_SECONDS = 10
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: The newest schema revision (the last file in migrations/versions; a test checks it against Alembic's head).
#: A store already there opens without importing Alembic or reading the migration scripts, about a tenth of a
#: second of every command that opens the store.
HEAD_REVISION = "0005"
#: An arbitrary constant: the PostgreSQL advisory lock that lets one process at a time migrate.
_PG_LOCK = 7_311_015


class StoreUnavailableError(StoreError):
    """The database cannot be reached or brought to the current schema (one line, no password)."""


def database_url(url: str | None = None, registry: str | os.PathLike[str] | None = None,
                 settings: Settings | None = None) -> str:
    """The argument, else $LEADSCORE_DATABASE_URL, else an SQLite file beside the model registry ``registry``."""
    if url:
        return url
    settings = settings or Settings.from_environment(models_dir=registry)
    if settings.database_url:
        return settings.database_url
    folder = models_folder(registry)
    make_folders(folder, FOLDER_MODE)
    return f"sqlite:///{folder / DEFAULT_FILE}"


def _sqlite_pragmas(busy_ms: int) -> Callable[[object, object], None]:
    def on_connect(connection: object, _record: object) -> None:
        cursor = connection.cursor()  # type: ignore[attr-defined]
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        _wal_mode(cursor, busy_ms)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return on_connect


def _wal_mode(cursor: sqlite3.Cursor, busy_ms: int) -> None:
    """Put the file in WAL mode, trying again until the busy timeout while SQLite says it is locked.

    Switching takes the file for a moment; when another process is doing the same or migrating a new store,
    SQLite answers "locked" at once instead of waiting (it would risk a deadlock), so its busy timeout does
    not cover this (two processes opening one new store at once, under load: tests/store/test_concurrency.py).
    """
    deadline = time.monotonic() + busy_ms / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def make_engine(url: str, lock_seconds: float = DEFAULT_LOCK_SECONDS) -> Engine:
    """An engine for the URL. SQLite: WAL, a busy timeout of ``lock_seconds`` and foreign keys on every
    connection. PostgreSQL: a lock timeout of ``lock_seconds`` and a connect timeout."""
    parsed = make_url(url)
    busy_ms = round(lock_seconds * 1000)  # 1.005 s: 1005 ms (int() would give 1004 of 1004.9999999999999)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            # made here, not by SQLite, so that no umask makes the store (and its -wal and -shm files, which
            # SQLite gives the same mode) writable by everyone
            create_file(Path(parsed.database))
        engine = create_engine(url, connect_args={"timeout": lock_seconds})
        event.listen(engine, "connect", _sqlite_pragmas(busy_ms))
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, connect_args={
            "connect_timeout": CONNECT_TIMEOUT_SECONDS, "options": f"-c lock_timeout={busy_ms}"})
    return create_engine(url, pool_pre_ping=True)


def alembic_config() -> Config:
    """The Alembic configuration of the migrations shipped in the package (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest schema revision of the migration scripts, as Alembic reads them."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision (None: an empty database), read as Alembic writes it (its version table)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the migrations forward to ``revision``; one process at a time (a file lock or an advisory lock)."""
    from alembic import command

    config = alembic_config()
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        lock = FileLock(f"{database}.migrate.lock", mode=FILE_MODE) if database and database != ":memory:" else None
        if lock:
            lock.acquire(timeout=120)
        try:
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
        finally:
            if lock:
                lock.release()
        return
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def ensure_current(engine: Engine) -> None:
    """Bring the database to the newest schema if it is not there yet (the first use of a new store)."""
    if current_revision(engine) != HEAD_REVISION:
        log.info("store: migrating %s to schema %s", engine.url.render_as_string(hide_password=True),
                 head_revision())
        upgrade(engine)
