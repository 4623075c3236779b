"""Helpers shared by the API tests (a uniquely named module, so no other conftest shadows it)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

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
