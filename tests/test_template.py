"""A model's typical lead, starting leads and CSV template, with either kind of model: they score as they are.

The values measured on the bank-marketing sample are checked in crm/test_outcome_template.py.
"""

from __future__ import annotations

from leadscore.fields.builtin import BUILTIN_SCHEMA, example_lead
from leadscore.fields.scenarios import SCENARIOS
from leadscore.scoring.template import TEMPLATE_ID, TYPICAL, starting_leads, template_frame, typical_lead
from tests.conftest import Kind


def test_the_template_has_the_id_and_every_field_and_scores_without_problems(kind: Kind) -> None:
    schema = kind.scorer.schema
    template = template_frame(schema)
    assert list(template.columns) == [schema.id_column or TEMPLATE_ID, *schema.names]
    assert len(template) == 1 and template.iloc[0, 0] == "L-0001"
    assert all(isinstance(v, str) for v in template.iloc[0])  # text, as a CRM file holds it
    batch = kind.scorer.score(template, explain=True)
    assert batch.rows_read == 1 and len(batch.scored) == 1 and batch.problems.empty


def test_every_starting_lead_scores(kind: Kind) -> None:
    schema = kind.scorer.schema
    leads = starting_leads(schema)
    assert leads
    for lead in leads.values():
        assert list(lead) == list(schema.names)
        assert kind.scorer.score_lead(lead).tier in ("High", "Medium", "Low")
    assert typical_lead(schema) == template_frame(schema).iloc[0, 1:].to_dict()


def test_the_builtin_model_starts_from_the_typical_lead_and_the_seed_scenarios() -> None:
    leads = starting_leads(BUILTIN_SCHEMA)
    assert list(leads) == ["A typical lead", *(s.name for s in SCENARIOS)]
    assert leads["A typical lead"]["income"] == "95000" and leads["A typical lead"]["inquiry_submitted"] == "no"
    assert typical_lead(BUILTIN_SCHEMA) == {
        name: ("yes" if value else "no") if BUILTIN_SCHEMA.field(name).kind == "flag" else str(value)
        for name, value in example_lead().items()}
    assert TYPICAL == "A typical lead"
