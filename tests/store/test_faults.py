"""Nothing lost, nothing wrong, on SQLite and PostgreSQL alike: one lead-ID rule, faults as one line without
values, a lock timeout, a deleted file noticed, instants that mean the same on both databases, outcome dates
read with the training rules, and two outcome imports at once (separate processes) that both land."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from leadscore.fields.lead_id import MAX_LENGTH, LeadIdError, id_from_json
from leadscore.store import RecordError, Store, StoreError, read_outcomes
from leadscore.store.faults import is_row_fault
from leadscore.workflows import results
from tests.processes import processes
from tests.store.test_store import builtin_batch

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)
SECRET = "secret-lead-4417"

BAD_IDS = [
    ("", "is empty"),
    ("   ", "is empty"),
    ("a\x00b", "control character"),
    ("line\nbreak", "control character"),
    ("tab\there", "control character"),
    ("x" * (MAX_LENGTH + 1), f"longer than {MAX_LENGTH} characters"),
    ("9" * 301, f"longer than {MAX_LENGTH} characters"),  # what 1e300 as digits would be
]
GOOD_IDS = ["x" * MAX_LENGTH, "é" * MAX_LENGTH, "crm 48213", "00123", "Ünïcødé-✓"]


# ---- the rule --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "reason"), [
    ("\ud800", "lone surrogate"), ("", "is empty"), ("a\x00", "control character"), (1e300, "cannot be kept exactly"),
    (2**53 + 1, "cannot be kept exactly"), (-(10**201), "cannot be kept exactly"), (5.5, "text or a whole number"),
    (float("nan"), "text or a whole number"), (True, "text or a whole number"), (None, "text or a whole number"),
    (["a"], "text or a whole number"),
])
def test_a_json_id_that_cannot_be_kept_exactly_is_refused(value: object, reason: str) -> None:
    with pytest.raises(LeadIdError, match=reason):
        id_from_json(value)


def test_a_json_id_is_kept_as_sent() -> None:
    assert id_from_json(48213) == id_from_json(48213.0) == "48213"  # one number, as 12 and 12.0 in a file
    assert id_from_json(" crm-1 ") == " crm-1 " and id_from_json(-7) == "-7"
    assert id_from_json(2**53) == "9007199254740992" and id_from_json("x" * MAX_LENGTH) == "x" * MAX_LENGTH


@pytest.mark.parametrize(("lead_id", "reason"), BAD_IDS, ids=[repr(i)[:12] for i, _ in BAD_IDS])
def test_both_databases_refuse_the_same_ids_before_writing(store: Store, lead_id: str, reason: str) -> None:
    with pytest.raises(RecordError, match=reason) as refused:
        store.record(builtin_batch(["ok-1", lead_id], ["Low", "High"]))
    assert "row 2, column 'lead_id'" in str(refused.value)
    assert store.history("ok-1") == []  # nothing of the batch was written


def test_both_databases_take_the_same_ids(store: Store) -> None:
    store.record(builtin_batch(GOOD_IDS, ["Low"] * len(GOOD_IDS)))
    assert all(len(store.history(lead_id)) == 1 for lead_id in GOOD_IDS)


@pytest.mark.parametrize(("name", "reason"), [("L" * 300, "is longer than 200"), ("  ", "is empty"),
                                              ("June\x00", "holds a control character")],
                         ids=["300 characters", "blank", "NUL"])
def test_a_list_name_follows_the_rule_on_both_databases(store: Store, name: str, reason: str) -> None:
    with pytest.raises(RecordError, match=f"the list name {reason}"):
        store.record(builtin_batch(["a"], ["Low"]), list_name=name)
    store.record(builtin_batch(["a"], ["Low"]), list_name="L" * 200)
    assert store.saved_lists()[0].name == "L" * 200
    with pytest.raises(KeyError):
        store.list_rows(name)
    with pytest.raises(LeadIdError):
        results.results_report(store, None, model=results.ALL, list_name=name)
    assert store.history("a\x00") == []


# ---- faults as one line ----------------------------------------------------------------------------------
def _refuse_a_lead(store: Store, lead_id: str) -> None:
    """The database itself refuses one lead: a trigger (SQLite) or a check constraint (PostgreSQL)."""
    with store.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql(f"CREATE TRIGGER refuse BEFORE INSERT ON scorings WHEN NEW.lead_id = "
                                       f"'{lead_id}' BEGIN SELECT RAISE(ABORT, 'refused'); END")
        else:
            connection.exec_driver_sql(f"ALTER TABLE scorings ADD CONSTRAINT refuse CHECK (lead_id <> '{lead_id}')")


def test_a_row_the_database_refuses_is_a_row_fault_in_one_line_without_values(store: Store) -> None:
    _refuse_a_lead(store, SECRET)
    with pytest.raises(StoreError) as refused:
        store.record(builtin_batch(["fine", SECRET], ["Low", "Low"]))
    message = str(refused.value)
    assert "could not record the scored leads: the database refused a row" in message
    assert SECRET not in message and "\n" not in message and "[parameters" not in message
    assert refused.value.permanent and is_row_fault(refused.value)
    assert store.history("fine") == []  # the transaction is all or nothing


def test_a_lock_held_by_another_program_times_out_with_one_line(
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSCORE_LOCK_TIMEOUT", "0.2")
    store = Store.open(database_url)
    holder = create_engine(database_url)
    try:
        with holder.connect() as connection:
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN EXCLUSIVE")
            else:
                connection.exec_driver_sql("BEGIN")
                connection.exec_driver_sql("LOCK TABLE scorings IN ACCESS EXCLUSIVE MODE")
            with pytest.raises(StoreError) as locked:
                store.record(builtin_batch([SECRET], ["Low"]))
            connection.rollback()
    finally:
        holder.dispose()
    words = "is locked by another program (it waited 0.2 s)" if "sqlite" in database_url else \
        "it waited 0.2 s for a lock that another program holds"
    assert words in str(locked.value) and SECRET not in str(locked.value)
    assert not locked.value.permanent
    store.record(builtin_batch([SECRET], ["Low"]))  # free again: it goes in
    store.close()


def test_a_store_file_deleted_while_open_is_noticed(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    store = Store.open(f"sqlite:///{path}")
    store.record(builtin_batch(["a"], ["Low"]))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with pytest.raises(StoreError, match="was deleted or replaced while in use"):
        store.record(builtin_batch(["b"], ["Low"]))
    store.close()


def test_a_damaged_file_cannot_be_opened_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    path.write_bytes(b"this is not an SQLite database " * 200)
    with pytest.raises(StoreError, match="cannot be opened: the file is not a database or it is damaged"):
        Store.open(f"sqlite:///{path}")


def _leads(store: Store, **filters: datetime) -> int:
    """The leads the results report stands on, every version (the report never blends them: summed here)."""
    return sum(v.leads for v in results.results_report(store, None, model=results.ALL, **filters).versions)


# ---- instants and dates ----------------------------------------------------------------------------------
def test_since_and_until_mean_the_same_instant_on_both_databases(store: Store) -> None:
    store.record(builtin_batch(["a", "b"], ["Low", "High"]), scored_at=T0)
    plus2 = timezone(timedelta(hours=2))
    minus5 = timezone(timedelta(hours=-5))
    assert _leads(store, since=datetime(2026, 5, 1, 14, 0, tzinfo=plus2)) == 2  # 12:00 UTC: included
    assert _leads(store, since=datetime(2026, 5, 1, 14, 1, tzinfo=plus2)) == 0
    assert _leads(store, until=datetime(2026, 5, 1, 7, 1, tzinfo=minus5)) == 2  # 12:01 UTC
    assert _leads(store, until=datetime(2026, 5, 1, 7, 0, tzinfo=minus5)) == 0  # 12:00 UTC: excluded
    assert _leads(store, until=datetime.max.replace(tzinfo=timezone.utc)) == 2


def test_outcome_dates_are_read_day_first_per_column_as_in_training(store: Store) -> None:
    store.record(builtin_batch(["L1"], ["High"]), scored_at=T0)
    crm = pd.DataFrame({"id": ["L1", "L1"], "stage": ["Lost", "Won"], "closed": ["13/05/2026", "12/06/2026"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no Pandas4Warning (or any other) on the way
        rows = read_outcomes(crm, "id", "stage", positive=["Won"], negative=["Lost"], at_column="closed")
    assert rows.rows["known_at"].tolist() == [pd.Timestamp("2026-06-12", tz="UTC")]  # 12 June, after 13 May
    store.import_outcomes(rows, "crm.csv")
    report = results.results_report(store, None, model=results.ALL)
    assert report.versions[0].tiers["High"].converted == 1  # the later Won wins over the earlier Lost


def test_out_of_range_times_and_bad_ids_are_rejected_rows_with_their_reason(store: Store) -> None:
    store.record(builtin_batch(["A", "B"], ["High", "Low"]), scored_at=T0)
    crm = pd.DataFrame({"id": ["A", "B", "C\x00", "A"], "stage": ["Won", "Lost", "Won", "Lost"],
                        "at": ["2026-05-02", "2026-05-02", "2026-05-02", "9999-12-31T23:59:59-14:00"]})
    rows = read_outcomes(crm, "id", "stage", at_column="at", positive=["Won"], negative=["Lost"])
    report = store.import_outcomes(rows, "crm.csv")
    assert (report.read, report.new, report.rejected) == (4, 2, 2)
    assert report.rejected_examples == [
        "row 4, column 'id': the lead ID holds a control character (such as a NUL byte, a tab or a line break)",
        "row 5, column 'at': '9999-12-31T23:59:59-14:00' is outside the years 1678 to 2261 that dates can have"]
    assert "2 rows could not be read and were not imported" in report.sentence()


# ---- two imports at once ---------------------------------------------------------------------------------
LEADS = 400


def _import(url: str, outcome: str, day: int, done: multiprocessing.Queue) -> None:
    store = Store.open(url)
    frame = pd.DataFrame({"id": [f"L{k}" for k in range(LEADS)][::1 if day % 2 else -1],
                          "stage": [outcome] * LEADS, "at": [f"2026-06-{day:02d}"] * LEADS})
    report = store.import_outcomes(read_outcomes(frame, "id", "stage", positive=["Won"], negative=["Lost"],
                                                 at_column="at"), f"crm-{day}.csv")
    store.close()
    done.put((day, report.new, report.changed, report.unchanged, report.older_ignored))


def test_two_outcome_imports_at_once_both_land(database_url: str) -> None:
    store = Store.open(database_url)
    store.record(builtin_batch([f"L{k}" for k in range(LEADS)], ["Low"] * LEADS))
    store.close()
    context = processes()
    done = context.Queue()
    # Two rounds: both new (the same leads, opposite outcomes, in opposite orders), then both changing them.
    for first, second in ((("Lost", 1), ("Won", 2)), (("Won", 3), ("Lost", 4))):
        workers = [context.Process(target=_import, args=(database_url, outcome, day, done))
                   for outcome, day in (first, second)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=180)
        assert [w.exitcode for w in workers] == [0, 0]
        reports = {day: counts for day, *counts in (done.get(timeout=5) for _ in workers)}
        assert all(sum(counts) == LEADS for counts in reports.values())  # every outcome accounted for
    store = Store.open(database_url)
    try:
        with store.engine.connect() as connection:
            stored = connection.execute(text("SELECT outcome, count(*) FROM outcomes GROUP BY outcome")).all()
            latest = connection.execute(text("SELECT count(*) FROM scorings WHERE outcome = 0")).scalar()
    finally:
        store.close()
    assert [tuple(row) for row in stored] == [(0, LEADS)] and latest == LEADS  # day 4's Lost is the latest


def test_the_command_line_imports_at_once_in_two_processes(tmp_path: Path) -> None:
    """Two ``leadscore outcomes`` commands at once on one SQLite store beside the registry: both exit 0."""
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    store = Store.open(url)
    store.record(builtin_batch([f"L{k}" for k in range(LEADS)], ["Low"] * LEADS))
    store.close()
    files = []
    for day, stage in ((1, "Won"), (2, "Lost")):
        path = tmp_path / f"crm-{day}.csv"
        pd.DataFrame({"Lead ID": [f"L{k}" for k in range(LEADS)], "Stage": stage,
                      "Closed": f"2026-06-0{day}"}).to_csv(path, index=False)
        files.append(path)
    env = {**os.environ, "LEADSCORE_DATABASE_URL": url}
    commands = [subprocess.Popen([sys.executable, "-m", "leadscore.cli", "outcomes", str(path), "--id", "Lead ID",
                                  "--outcome", "Stage", "--positive", "Won", "--negative", "Lost", "--at", "Closed",
                                  "--models-dir", str(tmp_path)], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for path in files]
    results = [command.communicate(timeout=180) for command in commands]
    assert [command.returncode for command in commands] == [0, 0], results
    store = Store.open(url)
    try:
        with store.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM outcomes WHERE outcome = 0")).scalar() == LEADS
    finally:
        store.close()
