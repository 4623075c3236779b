"""A store fault met while a page reads or records shows its one line in an error box, never Streamlit's
exception box: a real damaged SQLite file (the Leads and Results pages read it), a PostgreSQL table locked by
another program (the Leads page reads it), an SQLite store whose write lock another program holds (the Triage page
records a list into it)."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from streamlit.testing.v1 import AppTest

from leadscore.registry import Registry
from leadscore.scoring.rows import ScoredRow
from leadscore.settings import ENV_DATABASE_URL
from leadscore.store import Store, audit
from tests.app.helpers import open_page, texts
from tests.app.test_results_page import _save
from tests.app.test_triage_page import _leads, _upload
from tests.store.conftest import fresh_database, postgres_server  # noqa: F401 (the PostgreSQL fixture)
from tests.store_locks import sqlite_write_lock
from ui.engine import load_active_scorer


def _errors(app: AppTest) -> list[str]:
    """The error boxes as the user reads them (markdown's backslash escapes removed)."""
    return [re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", error.value) for error in app.error]


def _damaged_store(folder: Path) -> str:
    """A store with 30 recorded leads in a saved list, then the pages of the scorings table and its indexes
    overwritten: it opens (its schema is intact) but reading the leads fails."""
    folder.mkdir()
    path = folder / "store.sqlite3"
    store = Store.open(f"sqlite:///{path}")
    store.record([ScoredRow(f"L-{i}", "v1", "High", 0.4, 40, {"age": 40}) for i in range(30)], list_name="May")
    store.close()  # the last connection checkpoints the write-ahead log into the file
    with sqlite3.connect(path) as connection:
        pages = [page for (page,) in connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE tbl_name = 'scorings' AND rootpage > 0")]
        size = connection.execute("PRAGMA page_size").fetchone()[0]
    connection.close()
    with path.open("r+b") as file:
        for page in pages:
            file.seek((page - 1) * size)
            file.write(b"\xff" * size)
    return f"sqlite:///{path}"


@pytest.mark.parametrize("page", ["leads", "results"])
def test_a_damaged_store_shows_one_line_on_the_page(page: str, models_dir: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_DATABASE_URL, _damaged_store(tmp_path / "db"))
    app = open_page(page)  # open_page: no exception box
    assert not app.exception
    errors = _errors(app)
    assert len(errors) == 1, errors
    assert "store file is damaged" in errors[0] and errors[0].startswith("The store at sqlite"), errors
    assert "Traceback" not in errors[0] and "SELECT" not in errors[0] and "\n" not in errors[0]


def test_a_postgresql_table_locked_by_another_program_shows_one_line(models_dir: Path, tmp_path: Path,
                                                                     request: pytest.FixtureRequest,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    url = fresh_database("postgresql", tmp_path, request)
    monkeypatch.setenv(ENV_DATABASE_URL, url)
    monkeypatch.setenv("LEADSCORE_LOCK_TIMEOUT", "0.2")
    store = Store.open(url)
    store.record([ScoredRow(f"L-{i}", "v1", "High", 0.4, 40, {"age": 40}) for i in range(3)], list_name="May")
    store.close()
    holder = create_engine(url)
    try:
        with holder.connect() as connection:
            connection.exec_driver_sql("BEGIN")
            connection.exec_driver_sql("LOCK TABLE scorings IN ACCESS EXCLUSIVE MODE")
            app = open_page("leads")
            connection.rollback()
    finally:
        holder.dispose()
    errors = _errors(app)
    assert len(errors) == 1 and "it waited 0.2 s for a lock that another program holds" in errors[0], errors
    assert errors[0].startswith("The store at postgresql") and "SELECT" not in errors[0]
    app.run()  # the lock is gone: the same page shows the leads
    assert not app.exception and not app.error, [e.value for e in app.exception]
    assert sorted(app.dataframe[-1].value["lead_id"]) == ["L-0", "L-1", "L-2"]


def test_saving_a_list_into_a_locked_store_shows_one_line(active_models: Registry, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "store.sqlite3"
    url = f"sqlite:///{path}"
    monkeypatch.setenv(ENV_DATABASE_URL, url)
    monkeypatch.setenv("LEADSCORE_LOCK_TIMEOUT", "0.2")
    app = open_page("triage")  # the page opens the store (its saved lists), which stays open for the server
    _upload(app, _leads(load_active_scorer()))
    with sqlite_write_lock(path):
        app.text_input[[t.label for t in app.text_input].index("List name")].set_value("May leads")
        app.selectbox[[s.label for s in app.selectbox].index("Lead ID column")].set_value("Lead ID")
        next(b for b in app.button if b.label == "Save this list").click().run()
    assert not app.exception, [e.value for e in app.exception]
    errors = _errors(app)
    assert len(errors) == 1 and "the store is locked by another program (it waited 0.2 s)" in errors[0], errors
    assert "Saved 23 leads" not in texts(app)
    store = Store.open(url)
    try:
        assert store.saved_lists() == []  # all or nothing: the list is not half saved
    finally:
        store.close()
    _save(app, "May leads")  # free again: the same page saves it
    assert "Saved 23 leads as “May leads”" in texts(app)


def test_publishing_while_the_store_is_locked_says_the_model_was_published(models_dir: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "store.sqlite3"
    monkeypatch.setenv(ENV_DATABASE_URL, f"sqlite:///{path}")
    monkeypatch.setenv("LEADSCORE_LOCK_TIMEOUT", "0.2")
    before = Registry(models_dir).active_version()
    app = open_page("model")  # the page opens the store, which stays open for the server
    app.number_input(key="rt_rows").set_value(2_000)
    app.button(key="rt_train").click().run()
    app.checkbox(key="publish_anyway").check().run()  # 2,000 leads make a worse model than the built-in one
    with sqlite_write_lock(path):
        app.button(key="publish").click().run()
    assert not app.exception, [e.value for e in app.exception]
    after = Registry(models_dir).active_version()
    assert after != before  # published: the audit trail's fault does not undo it
    assert [s.value for s in app.success] == [f"Published version {after}; it is now the active model."]
    [warning] = [re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", w.value) for w in app.warning
                 if "audit entry" in w.value]
    assert warning.startswith("The audit entry of this change could not be written: the store at sqlite"), warning
    assert "the store is locked by another program (it waited 0.2 s)" in warning and "INSERT" not in warning
    assert not app.error, _errors(app)
    assert "New model, not yet published" not in texts(app)  # never offered for a second publish
    store = Store.open(f"sqlite:///{path}")
    try:
        assert [e.action for e in audit.events(store)] == []  # nothing pretends the entry was written
    finally:
        store.close()
    app.run()  # said once
    assert not app.success and not [w for w in app.warning if "audit entry" in w.value]


def test_a_list_saved_when_the_audit_trail_is_locked_says_it_was_saved(active_models: Registry, tmp_path: Path,
                                                                       request: pytest.FixtureRequest,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    url = fresh_database("postgresql", tmp_path, request)
    monkeypatch.setenv(ENV_DATABASE_URL, url)
    monkeypatch.setenv("LEADSCORE_LOCK_TIMEOUT", "0.2")
    app = open_page("triage")
    _upload(app, _leads(load_active_scorer()))
    holder = create_engine(url)
    try:
        with holder.connect() as connection:
            connection.exec_driver_sql("LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE")
            app.text_input[[t.label for t in app.text_input].index("List name")].set_value("May leads")
            app.selectbox[[s.label for s in app.selectbox].index("Lead ID column")].set_value("Lead ID")
            next(b for b in app.button if b.label == "Save this list").click().run()
            connection.rollback()
    finally:
        holder.dispose()
    assert not app.exception and not app.error, [e.value for e in app.exception] + _errors(app)
    assert "Saved 23 leads as “May leads”" in texts(app)
    [warning] = [re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", w.value) for w in app.warning if "audit entry" in w.value]
    assert warning.startswith("The audit entry of this change could not be written: the store at postgresql")
    assert "it waited 0.2 s for a lock that another program holds" in warning and "INSERT" not in warning
    store = Store.open(url)
    try:
        assert [entry.name for entry in store.saved_lists()] == ["May leads"]
        assert audit.events(store) == []
    finally:
        store.close()
