"""Pieces of a page that show one lead scored by an outcome model: badge, reasons, waterfall.

An outcome model is trained on the team's own history, so the badge quotes
how each tier really converted on the test part of that history (the
training report), never the original study's rates.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import streamlit as st

from leadscore import charts
from leadscore.fields.builtin import TIER_ACTIONS
from leadscore.scoring.outcome_scorer import OutcomeLead, OutcomeScorer
from ui.text import md_escape

_BACKGROUNDS = {"High": "#e8f5ec", "Medium": "#fbf3e0", "Low": "#f0f2f4"}

CHART_NOTE = (
    "How to read this: the chart starts from the chance of conversion of the average lead in your history; "
    "each bar is one field of this lead multiplying the odds of converting (×2 doubles them, ÷2 halves "
    "them): green bars make conversion more likely, red bars less. Together they give exactly this lead's "
    "chance. Fields that barely matter for this lead are grouped in one bar."
)


def tier_conversion(scorer: OutcomeScorer) -> dict[str, float]:
    """Each tier's measured conversion rate on the test part of the training file (tiers with leads only)."""
    rows = scorer.report.get("test", {}).get("tiers", [])
    return {row["tier"]: float(row["conversion_rate"]) for row in rows
            if isinstance(row, dict) and row.get("conversion_rate") is not None}


def tier_help(scorer: OutcomeScorer) -> dict[str, str]:
    """One line per tier for help texts: the follow-up and how the tier converted in the team's history."""
    rates = tier_conversion(scorer)
    return {tier: f"{action}" + (f"; {rates[tier]:.0%} of such leads converted in your history"
                                 if tier in rates else "")
            for tier, action in TIER_ACTIONS.items()}


def badge(scorer: OutcomeScorer, result: OutcomeLead) -> None:
    """The tier as a large coloured badge, with the chance of conversion and the score."""
    tier = result.tier
    colour = charts.TIER_COLOURS[tier]
    rates = tier_conversion(scorer)
    history = (f"In your history, {rates[tier]:.0%} of {tier} leads converted." if tier in rates else "")
    st.html(
        f'<div class="tier-badge" data-tier="{tier}" style="border-left:10px solid {colour};'
        f'background:{_BACKGROUNDS[tier]};padding:14px 20px;border-radius:8px;line-height:1.35">'
        f'<div style="font-size:0.95rem;color:#57606a">Priority tier</div>'
        f'<div style="font-size:2.4rem;font-weight:700;color:{colour}">{tier}</div>'
        f'<div style="font-size:1.15rem"><b>Chance of conversion: {result.p_convert:.0%}</b> '
        f'(score {result.score} of 100)</div>'
        f'<div style="font-size:1.05rem"><b>Next step:</b> {html.escape(TIER_ACTIONS[tier])}</div>'
        f'<div style="color:#57606a">{html.escape(history)}</div></div>'
    )


def reasons(result: OutcomeLead) -> None:
    """The top reasons in plain words, and any cell that could not be read."""
    st.markdown("**Top reasons**")
    if result.reasons:
        st.markdown("\n".join(f"{i}. {reason}" for i, reason in enumerate(result.reasons, start=1)))
    else:
        st.markdown("No field moves this lead's chance away from the average lead's.")
    st.caption("The fields that weigh most for this tier, in words: “raises” makes conversion more likely, "
               "“lowers” less likely. “unknown” means the field was empty, which can itself be telling.")
    for problem in result.problems:
        st.warning(f"Read as unknown: {problem}")


def waterfall(scorer: OutcomeScorer, result: OutcomeLead, lead: Mapping[str, object]) -> None:
    """The SHAP waterfall of the lead's log-odds of conversion, each field labelled by its value ("Job: retired")."""
    schema = scorer.model.schema
    codes, _ = schema.parse_lead(lead)
    labels = {schema.fields[j].describe(schema.value(j, codes[0, j])): result.contributions[f.name]
              for j, f in enumerate(schema.fields)}
    st.plotly_chart(charts.conversion_waterfall(result.base_value, labels, result.tier),
                    config={"displayModeBar": False})
    st.caption(CHART_NOTE)


def explanation(scorer: OutcomeScorer, result: OutcomeLead, lead: Mapping[str, object]) -> None:
    """Badge, reasons and waterfall of one lead (the triage page's detail view)."""
    left, right = st.columns([1, 1])
    with left:
        badge(scorer, result)
    with right:
        reasons(result)
    waterfall(scorer, result, lead)


def predicts(scorer: OutcomeScorer) -> str:
    """What "conversion" means for this model, in the file's own words: "y = yes"."""
    schema = scorer.model.schema
    return f"{md_escape(schema.target)} = {md_escape(' or '.join(schema.positive))}"
