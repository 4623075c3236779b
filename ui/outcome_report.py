"""A team's model just trained on a CRM export, before it is published (Model page, "Train on your CRM
history"): its report's sections, then a "keep it anyway" box on each field the leakage guard left out."""

from __future__ import annotations

import streamlit as st

from leadscore.modeling.won_lost.report import WonLostReport
from ui import sections
from ui.text import md_escape


def show(report: WonLostReport, choose_kept: bool = False, key: str = "active") -> list[str]:
    """The whole report; returns the flagged fields to keep (ticked when ``choose_kept``, else as trained).

    ``key`` tells its charts apart from the same report's shown elsewhere on the page.
    """
    sections.render(report.sections({}), key)
    flagged = report.leakage.flagged
    kept_before = set(report.leakage.kept_on_purpose)
    if not choose_kept or not flagged:
        return sorted(kept_before)
    st.caption("Keep a field left out only if you are sure it is known when a lead arrives:")
    return [f.name for index, f in enumerate(flagged)
            if st.checkbox(f"Keep '{md_escape(f.name)}' anyway", value=f.name in kept_before,
                           key=f"crm_keep_{index}")]
