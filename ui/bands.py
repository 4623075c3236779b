"""Tier bands of the active outcome model (Model page): set them, see how each band converted, save them.

The manager cuts High / Medium / Low by share of leads or by chance of
conversion; the gain chart marks where the cuts fall and each band's measured
conversion on the model's test leads updates as the sliders move. Saving
publishes a new version (same booster, new bands); a published version is
never edited in place.
"""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from leadscore import charts
from leadscore.modeling.tiers import DEFAULT_SHARES, Bands
from leadscore.modeling.won_lost.bands import BandsBy, TierBands
from leadscore.scoring.scorer import Scorer
from leadscore.workflows import train
from ui import engine, store_faults
from ui.guard import current_guard, password_problem
from ui.publish import publish_candidate
from ui.sections import NO_BAR
from ui.text import md_escape

log = logging.getLogger(__name__)

BY_SHARE, BY_CHANCE = "Share of leads", "Chance of conversion"


def _pick(current: Bands) -> tuple[BandsBy, float, float]:
    """The way bands are set and the two slider values, as fractions."""
    by = st.radio("Set the tiers by", [BY_SHARE, BY_CHANCE], index=0 if current.kind == "share" else 1,
                  horizontal=True, key="bands_by")
    left, right = st.columns(2)
    if by == BY_SHARE:
        shares = current.shares or DEFAULT_SHARES
        high = left.slider("High: the top … of leads", 1, 80, round(100 * shares[0]), format="%d%%",
                           key="bands_high_share")
        medium = right.slider("Medium: the next … of leads", 0, 80, round(100 * shares[1]), format="%d%%",
                              key="bands_medium_share")
        return "share", high / 100, medium / 100
    high = left.slider("High: chance of conversion at least", 1, 99, max(1, round(100 * current.high)),
                       format="%d%%", key="bands_high_p")
    medium = right.slider("Medium: chance of conversion at least", 0, 99, round(100 * current.medium),
                          format="%d%%", key="bands_medium_p")
    return "probability", high / 100, medium / 100


def _measured(tool: TierBands, bands: Bands) -> None:
    report = tool.report
    tiers = tool.measured(bands)
    if tiers is None:
        st.info("This model's report has no test leads to measure other bands on; train it again to see each "
                "band's conversion here.")
        return
    rules = {"High": f"chance ≥ {bands.high:.1%}", "Medium": f"{bands.medium:.1%} ≤ chance < {bands.high:.1%}",
             "Low": f"chance < {bands.medium:.1%}"}
    high_share = tiers[0].share
    cuts = [("High", high_share), ("Medium", high_share + tiers[1].share)]
    conversions = sum(t.conversions for t in tiers) or 1
    left, right = st.columns(2)
    with left:
        st.plotly_chart(charts.gain([point.to_dict() for point in report.test.gain], cuts), config=NO_BAR,
                        key="bands_gain")
        st.caption("The vertical lines show where High and Medium end among the test leads: read off what share of "
                   "all conversions each tier catches.")
    with right:
        st.plotly_chart(charts.tier_conversion([t.to_dict() for t in tiers], report.test.base_rate),
                        config=NO_BAR, key="bands_tiers")
    st.dataframe(pd.DataFrame([{"Tier": t.tier, "Rule": rules[t.tier], "Share of test leads": t.share,
                                "Converted": t.conversion_rate,
                                "Share of all conversions": t.conversions / conversions,
                                "Test leads": t.leads} for t in tiers]),
                 hide_index=True, column_config={
                     "Share of test leads": st.column_config.NumberColumn(format="percent"),
                     "Converted": st.column_config.NumberColumn(format="percent"),
                     "Share of all conversions": st.column_config.NumberColumn(format="percent")})
    st.caption(f"Measured on the {sum(t.leads for t in tiers):,} test leads the model never saw while learning.")


def _save(scorer: Scorer, bands: Bands) -> None:
    guard = current_guard()
    problem = password_problem(guard, st.session_state.get("bands_password", ""))
    if problem is not None:
        st.error(f"{problem} The bands are unchanged.")
        return
    publish_candidate(train.rebanded(engine.registry(), scorer, bands), None,
                      "Saved the tier bands as version {version}; it is now the active model.")


def _same(a: Bands, b: Bands) -> bool:
    """The same cut points and way of setting them (up to rounding of the quantiles)."""
    return a.kind == b.kind and abs(a.high - b.high) < 1e-9 and abs(a.medium - b.medium) < 1e-9


@store_faults.fragment
def panel(scorer: Scorer) -> None:
    """Sliders, the gain chart with the cut points, each band's conversion, and Save (guarded)."""
    tool = scorer.model.tier_bands
    if tool is None:  # the tab is offered by a report whose model's tiers can be moved (``WonLostReport.tools``)
        st.info("This model's tiers are fixed: there are no tier bands to move.")
        return
    current = tool.current
    st.markdown(
        "Tiers tell the team who to call first. By default the **top 20% of leads are High and the next 30% "
        "Medium**, measured on the leads the model learned from: a team can call its best fifth first, whatever "
        "share of leads usually converts (a fixed chance such as 50% may put almost nobody in High when few "
        "leads convert). Move the sliders to see how each tier would have converted on the test leads.")
    try:
        by, high, medium = _pick(current)
        if by == "share" and high + medium > 1:
            raise ValueError("High and Medium together cannot be more than 100% of the leads")
        if by == "probability" and medium > high:
            raise ValueError("Medium's lowest chance cannot be above High's")
        bands = tool.bands_for(by, high, medium)
    except ValueError as error:
        st.error(f"{md_escape(error)[:1].upper()}{md_escape(error)[1:]}.")
        return
    _measured(tool, bands)
    if _same(bands, current):
        st.caption("These are the bands the active model uses.")
        return
    guard = current_guard()
    if guard.refusal:
        st.info(f"{guard.refusal} The bands can be tried here but not saved.")
        return
    if guard.needs_password:
        st.text_input("Retrain password", type="password", key="bands_password")
    if st.button("Save these bands", type="primary", key="bands_save",
                 help="Publishes a new version with the same model and these bands, and makes it active."):
        _save(scorer, bands)
