"""The tiers' table is defined once (``results_words.tier_table``): the Results page shows it and the
stakeholders' HTML report renders the same columns and values; the leads still open are counted apart."""

from __future__ import annotations

import re

from leadscore.reports.html import _tier_table
from leadscore.results_words import tier_table
from leadscore.workflows.results import TierResult


def test_the_html_report_shows_the_pages_tier_table() -> None:
    tiers = {"High": TierResult(1200, 40, 30, 0.75, [0.6, 0.86], 0.7, 0.68),
             "Medium": TierResult(300, 300, 90, 0.3, [0.25, 0.35], 0.33, None),
             "Low": TierResult(5, 0, 0, None, None, None, 0.05)}
    table = tier_table(tiers)
    assert table["Still open"].tolist() == [1160, 0, 5]
    assert table["Promised"].tolist() == ["70%", "33%", "–"]
    html = _tier_table(tiers)
    assert re.findall(r"<th>(.*?)</th>", html) == list(table.columns)
    cells = [re.findall(r"<td[^>]*>(?:<b>)?(.*?)(?:</b>)?</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", html)]
    expected = [[f"{v:,}" if isinstance(v, int) else str(v) for v in row] for row in table.astype(object).values]
    assert [row for row in cells if row] == expected
