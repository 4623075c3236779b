"""Drift: how far the leads scored lately have moved from the leads a model was trained on.

The population stability index (PSI) per field and for the score, on a
reference stored with each model version at training time (``drift_reference``):
ten quantile bins per number field (plus one for empty cells), the level shares
of each category (rare levels as "other", plus empty). A few lines of numpy; no
library needed. PSI below 0.1 is stable, to 0.25 moderate, above significant;
below ``MIN_LEADS`` recent leads no judgement is made (the bins would be noise).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from leadscore.fields.field import OTHER
from leadscore.fields.infer import missing_mask

#: Fewer scored leads than this in the period: drift is not judged (200 leads put ~20 in each decile bin).
MIN_LEADS = 200
STABLE_BELOW = 0.1
MODERATE_TO = 0.25
BINS = 10
#: A category level seen in less than this share of the training leads is pooled as "other".
RARE_SHARE = 0.01
MISSING = "(empty)"
#: Shares are clipped to this before the logarithm, so an empty bin gives a large but finite PSI.
_FLOOR = 1e-4
NUMBER_KINDS = frozenset({"number", "integer"})


@dataclass(frozen=True)
class DriftEntry:
    """How far one field (or ``"score"``, the model's own chance) moved: its PSI (None when not judged), its status
    (stable, moderate, significant, not judged) and the recent and reference leads it stands on."""

    field: str
    psi: float | None
    status: str
    leads: int
    reference_leads: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, the documented keys."""
        return {"field": self.field, "psi": self.psi, "status": self.status, "leads": self.leads,
                "reference_leads": self.reference_leads}


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


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index: sum (a - e) * ln(a / e) over the bins."""
    e = np.clip(np.asarray(expected, dtype=float), _FLOOR, None)
    a = np.clip(np.asarray(actual, dtype=float), _FLOOR, None)
    return float(np.sum((a - e) * np.log(a / e)))


def status(value: float) -> str:
    """stable below 0.1, moderate to 0.25, significant above."""
    return "stable" if value < STABLE_BELOW else "moderate" if value <= MODERATE_TO else "significant"


def _shares(bins: Mapping[str, Any], values: pd.Series) -> np.ndarray:
    if bins["kind"] == "number":
        return _number_shares(_numbers(values), np.asarray(bins["edges"], dtype=float))
    return _category_shares(_category_text(values), list(bins["levels"]))


def compare(reference: Mapping[str, Any], fields: pd.DataFrame, scores: np.ndarray) -> list[DriftEntry]:
    """PSI per field and for the score, largest first; each entry says how many leads it stands on.

    Fields are matched to the reference ignoring case; a field missing from the recent leads is skipped.
    """
    leads = len(fields)
    by_key = {str(c).strip().lower(): c for c in fields.columns}
    rows: list[DriftEntry] = []
    items = [(name, bins, fields[by_key[name.strip().lower()]]) for name, bins in reference["fields"].items()
             if name.strip().lower() in by_key]
    items.append(("score", reference["score"], pd.Series(np.asarray(scores, dtype=float))))
    for name, bins, values in items:
        value = psi(np.asarray(bins["shares"]), _shares(bins, values))
        judged = leads >= MIN_LEADS
        rows.append(DriftEntry(name, round(value, 4) if judged else None, status(value) if judged else "not judged",
                               leads, int(reference.get("leads", 0))))
    rows.sort(key=lambda r: -1.0 if r.psi is None else r.psi, reverse=True)
    return rows
