"""Nothing lost, nothing wrong, through a RUNNING server (`leadscore serve`, uvicorn in a subprocess).

No client input gives a 5xx (lone surrogates, blank or NUL IDs, 1e300, an outcome time out of range); with
LEADSCORE_RECORD=1 one lead the store refuses never costs another lead (the batch is retried lead by lead, the
refused lead is counted and logged without its value, /readyz says so honestly); the queue is drained at
shutdown, and what cannot be written is counted and logged; two outcome imports at once both land. On SQLite
and on the shared PostgreSQL (a fresh database each).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from api_helpers import ROOT, Server, free_port
from sqlalchemy import text

from leadscore.fields.builtin import example_lead
from leadscore.registry import Registry
from leadscore.store import Store
from tests.store.conftest import fresh_database, postgres_server  # noqa: F401 - the fixture, for PostgreSQL

POISON = "poison-lead-5521"  # the database itself refuses this one (a trigger or a check constraint)
LEAD = example_lead()


def _store_url(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh store whose database refuses the POISON lead (a real database refusing a real row)."""
    url = fresh_database(kind, tmp_path, request)
    store = Store.open(url)
    with store.engine.begin() as connection:
        if kind == "sqlite":
            connection.exec_driver_sql(f"CREATE TRIGGER refuse BEFORE INSERT ON scorings WHEN NEW.lead_id = "
                                       f"'{POISON}' BEGIN SELECT RAISE(ABORT, 'refused'); END")
        else:
            connection.exec_driver_sql(f"ALTER TABLE scorings ADD CONSTRAINT refuse CHECK (lead_id <> '{POISON}')")
    store.close()
    return url


def _scorings(url: str) -> list[str]:
    store = Store.open(url)
    try:
        with store.engine.connect() as connection:
            return list(connection.execute(text("SELECT lead_id FROM scorings")).scalars())
    finally:
        store.close()


HOSTILE_SCORES = [
    ({**LEAD, "lead_id": "\ud800"}, "lead_id", "lone surrogate"),
    ({**LEAD, "lead_id": ""}, "lead_id", "is empty"),
    ({**LEAD, "lead_id": "  "}, "lead_id", "is empty"),
    ({**LEAD, "lead_id": "crm\u0000"}, "lead_id", "control character"),
    ({**LEAD, "lead_id": 1e300}, "lead_id", "cannot be kept exactly as sent"),
    ({**LEAD, "lead_id": 2**64}, "lead_id", "cannot be kept exactly as sent"),
    ({**LEAD, "lead_id": 12.5}, "lead_id", "must be text or a whole number"),
    ({**LEAD, "lead_id": "x" * 201}, "lead_id", "longer than 200"),
]
OUTCOME = {"lead_id": "crm-1", "outcome": "Won"}
HOSTILE_OUTCOMES = [
    ({"outcomes": [{**OUTCOME, "lead_id": "\ud800"}]}, "outcomes[0].lead_id"),
    ({"outcomes": [{**OUTCOME, "lead_id": "a\u0000b"}]}, "outcomes[0].lead_id"),
    ({"outcomes": [{**OUTCOME, "lead_id": 1e300}]}, "outcomes[0].lead_id"),
    ({"outcomes": [{**OUTCOME, "outcome": "\ud800"}]}, "outcomes[0].outcome"),
    ({"outcomes": [{**OUTCOME, "at": "9999-12-31T23:59:59-14:00"}], "positive": ["Won"], "negative": ["Lost"]},
     "outcomes[0].at"),
    ({"outcomes": [{**OUTCOME, "at": "0001-01-01T00:00:00+01:00"}], "positive": ["Won"], "negative": ["Lost"]},
     "outcomes[0].at"),
    ({"outcomes": [OUTCOME], "positive": ["Won"], "negative": ["Lost"], "source": "crm\u0000"}, "source"),
    ({"outcomes": [OUTCOME], "positive": ["\ud800"], "negative": ["Lost"]}, "positive[0]"),
    ({"outcomes": [OUTCOME], "positive": ["Won"], "negative": ["Lost"], "source": "\ud800"}, "source"),
]


def _no_5xx_for_client_input(server: Server) -> None:
    for body, field, reason in HOSTILE_SCORES:
        answer = server.post("/v1/score", body)
        assert answer.status_code == 422, (field, answer.text)
        assert [(e["field"], reason in e["reason"]) for e in answer.json()["errors"]] == [(field, True)]
    batch = server.post("/v1/score/batch", {"leads": [body for body, _, _ in HOSTILE_SCORES]
                                            + [{**LEAD, "lead_id": "fine-1"}]})
    assert batch.status_code == 200, batch.text
    assert (batch.json()["scored"], batch.json()["rejected"]) == (1, len(HOSTILE_SCORES))
    for body, field in HOSTILE_OUTCOMES:
        answer = server.post("/v1/outcomes", body)
        assert answer.status_code == 422, (field, answer.text)
        assert field in [e["field"] for e in answer.json()["errors"]], answer.text


