"""The results report (``workflows.results``) and drift in a sales manager's words, for the Results and Triage pages.

Pure functions of the typed report (``workflows/results.py``: ``TierResult``, ``Ranking``, ``DriftAbout``; drift's
``DriftEntry``; the store's ``LeadScoring``), so any face can say the same sentence. Technical names (PSI,
ROC AUC, Wilson interval) belong in the pages' "Details for analysts" section, not here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from leadscore.monitoring.drift import MIN_LEADS, DriftEntry
from leadscore.plain_words import chance, percent

if TYPE_CHECKING:  # the typed report these words read (the workflow builds it; it never imports these words)
    from leadscore.store import LeadScoring
    from leadscore.workflows.results import DriftAbout, Ranking, TierResult

#: How each drift status is said on screen.
DRIFT_WORDS = {"stable": "unchanged", "moderate": "moved a little", "significant": "moved a lot",
               "not judged": "not judged (too few leads)"}


def ranking_sentence(ranking: Ranking) -> str:
    """How well the model ordered the leads whose outcome is known, as a manager would ask it."""
    leads, converted = ranking.leads, ranking.converted
    if ranking.auc is None:
        if leads == 0:
            return "No outcome is known yet for the leads shown: upload the CRM's won/lost export above."
        return (f"Of the {leads:,} leads with a known outcome, {converted:,} converted: both converted and "
                "unconverted leads are needed to say how well it ranks them.")
    return (f"It ranked a lead that converted above one that did not {ranking.auc:.0%} of the time, on "
            f"{leads:,} leads with a known outcome ({converted:,} converted). 50% would be a coin toss.")


def tier_verdict(tier: str, row: TierResult) -> str:
    """One tier's real conversion against its promise, with its range and counts."""
    if not row.with_outcome or row.rate is None or row.interval is None:
        return f"{tier}: {row.scored:,} leads scored, no outcome known yet."
    rate = row.rate
    low, high = row.interval
    expected = row.expected
    text = (f"{tier}: {percent(rate)} converted ({row.converted:,} of {row.with_outcome:,} leads with an "
            f"outcome; the true rate is very likely between {percent(low)} and {percent(high)})")
    if expected is None:
        return text + "."
    if low <= expected <= high:
        verdict = "keeps its promise"
    elif expected > high:
        verdict = "converts less than promised"
    else:
        verdict = "converts more than promised"
    return f"{text}; promised {percent(expected)}: {verdict}."


def tier_table(tiers: Mapping[str, TierResult]) -> pd.DataFrame:
    """The tiers as a table a manager reads: promised, converted, range, counts (the leads still open apart: the
    promise and the real rate both stand on the leads with an outcome). The dashboard and the HTML report show
    this one table."""
    rows = []
    for tier, row in tiers.items():
        interval = row.interval
        rows.append({"Tier": tier, "Leads scored": row.scored, "With an outcome": row.with_outcome,
                     "Still open": row.open, "Converted": row.converted,
                     "Real conversion": "–" if row.rate is None else percent(row.rate),
                     "Likely range (95%)": "" if not interval else f"{percent(interval[0])}–{percent(interval[1])}",
                     "Promised": "–" if row.expected is None else percent(row.expected)})
    return pd.DataFrame(rows)


def drift_sentence(entries: Sequence[DriftEntry], about: DriftAbout | None, titles: Mapping[str, str]) -> str:
    """Whether the leads scored lately look like the leads the model learned from, naming what moved most.

    ``about``: what the entries stand on (None: entries measured on the spot, always available)."""
    if about is not None and not about.available:
        return f"Drift cannot be measured: {about.reason or 'no reference'}."
    leads = entries[0].leads if entries else about.leads if about is not None else 0
    if not entries or entries[0].psi is None:
        return (f"Too few leads to judge drift: {leads:,} scored, at least {MIN_LEADS:,} are needed "
                "(with fewer, the comparison would be noise).")
    fields = [e for e in entries if e.field != "score"]
    moved = [e for e in fields if e.status != "stable"]
    name = lambda e: titles.get(e.field, e.field)  # noqa: E731
    if not moved:
        top = ", ".join(name(e) for e in fields[:3])
        return (f"These {leads:,} leads look like the leads the model learned from: no field moved noticeably "
                f"(the closest to moving: {top}).")
    lot = [name(e) for e in moved if e.status == "significant"]
    little = [name(e) for e in moved if e.status == "moderate"]
    parts = []
    if lot:
        parts.append(f"moved a lot: {', '.join(lot[:5])}")
    if little:
        parts.append(f"moved a little: {', '.join(little[:5])}")
    advice = (" The model's tiers may mean less for these leads; compare them with real outcomes on the Results "
              "page." if lot else "")
    return (f"These {leads:,} leads differ from the leads the model learned from. " + "; ".join(parts).capitalize()
            + "." + advice)


def drift_table(entries: Sequence[DriftEntry], titles: Mapping[str, str]) -> pd.DataFrame:
    """Drift per field, largest first, in words (the stability index itself is for analysts' sections only)."""
    return pd.DataFrame([{"Field": "Score (the model's own chance)" if e.field == "score"
                          else titles.get(e.field, e.field),
                          "Change": DRIFT_WORDS.get(e.status, e.status), "Leads": e.leads} for e in entries])


def history_table(history: Sequence[LeadScoring]) -> pd.DataFrame:
    """One lead's scorings, oldest first."""
    return pd.DataFrame([{"Scored at": h.scored_at[:16].replace("T", " "), "Model": h.model_version,
                          "Tier": h.tier, "Chance of conversion": chance(h.chance),
                          "Score": h.score, "List": h.list or ""} for h in history])
