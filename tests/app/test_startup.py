"""A fresh clone: the built-in model is prepared in the background and the page says so, then fills in.

Training is real; the built-in model is trained on fewer generated leads than the shipped 10,000 so the test
stays quick (the start-up path is the same).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from leadscore.modeling.three_tiers import train
from leadscore.registry import Registry
from leadscore.settings import ENV_MODELS_DIR
from tests.app.helpers import APP, TIMEOUT, shown_tier, texts
from ui import startup


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Registry:
    """An empty registry as the dashboard's (a fresh clone's models/), the built-in model trained small."""
    root = tmp_path / "models"
    monkeypatch.setenv(ENV_MODELS_DIR, str(root))
    monkeypatch.setattr(train, "DEFAULT_ROWS", 1500)
    return Registry(root)


def test_the_first_visit_shows_the_page_and_a_word_then_the_model(fresh: Registry) -> None:
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not app.exception, [e.value for e in app.exception]
    assert [t.value for t in app.title] == ["Score a lead"]
    assert "Preparing the built-in model, about 15 seconds" in texts(app)
    preparation = startup.preparing(fresh)
    assert preparation is not None and preparation.running
    assert startup.preparing(fresh) is preparation  # one training, however many visits
    preparation.thread.join(timeout=TIMEOUT)
    assert preparation.error is None and fresh.active_version() is not None
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert "Preparing the built-in model" not in texts(app)
    assert shown_tier(app) in ("High", "Medium", "Low")
    assert startup.preparing(fresh) is None


def test_every_page_waits_with_its_own_title(fresh: Registry) -> None:
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    app.switch_page("app_pages/triage.py").run()
    assert [t.value for t in app.title] == ["Triage a lead list"]
    assert "Preparing the built-in model" in texts(app)
    preparation = startup.preparing(fresh)
    assert preparation is not None
    preparation.thread.join(timeout=TIMEOUT)


def test_the_command_trains_once_on_an_empty_registry(fresh: Registry) -> None:
    """`python -m ui.startup` (scripts/dashboard.sh, beside the server): trains when empty, else leaves it."""
    startup.main()
    version = fresh.active_version()
    assert version is not None
    assert startup.prepare(str(fresh.root)) == version
    assert [row.version for row in fresh.versions()] == [version]
