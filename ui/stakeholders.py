""""Download for stakeholders" on the Results and Model pages: the report ``leadscore report --html`` writes."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import streamlit as st

from leadscore.reports.html import stakeholder_report
from leadscore.workflows.stakeholders import stakeholder_material
from ui import engine
from ui.store import store


def download_button(key: str, **filters: Any) -> None:  # noqa: ANN401 - the results filters, passed on
    """The button; the file is made when it is clicked (the charts' script makes it a few MB)."""
    st.download_button(
        "Download for stakeholders (HTML)",
        lambda: stakeholder_report(stakeholder_material(store(), engine.registry(), **filters)).encode("utf-8"),
        f"lead-scoring-report-{datetime.now(timezone.utc):%Y-%m-%d}.html", "text/html", key=key,
        help="One file to hand over or open in a demo: what the model does, how each tier really converted "
             "against its promise, who to call first, what moved, and what changed between versions. It opens "
             "in any browser without a network.")
