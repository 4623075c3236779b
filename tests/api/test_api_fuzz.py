"""Property-based fuzzing of the API against its own OpenAPI document (schemathesis), with either kind of model.

Schemathesis generates requests that fit the document and requests that break
it, and checks every answer: no 5xx, a documented status code, a body that
matches the documented schema, valid data accepted, invalid data refused, and
(with a key configured) no answer without the key. Both kinds of model, open and with a
key: 30 examples of each operation keep the suite fast; `--hypothesis-seed` replays a failure.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from api_helpers import POLL_SECONDS, make_client
from hypothesis import HealthCheck, settings

from leadscore.api.app import create_app
from leadscore.fields.field import EMPTY_ROW_REASON
from leadscore.registry import Registry
from leadscore.settings import ENV_API_KEY

API_KEY = "fuzz-key"


@pytest.fixture(params=["open", "with API key"])
def api_schema(request: pytest.FixtureRequest, registry: Registry,
               monkeypatch: pytest.MonkeyPatch) -> Iterator[schemathesis.BaseSchema]:
    """The app's own OpenAPI document, served by the app with its model loaded."""
    if request.param == "with API key":
        monkeypatch.setenv(ENV_API_KEY, API_KEY)
    app = create_app(registry.root, poll_seconds=POLL_SECONDS)
    for _ in make_client(app):  # keeps the model loaded while schemathesis calls the app
        yield schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


def _sparse_lead_refused(response: schemathesis.Response) -> bool:
    """The one rule the document states in words only: a lead must fill at least half of the model's fields
    (a JSON Schema of "k of these n optional keys non-empty, placeholders counting as empty" is not worth its
    size). Only a model with optional fields can meet it."""
    if response.status_code != 422:
        return False
    errors = response.json().get("errors", [])
    return len(errors) == 1 and errors[0]["field"] == "body" and errors[0]["reason"].startswith(
        (EMPTY_ROW_REASON, "only "))


def _outcomes_unreadable(case: schemathesis.Case, response: schemathesis.Response) -> bool:
    """The rules of reading outcomes the document states in words only (as training and the command line read
    them): the won and lost values must be told apart, so a body whose values do not say which is won and which
    is lost is refused naming "positive" or "negative"."""
    if response.status_code != 422 or case.path != "/v1/outcomes":
        return False
    errors = response.json().get("errors", [])
    return len(errors) == 1 and errors[0]["field"] in {"positive", "negative"}


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_answers_as_its_schema_says(case: schemathesis.Case) -> None:
    headers = {"X-API-Key": API_KEY}
    response = case.call(headers=headers)
    if _sparse_lead_refused(response) or _outcomes_unreadable(case, response):
        return
    case.validate_response(response, headers=headers)
