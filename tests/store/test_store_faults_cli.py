"""Store faults on the command line: one line naming the cause, exit 2, no traceback, no lead data.

Real faults: a lock held by another process, a read-only store (a read-only mount when root, else file
modes), a damaged file, a file-size limit (RLIMIT_FSIZE in the command's process), a store file deleted
while the command runs, PostgreSQL stopped in the middle of a run (a throwaway cluster of our own), IDs and
list names the rule refuses on SQLite and PostgreSQL alike, dates at the end of the calendar, a retention
setting that cannot be read.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine

from leadscore.cli import main
from leadscore.data import synth
from leadscore.store import Store
from leadscore.workflows import score_file
from tests.store.conftest import fresh_database
from tests.store.postgres import ThrowawayPostgres
from tests.store_locks import sqlite_write_lock

ROOT = Path(__file__).resolve().parents[2]
SECRET = "L-secret-9137"


def run(*args: object) -> int:
    return main([str(a) for a in args])


@pytest.fixture
def leads(tmp_path: Path) -> Path:
    """300 synthetic leads; the first one's ID is SECRET (it must never be printed)."""
    frame = synth.generate(300, seed=5)
    frame.loc[0, "lead_id"] = SECRET
    path = tmp_path / "leads.csv"
    frame.to_csv(path, index=False)
    return path


def _one_line(err: str, words: str) -> None:
    """The error is one line (after the command's INFO log lines), no traceback, no lead's ID."""
    lines = [line for line in err.strip().splitlines() if not line.startswith("INFO ")]
    assert len(lines) == 1 and words in lines[0], err
    assert "Traceback" not in err and SECRET not in err


def _score(leads: Path, out: Path, models: Path, *extra: object) -> tuple[object, ...]:
    return ("score", leads, "-o", out, "--record", "--id", "lead_id", "--models-dir", models, *extra)


