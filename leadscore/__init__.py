"""Lead scoring for a real estate investment platform: High, Medium or Low, with reasons.

The small Python API::

    import leadscore
    scorer = leadscore.load()          # the active model (trains the default on first use)
    batch = scorer.score(frame, explain=True)
    batch.scored, batch.problems       # scored rows; one line per rejected cell
    scorer.score_lead({"age": 41, ...})  # one lead as a dict

The active model may be the built-in one (``Scorer``: tiers with p_low, p_medium,
p_high) or one trained on a team's CRM export (``OutcomeScorer``: p_convert,
score 0-100, tier); ``leadscore.scoring.any_scorer.is_outcome`` tells which.
"""

from __future__ import annotations

import os

from leadscore.registry import Registry
from leadscore.scoring.any_scorer import AnyScorer, scorer_for
from leadscore.scoring.outcome_scorer import OutcomeScorer
from leadscore.scoring.scorer import Scorer

__all__ = ["OutcomeScorer", "Scorer", "load"]


def load(models_dir: str | os.PathLike[str] | None = None, version: str | None = None) -> AnyScorer:
    """A scorer for a model version (the active one by default).

    An empty registry gets the default model trained first (a few seconds, once).
    """
    registry = Registry(models_dir)
    model = registry.load(version) if version else registry.load_or_train_default()
    return scorer_for(model)