@pytest.mark.parametrize("kind", ["three_tiers"])
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_one_lead_the_store_refuses_never_costs_another(registry: Registry, database: str, tmp_path: Path,
                                                         request: pytest.FixtureRequest,
                                                         serve: Callable[..., Server]) -> None:
    url = _store_url(database, tmp_path, request)
    with serve(registry, env={"LEADSCORE_RECORD": "1", "LEADSCORE_DATABASE_URL": url}) as server:
        _no_5xx_for_client_input(server)
        server.wait_for(lambda s: s["recorded"] == 1)  # fine-1: the only lead scored so far

        leads = [{**LEAD, "lead_id": f"b-{k}"} for k in range(50)]
        leads[17]["lead_id"] = POISON
        with ThreadPoolExecutor(4) as pool:  # one batch with the poison, and other clients at the same time
            answers = list(pool.map(lambda body: server.post(*body),
                                    [("/v1/score/batch", {"leads": leads})]
                                    + [("/v1/score", {**LEAD, "lead_id": f"s-{k}"}) for k in range(20)]))
        assert {a.status_code for a in answers} == {200}
        status = server.wait_for(lambda s: s["recorded"] == 1 + 49 + 20 and s["refused"] == 1)
        assert status["state"] == "degraded" and "the store refused 1 scored lead since the start" in status["detail"]
        assert "cannot be written" not in status["detail"] and POISON not in json.dumps(status)

        # Two outcome imports of the same leads at once both land (an upsert, not a duplicate key).
        bodies = [{"outcomes": [{"lead_id": f"b-{k}", "outcome": outcome, "at": f"2026-06-0{day}"}
                                for k in range(50) if k != 17], "positive": ["Won"], "negative": ["Lost"]}
                  for outcome, day in (("Lost", 1), ("Won", 2))]
        with ThreadPoolExecutor(2) as pool:
            imports = list(pool.map(lambda body: server.post("/v1/outcomes", body), bodies))
        assert [a.status_code for a in imports] == [200, 200], [a.text for a in imports]
        assert sum(a.json()["new"] for a in imports) == 49

        # Leads scored just before a graceful shutdown are written by the drain.
        assert server.post("/v1/score/batch", {"leads": [{**LEAD, "lead_id": f"late-{k}"}
                                                         for k in range(30)]}).status_code == 200
        lines = server.stop()
    assert server.process.returncode in (0, -signal.SIGTERM)  # uvicorn ends a graceful shutdown with the signal
    recorded = _scorings(url)
    assert len(recorded) == 1 + 49 + 20 + 30 and POISON not in recorded
    refusals = [line for line in lines if line.get("logger") == "leadscore.api.recording"]
    refused = (r"recording: the store refused 1 of \d+ scored leads of a batch \(the store at .* could not record "
               r"the scored leads: the database refused a row \(a constraint failed\)\); the others were recorded")
    assert any(re.fullmatch(refused, line["message"]) for line in refusals), refusals
    assert any("recording stopped" in line["message"] and "1 refused by the store" in line["message"]
               for line in refusals)
    assert POISON not in server.log and "Traceback" not in server.log
    store = Store.open(url)
    try:
        with store.engine.connect() as connection:
            won = connection.execute(text("SELECT count(*) FROM outcomes WHERE outcome = 1")).scalar()
    finally:
        store.close()
    assert won == 49  # the later Won (2 June) wins over the earlier Lost, whichever came first


@pytest.mark.parametrize("kind", ["three_tiers"])
def test_what_cannot_be_written_at_shutdown_is_counted_and_logged(registry: Registry, tmp_path: Path,
                                                                   serve: Callable[..., Server]) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    # A short drain (the default is 10 s): the bound is what is tested, not its length.
    with serve(registry, env={"LEADSCORE_RECORD": "1", "LEADSCORE_DRAIN_SECONDS": "1",
                              "LEADSCORE_DATABASE_URL": f"sqlite:///{folder / 'store.sqlite3'}"}) as server:
        folder.rmdir()  # the store cannot be made: its folder is gone
        assert server.post("/v1/score/batch", {"leads": [{**LEAD, "lead_id": f"q-{k}"}
                                                         for k in range(7)]}).status_code == 200
        status = server.wait_for(lambda s: s["state"] == "degraded")
        assert "the store cannot be written" in status["detail"] and status["queued"] == 7
        lines = server.stop()  # the drain retries until its bound, then gives up and says so
    assert server.process.returncode in (0, -signal.SIGTERM)
    stopped = [line["message"] for line in lines if "recording stopped" in line.get("message", "")]
    assert stopped == ["recording stopped: 0 scored leads recorded; not recorded: 7 not written at shutdown"]
    assert "q-" not in server.log and "Traceback" not in server.log


@pytest.mark.parametrize("kind", ["three_tiers"])
def test_the_api_refuses_to_start_with_a_setting_it_cannot_read(registry: Registry) -> None:
    result = subprocess.run([sys.executable, "-m", "leadscore.cli", "serve", "--port", str(free_port()),
                             "--models-dir", str(registry.root)], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "LEADSCORE_RECORD": "1", "LEADSCORE_RETENTION_DAYS": "thirty"},
                            timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "leadscore serve: LEADSCORE_RETENTION_DAYS must be a whole number of days from 1 to 36500, not 'thirty'"]
