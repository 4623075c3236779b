"""Pieces of the page that show one scored lead: the tier badge, reasons and waterfall."""

from __future__ import annotations

import html
from collections.abc import Mapping

import streamlit as st

from leadscore import charts
from leadscore.fields.builtin import FEATURES, TIER_ACTIONS, TIER_CONVERSION_RATES
from leadscore.scoring.scorer import LeadResult

_BACKGROUNDS = {"High": "#e8f5ec", "Medium": "#fbf3e0", "Low": "#f0f2f4"}

ODDS_NOTE = (
    "How to read this: the chart compares this lead's tier with the tier it nearly got. It starts from "
    "the odds of the average lead and each bar is one field multiplying them (×2 doubles the odds of "
    "this tier over the other, ÷2 halves them): green bars towards this tier, red bars away from it. "
    "Together they give exactly this lead's odds, the ratio of the two chances above. "
    "The top reasons are the longest green bars, and perhaps a red one."
)


def entry_key(key: str) -> str:
    """The key of the box for typing an exact value, beside the slider with ``key``."""
    return f"{key}.typed"


def sync_entry(key: str) -> None:
    """Show the slider's value in its typing box (after the slider's value was set in code)."""
    st.session_state[entry_key(key)] = st.session_state[key]


def _take_entry(key: str) -> None:
    st.session_state[key] = st.session_state[entry_key(key)]


def dollar_slider(label: str, key: str, low: int, high: int, step: int, help: str) -> None:
    """A dollar amount: a slider (shown as 95,000) and, beside it, a box to type an exact value.

    Both hold the same value, in ``st.session_state[key]``.
    """
    if entry_key(key) not in st.session_state:
        sync_entry(key)
    slide, typed = st.columns([3, 2], vertical_alignment="bottom")
    slide.slider(f"{label} ($)", min_value=low, max_value=high, step=step, key=key, format="localized", help=help,
                 on_change=sync_entry, args=(key,))
    typed.number_input("Exact ($)", min_value=low, max_value=high, step=step, key=entry_key(key),
                       help=f"Type an exact amount in dollars, from {low:,} to {high:,}.",
                       on_change=_take_entry, args=(key,))


def tier_badge(tier: str, confidence: float, decision: str = "") -> None:
    """The tier as a large coloured badge with the original study's follow-up action and conversion rate.

    ``decision`` (scorer.decision_in_words) says why the tier is not the likeliest one, when it is not.
    """
    colour = charts.TIER_COLOURS[tier]
    low, high = TIER_CONVERSION_RATES[tier]
    rule = f'<div class="tier-rule" style="font-weight:600">{html.escape(decision)}.</div>' if decision else ""
    st.html(
        f'<div class="tier-badge" data-tier="{tier}" style="border-left:10px solid {colour};'
        f'background:{_BACKGROUNDS[tier]};padding:14px 20px;border-radius:8px;line-height:1.35">'
        f'<div style="font-size:0.95rem;color:#57606a">Priority tier</div>'
        f'<div style="font-size:2.4rem;font-weight:700;color:{colour}">{tier}</div>{rule}'
        f'<div style="font-size:1.15rem"><b>Next step:</b> {TIER_ACTIONS[tier]}</div>'
        f'<div style="color:#57606a">Chance of this tier: {confidence:.0%}. '
        f'Leads in this tier usually convert {low:.0%}–{high:.0%} of the time.</div></div>'
    )


def reasons_list(reasons: list[str]) -> None:
    """The top reasons in plain words."""
    st.markdown("**Top reasons**")
    st.markdown("\n".join(f"{i}. {reason}" for i, reason in enumerate(reasons, start=1)))
    st.caption("Why this tier rather than the next likeliest one: the strongest reasons for it first "
               "(the longest green bars of the chart below); a reason against it may follow. "
               "“raises” pushes the lead towards a higher tier, “lowers” towards a lower one.")


def waterfall(result: LeadResult, lead: Mapping[str, float]) -> None:
    """The SHAP waterfall of one lead against its runner-up, with each field labelled by its value."""
    labels = {feature.describe(lead[feature.name]): result.contributions[feature.name] for feature in FEATURES}
    st.plotly_chart(charts.waterfall(result.base_value, labels, result.tier, result.runner_up),
                    config={"displayModeBar": False})
    st.caption(ODDS_NOTE)


def lead_explanation(result: LeadResult, lead: Mapping[str, float]) -> None:
    """Badge, probabilities, reasons and waterfall of one lead (the triage page's detail view)."""
    left, right = st.columns([1, 1])
    with left:
        tier_badge(result.tier, result.confidence, result.decision)
        reasons_list(result.reasons)
    with right:
        st.plotly_chart(charts.probability_bars(result.probabilities), config={"displayModeBar": False})
    waterfall(result, lead)


#: One line per tier for help texts: the original study's action and conversion rate.
TIER_HELP: dict[str, str] = {
    tier: f"{TIER_ACTIONS[tier]}; usually converts {low:.0%}–{high:.0%}."
    for tier, (low, high) in TIER_CONVERSION_RATES.items()
}
