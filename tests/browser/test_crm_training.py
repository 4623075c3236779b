"""A sales manager trains on a CRM export from the Model page in a real browser, then goes back to the built-in one."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import act, finished, no_exception, open_tab, screenshot
from tests.conftest import BANK_SAMPLE

pytestmark = pytest.mark.browser

#: Training the 3,000-lead sample with every candidate while other work shares the two cores.
TRAIN_MS = 240_000
def _export(path: Path) -> Path:
    """The bank-marketing sample as a CRM writes it (CRLF), with a 'call_result' filled in after the call."""
    frame = pd.read_csv(BANK_SAMPLE, dtype=str, keep_default_na=False)
    flip = np.random.default_rng(7).random(len(frame)) < 0.05
    frame["call_result"] = np.where((frame["y"] == "yes") ^ flip, "interested", "not interested")
    frame.to_csv(path, index=False, lineterminator="\r\n")
    return path


def _review_row(page: Page, column: str) -> Locator:
    """The 'Use it' tick of one column in the review (its label is the column's name)."""
    return page.get_by_test_id("stCheckbox").filter(has=page.get_by_text(column, exact=True))


def _exclude_duration(page: Page) -> None:
    """Untick 'duration' (known only after the call) in the column review: one click."""
    tick = _review_row(page, "duration")
    expect(tick.get_by_role("checkbox")).to_be_checked()
    act(page, lambda: tick.click())
    expect(tick.get_by_role("checkbox")).not_to_be_checked()
    expect(page.get_by_text("you left it out", exact=True)).to_have_count(1)  # the reason follows the tick


def _sidebar_version(page: Page) -> str:
    return page.get_by_test_id("stSidebar").locator("code").first.inner_text()


def test_train_on_a_crm_export_publish_and_bring_back_the_built_in_model(page: Page, server: str,
                                                                         tmp_path: Path) -> None:
    page.goto(f"{server}/model")
    expect(page.get_by_test_id("stSidebar").get_by_text("Active model", exact=True)).to_be_visible()
    finished(page)
    builtin = _sidebar_version(page)
    open_tab(page, "Train on your CRM history")
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="CRM export")
    uploader.locator('input[type="file"]').set_input_files(_export(tmp_path / "crm-export.csv"))
    expect(page.get_by_text("4. Check what each column is used for")).to_be_visible()
    finished(page)
    expect(page.get_by_text("3,000 leads and 18 columns read")).to_be_visible()
    expect(page.get_by_test_id("stSelectbox").filter(has_text="1. Which column")).to_contain_text("y")
    expect(page.get_by_test_id("stMultiSelect").filter(has_text="2. Which of its values")).to_contain_text("yes")
    for column in ("age", "job", "balance", "campaign", "poutcome", "call_result"):  # every row is on screen
        expect(_review_row(page, column)).to_be_visible()
    _exclude_duration(page)
    no_exception(page)
    screenshot(page, "crm-1-review")

    page.get_by_role("button", name="Train on this file").click()
    expect(page.get_by_text("New model, not yet published")).to_be_visible(timeout=TRAIN_MS)
    finished(page)
    expect(page.get_by_text("Fields left out because they give the outcome away")).to_be_visible()
    expect(page.get_by_text("Keep 'call_result' anyway")).to_be_visible()
    expect(page.get_by_text("Ready:")).to_be_visible()
    expect(page.get_by_text("'duration' alone makes")).to_have_count(0)  # left out in the review
    ranking = page.get_by_text("It ranks a lead that converts above one that does not").last
    expect(ranking).to_be_visible()
    expect(ranking).not_to_contain_text(re.compile(r"not 9\d%"))  # neither call_result nor duration helped it
    no_exception(page)
    screenshot(page, "crm-2-trained")

    page.get_by_role("button", name="Publish and make active").click()
    expect(page.get_by_text("Published version")).to_be_visible()
    finished(page)
    crm = _sidebar_version(page)
    assert crm != builtin
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Predicts")
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_test_id("stMetric").filter(has_text="Ranks a converting lead higher")).to_be_visible()
    expect(sidebar).to_contain_text("Crm export (y)")  # the version's default name: the file and its outcome
    expect(sidebar).to_contain_text("trained on crm-export.csv")
    expect(page.get_by_text("Where it gets it right and wrong")).to_have_count(0)
    no_exception(page)
    screenshot(page, "crm-3-active-report")
    open_tab(page, "Tier bands")
    expect(page.get_by_text("These are the bands the active model uses")).to_be_visible()
    no_exception(page)
    screenshot(page, "crm-4-bands")

    open_tab(page, "Versions")
    expect(page.get_by_text("Bring back the built-in model").first).to_be_visible()
    page.get_by_role("textbox", name="New name").fill("Bank calls, top 20% High")
    act(page, lambda: page.get_by_role("button", name="Save the name").click())
    expect(page.get_by_text("is now called “Bank calls, top 20% High”")).to_be_visible()
    expect(sidebar).to_contain_text("Bank calls, top 20% High")
    assert _sidebar_version(page) == crm  # renamed, still the same loaded version
    screenshot(page, "crm-5-versions")
    page.get_by_role("button", name="Bring back the built-in model").click()
    expect(page.get_by_text("is active again")).to_be_visible()
    finished(page)
    assert _sidebar_version(page) == builtin
    expect(page.get_by_role("tab", name="Versions")).to_have_attribute("aria-selected", "true")
    expect(sidebar.get_by_test_id("stMetric").filter(has_text="Right tier")).to_be_visible()
    expect(sidebar).to_contain_text("Built-in model")
    no_exception(page)
    screenshot(page, "crm-6-built-in-back")
    open_tab(page, "How good is it")
    expect(page.get_by_text("Where it gets it right and wrong")).to_be_visible()
    no_exception(page)
    screenshot(page, "crm-7-built-in-report")
