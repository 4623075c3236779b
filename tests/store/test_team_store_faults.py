"""The team tables (people, API keys, the audit trail, saved views, a rep's leads, the webhook outbox) go through
the store's one fault translation: a damaged SQLite file or a PostgreSQL table another program has locked is one
line naming the cause, never SQLAlchemy's message with the statement; on the command line, exit 2."""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, insert

from leadscore.cli import main
from leadscore.registry import Registry
from leadscore.scoring.rows import ScoredRow
from leadscore.store import Store, StoreError, audit, keys, leads, people, views
from leadscore.store.tables import ApiKey, SavedView, User
from tests.store.conftest import fresh_database

TEAM_TABLES = ("users", "api_keys", "audit_events", "saved_views", "scorings", "webhook_outbox")
SECRET = "L-secret-4411"
WHO = {"actor": "tests", "source": "command line"}


def _filled(url: str) -> None:
    """A store with an account, a key, an audit event, a saved view, a rep's recorded leads and an outbox event."""
    store = Store.open(url, webhooks=True)
    try:
        people.add_user(store, "ana@example.com", "rep", owner="Ana", password="a long passphrase 1", **WHO)
        keys.add_key(store, "website", ["score"], **WHO)
        views.save(store, "ana@example.com", "leads", {"tiers": ["High"]})
        store.record([ScoredRow(f"{SECRET}-{i}", "v1", "High", 0.4, 40, {"age": 40}, owner="Ana")
                      for i in range(30)], list_name="May")
    finally:
        store.close()


def _damage(path: Path) -> None:
    """Overwrite the pages of the team tables and their indexes: the file opens (its schema is intact), reading
    those tables fails."""
    with sqlite3.connect(path) as connection:
        marks = ", ".join("?" for _ in TEAM_TABLES)
        pages = [page for (page,) in connection.execute(
            f"SELECT rootpage FROM sqlite_master WHERE tbl_name IN ({marks}) AND rootpage > 0", TEAM_TABLES)]
        size = connection.execute("PRAGMA page_size").fetchone()[0]
    connection.close()
    with path.open("r+b") as file:
        for page in pages:
            file.seek((page - 1) * size)
            file.write(b"\xff" * size)


