"""The scorer that fits a loaded model, whichever kind the registry holds.

The built-in model (the seed's 12 features, three tiers) is scored by
``Scorer``; an outcome model (a team's own CRM history) by ``OutcomeScorer``.
The faces ask ``is_outcome`` when what they show differs.
"""

from __future__ import annotations

from typing import TypeGuard

from leadscore.modeling.lead_model import LeadModel
from leadscore.modeling.outcome_model import OutcomeModel
from leadscore.scoring.outcome_scorer import OutcomeScorer
from leadscore.scoring.scorer import Scorer

AnyScorer = Scorer | OutcomeScorer


def scorer_for(model: LeadModel | OutcomeModel) -> AnyScorer:
    """A scorer for a model of either kind."""
    return OutcomeScorer(model) if isinstance(model, OutcomeModel) else Scorer(model)


def is_outcome(scorer: AnyScorer) -> TypeGuard[OutcomeScorer]:
    """True for a model trained on a CRM export (p_convert, score 0-100), False for the built-in model."""
    return isinstance(scorer, OutcomeScorer)
