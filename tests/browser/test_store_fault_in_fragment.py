"""A store fault met in a fragment's own rerun (not the page's) shows its one line in Chromium, not Streamlit's
exception box: Save these bands (the Tier bands panel is a fragment) while another program holds the SQLite store's
write lock, so the audit entry of the publish cannot be written. The bands were saved all the same: the page says so,
and warns that the audit entry is missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import EXCEPTION, act, copy_registry, open_dashboard, open_tab, serve_dashboard
from tests.store_locks import sqlite_write_lock

pytestmark = pytest.mark.browser


def test_a_locked_store_in_a_fragments_rerun_shows_one_line(page: Page, _crm_registry: Path,
                                                            tmp_path_factory: pytest.TempPathFactory,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    models = copy_registry(_crm_registry, tmp_path_factory, "fragment-fault")
    store = models.parent / "store.sqlite3"
    monkeypatch.setenv("LEADSCORE_DATABASE_URL", f"sqlite:///{store}")
    monkeypatch.setenv("LEADSCORE_LOCK_TIMEOUT", "1")
    with serve_dashboard(models) as url:
        open_dashboard(page, f"{url}/model")  # the first visit makes the store
        assert store.exists()
        open_tab(page, "Tier bands")
        act(page, lambda: page.get_by_text("Chance of conversion", exact=True).first.click())  # a fragment rerun
        save = page.get_by_role("button", name="Save these bands")
        expect(save).to_be_visible()
        with sqlite_write_lock(store):
            act(page, lambda: save.click())  # the fragment's own rerun: publish, then its audit entry
            line = page.get_by_test_id("stAlertContentWarning").filter(
                has_text="The audit entry of this change could not be written")
            expect(line).to_be_visible()
            assert "the store is locked by another program" in line.inner_text()
            expect(page.get_by_test_id("stAlertContentSuccess").filter(has_text="Saved the tier bands as version")
                   ).to_be_visible()
            assert page.locator(EXCEPTION).count() == 0
            assert "(it waited 1 s)" in line.inner_text() and "INSERT" not in line.inner_text()