@contextmanager
def _faulty(kind: str, tmp_path: Path, request: pytest.FixtureRequest,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    """A filled store made faulty: a damaged SQLite file, or PostgreSQL with the team tables locked by another
    connection (held for the block). Yields its URL and the words its fault is said in."""
    url = fresh_database(kind, tmp_path, request)
    _filled(url)
    monkeypatch.setenv("LEADSCORE_DATABASE_URL", url)
    monkeypatch.setenv("LEADSCORE_LOCK_TIMEOUT", "0.2")  # a decimal number of seconds: the waits stay short
    if kind == "sqlite":
        _damage(tmp_path / "store.sqlite3")
        yield url, "the store file is damaged"
        return
    holder = create_engine(url)
    try:
        with holder.connect() as connection:
            connection.exec_driver_sql(f"LOCK TABLE {', '.join(TEAM_TABLES)} IN ACCESS EXCLUSIVE MODE")
            yield url, "it waited 0.2 s for a lock that another program holds"
            connection.rollback()
    finally:
        holder.dispose()


def _said_in_one_line(text: str, words: str) -> None:
    assert words in text, text
    assert "\n" not in text.strip() and "Traceback" not in text, text
    for leaked in ("SELECT", "INSERT", "UPDATE", "sqlalchemy", "Background on this error", SECRET, "ana@"):
        assert leaked not in text, text


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
@pytest.mark.parametrize("command", [("users", "list"), ("keys", "list"), ("audit",), ("webhooks", "status")],
                         ids=lambda command: " ".join(command))
def test_a_team_command_on_a_faulty_store_says_one_line_and_exits_2(
        kind: str, command: tuple[str, ...], tmp_path: Path, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with _faulty(kind, tmp_path, request, monkeypatch) as (_, words):
        capsys.readouterr()
        assert main([*command, "--models-dir", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if not line.startswith("INFO ")]
    assert len(errors) == 1 and errors[0].startswith(f"leadscore {command[0]}: "), captured.err
    _said_in_one_line(errors[0], words)
    assert SECRET not in captured.out


CALLS: dict[str, Callable[[Store], Any]] = {
    "a rep's leads": lambda store: leads.latest_leads(store, owner="Ana"),
    "the owners": leads.owners,
    "a lead's history": lambda store: store.history(f"{SECRET}-1", owner="Ana"),
    "a saved view": lambda store: views.load(store, "ana@example.com", "leads"),
    "saving a view": lambda store: views.save(store, "ana@example.com", "leads", {"tiers": ["Low"]}),
    "signing in": lambda store: people.check_password(store, "ana@example.com", "a long passphrase 1"),
    "adding an account": lambda store: people.add_user(store, "bo@example.com", "viewer", password="another "
                                                       "long one 2", **WHO),
    "an API key": lambda store: keys.find_key(store, "lsk_anything"),
    "an audit entry": lambda store: audit.record(store, "tests", "activate", {"version": "v1"}, "command line"),
    "the outbox": lambda store: store.outbox.claim(10, timedelta(minutes=1)),
}


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_every_team_read_and_write_raises_the_store_fault(kind: str, tmp_path: Path, request: pytest.FixtureRequest,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    with _faulty(kind, tmp_path, request, monkeypatch) as (url, words):
        store = Store.open(url)
        try:
            for what, call in CALLS.items():
                try:
                    call(store)
                except StoreError as error:
                    _said_in_one_line(str(error), words)
                    assert str(error).startswith("the store at "), (what, str(error))
                else:
                    pytest.fail(f"{what}: no store fault raised")
        finally:
            store.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_second_save_of_the_same_view_still_replaces_it(kind: str, tmp_path: Path,
                                                          request: pytest.FixtureRequest) -> None:
    url = fresh_database(kind, tmp_path, request)
    _filled(url)
    store = Store.open(url)
    try:
        views.save(store, "ana@example.com", "leads", {"tiers": ["Low"]})
        assert views.load(store, "ana@example.com", "leads") == {"tiers": ["Low"]}
        with pytest.raises(people.PeopleError, match="already has an account"):
            people.add_user(store, "ana@example.com", "rep", owner="Ana", **WHO)
    finally:
        store.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_model_change_whose_audit_entry_cannot_be_written_says_it_was_made(
        kind: str, model_dir: Path, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "models"
    shutil.copytree(model_dir, root, ignore=shutil.ignore_patterns(".lock"))
    registry = Registry(root)
    first = registry.active_version()
    registry.publish(registry.load(), registry.load().metadata["report"])
    url = fresh_database(kind, tmp_path, request)
    Store.open(url).close()
    monkeypatch.setenv("LEADSCORE_DATABASE_URL", url)
    monkeypatch.setenv("LEADSCORE_LOCK_TIMEOUT", "0.2")  # a decimal number of seconds: the waits stay short
    holder = create_engine(url)
    try:
        with holder.connect() as connection:
            connection.exec_driver_sql("BEGIN EXCLUSIVE" if kind == "sqlite" else
                                       "LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE")
            capsys.readouterr()
            assert main(["models", "activate", str(first), "--models-dir", str(root)]) == 0  # the change stands
            connection.rollback()
    finally:
        holder.dispose()
    captured = capsys.readouterr()
    assert registry.active_version() == first
    assert captured.out.strip() == f"version {first} is now active"
    errors = [line for line in captured.err.splitlines() if not line.startswith("INFO ")]
    assert len(errors) == 1, captured.err
    assert errors[0].startswith(f"leadscore models: done (model activated: version {first}), but its audit entry "
                                "could not be written: the store at "), errors[0]
    _said_in_one_line(errors[0], "(it waited 0.2 s)" if kind == "sqlite" else
                      "it waited 0.2 s for a lock that another program holds")
    store = Store.open(url)
    try:
        assert audit.events(store) == []  # nothing pretends the entry was written
    finally:
        store.close()


def _racing(url: str, row: Any, write: Callable[[], Any]) -> Any:
    """Run ``write`` while another connection holds ``row`` inserted but not committed, and commit it once
    ``write``'s own INSERT waits on the unique index: the race of two writers of the same row, made certain.
    Returns what ``write`` returned, or the exception it raised."""
    other, watcher = create_engine(url), create_engine(url)
    try:
        with other.connect() as connection, ThreadPoolExecutor(1) as pool:
            connection.execute(row)
            running = pool.submit(write)
            with watcher.connect() as watching:
                for _ in range(600):  # until the writer waits on the other transaction (at most a minute)
                    if watching.exec_driver_sql("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                                "current_database() AND wait_event_type = 'Lock'").scalar():
                        break
                    time.sleep(0.1)
                else:
                    pytest.fail("the writer never waited for the other transaction")
            connection.commit()
            try:
                return running.result(timeout=60)
            except Exception as error:  # noqa: BLE001 - returned for the test to look at
                return error
    finally:
        other.dispose()
        watcher.dispose()


def test_two_writers_of_the_same_account_or_view_at_once(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = fresh_database("postgresql", tmp_path, request)
    _filled(url)
    now = datetime.now(timezone.utc)
    store = Store.open(url)
    try:
        view = insert(SavedView).values(user_email="bo@example.com", page="leads", name=views.LAST,
                                        view='{"tiers": ["Low"]}', updated_at=now)
        assert _racing(url, view, lambda: views.save(store, "bo@example.com", "leads", {"tiers": ["High"]})) is None
        assert views.load(store, "bo@example.com", "leads") == {"tiers": ["High"]}  # the later save wins
        account = insert(User).values(email="cy@example.com", role="viewer", created_at=now)
        refused = _racing(url, account, lambda: people.add_user(store, "cy@example.com", "manager", **WHO))
        assert isinstance(refused, people.PeopleError) and str(refused) == "cy@example.com already has an account"
        key = insert(ApiKey).values(name="crm", key_hash="0" * 64, scopes="score", created_at=now)
        refused = _racing(url, key, lambda: keys.add_key(store, "crm", ["score"], **WHO))
        assert isinstance(refused, keys.ApiKeyError) and str(refused) == "a key named 'crm' already exists"
    finally:
        store.close()
