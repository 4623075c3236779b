"""Pieces of a page that show one scored lead, whatever its model: the tier badge, chances, reasons, waterfall.

Every piece reads a ``LeadScore`` and the model's target; what differs
between targets is data, chosen by ``Target.explains`` ("odds" for the three
tiers, "chance" for won/lost), never by the model's class:

- the badge quotes the tier's follow-up, the chance shown with it and the
  conversion the tier promises (``Target.promise``). For three tiers the
  chance is how sure the model is of the tier, never a chance of converting,
  and it is worded so: "The model is 85% sure this lead is Medium" beside
  "Leads in this tier usually convert 15–20%";
- the waterfall explains the odds of the tier over its runner-up, or the chance
  of conversion (``charts.lead_waterfall``); when the rule chose a tier that
  is not the likeliest, it marks the bar the lead cleared.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import streamlit as st

from leadscore import charts, plain_words
from leadscore.fields.field import Schema
from leadscore.modeling.target import Target
from leadscore.modeling.tiers import TIER_ACTIONS, TIERS
from leadscore.scoring.scorer import LeadScore
from ui.lead_form import is_id_like
from ui.text import md_escape

_BACKGROUNDS = {"High": "#e8f5ec", "Medium": "#fbf3e0", "Low": "#f0f2f4"}
NO_BAR = {"displayModeBar": False}

#: What the chance shown with a tier means, by what the target explains.
CHANCE_WORDS: dict[str, str] = {
    "odds": "The model is {chance} sure this lead is {tier}",
    "chance": "Chance this lead converts: {chance}",
}
#: The title of the chart of one lead's chances, by what the target explains.
CHANCES_TITLE: dict[str, str] = {
    "odds": "How sure the model is of each tier (not a chance of converting)",
    "chance": "Chance this lead converts",
}
#: How to read the waterfall, by what the target explains.
CHART_NOTES: dict[str, str] = {
    "odds": ("How to read this: the chart compares this lead's tier with the tier it nearly got. It starts from "
             "the odds of the average lead and each bar is one field multiplying them (×2 doubles the odds of "
             "this tier over the other, ÷2 halves them): green bars towards this tier, red bars away from it. "
             "Together they give exactly this lead's odds. The top reasons are the longest green bars, and "
             "perhaps a red one."),
    "chance": ("How to read this: the chart starts from the chance of conversion of the average lead in your "
               "history; each bar is one field of this lead multiplying the odds of converting (×2 doubles "
               "them, ÷2 halves them): green bars make conversion more likely, red bars less. Together they give "
               "exactly this lead's chance. Fields that barely matter for this lead are grouped in one bar."),
}
REASONS_NOTE = ("The fields that weigh most for this tier, in plain words: “raises” pushes the lead towards a "
                "higher tier (or conversion), “lowers” towards a lower one; “unknown” means the field was empty, "
                "which can itself be telling.")


def promise_words(target: Target, tier: str) -> str:
    """"Leads in this tier usually convert 15–20%" ("" when the tier promises nothing yet)."""
    promise = target.promise(tier)
    if promise is None:
        return ""
    low, high = promise
    rate = (plain_words.percent(low) if round(low, 3) == round(high, 3)
            else f"{plain_words.percent(low)}–{plain_words.percent(high)}")
    return f"Leads in this tier usually convert {rate}."


def chance_words(target: Target, tier: str, value: float) -> str:
    """The chance shown with a tier, in words that say what it is a chance of."""
    return CHANCE_WORDS[target.explains].format(chance=plain_words.chance(value), tier=tier)


def tier_help(target: Target) -> dict[str, str]:
    """One line per tier for help texts: its follow-up and the conversion it promises."""
    return {tier: f"{TIER_ACTIONS[tier]}. {promise_words(target, tier)}".strip() for tier in TIERS}


def tier_badge(target: Target, result: LeadScore) -> None:
    """The tier as a large coloured badge: the follow-up, what the chance shown is a chance of, the conversion
    the tier promises, and (when the rule chose a tier that is not the likeliest) why."""
    tier = result.tier
    colour = charts.TIER_COLOURS[tier]
    score = result.chances.get("score")
    chance = chance_words(target, tier, result.chance) + (f" (score {score} of 100)" if score is not None else "")
    rule = (f'<div class="tier-rule" style="font-weight:600">{html.escape(result.decision)}.</div>'
            if result.decision else "")
    promise = promise_words(target, tier)
    st.html(
        f'<div class="tier-badge" data-tier="{tier}" style="border-left:10px solid {colour};'
        f'background:{_BACKGROUNDS[tier]};padding:14px 20px;border-radius:8px;line-height:1.35">'
        f'<div style="font-size:0.95rem;color:#57606a">Priority tier</div>'
        f'<div style="font-size:2.4rem;font-weight:700;color:{colour}">{tier}</div>{rule}'
        f'<div style="font-size:1.15rem"><b>Next step:</b> {html.escape(TIER_ACTIONS[tier])}</div>'
        f'<div class="tier-chance" style="font-size:1.05rem">{html.escape(chance)}.</div>'
        + (f'<div class="tier-promise" style="color:#57606a">{html.escape(promise)}</div>' if promise else "")
        + "</div>"
    )


def chances_chart(target: Target, result: LeadScore, before: LeadScore | None = None) -> None:
    """The lead's chances as bars (each tier's, or the chance of conversion), the starting lead's beside them."""
    st.plotly_chart(charts.chance_bars(result.bars, CHANCES_TITLE[target.explains],
                                       None if before is None else before.bars), config=NO_BAR)


