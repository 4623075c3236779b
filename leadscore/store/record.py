"""A scored batch as rows of the scorings table: plain data in (the scorer's output frame), tuples out.

Takes the frame the scorer returns (its input columns kept, ``tier``, the chance columns, ``reason_1..3``),
not the scorer, so it serves both kinds of model: ``p_convert`` (a team's model) or ``p_low/p_medium/p_high``
(the built-in model).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

from leadscore.fields.builtin import CLASSES, TIER_CONVERSION_RATES
from leadscore.fields.lead_id import id_problems, normalize_ids

OUTCOME_CHANCES = ("p_convert",)
BUILTIN_CHANCES = tuple(f"p_{t.lower()}" for t in CLASSES)
REASONS = ("reason_1", "reason_2", "reason_3")
#: Columns the scorer adds; every other column is a field as read.
OUTPUT = frozenset({"tier", "confidence", "score", *OUTCOME_CHANCES, *BUILTIN_CHANCES, *REASONS})
#: The built-in tiers' promise: the midpoint of the seed's expected conversion range (High 35-40% -> 37.5%).
TIER_PROMISE = {tier: (low + high) / 2 for tier, (low, high) in TIER_CONVERSION_RATES.items()}


class RecordError(ValueError):
    """The batch cannot be recorded (the message names the column, and the row when there is one)."""


def builtin_chance(p_low: np.ndarray, p_medium: np.ndarray, p_high: np.ndarray) -> np.ndarray:
    """The built-in model's chance of conversion: its tier probabilities weighted by each tier's promise."""
    return (np.asarray(p_low) * TIER_PROMISE["Low"] + np.asarray(p_medium) * TIER_PROMISE["Medium"]
            + np.asarray(p_high) * TIER_PROMISE["High"])


def chance_columns_of(frame: pd.DataFrame) -> tuple[str, ...]:
    """The chance columns the frame carries: a team's model's or the built-in model's."""
    if set(OUTCOME_CHANCES) <= set(frame.columns):
        return OUTCOME_CHANCES
    if set(BUILTIN_CHANCES) <= set(frame.columns):
        return BUILTIN_CHANCES
    raise RecordError("the scored leads have neither p_convert nor p_low, p_medium and p_high: nothing to record")


def _json_lines(frame: pd.DataFrame) -> list[str]:
    if frame.shape[1] == 0:
        return ["{}"] * len(frame)
    text = frame.to_json(orient="records", lines=True, date_format="iso", force_ascii=False)
    return text.rstrip("\n").split("\n") if len(frame) else []


def scoring_columns(frame: pd.DataFrame, chance_columns: Sequence[str] | None = None,
                    id_column: str | None = None) -> dict[str, list]:
    """Column lists for the scorings table (lead_id, tier, chance, promise, score, chances, fields, reasons).

    ``id_column`` names the lead ID; without it a lead is known by a hash of its fields as read (so the same
    lead scored twice is one lead, and an outcome can only be matched if the file carries the same fields).
    """
    chance_columns = tuple(chance_columns or chance_columns_of(frame))
    missing = [c for c in ("tier", *chance_columns) if c not in frame.columns]
    if missing:
        raise RecordError(f"the scored leads have no column {missing[0]!r}")
    field_columns = [c for c in frame.columns if c not in OUTPUT]
    fields = _json_lines(frame[field_columns])
    if id_column is not None:
        if id_column not in frame.columns:
            columns = ", ".join(map(str, frame.columns))
            raise RecordError(f"ID column {id_column!r} is not in the file; columns: {columns}")
        ids = normalize_ids(frame[id_column])
        problems = id_problems(ids)
        if problems.notna().any():  # the one rule of leadscore.fields.lead_id
            at = int(np.flatnonzero(problems.notna().to_numpy())[0])
            raise RecordError(f"row {frame.index[at]}, column {id_column!r}: {problems.iloc[at]}")
        lead_ids = ids.tolist()
    else:
        lead_ids = ["h:" + hashlib.sha256(line.encode()).hexdigest()[:20] for line in fields]
    chances = frame[list(chance_columns)].astype(float)
    if chance_columns == OUTCOME_CHANCES:
        chance = chances["p_convert"].to_numpy()
        promise = chance
    else:
        chance = builtin_chance(*(chances[c].to_numpy() for c in BUILTIN_CHANCES))
        promise = frame["tier"].map(TIER_PROMISE).astype(float).to_numpy()
    if np.isnan(chance).any() or np.isnan(promise).any():
        row = frame.index[np.flatnonzero(np.isnan(chance) | np.isnan(promise))[0]]
        raise RecordError(f"row {row}: no chance or an unknown tier {frame.loc[row, 'tier']!r}")
    reason_columns = [c for c in REASONS if c in frame.columns]
    reasons = (_json_lines(frame[reason_columns].astype("string").fillna("")) if reason_columns
               else [None] * len(frame))
    score = frame["score"].astype(float).tolist() if "score" in frame.columns else [None] * len(frame)
    return {"lead_id": lead_ids, "tier": frame["tier"].astype(str).tolist(), "chance": chance.tolist(),
            "promise": promise.tolist(), "score": score, "chances": _json_lines(chances), "fields": fields,
            "reasons": reasons}
