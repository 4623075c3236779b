"""`leadscore serve`: a real uvicorn server on 127.0.0.1, its answers and its log lines."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from leadscore.cli import build_parser
from leadscore.registry import Registry

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_defaults_to_localhost_port_8000() -> None:
    args = build_parser().parse_args(["serve"])

    assert (args.host, args.port, args.workers) == ("127.0.0.1", 8000, 1)


def test_serve_answers_and_logs_json_lines_without_lead_data(registry: Registry, lead: dict) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "leadscore.cli", "serve", "--port", str(port), "--models-dir", str(registry.root)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
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
        response = httpx.post(f"{base}/v1/score", json={**lead, "lead_id": "secret-lead-7731"}, timeout=5)
        assert response.status_code == 200
        assert response.json()["model_version"] == registry.active_version()
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)

    lines = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    requests = [line for line in lines if line["logger"] == "leadscore.api.app.access" and line["path"] == "/v1/score"]
    assert len(requests) == 1
    assert requests[0]["method"] == "POST" and requests[0]["status"] == 200
    assert requests[0]["model_version"] == registry.active_version()
    assert "secret-lead-7731" not in stderr
