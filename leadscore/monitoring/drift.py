"""Drift: how far the leads scored lately have moved from the leads a model was trained on.

The population stability index (PSI) per field and for the score, on the reference each model version
keeps from training (``leadscore.modeling.drift_reference``: its trainer builds it, and it says how
recent leads fall into its bins). A few lines of numpy; no library needed. PSI below 0.1 is stable, to
0.25 moderate, above significant; below ``MIN_LEADS`` recent leads no judgement is made (the bins would
be noise).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from leadscore.modeling.drift_reference import shares

#: Fewer scored leads than this in the period: drift is not judged (200 leads put ~20 in each decile bin).
MIN_LEADS = 200
STABLE_BELOW = 0.1
MODERATE_TO = 0.25
#: Shares are clipped to this before the logarithm, so an empty bin gives a large but finite PSI.
_FLOOR = 1e-4


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


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index: sum (a - e) * ln(a / e) over the bins."""
    e = np.clip(np.asarray(expected, dtype=float), _FLOOR, None)
    a = np.clip(np.asarray(actual, dtype=float), _FLOOR, None)
    return float(np.sum((a - e) * np.log(a / e)))


def status(value: float) -> str:
    """stable below 0.1, moderate to 0.25, significant above."""
    return "stable" if value < STABLE_BELOW else "moderate" if value <= MODERATE_TO else "significant"


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
        value = psi(np.asarray(bins["shares"]), shares(bins, values))
        judged = leads >= MIN_LEADS
        rows.append(DriftEntry(name, round(value, 4) if judged else None, status(value) if judged else "not judged",
                               leads, int(reference.get("leads", 0))))
    rows.sort(key=lambda r: -1.0 if r.psi is None else r.psi, reverse=True)
    return rows
