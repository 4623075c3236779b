"""Webhooks: tier changes in the outbox with the scoring, delivered signed to a REAL local HTTP receiver.

The receiver is ``http.server`` in a thread; "down" means nothing listens on its port. Every test runs on
SQLite and on PostgreSQL (the ``store`` fixture).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from leadscore.scoring.rows import ScoredRow, ScoredRows
from leadscore.store import Store
from leadscore.workflows import webhooks

SECRET = "s3cret-for-tests-only-7f2c"
ROOT = Path(__file__).resolve().parents[2]


class Receiver:
    """A real HTTP receiver on 127.0.0.1: keeps every request, answers with the statuses queued (then 200)."""

    def __init__(self, port: int = 0) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.delay = 0.0
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(owner.delay)
                with owner.lock:
                    status = owner.statuses.pop(0) if owner.statuses else 200
                    owner.requests.append({"body": body, "headers": dict(self.headers), "status": status})
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/leadscore"

    def acknowledged(self) -> list[dict]:
        """Bodies of the requests answered 2xx, as JSON."""
        return [json.loads(r["body"]) for r in self.requests if 200 <= r["status"] < 300]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    up = Receiver()
    yield up
    up.stop()


def scored(ids: list[str], tiers: list[str], score: list[int] | None = None, version: str = "v1",
           with_ids: bool = True) -> ScoredRows:
    """Scored leads of a team's model as the store takes them (IDs read from a column 'Lead ID')."""
    n = len(ids)
    chance = np.array([0.8 if t == "High" else 0.3 if t == "Medium" else 0.05 for t in tiers])
    return ScoredRows(
        model_version=version, tier=np.array(tiers, dtype=object), chance=chance,
        score=np.array(score or [round(100 * c) for c in chance]),
        fields=pd.DataFrame({"Lead ID": ids, "age": [str(30 + i) for i in range(n)]}),
        lead_id=pd.Series(ids) if with_ids else None, id_column="Lead ID" if with_ids else None,
        reasons=np.array([["Age 45 (raises)", "Job: student (lowers)", ""]] * n, dtype=object),
        columns=pd.DataFrame({"p_convert": chance}))


def webhook_store(url: str) -> Store:
    return Store.open(url, webhooks=True)


@pytest.fixture
def hooked(database_url: str) -> Iterator[Store]:
    store = webhook_store(database_url)
    yield store
    store.close()


def outbox_rows(store: Store) -> list[dict]:
    with store.engine.connect() as connection:
        rows = connection.execute(text("SELECT event_id, lead_id, payload, attempts, delivered_at, last_error "
                                       "FROM webhook_outbox ORDER BY id")).mappings().all()
    return [dict(r) for r in rows]


def names() -> dict[str, str]:
    return {"v1": "Bank calls (y)"}


# ---- the outbox, written with the scoring -------------------------------------------------------------------


def test_one_event_per_lead_whose_tier_is_new_or_changed(hooked: Store) -> None:
    hooked.record(scored(["A", "B", "C"], ["High", "Low", "Medium"]), list_name="May")
    assert [(r["lead_id"], json.loads(r["payload"])["previous_tier"]) for r in outbox_rows(hooked)] == [
        ("A", None), ("B", None), ("C", None)]
    # Again, the same tiers: nothing new. B changes; D is new; A twice in the batch counts once, by its last.
    hooked.record(scored(["A", "B", "C"], ["High", "Low", "Medium"]))
    assert len(outbox_rows(hooked)) == 3
    hooked.record(scored(["A", "B", "D", "A"], ["Low", "Medium", "High", "High"]))
    new = [json.loads(r["payload"]) | {"lead": r["lead_id"]} for r in outbox_rows(hooked)[3:]]
    assert [(p["lead"], p["previous_tier"], p["tier"]) for p in new] == [("B", "Low", "Medium"), ("D", None, "High")]
    details = hooked.outbox.details(hooked.outbox.claim(10, timedelta(minutes=1)))
    scoring = details[new[0]["scoring_id"]]
    assert (scoring["score"], scoring["model_version"]) == (30, "v1")
    assert scoring["reasons"] == ["Age 45 (raises)", "Job: student (lowers)"]
    assert len({r["event_id"] for r in outbox_rows(hooked)}) == 5


def test_without_webhooks_recording_writes_no_event(store: Store) -> None:
    assert store.webhooks is False  # no LEADSCORE_WEBHOOK_URL in the tests' environment
    store.record(scored(["A"], ["High"]))
    assert outbox_rows(store) == []


