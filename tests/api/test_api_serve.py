"""`leadscore serve`: a real uvicorn server on 127.0.0.1, its answers and its log lines."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
from api_helpers import Server

from leadscore.cli import build_parser
from leadscore.registry import Registry


def test_serve_defaults_to_localhost_port_8000() -> None:
    args = build_parser().parse_args(["serve"])

    assert (args.host, args.port, args.workers) == ("127.0.0.1", 8000, 1)


def test_serve_answers_and_logs_json_lines_without_lead_data(registry: Registry, lead: dict,
                                                             serve: Callable[..., Server]) -> None:
    with serve(registry) as server:
        response = httpx.post(f"{server.base}/v1/score", json={**lead, "lead_id": "secret-lead-7731"}, timeout=5)
        assert response.status_code == 200
        assert response.json()["model_version"] == registry.active_version()
    stderr = server.log

    lines = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    requests = [line for line in lines if line["logger"] == "leadscore.api.app.access" and line["path"] == "/v1/score"]
    assert len(requests) == 1
    assert requests[0]["method"] == "POST" and requests[0]["status"] == 200
    assert requests[0]["model_version"] == registry.active_version()
    assert "secret-lead-7731" not in stderr
