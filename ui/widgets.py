"""Pieces of the page that show one scored lead: the tier badge, reasons and waterfall."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from leadscore import charts
from leadscore.schema import FEATURES, TIER_ACTIONS, TIER_CONVERSION_RATES
from leadscore.scorer import LeadResult

_BACKGROUNDS = {"High": "#e8f5ec", "Medium": "#fbf3e0", "Low": "#f0f2f4"}

LOG_ODDS_NOTE = (
    "How to read this: each bar is one field's push, in the model's internal score for this tier "
    "(log-odds: 0 means even odds, every +1 makes the tier about 2.7 times likelier against the others). "
    "Green bars make this tier likelier, red bars less likely. They start at the average lead and add up "
    "exactly to this lead's score. The top reasons are the longest bars."
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


def tier_badge(tier: str, confidence: float) -> None:
    """The tier as a large coloured badge with the original study's follow-up action and conversion rate."""
    colour = charts.TIER_COLOURS[tier]
    low, high = TIER_CONVERSION_RATES[tier]
    st.html(
        f'<div class="tier-badge" data-tier="{tier}" style="border-left:10px solid {colour};'
        f'background:{_BACKGROUNDS[tier]};padding:14px 20px;border-radius:8px;line-height:1.35">'
        f'<div style="font-size:0.95rem;color:#57606a">Priority tier</div>'
        f'<div style="font-size:2.4rem;font-weight:700;color:{colour}">{tier}</div>'
        f'<div style="font-size:1.15rem"><b>Next step:</b> {TIER_ACTIONS[tier]}</div>'
        f'<div style="color:#57606a">Chance of this tier: {confidence:.0%}. '
        f'Leads in this tier usually convert {low:.0%}–{high:.0%} of the time.</div></div>'
    )


def reasons_list(reasons: list[str]) -> None:
    """The top reasons in plain words."""
    st.markdown("**Top reasons**")
    st.markdown("\n".join(f"{i}. {reason}" for i, reason in enumerate(reasons, start=1)))
    st.caption("The fields that weigh most in this lead's tier (the longest bars of the chart below). "
               "“raises” pushes the lead towards a higher tier, “lowers” towards a lower one, "
               "compared with the next likeliest tier.")


def waterfall(result: LeadResult, lead: Mapping[str, float]) -> None:
    """The SHAP waterfall of one lead, with each field labelled by its value."""
    labels = {feature.describe(lead[feature.name]): result.contributions[feature.name] for feature in FEATURES}
    st.plotly_chart(charts.waterfall(result.base_value, labels, result.tier), config={"displayModeBar": False})
    st.caption(LOG_ODDS_NOTE)


def lead_explanation(result: LeadResult, lead: Mapping[str, float]) -> None:
    """Badge, probabilities, reasons and waterfall of one lead (the triage page's detail view)."""
    left, right = st.columns([1, 1])
    with left:
        tier_badge(result.tier, result.confidence)
        reasons_list(result.reasons)
    with right:
        st.plotly_chart(charts.probability_bars(result.probabilities), config={"displayModeBar": False})
    waterfall(result, lead)


#: One line per tier for help texts: the original study's action and conversion rate.
TIER_HELP: dict[str, str] = {
    tier: f"{TIER_ACTIONS[tier]}; usually converts {low:.0%}–{high:.0%}."
    for tier, (low, high) in TIER_CONVERSION_RATES.items()
}