# ---- in this process ------------------------------------------------------------------------------------
def test_a_store_locked_by_another_process(leads: Path, tmp_path: Path, model_dir: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "store.sqlite3"
    Store.open(f"sqlite:///{path}").close()
    monkeypatch.setenv("LEADSCORE_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("LEADSCORE_LOCK_TIMEOUT", "0.2")
    with sqlite_write_lock(path):
        capsys.readouterr()
        assert run(*_score(leads, tmp_path / "out.csv", model_dir)) == 2
    _one_line(capsys.readouterr().err, "the store is locked by another program (it waited 0.2 s)")


def test_a_damaged_store_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "store.sqlite3"
    path.write_bytes(b"\x00garbage, not SQLite\n" * 500)
    monkeypatch.setenv("LEADSCORE_DATABASE_URL", f"sqlite:///{path}")
    assert run("report", "--models-dir", tmp_path) == 2
    _one_line(capsys.readouterr().err, "cannot be opened: the file is not a database or it is damaged")


def test_score_record_into_a_damaged_store_writes_nothing(leads: Path, tmp_path: Path, model_dir: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    # The store opens on the recording's thread while the file is scored: its fault still fails the run.
    path = tmp_path / "store.sqlite3"
    path.write_bytes(b"\x00garbage, not SQLite\n" * 500)
    monkeypatch.setenv("LEADSCORE_DATABASE_URL", f"sqlite:///{path}")
    assert run(*_score(leads, tmp_path / "out.csv", model_dir)) == 2
    _one_line(capsys.readouterr().err, "cannot be opened: the file is not a database or it is damaged")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("out")) == []


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
@pytest.mark.parametrize(("extra", "words"), [
    (("--list", "L" * 300), "the list name is longer than 200 characters"),
    (("--list", "June"), "the lead ID is longer than 200 characters"),
], ids=["list name", "lead ID"])
def test_ids_and_list_names_the_rule_refuses_on_both_databases(
        database: str, extra: tuple[str, ...], words: str, leads: Path, tmp_path: Path, model_dir: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest) -> None:
    if words.startswith("the lead ID"):
        frame = pd.read_csv(leads, dtype=str)
        frame.loc[7, "lead_id"] = "X" * 201
        frame.to_csv(leads, index=False)
    monkeypatch.setenv("LEADSCORE_DATABASE_URL", fresh_database(database, tmp_path, request))
    capsys.readouterr()
    assert run(*_score(leads, tmp_path / "out.csv", model_dir), *extra) == 2
    _one_line(capsys.readouterr().err, words)


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_locked_table_times_out_with_one_line(leads: Path, tmp_path: Path, model_dir: Path,
                                                monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                                request: pytest.FixtureRequest, database: str) -> None:
    url = fresh_database(database, tmp_path, request)
    Store.open(url).close()
    monkeypatch.setenv("LEADSCORE_DATABASE_URL", url)
    monkeypatch.setenv("LEADSCORE_LOCK_TIMEOUT", "0.2")
    holder = create_engine(url)
    try:
        with holder.connect() as connection:
            connection.exec_driver_sql("BEGIN EXCLUSIVE" if database == "sqlite" else
                                       "LOCK TABLE scorings IN ACCESS EXCLUSIVE MODE")
            capsys.readouterr()
            assert run(*_score(leads, tmp_path / "out.csv", model_dir)) == 2
            connection.rollback()
    finally:
        holder.dispose()
    _one_line(capsys.readouterr().err, "(it waited 0.2 s)" if database == "sqlite" else
              "it waited 0.2 s for a lock that another program holds")


def test_dates_at_the_end_of_the_calendar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LEADSCORE_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite3'}")
    assert run("report", "--until", "9999-12-31", "--model", "all", "--json", "--models-dir", tmp_path) == 0
    with pytest.raises(SystemExit) as refused:
        run("report", "--since", "0001-01-01T00:00+01:00", "--models-dir", tmp_path)
    assert refused.value.code == 2
    assert "is out of range once read as UTC" in capsys.readouterr().err


def test_a_retention_setting_that_cannot_be_read(leads: Path, tmp_path: Path, model_dir: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LEADSCORE_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite3'}")
    monkeypatch.setenv("LEADSCORE_RETENTION_DAYS", "a month")
    capsys.readouterr()
    assert run(*_score(leads, tmp_path / "out.csv", model_dir)) == 2
    _one_line(capsys.readouterr().err, "LEADSCORE_RETENTION_DAYS must be a whole number of days from 1 to 36500, "
                                       "not 'a month'")


# ---- in a process of its own ------------------------------------------------------------------------------
def _command(*args: object, env: dict[str, str], limit: int | None = None) -> subprocess.Popen[str]:
    def file_size_limit() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.Popen([sys.executable, "-m", "leadscore.cli", *map(str, args)], cwd=ROOT,
                            env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=file_size_limit)


def test_a_file_size_limit_reached_while_recording(tmp_path: Path, model_dir: Path) -> None:
    big = synth.generate(6000, seed=9)
    big.loc[0, "lead_id"] = SECRET
    big.to_csv(tmp_path / "big.csv", index=False)
    path = tmp_path / "store.sqlite3"
    Store.open(f"sqlite:///{path}").close()  # made and migrated before the limit (a small file)
    command = _command(*_score(tmp_path / "big.csv", tmp_path / "out.csv", model_dir, "--chunk-rows", "2000"),
                       env={"LEADSCORE_DATABASE_URL": f"sqlite:///{path}"}, limit=1_500_000)
    _, err = command.communicate(timeout=300)
    assert command.returncode == 2, err
    _one_line(err, "could not record the scored leads: a disk error (the disk may be full, a file-size limit "
                   "reached, or the store file removed)")  # SQLite's words for EFBIG (ENOSPC: "disk is full")
    assert not (tmp_path / "out.csv").exists()  # a run that failed leaves no output that looks complete


@contextmanager
def _read_only(folder: Path) -> Iterator[None]:
    """The folder read-only for the command: a read-only bind mount when root (who ignores file modes)."""
    if os.geteuid() == 0:
        subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
        try:
            subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True)
            yield
        finally:
            subprocess.run(["umount", str(folder)], check=True)
        return
    modes = {path: path.stat().st_mode for path in [folder, *folder.iterdir()]}
    for path in modes:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        yield
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


def test_a_read_only_store(leads: Path, tmp_path: Path, model_dir: Path) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    url = f"sqlite:///{folder / 'store.sqlite3'}"
    Store.open(url).close()
    with _read_only(folder):
        command = _command(*_score(leads, tmp_path / "out.csv", model_dir), env={"LEADSCORE_DATABASE_URL": url})
        _, err = command.communicate(timeout=300)
    assert command.returncode == 2, err
    _one_line(err, "leadscore score: the store at")
    assert "read-only" in err or "cannot be opened" in err, err


def _wait_for_the_run(command: subprocess.Popen[str], output: Path, chunk_rows: int = 500) -> None:
    """Until the run is under way in the store: more chunks scored and written than the store's writer can be
    behind (``AHEAD`` queued and one being put), so the writer, which opens the store before it takes its first
    chunk, has the store open (a run records all or nothing, in one transaction: nothing is visible before it
    ends)."""
    partial = output.with_name(output.name + ".partial")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and command.poll() is None:
        if partial.exists() and partial.read_bytes().count(b"\n") > (score_file.AHEAD + 2) * chunk_rows:
            return
        time.sleep(0.05)
    raise AssertionError("the run ended before it could be interrupted")


def test_a_store_file_deleted_while_the_command_runs(tmp_path: Path, model_dir: Path) -> None:
    big = synth.generate(20_000, seed=3)
    big.to_csv(tmp_path / "big.csv", index=False)
    path = tmp_path / "store.sqlite3"
    command = _command(*_score(tmp_path / "big.csv", tmp_path / "out.csv", model_dir, "--chunk-rows", "500"),
                       env={"LEADSCORE_DATABASE_URL": f"sqlite:///{path}"})
    _wait_for_the_run(command, tmp_path / "out.csv")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    _, err = command.communicate(timeout=300)
    assert command.returncode == 2, err
    _one_line(err, "was deleted or replaced while in use: what was recorded since then is not in it")
    assert "scored leads recorded" not in err


def test_postgresql_stopping_in_the_middle_of_a_run(tmp_path: Path, model_dir: Path) -> None:
    big = synth.generate(20_000, seed=4)
    big.loc[0, "lead_id"] = SECRET
    big.to_csv(tmp_path / "big.csv", index=False)
    server = ThrowawayPostgres()
    try:
        Store.open(server.url).close()
        command = _command(*_score(tmp_path / "big.csv", tmp_path / "out.csv", model_dir, "--chunk-rows", "500"),
                           env={"LEADSCORE_DATABASE_URL": server.url})
        _wait_for_the_run(command, tmp_path / "out.csv")
        server._run("pg_ctl", "-D", str(server.data), "-m", "immediate", "-w", "stop")
        _, err = command.communicate(timeout=300)
    finally:
        shutil.rmtree(server.folder, ignore_errors=True)
    assert command.returncode == 2, err
    _one_line(err, "leadscore score: the store at postgresql+psycopg://")
