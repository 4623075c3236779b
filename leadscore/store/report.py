"""The results report's queries: counts per tier, ranking buckets, a drift sample, a breakdown, for one scope.

Every total is aggregated in the database (GROUP BY), never row by row in Python, so the report over a
million recorded scorings stays within a couple of seconds (benchmarks/bench_store.py). Each lead counts
once, with its latest scoring (if that scoring is within the scope). The report itself (which versions,
the promise, the interval, the JSON) is built by ``leadscore.workflows.results`` from these.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, Integer, case, cast, func, select
from sqlalchemy.dialects.postgresql import JSONB

from leadscore.store.tables import SavedList, Scoring, ScoringData

#: Chances are bucketed to 1/1000 for the ROC AUC and the gain chart (ties within a bucket count half).
BUCKETS = 1000
#: Drift is measured on at most this many leads of the scope, an even sample (PSI on 20,000 leads is exact
#: to about 0.001; parsing more JSON would only cost time).
DRIFT_SAMPLE = 20_000
#: ``by`` this name breaks the results down by each lead's recorded owner (``Scoring.owner``), not a field.
BY_OWNER = "owner"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


@dataclass(frozen=True)
class Scope:
    """Which recorded scorings a figure stands on: each lead's latest scoring, made by ``version`` (None: any
    version, for counting which versions there are), scored in [since, until), in the saved list ``list_name``;
    ``owner``: only that owner's leads (a rep's results)."""

    version: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    list_name: str | None = None
    owner: str | None = None


@dataclass(frozen=True)
class TierCounts:
    """One tier's leads in a scope: scored, with an outcome, converted, and the sums of their recorded chances
    of conversion (those with an outcome, those still open), from which the promise is taken."""

    scored: int = 0
    with_outcome: int = 0
    converted: int = 0
    chance_with_outcome: float = 0.0
    chance_open: float = 0.0


def _where(scope: Scope) -> list[Any]:
    where: list[Any] = [Scoring.latest]
    # instants in UTC: SQLite keeps naive UTC text and would ignore a zone offset (PostgreSQL would not)
    if scope.since is not None:
        where.append(Scoring.scored_at >= _utc(scope.since))
    if scope.until is not None:
        where.append(Scoring.scored_at < _utc(scope.until))
    if scope.version is not None:
        where.append(Scoring.model_version == scope.version)
    if scope.list_name is not None:
        where.append(Scoring.list_id == select(SavedList.id).where(SavedList.name == scope.list_name)
                     .scalar_subquery())
    if scope.owner is not None:
        where.append(Scoring.owner == scope.owner)
    return where


def _field(connection: Connection, name: str) -> Any:
    """A field as read, extracted from the JSON text in SQL."""
    if connection.dialect.name == "postgresql":
        return func.jsonb_extract_path_text(cast(ScoringData.fields, JSONB), name)
    return func.json_extract(ScoringData.fields, "$." + json.dumps(name))


def _counts_columns() -> list[Any]:
    known = Scoring.outcome.is_not(None)
    return [func.count(), func.count(Scoring.outcome), func.coalesce(func.sum(Scoring.outcome), 0),
            func.coalesce(func.sum(case((known, Scoring.chance))), 0.0),
            func.coalesce(func.sum(case((~known, Scoring.chance))), 0.0)]


def _tier_counts(n: Any, k: Any, c: Any, with_outcome: Any, still_open: Any) -> TierCounts:
    return TierCounts(int(n), int(k), int(c), float(with_outcome), float(still_open))


def tier_counts(connection: Connection, scope: Scope) -> dict[str, TierCounts]:
    """Each tier's counts in the scope (tiers with no lead are absent)."""
    query = select(Scoring.tier, *_counts_columns()).where(*_where(scope)).group_by(Scoring.tier)
    return {str(tier): _tier_counts(*rest) for tier, *rest in connection.execute(query)}


def breakdown_counts(connection: Connection, scope: Scope, column: str) -> dict[str | None, dict[str, TierCounts]]:
    """Each value of an input column (None: empty or absent), its tiers' counts. ``BY_OWNER``: each lead's
    recorded owner (a lead recorded before owners were: its field of that name)."""
    value = _field(connection, column)
    if column.strip().lower() == BY_OWNER:
        value = func.coalesce(Scoring.owner, value)
    query = (select(value, Scoring.tier, *_counts_columns()).join(ScoringData, ScoringData.scoring_id == Scoring.id)
             .where(*_where(scope)).group_by(value, Scoring.tier))
    groups: dict[str | None, dict[str, TierCounts]] = {}
    for level, tier, *rest in connection.execute(query):
        groups.setdefault(None if level is None else str(level), {})[str(tier)] = _tier_counts(*rest)
    return groups


def ranking_buckets(connection: Connection, scope: Scope) -> list[tuple[int, int, int]]:
    """(chance bucket, converted, not converted) over the scope's leads with an outcome."""
    bucket = cast(Scoring.chance * BUCKETS, Integer)
    query = (select(bucket, func.sum(Scoring.outcome), func.count() - func.sum(Scoring.outcome))
             .where(*_where(scope), Scoring.outcome.is_not(None)).group_by(bucket))
    return [(int(b or 0), int(p or 0), int(n or 0)) for b, p, n in connection.execute(query)]


def drift_sample(connection: Connection, scope: Scope) -> tuple[int, list[dict[str, Any]], list[float]]:
    """How many leads the scope holds, and an even sample of at most DRIFT_SAMPLE of them: fields as read, chance."""
    where = _where(scope)
    leads = int(connection.execute(select(func.count()).select_from(Scoring).where(*where)).scalar_one())
    step = max(1, math.ceil(leads / DRIFT_SAMPLE))
    sample = select(ScoringData.fields, Scoring.chance).join(ScoringData, ScoringData.scoring_id == Scoring.id)
    sample = sample.where(*where, Scoring.id % step == 0) if step > 1 else sample.where(*where)
    rows = connection.execute(sample).all()
    return leads, [json.loads(r.fields) for r in rows], [float(r.chance) for r in rows]


def versions(connection: Connection, scope: Scope) -> list[tuple[str, int, datetime]]:
    """The model versions whose leads are in the scope (``scope.version`` ignored): version, leads, last scored,
    the most recently scored first."""
    where = _where(Scope(None, scope.since, scope.until, scope.list_name, scope.owner))
    query = (select(Scoring.model_version, func.count(), func.max(Scoring.scored_at)).where(*where)
             .group_by(Scoring.model_version).order_by(func.max(Scoring.scored_at).desc(), Scoring.model_version))
    return [(str(v), int(n), last) for v, n, last in connection.execute(query)]


def recorded_versions(connection: Connection) -> list[str]:
    """Every model version with a recorded scoring (any lead, any time), in name order."""
    query = select(Scoring.model_version).distinct().order_by(Scoring.model_version)
    return [str(v) for v in connection.execute(query).scalars()]


def list_names(connection: Connection) -> list[str]:
    """Every saved list's name, the newest first."""
    query = select(SavedList.name).order_by(SavedList.created_at.desc(), SavedList.name)
    return [str(name) for name in connection.execute(query).scalars()]


def leads_with_outcome(connection: Connection) -> int:
    """Leads whose outcome is known (each lead once, any version): what retraining from results learns from."""
    query = select(func.count()).select_from(Scoring).where(Scoring.latest, Scoring.outcome.is_not(None))
    return int(connection.execute(query).scalar_one())
