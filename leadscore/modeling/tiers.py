"""The tiers every model sorts leads into, and the bands a won/lost model cuts them by from its chance of conversion.

Bands are stored as two probability cut points (High at or above ``high``,
Medium at or above ``medium``) and how they were set:

- ``share``: by share of leads, "the top 20% are High, the next 30% Medium".
  The cut points are the matching quantiles of the calibrated chance on the
  training rows (out-of-fold), so new leads split about the same way. This is
  the default (20% / 30%): a team can call its top fifth first and its next
  third within days, whatever the data's base rate, which a fixed
  probability cannot promise (at an 11.7% base rate few leads ever pass 50%).
- ``probability``: the manager gives the cut points directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

BandKind = Literal["share", "probability"]
#: The tiers of every model, in call order (High first).
TIERS: tuple[str, ...] = ("High", "Medium", "Low")
#: The seed's follow-up action per tier.
TIER_ACTIONS: dict[str, str] = {
    "High": "24-hour priority follow-up",
    "Medium": "3–5 day follow-up",
    "Low": "Monthly nurture email",
}
DEFAULT_SHARES: tuple[float, float] = (0.20, 0.30)


@dataclass(frozen=True)
class Bands:
    """Cut points on p_convert and how they were set."""

    kind: BandKind
    high: float
    medium: float
    #: For ``share``: the share of leads meant to be High and Medium.
    shares: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("share", "probability"):
            raise ValueError("bands are set by 'share' or 'probability'")
        if not (0 <= self.medium <= self.high <= 1) or not all(map(math.isfinite, (self.high, self.medium))):
            raise ValueError("band cut points must satisfy 0 <= medium <= high <= 1")
        if self.shares is not None and not (all(0 <= s <= 1 for s in self.shares) and sum(self.shares) <= 1):
            raise ValueError("band shares must be between 0 and 1 and add up to at most 1")

    @classmethod
    def by_share(cls, reference: np.ndarray, high_share: float = DEFAULT_SHARES[0],
                 medium_share: float = DEFAULT_SHARES[1]) -> Bands:
        """Cut points so that about ``high_share`` of the reference leads are High, ``medium_share`` Medium."""
        if not (0 <= high_share <= 1 and 0 <= medium_share <= 1 and high_share + medium_share <= 1):
            raise ValueError("shares must be between 0 and 1 and add up to at most 1")
        high = float(np.quantile(reference, 1 - high_share)) if high_share > 0 else 1.0
        medium = float(np.quantile(reference, 1 - high_share - medium_share)) if medium_share > 0 else high
        return cls("share", high, min(medium, high), (high_share, medium_share))

    @classmethod
    def by_probability(cls, high: float, medium: float) -> Bands:
        """Cut points given directly as chances of conversion."""
        return cls("probability", float(high), float(medium))

    def tiers(self, p_convert: np.ndarray) -> np.ndarray:
        """High, Medium or Low for each chance."""
        p = np.asarray(p_convert, dtype=np.float64)
        return np.where(p >= self.high, "High", np.where(p >= self.medium, "Medium", "Low")).astype(object)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe."""
        return {"kind": self.kind, "high": self.high, "medium": self.medium,
                "shares": None if self.shares is None else list(self.shares)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Bands:
        """Rebuild, checking every value (ValueError)."""
        try:
            shares = data.get("shares")
            return cls(data["kind"], float(data["high"]), float(data["medium"]),
                       None if shares is None else (float(shares[0]), float(shares[1])))
        except (KeyError, TypeError, IndexError) as error:
            raise ValueError(f"bands are damaged: {error}") from error


def promise(chance_total: float, leads: int) -> float | None:
    """What a tier promises for a set of its leads: the mean of their calibrated chances of conversion (given
    as their sum and their number); None for no leads.

    The one definition every face shows (Score, Triage, the Model page, Results): for the same leads, the same
    promise. The leads are always said: a list's leads in the tier, the test leads in it, those with an outcome.
    """
    return chance_total / leads if leads else None


def tier_report(p_convert: np.ndarray, y: np.ndarray, bands: Bands) -> list[dict[str, Any]]:
    """Each tier's share of leads, its promise and its measured conversion rate on the same leads (the test part)."""
    p = np.asarray(p_convert, dtype=np.float64)
    tiers = bands.tiers(p)
    rows = []
    for tier in TIERS:
        mask = tiers == tier
        rows.append({"tier": tier, "leads": int(mask.sum()), "share": float(mask.mean()) if len(mask) else 0.0,
                     "promise": promise(float(p[mask].sum()), int(mask.sum())),
                     "conversion_rate": float(y[mask].mean()) if mask.any() else None,
                     "conversions": int(y[mask].sum())})
    return rows
