"""Helpers shared by the API tests (a uniquely named module, so no other conftest shadows it)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]

#: Seconds between the test apps' looks at the registry pointer (the server uses 1 s).
POLL_SECONDS = 0.05


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll ``condition`` until it is true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(0.02)


def make_client(app: FastAPI) -> Iterator[TestClient]:
    """A client whose app has started (lifespan) and loaded its model."""
    with TestClient(app) as client:
        wait_until(lambda: client.get("/readyz").status_code == 200)
        yield client


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`leadscore serve` (uvicorn) in a process of its own over ``models``, with ``env`` added to the environment
    and ``unset`` taken out of it; its log (stderr) goes to the file ``log``. Ready when constructed; ``stop``
    sends SIGTERM (a graceful shutdown), waits for the exit and keeps the log's text in ``log`` (so does the end
    of a ``with`` block)."""

    def __init__(self, models: Path, log: Path, env: dict[str, str] | None = None,
                 unset: Iterable[str] = ()) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_file = log
        self.log = ""
        environment = {**os.environ, **(env or {})}
        for name in unset:
            environment.pop(name, None)
        with open(log, "wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "leadscore.cli", "serve", "--port", str(self.port), "--models-dir",
                 str(models)], cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=output)
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                pytest.fail(f"the server did not become ready: {self.log[-2000:]}")
            time.sleep(0.1)

    def post(self, path: str, body: Any) -> httpx.Response:
        """POST ``body`` as JSON written by Python (so "\\ud800" goes as an escape, as a client may send it)."""
        return httpx.post(self.base + path, content=json.dumps(body), timeout=30,
                          headers={"Content-Type": "application/json"})

    def recording(self) -> dict[str, Any]:
        return httpx.get(f"{self.base}/readyz", timeout=10).json()["recording"]

    def wait_for(self, condition: Any, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while not condition(status := self.recording()):
            if time.monotonic() > deadline:
                pytest.fail(f"not reached within {timeout} s: {status}")
            time.sleep(0.1)
        return status

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> list[dict[str, Any]]:
        """SIGTERM, wait for the exit, the log as JSON lines (stopping twice does no harm)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log = self.log_file.read_text(errors="replace")
        return [json.loads(line) for line in self.log.splitlines() if line.startswith("{")]
