"""The one publish gate: may a trained candidate replace the active model, and which figures decided.

One ``Verdict`` for the three ways a model is made, each measured on leads the candidate never learned from:

- the built-in model (``builtin``): at least as accurate as the active model on the same 5,000 fixed,
  generated reference leads;
- a model of a team's history (``history``): ranks its held-out (newest) leads well enough to guide calls,
  a ROC AUC of at least ``READY_AUC`` (0.6) (as Dynamics 365 marks a model "ready");
- a model of the recorded results (``results``): trained on the older outcomes, it ranks the newest
  ``NEWEST_SHARE`` of them at least ``SHARE_OF_ACTIVE`` as well as the active model does (the rule Dynamics 365
  applies to its retrained models).

New tier bands on the active model of a team's history (``bands``) change no ranking: the same model with other
cut points, it passes.

The command line, the API and the dashboard all ask here and only render the verdict: below the rule nothing
is published unless the person says so (``--force``, "Publish it anyway").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from sklearn.metrics import roc_auc_score

from leadscore.modeling.three_tiers.report import TiersReport
from leadscore.modeling.won_lost.report import READY_AUC, WonLostReport

__all__ = ["READY_AUC"]  # the history rule's bar, defined with the report it reads

#: Retraining from results: publish is recommended when the candidate's ranking is at least this share of the
#: active model's, on the same newest outcomes.
SHARE_OF_ACTIVE = 0.95
#: The newest share of the leads with an outcome, kept back to compare the two models on.
NEWEST_SHARE = 0.25
RULE = (f"Publishing is recommended only when the new model ranks the newest {NEWEST_SHARE:.0%} of the leads with "
        f"an outcome (which it did not learn from) at least {SHARE_OF_ACTIVE:.0%} as well as the active model "
        "does, as Dynamics 365 does for its retrained models.")
REFUSED = "nothing was published (use --force to publish anyway)"

Rule = Literal["builtin", "history", "results", "bands"]


@dataclass(frozen=True)
class Verdict:
    """Whether the candidate passes its rule, with both figures and the leads they stand on.

    ``candidate`` and ``active`` are the figures compared (accuracy for the built-in rule, ROC AUC otherwise);
    for the history rule ``active`` is the bar (``READY_AUC``), as there is no model to compare with.
    ``None`` where a figure cannot be measured (no active model, all newest leads of one outcome).
    """

    rule: Rule
    passed: bool
    sentence: str
    candidate: float | None = None
    active: float | None = None
    leads: int = 0

    def refusal(self) -> str:
        """One line for a face that refuses to publish: the reason, then what was (not) done."""
        return f"{self.sentence.rstrip('.')}; {REFUSED}"


# ---- the built-in model -------------------------------------------------------------------------------------
def builtin_verdict(active: TiersReport | None, candidate: TiersReport) -> Verdict:
    """The built-in rule on two evaluation reports of the same reference leads (``compare.reference_report``).

    Without an active report (no active model, or one reading other fields) the candidate passes: there is
    nothing to compare with, and the sentence says so.
    """
    theirs = float(candidate.accuracy or 0.0)
    rows = candidate.held_out
    if active is None:
        return Verdict("builtin", True, "No active model to compare with", theirs, None, rows)
    ours = float(active.accuracy or 0.0)
    figures = (f"accuracy {theirs:.3f} vs {ours:.3f} on the same {rows:,} reference leads "
               "(generated leads neither model was trained on)")
    if theirs < ours:
        return Verdict("builtin", False, f"The new model is worse than the current one: {figures}", theirs, ours,
                       rows)
    word = "as good as" if theirs == ours else "better than"
    return Verdict("builtin", True, f"The new model is {word} the current one: {figures}", theirs, ours, rows)


def no_comparison(reason: str) -> Verdict:
    """The built-in rule when the active model cannot be compared with (it reads other fields): passes, says why."""
    return Verdict("builtin", True, reason)


def cannot_compare(error: object) -> Verdict:
    """The built-in rule when the active model cannot be loaded: refused (publishing blind could make it worse)."""
    return Verdict("builtin", False, f"cannot compare with the active model ({error})")


# ---- a team's history --------------------------------------------------------------------------------------
def history_verdict(report: WonLostReport) -> Verdict:
    """The history rule on an outcome model's training report: its held-out ROC AUC against ``READY_AUC``."""
    auc = report.test.roc_auc
    leads = report.test_rows
    if auc is None:
        return Verdict("history", False, "Not ready: its ranking could not be measured on the test leads",
                       None, READY_AUC, leads)
    auc = float(auc)
    if auc >= READY_AUC:
        return Verdict("history", True, f"Ready: it ranks a converting lead above a lost one {auc:.0%} of the time "
                                         f"(at least {READY_AUC:.0%} is needed; a coin toss is 50%)",
                       auc, READY_AUC, leads)
    return Verdict("history", False, f"Not ready: it ranks a converting lead above a lost one only {auc:.0%} of the "
                                      f"time, below the {READY_AUC:.0%} needed, so little better than a coin toss "
                                      "(50%)", auc, READY_AUC, leads)


# ---- retraining from results -------------------------------------------------------------------------------
def split_by_time(rows: int, newest_share: float = NEWEST_SHARE) -> int:
    """Where the newest part starts (rows are in scoring order, oldest first)."""
    return max(1, min(rows - 1, int(round(rows * (1 - newest_share)))))


def results_verdict(labels: np.ndarray, active: np.ndarray, candidate: np.ndarray) -> Verdict:
    """The results rule: two models' chances of conversion for the same newest leads with known outcomes."""
    labels = np.asarray(labels, dtype=int)
    n = len(labels)
    if len(np.unique(labels)) < 2:  # all converted, or none (an empty set too)
        return Verdict("results", False, f"The newest {n:,} leads with an outcome all converted or all did not: the "
                                         "models cannot be compared on them, so publishing is not recommended.",
                       None, None, n)
    active_auc = float(roc_auc_score(labels, active))
    candidate_auc = float(roc_auc_score(labels, candidate))
    passed = candidate_auc >= SHARE_OF_ACTIVE * active_auc
    words = (f"On the newest {n:,} leads with an outcome, the new model ranked a converted lead above "
             f"an unconverted one {candidate_auc:.0%} of the time; the active model {active_auc:.0%}.")
    words += (" Publishing is recommended." if passed else " The new model is not good enough: keep the active one.")
    return Verdict("results", passed, words, candidate_auc, active_auc, n)


# ---- new tier bands ----------------------------------------------------------------------------------------
def bands_verdict() -> Verdict:
    """The bands rule: the same model with new tier bands ranks every lead as before, so it passes."""
    return Verdict("bands", True, "The same model with new tier bands: it ranks every lead as before")