def readable_reasons(schema: Schema, result: LeadScore) -> list[str]:
    """The reasons, a field of ID-like values (a landing-page ID) saying what its value meant in the past:
    "Landing page id: b76ef374 (raises): leads with the same Landing page id did better than most before" (the
    field's own label, its case kept)."""
    out = []
    for reason in result.reasons:
        for f in schema.fields:
            label = result.labels.get(f.name, "")
            if label and reason.startswith(label) and is_id_like(f):
                better = "better" if reason.endswith("(raises)") else "worse"
                reason = f"{reason}: leads with the same {f.title} did {better} than most before"
        out.append(reason)
    return out


def reasons_list(schema: Schema, result: LeadScore) -> None:
    """The top reasons in plain words."""
    st.markdown("**Top reasons**")
    if result.reasons:
        st.markdown("\n".join(f"{i}. {md_escape(reason)}"
                               for i, reason in enumerate(readable_reasons(schema, result), start=1)))
    else:
        st.markdown("No field moves this lead away from the average lead.")
    st.caption(REASONS_NOTE)


def waterfall(target: Target, result: LeadScore) -> None:
    """The exact waterfall of one lead, each field labelled by its value ("Credit score 790", "Job: retired")."""
    labels: dict[str, float] = {}
    for name, value in result.contributions.items():
        labels[result.labels.get(name, name)] = labels.get(result.labels.get(name, name), 0.0) + value
    st.plotly_chart(charts.lead_waterfall(target.explains, result.base_value, labels, result.tier,
                                          result.runner_up, result.cleared), config=NO_BAR)
    st.caption(CHART_NOTES[target.explains])


def lead_explanation(schema: Schema, target: Target, result: LeadScore) -> None:
    """Badge, chances, reasons and waterfall of one lead (the triage page's detail view)."""
    left, right = st.columns([1, 1])
    with left:
        tier_badge(target, result)
        reasons_list(schema, result)
    with right:
        chances_chart(target, result)
    waterfall(target, result)


def lead_heading(values: Mapping[str, object], name_columns: list[str], row: int) -> str:
    """"Ana Ruiz (row 18)", or "row 18" when the list has no ID or name column."""
    name = next((str(values[c]) for c in name_columns if c in values and str(values[c]).strip()), "")
    return f"{name} (row {row})" if name else f"row {row}"
