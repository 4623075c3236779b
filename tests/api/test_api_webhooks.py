"""`leadscore serve` with webhooks: a lead recorded through the API reaches a real receiver, signed, by itself."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from api_helpers import Server

from leadscore.registry import Registry
from tests.store.test_webhooks import SECRET, Receiver


@pytest.mark.parametrize("kind", ["won_lost"], indirect=True)
def test_serve_delivers_tier_changes_continuously(registry: Registry, lead: dict, tmp_path: Path,
                                                  serve: Callable[..., Server]) -> None:
    receiver = Receiver()
    try:
        with serve(registry, env={"LEADSCORE_RECORD": "1", "LEADSCORE_WEBHOOK_URL": receiver.url,
                                  "LEADSCORE_WEBHOOK_SECRET": SECRET,
                                  "LEADSCORE_DATABASE_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}"}) as server:
            answer = httpx.post(f"{server.base}/v1/score", json={**lead, "lead_id": "hook-lead-1"}, timeout=5)
            assert answer.status_code == 200
            deadline = time.monotonic() + 60
            while not receiver.acknowledged() and time.monotonic() < deadline:
                time.sleep(0.05)
            events = receiver.acknowledged()
            assert [e["lead_id"] for e in events] == ["hook-lead-1"]
            assert events[0]["tier"] == answer.json()["tier"] and events[0]["previous_tier"] is None
            assert events[0]["model_version"] == registry.active_version()
            request = receiver.requests[0]
            signature = "sha256=" + hmac.new(SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
            assert request["headers"]["X-Leadscore-Signature"] == signature
    finally:
        receiver.stop()
    assert SECRET not in server.log and "hook-lead-1" not in server.log
