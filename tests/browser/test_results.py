"""A sales manager in a real browser: score a list on Triage and save it, bring back the CRM's won/lost export on
the Results page, and read each tier's real conversion, checked against a hand count; both kinds of model."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from leadscore.registry import Registry
from leadscore.scoring.scorer import Scorer
from leadscore.store import Store
from tests.app.test_triage_page import _leads
from tests.browser.conftest import (
    act,
    finished,
    no_exception,
    open_dashboard,
    screenshot,
)

pytestmark = pytest.mark.browser


def test_save_a_list_and_see_its_results(page: Page, kind: tuple[str, Path, str], tmp_path: Path) -> None:
    name, models, url = kind
    leads = _leads(Scorer(Registry(models).load()))
    path = tmp_path / "leads.csv"
    leads.to_csv(path, index=False)
    open_dashboard(page, f"{url}/triage")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(path)
    expect(page.get_by_text("4. Save this list")).to_be_visible()
    finished(page)
    page.get_by_label("List name").fill("May leads")
    act(page, lambda: page.get_by_role("button", name="Save this list").click())
    expect(page.get_by_text("Saved 23 leads")).to_be_visible()

    saved = Store.open(models_dir=models).list_rows("May leads")
    ids = list(saved["lead_id"])
    stage = ["Won" if i % 3 == 0 else "Lost" for i in range(len(ids))]
    export = tmp_path / "won-lost.csv"
    pd.DataFrame({"Lead ID": ids, "Stage": stage}).to_csv(export, index=False)
    act(page, lambda: page.get_by_test_id("stSidebarNav").get_by_text("Results").click())
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(export)
    expect(page.get_by_role("button", name="Import outcomes")).to_be_visible()
    finished(page)
    act(page, lambda: page.get_by_role("button", name="Import outcomes").click())
    expect(page.get_by_test_id("stMetric").filter(has_text="New outcomes")).to_contain_text("23")

    # Each tier's sentence against a hand count.
    won = dict(zip(ids, stage, strict=True))
    for tier in ("High", "Medium", "Low"):
        in_tier = saved.loc[saved["tier"] == tier, "lead_id"]
        converted = sum(won[i] == "Won" for i in in_tier)
        if len(in_tier):
            expect(page.get_by_text(f"({converted} of {len(in_tier)} leads with an outcome").first).to_be_visible()
    expect(page.get_by_text(f"on 23 leads with a known outcome ({stage.count('Won')} converted)")).to_be_visible()
    no_exception(page)
    page.mouse.move(0, 0)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    screenshot(page, f"{name}-results")
    page.get_by_text("3. Retrain from these results").scroll_into_view_if_needed()
    screenshot(page, f"{name}-results-retrain")
