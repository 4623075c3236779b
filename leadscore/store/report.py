"""Results: each tier's promise against what really happened, how well the model ranks, drift.

Every total is aggregated in the database (GROUP BY), never row by row in Python, so the report over a
million recorded scorings stays within a couple of seconds (benchmarks/bench_store.py). Each lead counts
once, with its latest scoring (if that scoring is within the filters). Each figure names the leads it stands on.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Integer, cast, func, select
from sqlalchemy.dialects.postgresql import JSONB

from leadscore.monitoring import drift
from leadscore.store.tables import SavedList, Scoring, ScoringData

if TYPE_CHECKING:
    from leadscore.store.store import Store

TIER_ORDER = ("High", "Medium", "Low")
#: Chances are bucketed to 1/1000 for the ROC AUC and the gain chart (ties within a bucket count half).
BUCKETS = 1000
#: Drift is measured on at most this many leads of the period, an even sample (PSI on 20,000 leads is exact
#: to about 0.001; parsing more JSON would only cost time).
DRIFT_SAMPLE = 20_000
#: A breakdown shows at most this many values of the chosen column (the most scored).
BY_VALUES = 20
#: A breakdown by owner shows this many owners (a team's reps, all of them in practice).
BY_OWNERS = 200
Z95 = 1.959963984540054
EXPECTED_NOTE = ("expected (the promise): the mean calibrated chance of conversion of the tier's leads, each "
                 "lead's chance as its model gave it")


def wilson(converted: int, n: int) -> list[float] | None:
    """The 95% Wilson score interval of a rate (honest near 0 and 1 and for small n)."""
    if n == 0:
        return None
    p = converted / n
    centre = (p + Z95 ** 2 / (2 * n)) / (1 + Z95 ** 2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n)) / (1 + Z95 ** 2 / n)
    return [round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)]


#: ``by`` this name breaks the results down by each lead's recorded owner (``Scoring.owner``), not a field.
BY_OWNER = "owner"


def _filters(since: datetime | None, until: datetime | None, model: str | None, list_name: str | None,
             owner: str | None = None) -> list:
    where: list[Any] = [Scoring.latest]
    if owner is not None:
        where.append(Scoring.owner == owner)
    if since is not None:
        where.append(Scoring.scored_at >= since)
    if until is not None:
        where.append(Scoring.scored_at < until)
    if model:
        where.append(Scoring.model_version == model)
    if list_name:
        where.append(Scoring.list_id == select(SavedList.id).where(SavedList.name == list_name).scalar_subquery())
    return where


def _field(connection: Connection, name: str) -> Any:
    """A field as read, extracted from the JSON text in SQL."""
    if connection.dialect.name == "postgresql":
        return func.jsonb_extract_path_text(cast(ScoringData.fields, JSONB), name)
    return func.json_extract(ScoringData.fields, "$." + json.dumps(name))


def _tier_row(scored: int, with_outcome: int, converted: int, expected: float | None) -> dict[str, Any]:
    rate = converted / with_outcome if with_outcome else None
    return {"scored": scored, "with_outcome": with_outcome, "converted": converted,
            "rate": round(rate, 4) if rate is not None else None, "interval": wilson(converted, with_outcome),
            "expected": round(expected, 4) if expected is not None else None,
            "rate_leads": with_outcome, "expected_leads": scored}


def _ranking(buckets: list[tuple[int, int, int]]) -> tuple[dict[str, Any], list[dict[str, float]]]:
    """ROC AUC and gain points from (bucket, converted, not converted) counts."""
    if not buckets:
        return {"auc": None, "leads": 0, "converted": 0}, []
    table = np.array(sorted(buckets, reverse=True), dtype=float)  # highest chance first
    pos, neg = table[:, 1], table[:, 2]
    n_pos, n_neg = pos.sum(), neg.sum()
    auc = None
    if n_pos and n_neg:
        negatives_below = n_neg - np.cumsum(neg)
        auc = float((pos * (negatives_below + neg / 2)).sum() / (n_pos * n_neg))
    leads = pos + neg
    share = np.cumsum(leads) / leads.sum()
    captured = np.cumsum(pos) / n_pos if n_pos else np.zeros_like(share)
    points = [{"leads_share": 0.0, "converted_share": 0.0}]
    for target in np.linspace(0.1, 1.0, 10):
        k = int(np.searchsorted(share, target - 1e-9))
        points.append({"leads_share": round(float(share[k]), 4), "converted_share": round(float(captured[k]), 4)})
    return ({"auc": round(auc, 4) if auc is not None else None, "leads": int(leads.sum()),
             "converted": int(n_pos)}, points)


def _drift(connection: Connection, store: Store, where: list, model: str | None,
           references: dict[str, Any] | None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    version = model or connection.execute(
        select(Scoring.model_version).where(*where).order_by(Scoring.id.desc()).limit(1)).scalar()
    if version is None:
        return [], {"model_version": None, "available": False, "reason": "no scored leads in the period"}
    reference = (references or {}).get(version) or store.drift_reference(version)
    if reference is None:
        return [], {"model_version": version, "available": False,
                    "reason": f"model {version} has no drift reference (trained before references were kept)"}
    where = [*where, Scoring.model_version == version]
    leads = int(connection.execute(select(func.count()).select_from(Scoring).where(*where)).scalar_one())
    step = max(1, math.ceil(leads / DRIFT_SAMPLE))
    sample = (select(ScoringData.fields, Scoring.chance).join(ScoringData, ScoringData.scoring_id == Scoring.id)
              .where(*where))
    if step > 1:
        sample = sample.where(Scoring.id % step == 0)
    rows = connection.execute(sample).all()
    fields = pd.DataFrame([json.loads(r.fields) for r in rows])
    entries = drift.compare(reference, fields, np.array([r.chance for r in rows], dtype=float))
    return entries, {"model_version": version, "available": True, "leads": leads, "sampled": len(rows),
                     "min_leads": drift.MIN_LEADS,
                     "thresholds": {"stable_below": drift.STABLE_BELOW, "moderate_to": drift.MODERATE_TO}}


def build(connection: Connection, store: Store, since: datetime | None = None, until: datetime | None = None,
          model: str | None = None, list_name: str | None = None, by: str | None = None,
          references: dict[str, Any] | None = None, owner: str | None = None) -> dict[str, Any]:
    """The report as a JSON-safe dict: tiers, drift (largest PSI first), ranking, gain, breakdown.

    ``owner``: only that owner's leads; ``by``: a breakdown by a field as read, or by each lead's recorded owner
    (``BY_OWNER``: every owner, up to BY_OWNERS; a lead recorded without one by its field of that name).
    """
    where = _filters(since, until, model, list_name, owner)
    tiers_query = (select(Scoring.tier, func.count(), func.count(Scoring.outcome),
                          func.coalesce(func.sum(Scoring.outcome), 0), func.avg(Scoring.chance))
                   .where(*where).group_by(Scoring.tier))
    counts = {tier: (int(n), int(k), int(c), float(e)) for tier, n, k, c, e in connection.execute(tiers_query)}
    tiers = {tier: _tier_row(*counts.get(tier, (0, 0, 0, None))) for tier in TIER_ORDER}
    bucket = cast(Scoring.chance * BUCKETS, Integer)
    ranking_query = (select(bucket, func.sum(Scoring.outcome), func.count() - func.sum(Scoring.outcome))
                     .where(*where, Scoring.outcome.is_not(None)).group_by(bucket))
    ranking, gain = _ranking([(int(b), int(p), int(n)) for b, p, n in connection.execute(ranking_query)])
    drift_rows, drift_about = _drift(connection, store, where, model, references)
    report: dict[str, Any] = {
        "filters": {"since": since.isoformat() if since else None, "until": until.isoformat() if until else None,
                    "model": model, "list": list_name, "owner": owner},
        "leads": sum(t["scored"] for t in tiers.values()),
        "tiers": tiers, "drift": drift_rows, "drift_about": drift_about, "ranking": ranking, "gain": gain,
        "notes": [EXPECTED_NOTE,
                  "each lead counts once, with its latest scoring (if that scoring is within the filters)",
                  "interval: 95% Wilson interval of the rate; rate_leads/expected_leads: the leads each stands on"],
    }
    if by:
        by_owner = by.strip().lower() == BY_OWNER
        # By owner: the owner recorded with the scoring, else (leads recorded before owners were) the field.
        value = func.coalesce(Scoring.owner, _field(connection, by)) if by_owner else _field(connection, by)
        by_query = (select(value, Scoring.tier, func.count(), func.count(Scoring.outcome),
                           func.coalesce(func.sum(Scoring.outcome), 0), func.avg(Scoring.chance))
                    .join(ScoringData, ScoringData.scoring_id == Scoring.id).where(*where)
                    .group_by(value, Scoring.tier))
        groups: dict[str, dict[str, Any]] = {}
        for level, tier, n, k, c, e in connection.execute(by_query):
            key = ("(no owner)" if by_owner else "(empty)") if level is None else str(level)
            groups.setdefault(key, {})[tier] = _tier_row(int(n), int(k), int(c), float(e))
        top = sorted(groups, key=lambda g: -sum(t["scored"] for t in groups[g].values()))[
            :BY_OWNERS if by_owner else BY_VALUES]
        report["by"] = {"column": by, "values": [{"value": g, "tiers": groups[g]} for g in top],
                        "values_total": len(groups)}
    return report
