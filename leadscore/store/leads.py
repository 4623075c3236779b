"""The recorded leads as a work list: each lead's latest scoring, optionally one owner's only (a rep's "My leads").

The owner filter is part of the query, so a rep's list never holds another owner's lead, whatever the page does
with it afterwards.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select

from leadscore.store.store import Store, _as_utc
from leadscore.store.tables import SavedList, Scoring, ScoringData

#: The columns of ``latest_leads`` before the reasons, in order.
COLUMNS = ("lead_id", "owner", "tier", "chance", "score", "outcome", "list", "scored_at", "model_version")
OUTCOME_WORDS = {1: "converted", 0: "did not convert"}


def latest_leads(store: Store, owner: str | None = None, list_name: str | None = None) -> pd.DataFrame:
    """Each recorded lead's latest scoring (with ``owner``: only that owner's leads; ``list_name``: only leads whose
    latest scoring is in that saved list): COLUMNS, then ``reason_1``..``reason_3``; newest first."""
    query = (select(Scoring.lead_id, Scoring.owner, Scoring.tier, Scoring.chance, Scoring.score, Scoring.outcome,
                    SavedList.name, Scoring.scored_at, Scoring.model_version, ScoringData.reasons)
             .join(SavedList, SavedList.id == Scoring.list_id, isouter=True)
             .join(ScoringData, ScoringData.scoring_id == Scoring.id, isouter=True)
             .where(Scoring.latest).order_by(Scoring.id.desc()))
    if owner is not None:
        query = query.where(Scoring.owner == owner)
    if list_name is not None:
        query = query.where(SavedList.name == list_name)
    with store.reading("read the recorded leads") as connection:
        rows = connection.execute(query).all()
    out = pd.DataFrame([{"lead_id": r.lead_id, "owner": r.owner or "", "tier": r.tier, "chance": r.chance,
                         "score": r.score, "outcome": OUTCOME_WORDS.get(r.outcome, ""), "list": r.name or "",
                         "scored_at": _as_utc(r.scored_at),
                         "model_version": r.model_version, **_reasons(r.reasons)} for r in rows],
                       columns=[*COLUMNS, "reason_1", "reason_2", "reason_3"])
    return out


def _reasons(text: str | None) -> dict[str, str]:
    reasons = list(json.loads(text).values()) if text else []
    return {f"reason_{k + 1}": str(reasons[k]) if len(reasons) > k else "" for k in range(3)}


@dataclass(frozen=True)
class OwnerLeads:
    """An owner value of the recorded leads ("" for none) and how many leads (latest scorings) carry it."""

    owner: str
    leads: int


def owners(store: Store) -> list[OwnerLeads]:
    """Every owner value of the recorded leads (latest scorings; "" for none) with its number of leads, most leads
    first."""
    query = select(Scoring.owner, func.count()).where(Scoring.latest).group_by(Scoring.owner)
    with store.reading("read the leads' owners") as connection:
        found = [OwnerLeads(owner or "", int(n)) for owner, n in connection.execute(query)]
    return sorted(found, key=lambda entry: (-entry.leads, entry.owner))
