"""Score a lead and Triage with an outcome model (the bank-marketing sample) active: all from its schema."""

from __future__ import annotations

import pytest

from leadscore.registry import ENV_MODELS_DIR, Registry
from tests.app.helpers import open_page, shown_tier, texts


@pytest.fixture
def crm_app(outcome_registry: Registry, monkeypatch: pytest.MonkeyPatch) -> Registry:
    """The outcome registry (bank-marketing model active) as the dashboard's registry."""
    monkeypatch.setenv(ENV_MODELS_DIR, str(outcome_registry.root))
    for name in ("LEADSCORE_RETRAIN_ENABLED", "LEADSCORE_RETRAIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return outcome_registry


def _key(app, name: str) -> str:
    keys = [w.key for w in (*app.selectbox, *app.number_input, *app.radio) if w.key and w.key.endswith(f".{name}")
            and w.key.startswith("outcome.")]
    assert len(keys) == 1, keys
    return keys[0]


def test_score_form_comes_from_the_schema(crm_app: Registry) -> None:
    app = open_page()
    schema = crm_app.load().schema
    job = app.selectbox(key=_key(app, "job"))
    assert job.label == "Job" and list(job.options) == [*schema.field("job").levels, "other (any value not listed)", "unknown"]
    assert job.value == "blue-collar"
    age = app.number_input(key=_key(app, "age"))
    assert age.value == 39 and "19 to 92" in age.help
    assert list(app.radio(key=_key(app, "housing")).options) == ["yes", "no", "unknown"]
    assert shown_tier(app) in ("High", "Medium", "Low")
    page = texts(app)
    assert "Top reasons" in page and "Chance of conversion" not in "" and "What would move this lead up a tier?" in page
    print(page)
