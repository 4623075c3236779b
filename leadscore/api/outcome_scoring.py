"""Scoring through the API with an outcome model: validate each lead with its version's request model, then score.

A value that cannot be what its field is (text in a number field) refuses the
lead with 422 naming the field and the value; in a batch only that lead fails.
Empty values, absent fields and unseen category levels are scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from leadscore.api.outcome_requests import (
    OutcomeBatchResponse,
    OutcomeBatchResult,
    OutcomeLeadScore,
    OutcomeScoreResponse,
    lead_id,
    lead_model,
    lead_values,
)
from leadscore.api.requests import FieldError
from leadscore.scoring.outcome_scorer import OutcomeScorer


class LeadRefusedError(Exception):
    """The lead cannot be scored; ``errors`` name each field and why."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors))
        self.errors = errors


def _errors(error: ValidationError) -> list[FieldError]:
    out = []
    for e in error.errors(include_url=False, include_input=False):
        loc = e.get("loc", ())
        out.append(FieldError(field=str(loc[0]) if loc else "body",
                              reason="must be a JSON object" if e["type"] == "model_type" else str(e["msg"])))
    return out


def _score(scorer: OutcomeScorer, raw: Any) -> dict[str, Any]:
    """The lead's score as OutcomeLeadScore fields; LeadRefusedError when it cannot be scored."""
    schema = scorer.model.schema
    try:
        lead = lead_model(scorer.version, schema).model_validate(raw)
    except ValidationError as error:
        raise LeadRefusedError(_errors(error)) from None
    result = scorer.score_lead(lead_values(lead, schema))
    if result.problems:  # the request model refuses these first; kept so a gap can never score a bad cell
        raise LeadRefusedError([FieldError(field="body", reason=p) for p in result.problems])
    return {"p_convert": result.p_convert, "score": result.score, "tier": result.tier, "reasons": result.reasons,
            "base_value": result.base_value, "contributions": result.contributions}


def score_one(scorer: OutcomeScorer, raw: Any) -> OutcomeScoreResponse:
    """One lead; raises LeadRefusedError."""
    return OutcomeScoreResponse(**_score(scorer, raw), lead_id=lead_id(raw, scorer.model.schema),
                                model_version=scorer.version)


def score_many(scorer: OutcomeScorer, leads: Sequence[dict[str, Any]]) -> OutcomeBatchResponse:
    """Each lead on its own, in request order; an invalid lead gets its errors, the others are scored."""
    results = []
    for index, raw in enumerate(leads):
        try:
            score: OutcomeLeadScore | None = OutcomeLeadScore(**_score(scorer, raw))
            errors: list[FieldError] = []
        except LeadRefusedError as refused:
            score, errors = None, refused.errors
        results.append(OutcomeBatchResult(index=index, lead_id=lead_id(raw, scorer.model.schema), score=score,
                                          errors=errors))
    scored = sum(r.score is not None for r in results)
    return OutcomeBatchResponse(model_version=scorer.version, scored=scored, rejected=len(leads) - scored,
                                results=results)
