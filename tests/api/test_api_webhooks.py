"""`leadscore serve` with webhooks: a lead recorded through the API reaches a real receiver, signed, by itself."""

from __future__ import annotations

import hashlib
import hmac
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from leadscore.registry import Registry
from tests.api.test_api_serve import ROOT, _free_port
from tests.store.test_webhooks import SECRET, Receiver


@pytest.mark.parametrize("kind", ["won_lost"], indirect=True)
def test_serve_delivers_tier_changes_continuously(registry: Registry, lead: dict, tmp_path: Path) -> None:
    receiver = Receiver()
    port = _free_port()
    environment = {**os.environ, "LEADSCORE_RECORD": "1", "LEADSCORE_WEBHOOK_URL": receiver.url,
                   "LEADSCORE_WEBHOOK_SECRET": SECRET,
                   "LEADSCORE_DATABASE_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}"}
    server = subprocess.Popen(
        [sys.executable, "-m", "leadscore.cli", "serve", "--port", str(port), "--models-dir", str(registry.root)],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail("the server did not become ready")
            time.sleep(0.1)
        answer = httpx.post(f"{base}/v1/score", json={**lead, "lead_id": "hook-lead-1"}, timeout=5)
        assert answer.status_code == 200
        deadline = time.monotonic() + 60
        while not receiver.acknowledged() and time.monotonic() < deadline:
            time.sleep(0.2)
        events = receiver.acknowledged()
        assert [e["lead_id"] for e in events] == ["hook-lead-1"]
        assert events[0]["tier"] == answer.json()["tier"] and events[0]["previous_tier"] is None
        assert events[0]["model_version"] == registry.active_version()
        request = receiver.requests[0]
        signature = "sha256=" + hmac.new(SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
        assert request["headers"]["X-Leadscore-Signature"] == signature
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
        receiver.stop()
    assert SECRET not in stderr and "hook-lead-1" not in stderr
