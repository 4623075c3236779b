"""Retraining from recorded results: split by time, carry the tier shares over, compare on the newest outcomes.

Plain data in, plain data out, so the dashboard and the command line can apply one rule: the candidate is
trained on the older outcomes and both models are measured on the newest ones (leads neither was trained on
by the candidate); publishing is recommended only when the candidate ranks them at least
``SHARE_OF_ACTIVE`` as well as the active model does (the rule Dynamics 365 uses for its retrained models).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import roc_auc_score

#: Publish is recommended when the candidate's ranking score is at least this share of the active model's.
SHARE_OF_ACTIVE = 0.95
#: The newest share of the leads with an outcome, kept back to compare the two models on.
NEWEST_SHARE = 0.25
RULE = (f"Publishing is recommended only when the new model ranks the newest {NEWEST_SHARE:.0%} of the leads with "
        f"an outcome (which it did not learn from) at least {SHARE_OF_ACTIVE:.0%} as well as the active model "
        "does, as Dynamics 365 does for its retrained models.")


@dataclass(frozen=True)
class Verdict:
    """Both models' ranking score on the newest leads, how many, and whether publishing is recommended."""

    active_auc: float | None
    candidate_auc: float | None
    leads: int
    recommended: bool

    def sentence(self) -> str:
        """In a manager's words."""
        if self.candidate_auc is None or self.active_auc is None:
            return (f"The newest {self.leads:,} leads with an outcome all converted or all did not: the models "
                    "cannot be compared on them, so publishing is not recommended.")
        words = (f"On the newest {self.leads:,} leads with an outcome, the new model ranked a converted lead above "
                 f"an unconverted one {self.candidate_auc:.0%} of the time; the active model "
                 f"{self.active_auc:.0%}.")
        return words + (" Publishing is recommended." if self.recommended else
                        " The new model is not good enough: keep the active one.")


def split_by_time(rows: int, newest_share: float = NEWEST_SHARE) -> int:
    """Where the newest part starts (rows are in scoring order, oldest first)."""
    return max(1, min(rows - 1, int(round(rows * (1 - newest_share)))))


def verdict(labels: np.ndarray, active: np.ndarray, candidate: np.ndarray) -> Verdict:
    """Compare two models' chances of conversion for the same leads with known outcomes."""
    labels = np.asarray(labels, dtype=int)
    if labels.min(initial=0) == labels.max(initial=0):
        return Verdict(None, None, len(labels), False)
    active_auc = float(roc_auc_score(labels, active))
    candidate_auc = float(roc_auc_score(labels, candidate))
    return Verdict(active_auc, candidate_auc, len(labels), candidate_auc >= SHARE_OF_ACTIVE * active_auc)


def tier_shares(tiers: np.ndarray) -> tuple[float, float]:
    """The share of leads in High and in Medium: the active model's bands, carried over by share."""
    tiers = np.asarray(tiers).astype(str)
    return float((tiers == "High").mean()), float((tiers == "Medium").mean())
