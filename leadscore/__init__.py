"""Lead scoring: every lead sorted into High, Medium or Low priority, with the reasons.

The small Python API::

    import leadscore
    scorer = leadscore.load()          # the active model (trains the built-in one on first use)
    batch = scorer.score(frame, explain=True)
    batch.scored, batch.problems       # scored rows; one line per rejected cell
    scorer.score_lead({"age": 41, ...})  # one lead as a dict: LeadScore

The active model may be the built-in one (three tiers: p_high, p_medium, p_low,
confidence) or one trained on a team's CRM export (won/lost: p_convert, score
0-100); both are a ``Model`` scored by the one ``Scorer``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from leadscore.scoring.scorer import Scorer

__all__ = ["Scorer", "load"]


def __getattr__(name: str) -> type[Scorer]:
    """``leadscore.Scorer`` on first use (PEP 562): importing any part of the package (``leadscore.fields``, say)
    does not load the model libraries (xgboost, scikit-learn) the scorer needs."""
    if name == "Scorer":
        from leadscore.scoring.scorer import Scorer

        return Scorer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load(models_dir: str | os.PathLike[str] | None = None, version: str | None = None) -> Scorer:
    """A scorer for a model version (the active one by default).

    An empty registry gets the default model trained first (a few seconds, once).
    """
    from leadscore.registry import Registry
    from leadscore.scoring.scorer import Scorer

    registry = Registry(models_dir)
    return Scorer(registry.load(version) if version else registry.load_or_train_default())
