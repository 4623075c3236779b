"""Scored leads as the store records them: typed rows whose numbers the model's target defined.

``Store.record`` takes these and nothing else, so it never names a target's column: the chance of
conversion, the score and the tier are already the target's (``Target.conversion``, ``Target.score``,
``Target.decide``), whatever kind of model scored the leads.

- ``ScoredRow``: one lead (the API records leads one by one, as they come).
- ``ScoredRows``: many leads, a column each, as a scored file's chunk is (the command line and the
  dashboard): encoding 100,000 leads column by column costs a fraction of building 100,000 objects.

Both are built here from what a ``Model`` scored (``rows_of_table``, ``rows_of_leads``), so every face records
the same numbers. They live beside the scorer, not in the store, because the target that defines them sits
below the store in the flow of imports (``fields → data → modeling → scoring → store``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from leadscore.data.export import PROBABILITY_DECIMALS
from leadscore.modeling.target import REASON_COLUMNS

if TYPE_CHECKING:  # the store imports these types without loading a model's libraries
    from leadscore.modeling.model import Model


@dataclass(frozen=True)
class ScoredRow:
    """One scored lead as recorded."""

    #: The lead's ID as sent (the store validates it), or None: the lead is known by a hash of its fields.
    lead_id: str | None
    model_version: str
    tier: str
    #: The lead's calibrated chance of conversion (``Target.conversion``).
    chance: float
    #: The chance as a whole score 0-100 (``Target.score``).
    score: int
    #: Each field as recorded (name -> value as read or sent), the lead's other plain values beside them.
    fields: Mapping[str, Any]
    reasons: tuple[str, ...] = ()
    #: Who the lead belongs to (stored once the store has the column), None when unknown.
    owner: str | None = None
    #: The target's own columns for this lead as a scored file shows them (chances to 4 decimals), kept as
    #: they are so that a saved list reopens as it was scored; the store does not read them.
    columns: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ScoredRows:
    """Many scored leads of one model version, a column each (``ScoredRow``'s fields, as arrays)."""

    model_version: str
    tier: np.ndarray
    chance: np.ndarray
    score: np.ndarray
    #: One column per field as recorded; its index is each lead's row in the file (messages name it).
    fields: pd.DataFrame
    #: The IDs as read (same index as ``fields``), or None: each lead is known by a hash of its fields.
    lead_id: pd.Series | None = None
    #: The column the IDs were read from, for messages ("row 5, column 'Lead ID': the lead ID is empty").
    id_column: str | None = None
    #: (n, 3) reasons in words ("" for none), or None when the leads were not explained.
    reasons: np.ndarray | None = None
    owner: np.ndarray | None = None
    #: The target's own columns (``ScoredRow.columns``), one per column.
    columns: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __post_init__(self) -> None:
        sizes = {len(self.tier), len(self.chance), len(self.score), len(self.fields),
                 *(len(c) for c in (self.lead_id, self.reasons, self.owner) if c is not None)}
        if len(self.columns.columns):
            sizes.add(len(self.columns))
        if len(sizes) > 1:
            raise ValueError(f"scored rows of different lengths: {sorted(sizes)}")

    def __len__(self) -> int:
        return len(self.tier)

    def __iter__(self) -> Iterator[ScoredRow]:
        """Each lead as a ``ScoredRow`` (slow for large batches: for reading a few back, and for tests)."""
        fields = self.fields.to_dict(orient="records")
        columns = self.columns.to_dict(orient="records") if len(self.columns.columns) else [{}] * len(self)
        for i in range(len(self)):
            yield ScoredRow(
                lead_id=None if self.lead_id is None else str(self.lead_id.iloc[i]),
                model_version=self.model_version, tier=str(self.tier[i]), chance=float(self.chance[i]),
                score=int(self.score[i]), fields=fields[i],
                reasons=() if self.reasons is None else tuple(str(r) for r in self.reasons[i]),
                owner=None if self.owner is None or self.owner[i] is None else str(self.owner[i]),
                columns=columns[i])

    @classmethod
    def of(cls, rows: Sequence[ScoredRow]) -> ScoredRows:
        """Rows of one model version, with the same field names, as columns (``Store.record`` groups them so)."""
        versions = {row.model_version for row in rows}
        if len(versions) > 1:
            raise ValueError(f"rows of {len(versions)} model versions: group them by version first")
        with_id = [row.lead_id is not None for row in rows]
        if any(with_id) and not all(with_id):
            raise ValueError("some rows have a lead ID and some do not: group them first")
        width = max((len(row.reasons) for row in rows), default=0)
        reasons = np.array([[*row.reasons, *[""] * (width - len(row.reasons))] for row in rows], dtype=object)
        return cls(
            model_version=next(iter(versions), ""),
            tier=np.array([row.tier for row in rows], dtype=object),
            chance=np.array([row.chance for row in rows], dtype=np.float64),
            score=np.array([row.score for row in rows], dtype=np.int64),
            fields=pd.DataFrame([dict(row.fields) for row in rows], dtype=object),
            lead_id=pd.Series([row.lead_id for row in rows], dtype=object) if rows and all(with_id) else None,
            reasons=reasons if width else None,
            owner=np.array([row.owner for row in rows], dtype=object) if any(r.owner for r in rows) else None,
            columns=pd.DataFrame([dict(row.columns) for row in rows]))


class ScoredLead(Protocol):
    """What a lead scored on its own says (``LeadScore`` has it): its tier, chances and reasons."""

    @property
    def tier(self) -> str: ...

    @property
    def probabilities(self) -> tuple[float, ...]: ...

    @property
    def reasons(self) -> Sequence[str]: ...


class RecordError(ValueError):
    """Scored leads cannot be recorded (the message names the column, and the row when there is one)."""


def rows_of_table(model: Model, scored: pd.DataFrame, id_column: str | None = None,
                  owner_column: str | None = None) -> ScoredRows:
    """A scored table (the scorer's output: the input columns, ``tier``, the target's columns, the reasons) as
    rows; every column the scorer did not add is a field as recorded. ``id_column`` names the lead ID (kept
    among the fields too); without it each lead is known by a hash of its fields. ``owner_column`` names who
    each lead belongs to (kept among the fields too).

    The chance of conversion is the target's, from its own columns (exact: they are the scorer's numbers).
    Raises RecordError when a named column is not in the table.
    """
    target = model.target
    for what, name in (("ID", id_column), ("owner", owner_column)):
        if name is not None and name not in scored.columns:
            raise RecordError(f"{what} column {name!r} is not in the file; columns: "
                              f"{', '.join(map(str, scored.columns))}")
    produced = {"tier", *target.chance_columns, *REASON_COLUMNS}
    probabilities = target.probabilities_of({c: scored[c].to_numpy(dtype=np.float64) for c in target.chance_columns})
    chance, score = target.conversion(probabilities), target.score(probabilities)
    reasons = [c for c in REASON_COLUMNS if c in scored.columns]
    owner = None
    if owner_column is not None:
        text = scored[owner_column].astype("string").str.strip()
        owner = text.where(text.notna() & (text != ""), None).to_numpy(dtype=object)
    return ScoredRows(
        model_version=model.version, tier=scored["tier"].to_numpy(dtype=object), chance=chance,
        score=score, fields=scored.drop(columns=[c for c in scored.columns if c in produced]),
        lead_id=None if id_column is None else scored[id_column], id_column=id_column,
        reasons=scored[reasons].astype("string").fillna("").to_numpy(dtype=object) if reasons else None,
        owner=owner, columns=scored[list(target.chance_columns)].round(PROBABILITY_DECIMALS))


def rows_of_leads(model: Model, leads: Sequence[tuple[Mapping[str, Any], str | None, ScoredLead]]) -> list[ScoredRow]:
    """Leads scored one by one (the API) as rows: (fields as recorded, lead ID or None, the scorer's result).

    The numbers are computed for all of them at once, from each lead's chances (``LeadScore.probabilities``).
    """
    if not leads:
        return []
    target = model.target
    probabilities = np.array([result.probabilities for _, _, result in leads], dtype=np.float64)
    tiers = np.array([result.tier for _, _, result in leads], dtype=object)
    chance, score = target.conversion(probabilities), target.score(probabilities)
    columns = pd.DataFrame(target.columns(probabilities, tiers)).round(PROBABILITY_DECIMALS).to_dict(orient="records")
    return [ScoredRow(lead_id=lead_id, model_version=model.version, tier=result.tier, chance=float(chance[i]),
                      score=int(score[i]), fields=fields, reasons=tuple(result.reasons), columns=columns[i])
            for i, (fields, lead_id, result) in enumerate(leads)]
