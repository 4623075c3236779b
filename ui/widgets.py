"""Pieces of a page that show one scored lead, whatever its model: the tier badge, chances, reasons, waterfall.

Every piece reads a ``LeadScore`` and the model's target; the words come from the target
(``Target.framing``), never from a branch on the model's class:

- the badge quotes the tier's follow-up, the chance shown with it and, when that is not one, the lead's
  chance of conversion (what its tier promises for it, ``Target.promise``), then what the tier's leads did
  when the model was made (``Target.history``), named as such. For three tiers the chance shown with the
  tier is how sure the model is of the tier, never a chance of converting, and it is worded so: "The model
  is 85% sure this lead is Medium" beside "Chance this lead converts: 19%";
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

REASONS_NOTE = ("The fields that weigh most for this tier, in plain words: “raises” pushes the lead towards a "
                "higher tier (or conversion), “lowers” towards a lower one; “unknown” means the field was empty, "
                "which can itself be telling.")


def promise_words(promise: float | None, leads: int) -> str:
    """"These 120 leads' chance of conversion: 34% on average" (their tier's promise for them; "" for none)."""
    if promise is None or not leads:
        return ""
    return (f"This lead's chance of conversion: {plain_words.chance(promise)}." if leads == 1 else
            f"These {leads:,} leads' chance of conversion: {plain_words.chance(promise)} on average.")


def chance_words(target: Target, tier: str, chance: float) -> str:
    """The chance shown with a tier, in words that say what it is a chance of."""
    return target.framing.chance_words.format(chance=plain_words.chance(chance), tier=tier)


def tier_help(target: Target, promises: Mapping[str, float | None], counts: Mapping[str, int]) -> dict[str, str]:
    """One line per tier for help texts: its follow-up, its promise for the leads in hand (``promises``, with
    their ``counts``) and what its leads did when the model was made."""
    return {tier: " ".join(w for w in (f"{TIER_ACTIONS[tier]}.", promise_words(promises.get(tier), counts.get(tier, 0)),
                                       target.history(tier)) if w)
            for tier in TIERS}


def tier_badge(target: Target, result: LeadScore) -> None:
    """The tier as a large coloured badge: the follow-up, what the chance shown is a chance of, the lead's chance
    of conversion, what the tier's leads did when the model was made, and (when the rule chose a tier that is
    not the likeliest) why."""
    tier = result.tier
    colour = charts.TIER_COLOURS[tier]
    score = result.chances.get("score")
    chance = chance_words(target, tier, result.chance) + (f" (score {score} of 100)" if score is not None else "")
    if target.framing.conversion_words:  # the chance above is not one of converting: say the lead's too
        chance += ". " + target.framing.conversion_words.format(chance=plain_words.chance(result.conversion))
    rule = (f'<div class="tier-rule" style="font-weight:600">{html.escape(result.decision)}.</div>'
            if result.decision else "")
    promise = target.history(tier)
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
    st.plotly_chart(charts.chance_bars(result.bars, target.framing.chances_title,
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
    st.caption(target.framing.chart_note)


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
