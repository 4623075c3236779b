"""Scoring through the API: read each lead with its model's request model (``shapes.py``), score its codes.

One path for every model: the request model reads a lead's values once into
the codes the scorer takes, the scorer explains them (``Scorer.score_codes``;
a batch's valid leads in one call), and the answer has one shape: ``tier``,
``action``, ``reasons``, the lead's id, the model version, the target's chance
fields, ``base_value`` and ``contributions``, numbers rounded to 4 decimals.
A lead that cannot be scored gets its errors, each naming its field; in a
batch only that lead fails.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pydantic import ValidationError

from leadscore.api.replies import FieldError, field_errors
from leadscore.api.shapes import shapes_for
from leadscore.scoring.scorer import LeadScore, Scorer

#: Decimals of every number in an answer.
DECIMALS = 4

#: Receives the leads a request scored, as (body, lead id, result): the recorder (recording.py), or None.
Keep = Callable[[Scorer, list[tuple[Any, str | None, LeadScore]]], None]


class LeadRefusedError(Exception):
    """The lead cannot be scored; ``errors`` name each field and why."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors))
        self.errors = errors


def _explanation(result: LeadScore) -> dict[str, Any]:
    """The target's chance fields and the SHAP waterfall, rounded."""
    return {**result.chances, "base_value": round(result.base_value, DECIMALS),
            "contributions": {name: round(value, DECIMALS) for name, value in result.contributions.items()}}


def lead_score(result: LeadScore) -> dict[str, Any]:
    """One lead's score as a batch result holds it (``LeadScore`` in the document)."""
    return {"tier": result.tier, "action": result.action, "reasons": result.reasons, **_explanation(result)}


def score_one(scorer: Scorer, raw: Any, keep: Keep | None = None) -> dict[str, Any]:
    """The answer to POST /v1/score (``ScoreResponse``); raises LeadRefusedError. ``keep`` gets the lead scored."""
    try:
        codes, lead_id = shapes_for(scorer).read(raw)
    except ValidationError as error:
        raise LeadRefusedError(field_errors(error.errors(include_url=False, include_input=False))) from None
    result = scorer.score_codes(codes)
    if keep is not None:
        keep(scorer, [(raw, lead_id, result)])
    return {"tier": result.tier, "action": result.action, "reasons": result.reasons, "lead_id": lead_id,
            "model_version": result.model_version, **_explanation(result)}


def score_many(scorer: Scorer, leads: Sequence[Any], keep: Keep | None = None) -> dict[str, Any]:
    """The answer to POST /v1/score/batch (``BatchResponse``): every lead in request order, each scored or refused.
    ``keep`` gets the leads scored."""
    shapes = shapes_for(scorer)
    results: list[dict[str, Any]] = []
    valid: list[int] = []
    rows: list[np.ndarray] = []
    for index, raw in enumerate(leads):
        try:
            codes, lead_id = shapes.read(raw)
        except ValidationError as error:
            errors = field_errors(error.errors(include_url=False, include_input=False))
            results.append({"index": index, "lead_id": shapes.lead_id(raw), "score": None,
                            "errors": [e.model_dump() for e in errors]})
            continue
        results.append({"index": index, "lead_id": lead_id, "score": None, "errors": []})
        valid.append(index)
        rows.append(codes)
    if rows:
        scored = scorer.score_codes_many(np.vstack(rows))
        for index, result in zip(valid, scored, strict=True):
            results[index]["score"] = lead_score(result)
        if keep is not None:
            keep(scorer, [(leads[i], results[i]["lead_id"], result) for i, result in zip(valid, scored, strict=True)])
    return {"model_version": scorer.version, "scored": len(valid), "rejected": len(leads) - len(valid),
            "results": results}
