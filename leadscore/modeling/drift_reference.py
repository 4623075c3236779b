"""The drift reference a trainer saves with each model version: how its training leads were spread.

Ten quantile bins per number field (plus one for empty cells), the level shares of each category (rare levels
as "other", plus empty), and the same bins for the model's own chance of conversion. The trainers
(``three_tiers/train.py``, ``won_lost/train.py``) write it into ``metadata["drift_reference"]``;
``monitoring/drift.py`` puts recent leads into the same bins (``shares``) and measures how far they moved.
The saved format (keys, bins, rounding) is read by every version ever published: it does not change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from leadscore.fields.field import OTHER
from leadscore.fields.infer import missing_mask

BINS = 10
#: A category level seen in less than this share of the training leads is pooled as "other".
RARE_SHARE = 0.01
MISSING = "(empty)"
NUMBER_KINDS = frozenset({"number", "integer"})


def _numbers(values: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    if pd.api.types.is_numeric_dtype(values.dtype):  # no placeholder text in a number column: empty is NaN already
        return numbers
    return numbers.mask(missing_mask(values))


def _number_bins(values: pd.Series) -> dict[str, Any]:
    numbers = _numbers(values)
    filled = numbers.dropna().to_numpy(dtype=float)
    edges = np.unique(np.quantile(filled, np.linspace(0, 1, BINS + 1)[1:-1])) if len(filled) else np.array([])
    return {"kind": "number", "edges": edges.tolist(), "shares": _number_shares(numbers, edges).tolist()}


def _number_shares(numbers: pd.Series, edges: np.ndarray) -> np.ndarray:
    """Shares of the bins (-inf, e1], (e1, e2], ..., (ek, inf), then empty cells."""
    values = numbers.to_numpy(dtype=float)
    empty = np.isnan(values)
    counts = np.bincount(np.searchsorted(edges, values[~empty], side="left"), minlength=len(edges) + 1)
    counts = np.append(counts, empty.sum()).astype(float)
    return counts / max(len(values), 1)


def _category_text(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip().str.lower()
    return text.mask(missing_mask(values), MISSING).fillna(MISSING)


def _category_levels(values: pd.Series) -> dict[str, Any]:
    text = _category_text(values)
    shares = text.value_counts(normalize=True)
    levels = [str(level) for level, share in shares.items() if share >= RARE_SHARE and level != MISSING]
    return {"kind": "category", "levels": levels, "shares": _category_shares(text, levels).tolist()}


def _category_shares(text: pd.Series, levels: list[str]) -> np.ndarray:
    """Shares of each level, then "other" (rare or unseen levels), then empty cells."""
    known = {level: i for i, level in enumerate(levels)}
    codes = text.map(known).fillna(len(levels)).to_numpy(dtype=np.int64, copy=True)
    codes[(text == MISSING).to_numpy(dtype=bool)] = len(levels) + 1
    return np.bincount(codes, minlength=len(levels) + 2) / max(len(text), 1)


def drift_reference(fields: pd.DataFrame, field_kinds: Mapping[str, str], scores: np.ndarray) -> dict[str, Any]:
    """The reference a model version is compared against: bins and shares of its training leads (JSON-safe).

    ``fields``: the training leads' fields as read; ``field_kinds``: name -> "number", "integer", "flag" or
    "category" (flags are compared as categories); ``scores``: the model's chance of conversion for those
    leads, as its target defines it (``Target.conversion``).
    """
    reference: dict[str, Any] = {"leads": int(len(fields)), "fields": {}, "other": OTHER}
    for name, kind in field_kinds.items():
        if name in fields.columns:
            values = fields[name]
            reference["fields"][name] = _number_bins(values) if kind in NUMBER_KINDS else _category_levels(values)
    reference["score"] = _number_bins(pd.Series(np.asarray(scores, dtype=float)))
    return reference


def shares(bins: Mapping[str, Any], values: pd.Series) -> np.ndarray:
    """The shares of ``values`` in one field's (or the score's) bins of a saved reference, in the same order as
    its ``shares``: what drift compares."""
    if bins["kind"] == "number":
        return _number_shares(_numbers(values), np.asarray(bins["edges"], dtype=float))
    return _category_shares(_category_text(values), list(bins["levels"]))