def test_the_event_and_the_scoring_are_one_transaction(hooked: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> int:
        raise RuntimeError("the disk filled up after the insert")

    monkeypatch.setattr(hooked, "_apply_retention", broken)
    with pytest.raises(RuntimeError):
        hooked.record(scored(["A", "B"], ["High", "Low"]))
    with hooked.engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM scorings")).scalar() == 0
    assert outbox_rows(hooked) == []


def test_a_lead_from_the_api_without_reasons(hooked: Store) -> None:
    hooked.record([ScoredRow(lead_id="Z", model_version="builtin-1", tier="High", chance=0.42, score=42,
                             fields={"age": 40})])
    event = hooked.outbox.claim(1, timedelta(minutes=1))[0]
    scoring = hooked.outbox.details([event])[event.payload["scoring_id"]]
    assert (event.payload["tier"], scoring["score"], scoring["chance"], scoring["reasons"]) == ("High", 42, 0.42, [])


def test_an_event_whose_scoring_was_deleted_still_goes_out(hooked: Store, receiver: Receiver) -> None:
    hooked.record(scored(["A"], ["High"]))
    with hooked.engine.begin() as connection:
        connection.execute(text("DELETE FROM scorings"))  # retention, before the receiver took it
    assert webhooks.send_pending(hooked, receiver.url, SECRET, names).delivered == 1
    body = receiver.acknowledged()[0]
    assert (body["lead_id"], body["tier"], body["score"], body["reasons"]) == ("A", "High", None, [])


# ---- delivery ---------------------------------------------------------------------------------------------------


def test_events_are_posted_signed_and_marked_delivered(hooked: Store, receiver: Receiver) -> None:
    hooked.record(scored(["A", "B"], ["High", "Low"]))
    report = webhooks.send_pending(hooked, receiver.url, SECRET, names)
    assert (report.delivered, report.failed) == (2, 0)
    assert len(receiver.requests) == 2
    for request in receiver.requests:
        expected = "sha256=" + hmac.new(SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
        assert request["headers"]["X-Leadscore-Signature"] == expected
        assert request["headers"]["Content-Type"] == "application/json"
    first = receiver.acknowledged()[0]
    assert set(first) == {"event_id", "lead_id", "tier", "previous_tier", "score", "reasons", "model",
                          "model_version", "scored_at"}
    assert (first["lead_id"], first["tier"], first["previous_tier"], first["score"]) == ("A", "High", None, 80)
    assert first["reasons"] == ["Age 45 (raises)", "Job: student (lowers)"]
    assert first["model"] == "Bank calls (y)" and first["model_version"] == "v1"
    assert datetime.fromisoformat(first["scored_at"]).tzinfo is not None
    assert webhooks.send_pending(hooked, receiver.url, SECRET, names).delivered == 0  # never twice
    assert len(receiver.requests) == 2
    status = hooked.outbox.status()
    assert (status.pending, status.delivered, status.failing) == (0, 2, 0)


def test_a_failing_receiver_gets_the_same_event_again_after_a_backoff(hooked: Store, receiver: Receiver) -> None:
    hooked.record(scored(["A"], ["High"]))
    receiver.statuses = [500, 302]
    clock = [datetime.now(timezone.utc)]
    report = webhooks.send_pending(hooked, receiver.url, SECRET, names, first_delay=timedelta(seconds=30),
                                   now=lambda: clock[0])
    assert (report.delivered, report.failed, report.last_error) == (0, 1, "the receiver answered HTTP 500")
    status = hooked.outbox.status()
    assert (status.pending, status.failing, status.last_error) == (1, 1, "the receiver answered HTTP 500")
    # Not due yet: nothing is sent before the backoff has passed.
    clock[0] += timedelta(seconds=20)
    assert webhooks.send_pending(hooked, receiver.url, SECRET, names, now=lambda: clock[0]).failed == 0
    clock[0] += timedelta(seconds=15)
    report = webhooks.send_pending(hooked, receiver.url, SECRET, names, first_delay=timedelta(seconds=30),
                                   now=lambda: clock[0])
    assert report.last_error == "the receiver answered HTTP 302"  # a redirect is not followed, nor an answer
    clock[0] += timedelta(seconds=70)  # the second wait doubles (60 s and up to 10% more)
    assert webhooks.send_pending(hooked, receiver.url, SECRET, names, now=lambda: clock[0]).delivered == 1
    ids = {json.loads(r["body"])["event_id"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and len(ids) == 1  # the same event_id on every try
    row = outbox_rows(hooked)[0]
    assert row["attempts"] == 3 and row["delivered_at"] is not None and row["last_error"] is None


def test_a_receiver_that_is_down_and_comes_back(hooked: Store) -> None:
    hooked.record(scored([f"L{i}" for i in range(5)], ["High"] * 5))
    down = Receiver()
    port = down.port
    down.stop()  # nothing listens on the port now
    url = f"http://127.0.0.1:{port}/hook"
    clock = [datetime.now(timezone.utc)]
    report = webhooks.send_pending(hooked, url, SECRET, names, now=lambda: clock[0])
    assert (report.delivered, report.failed, report.postponed) == (0, 1, 4)  # the rest wait, untried
    assert report.last_error.startswith("the receiver cannot be reached")
    assert hooked.outbox.status().pending == 5
    back = Receiver(port)
    try:
        clock[0] += timedelta(minutes=5)
        report = webhooks.send_pending(hooked, url, SECRET, names, now=lambda: clock[0])
        assert (report.delivered, report.failed) == (5, 0)
        assert sorted(b["lead_id"] for b in back.acknowledged()) == [f"L{i}" for i in range(5)]
    finally:
        back.stop()
    assert hooked.outbox.status().delivered == 5


def test_a_receiver_that_does_not_answer_in_time_is_a_failed_attempt(hooked: Store, receiver: Receiver) -> None:
    hooked.record(scored(["A"], ["High"]))
    receiver.delay = 1.5
    report = webhooks.send_pending(hooked, receiver.url, SECRET, names, timeout=0.3)
    assert report.failed == 1 and "no answer in time" in report.last_error


def test_two_senders_at_once_never_send_an_event_twice(database_url: str, receiver: Receiver) -> None:
    first, second = webhook_store(database_url), webhook_store(database_url)
    try:
        first.record(scored([f"L{i}" for i in range(60)], ["High"] * 60))
        receiver.delay = 0.005
        threads = [threading.Thread(target=webhooks.send_pending, args=(s, receiver.url, SECRET, names))
                   for s in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        sent = [b["event_id"] for b in receiver.acknowledged()]
        assert len(sent) == 60 and len(set(sent)) == 60
        assert first.outbox.status().delivered == 60
    finally:
        first.close()
        second.close()


def test_the_outbox_survives_a_restart_and_another_process_delivers_it(database_url: str, receiver: Receiver,
                                                                      tmp_path: Path) -> None:
    before = webhook_store(database_url)
    before.record(scored(["A", "B", "C"], ["High", "Medium", "Low"]))
    before.close()  # the process that recorded is gone
    environment = {**os.environ, "LEADSCORE_DATABASE_URL": database_url, "LEADSCORE_WEBHOOK_URL": receiver.url,
                   "LEADSCORE_WEBHOOK_SECRET": SECRET}
    command = [sys.executable, "-m", "leadscore.cli", "webhooks", "send", "--models-dir", str(tmp_path / "models")]
    done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("3 events delivered, 0 failed")
    assert sorted(b["lead_id"] for b in receiver.acknowledged()) == ["A", "B", "C"]
    status = subprocess.run([sys.executable, "-m", "leadscore.cli", "webhooks", "status", "--json",
                             "--models-dir", str(tmp_path / "models")], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert json.loads(status.stdout) | {"oldest_pending": None} == {
        "pending": 0, "delivered": 3, "failing": 0, "oldest_pending": None, "next_attempt": None, "last_error": None}
    for output in (done.stdout, done.stderr, status.stdout, status.stderr):
        assert SECRET not in output


def test_send_with_the_receiver_down_exits_1_and_logs_no_secret_nor_lead(database_url: str, tmp_path: Path,
                                                                         caplog: pytest.LogCaptureFixture,
                                                                         capsys: pytest.CaptureFixture[str],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from leadscore.cli import main

    store = webhook_store(database_url)
    store.record(scored(["lead-secret-4471"], ["High"]))
    store.close()
    down = Receiver()
    url = f"http://user:pw-in-url-993@127.0.0.1:{down.port}/hook"
    down.stop()
    monkeypatch.setenv("LEADSCORE_DATABASE_URL", database_url)
    monkeypatch.setenv("LEADSCORE_WEBHOOK_URL", url)
    monkeypatch.setenv("LEADSCORE_WEBHOOK_SECRET", SECRET)
    with caplog.at_level(logging.DEBUG):
        assert main(["webhooks", "send", "--models-dir", str(tmp_path / "models")]) == 1
        assert main(["webhooks", "status", "--models-dir", str(tmp_path / "models")]) == 0
    out = capsys.readouterr()
    assert "0 events delivered, 1 failed" in out.out and "pending 1  delivered 0  failing 1" in out.out
    everything = out.out + out.err + caplog.text
    for private in (SECRET, "lead-secret-4471", "pw-in-url-993"):
        assert private not in everything


def test_webhook_settings_are_checked_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from leadscore.cli import main

    monkeypatch.setenv("LEADSCORE_DATABASE_URL", f"sqlite:///{tmp_path / 's.sqlite3'}")
    monkeypatch.setenv("LEADSCORE_WEBHOOK_URL", "http://127.0.0.1:9/hook")
    monkeypatch.delenv("LEADSCORE_WEBHOOK_SECRET", raising=False)
    assert main(["webhooks", "send", "--models-dir", str(tmp_path)]) == 2
    assert "LEADSCORE_WEBHOOK_SECRET is not" in capsys.readouterr().err
    monkeypatch.setenv("LEADSCORE_WEBHOOK_URL", "ftp://user:pw@host/")
    monkeypatch.setenv("LEADSCORE_WEBHOOK_SECRET", SECRET)
    assert main(["webhooks", "status", "--models-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "must be an http:// or https:// address" in err and "pw" not in err
