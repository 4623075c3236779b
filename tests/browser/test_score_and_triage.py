"""A sales manager's walk through Score a lead and Triage a lead list in a real browser, against both kinds
of model (the built-in three tiers; a team's won/lost model of the bank-marketing sample)."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from leadscore.fields.builtin import BUILTIN_SCHEMA
from leadscore.registry import Registry
from leadscore.scoring.scorer import Scorer
from leadscore.scoring.template import starting_leads
from tests.app.test_triage_page import ROWS, _leads
from tests.browser.conftest import (
    act,
    download,
    finished,
    no_exception,
    open_dashboard,
    screenshot,
)
from ui import lead_list, widgets

pytestmark = pytest.mark.browser


def _choose(page: Page, label: str, option: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text=label).first.click()
    act(page, lambda: page.get_by_role("option", name=option, exact=True).click())


def test_score_a_lead_follows_every_edit(page: Page, kind: tuple[str, Path, str]) -> None:
    name, models, url = kind
    scorer = Scorer(Registry(models).load())
    target = scorer.model.target
    open_dashboard(page, url)
    start = next(iter(starting_leads(scorer.schema).values()))
    first = scorer.score_lead(start)
    expect(page.locator(f'.tier-badge[data-tier="{first.tier}"]')).to_be_visible()
    expect(page.locator(".tier-badge")).to_contain_text(widgets.chance_words(target, first.tier, first.chance))
    expect(page.get_by_text("What would move this lead up a tier")).to_be_visible()
    # One edit, no button: the badge, the comparison and the reasons follow at once.
    field = next(f for f in scorer.schema.fields if f.kind == "integer" and not f.actionable)
    value = int(field.high) if field.high is not None else 60
    box = page.get_by_label(field.title, exact=True)
    act(page, lambda: (box.fill(str(value)), box.press("Tab")))
    edited = scorer.score_lead({**start, field.name: str(value)})
    expect(page.locator(f'.tier-badge[data-tier="{edited.tier}"]')).to_be_visible()
    expect(page.locator(".tier-badge")).to_contain_text(widgets.chance_words(target, edited.tier, edited.chance))
    expect(page.get_by_text("Compared with the starting lead")).to_be_visible()
    for reason in edited.reasons:
        expect(page.get_by_text(reason, exact=False).first).to_be_visible()
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    assert page.get_by_role("button", name="Score this lead").count() == 0
    no_exception(page)
    page.mouse.move(0, 0)  # no tooltip over the page, from the mouse or from the focus
    page.evaluate("document.activeElement && document.activeElement.blur()")
    screenshot(page, f"{name}-score-a-lead")


def test_triage_list_survives_a_page_change_and_downloads_as_shown(page: Page, kind: tuple[str, Path, str],
                                                                   tmp_path: Path) -> None:
    name, models, url = kind
    scorer = Scorer(Registry(models).load())
    leads = _leads(scorer)
    path = tmp_path / "leads.csv"
    leads.to_csv(path, index=False)
    open_dashboard(page, f"{url}/triage")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(path)
    expect(page.get_by_text("2. Scored leads")).to_be_visible()
    finished(page)
    metrics = page.get_by_test_id("stMetric")
    expect(metrics.filter(has_text="Rows read")).to_contain_text(f"{ROWS}")
    expect(metrics.filter(has_text="Rejected")).to_contain_text("1")
    expect(page.get_by_text("3. Why this tier")).to_be_visible()
    no_exception(page)
    page.mouse.move(0, 0)  # no tooltip over the page, from the mouse or from the focus
    page.evaluate("document.activeElement && document.activeElement.blur()")
    screenshot(page, f"{name}-triage")

    # Another page and back: the list is still there, scored.
    act(page, lambda: page.get_by_test_id("stSidebarNav").get_by_text("Score a lead").click())
    expect(page.locator(".tier-badge")).to_be_visible()
    act(page, lambda: page.get_by_test_id("stSidebarNav").get_by_text("Triage a lead list").click())
    expect(page.get_by_text("2. Scored leads")).to_be_visible()
    expect(page.get_by_text("leads.csv", exact=False).first).to_be_visible()
    finished(page)

    # Filter and sort on screen; the download of what is shown keeps both, and the file's own spellings.
    _choose(page, "Owner", "Ben")
    _choose(page, "Sort by", "Name")
    act(page, lambda: page.get_by_text("Z→A, highest first").click())
    shown = ROWS // 3 - (1 if leads.loc[2, "Owner"] == "Ben" else 0)
    button = page.get_by_role("button", name=f"Download the {shown} shown (CSV)")
    expect(button).to_be_visible()
    saved = tmp_path / "shown.csv"
    download(page, button).save_as(saved)
    got = pd.read_csv(io.BytesIO(saved.read_bytes()), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert got["Name"].tolist() == got["Name"].iloc[
        lead_list.natural_key(got["Name"]).sort_values(ascending=False, kind="stable").index].tolist()
    assert set(got["Owner"]) == {"Ben"} and len(got) == shown
    assert set(leads.columns) <= set(got.columns)  # the file's own headers
    kept = leads.set_index("Lead ID").loc[got["Lead ID"]]
    for column in leads.columns.drop("Lead ID"):
        assert got[column].tolist() == kept[column].tolist(), column  # Yes / TRUE / dates as written
    flags = ("inquiry_submitted", "budget_disclosed") if scorer.schema == BUILTIN_SCHEMA else ("housing", "loan")
    assert set(got[flags[0]]) <= {"Yes", "No"} and set(got[flags[1]]) <= {"TRUE", "FALSE"}
    no_exception(page)
    page.mouse.move(0, 0)  # no tooltip over the page, from the mouse or from the focus
    page.evaluate("document.activeElement && document.activeElement.blur()")
    screenshot(page, f"{name}-triage-sorted")
