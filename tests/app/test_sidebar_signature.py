"""The sidebar says when the active model is not signed (as `models list`, the Model page and the API do)."""

from __future__ import annotations

from pathlib import Path

from leadscore.registry import Registry
from tests import hostile_models as hostile
from tests.app.helpers import open_page


def test_the_sidebar_warns_when_the_active_model_is_unsigned(models_dir: Path) -> None:
    registry = Registry(models_dir)
    assert not [w.value for w in open_page().sidebar.warning if "signed" in w.value.lower()]

    hostile.reseal(models_dir / "versions" / str(registry.active_version()), unsigned=True)
    app = open_page()

    [warning] = [w.value for w in app.sidebar.warning if "Unsigned" in w.value]
    assert "carries no signature" in warning and "worth a look" in warning
