"""What would move a lead up a tier, with either kind of model: actionable fields only, steps within reach.

The answers particular to the bank-marketing model (which change, for which lead) are in
crm/test_outcome_whatif.py.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from leadscore.fields.field import OTHER
from leadscore.modeling.model import Model
from leadscore.scoring.scorer import LeadError, Scorer
from leadscore.scoring.template import starting_leads
from leadscore.scoring.whatif import RANK, REACH, FieldChange, _options, move_up
from tests.conftest import Kind


def _changed(lead: dict[str, object], answer) -> dict[str, object]:  # noqa: ANN001
    return {**lead, **{change.field.name: change.new_value for change in answer.changes}}


def test_an_answer_moves_the_lead_up_by_changing_actionable_fields_only(kind: Kind) -> None:
    schema = kind.scorer.schema
    found = 0
    for i in range(15):
        lead = kind.leads.iloc[i].to_dict()
        now = kind.scorer.score_lead(lead)
        answer = move_up(kind.scorer, lead)
        assert answer.current_tier == now.tier and answer.chance == pytest.approx(now.chance, abs=1e-5)
        assert answer.searched == tuple(f.name for f in schema.actionable) != ()
        if not answer.found:
            assert answer.changes == () and answer.new_tier is None
            continue
        found += 1
        assert {c.field.name for c in answer.changes} <= set(answer.searched)
        assert RANK[answer.new_tier] > RANK[answer.current_tier]
        again = kind.scorer.score_lead(_changed(lead, answer))
        assert again.tier == answer.new_tier and again.chance == pytest.approx(answer.new_chance, abs=1e-5)
        for change in answer.changes:
            f = change.field
            if f.kind in ("integer", "number") and not math.isnan(change.old):
                rounding = 0.5 if f.kind == "integer" else 1e-9
                assert abs(change.new - change.old) <= REACH * (f.high - f.low) + rounding, str(change)
    assert found >= 2


def test_a_lead_in_the_top_tier_has_nowhere_to_go(kind: Kind) -> None:
    scored = kind.scorer.score(kind.leads).scored
    top = kind.leads.iloc[int(scored.reset_index()["tier"].map(RANK).idxmax())].to_dict()
    answer = move_up(kind.scorer, top)
    assert answer.current_tier == "High" and not answer.found and answer.changes == ()


def test_no_actionable_field_searches_nothing(kind: Kind) -> None:
    model = kind.scorer.model
    schema = dataclasses.replace(model.schema, fields=tuple(
        dataclasses.replace(f, actionable=False) for f in model.schema.fields))
    scorer = Scorer(Model(schema, model.target, model.estimator))
    lead = kind.leads.iloc[0].to_dict()
    answer = move_up(scorer, lead)
    assert answer.searched == () and not answer.found
    assert answer.current_tier == kind.scorer.score_lead(lead).tier


def test_a_lead_that_cannot_be_scored_is_refused_by_field(kind: Kind) -> None:
    with pytest.raises(LeadError) as caught:
        move_up(kind.scorer, {**kind.leads.iloc[0].to_dict(), kind.number: "lots"})
    assert caught.value.field == kind.number


def test_the_steps_tried_are_ones_a_salesperson_can_take(kind: Kind) -> None:
    schema = kind.scorer.schema
    codes, _ = schema.parse_lead(kind.leads.iloc[0].to_dict())
    for j, f in enumerate(schema.fields):
        if not f.actionable:
            continue
        code = codes[0, j]
        values = _options(f, code)
        assert values and code not in values
        if f.kind == "category":
            assert OTHER not in [f.categories[int(v)] for v in values]
        elif f.kind == "flag":
            assert values == [1.0 - code] if not math.isnan(code) else [0.0, 1.0]
        else:
            reach = REACH * (f.high - f.low) + (0.5 if f.kind == "integer" else 1e-9)  # whole numbers: rounded
            centre = (f.low + f.high) / 2 if math.isnan(code) else code
            assert all(f.low <= v <= f.high and abs(v - centre) <= reach for v in values), (f.name, code, values)
            if f.kind == "integer":
                assert all(float(v).is_integer() for v in values)


def test_suggested_numbers_are_round(kind: Kind) -> None:
    """A number is suggested on its own step's grid (whole visits, whole or 5 minutes), never "25 → 54.75"."""
    schema = kind.scorer.schema
    for i in range(15):
        codes, _ = schema.parse_lead(kind.leads.iloc[i].to_dict())
        for j, f in enumerate(schema.fields):
            if f.actionable and f.kind in ("integer", "number"):
                for value in _options(f, codes[0, j]):
                    steps = value / f.step
                    assert abs(steps - round(steps)) < 1e-6 or value in (f.low, f.high), (f.name, value)
                    assert len(FieldChange(f, codes[0, j], value).new_value) <= 12


def test_every_starting_lead_gets_steps_or_the_closest_ones(scorer: Scorer) -> None:
    """The built-in model's ten starting leads: a lead below High gets the steps that reach a higher tier, or,
    when no round of work can, the steps that bring it closest, each moving it towards the tier above."""
    found = 0
    for name, lead in starting_leads(scorer.schema).items():
        answer = move_up(scorer, lead)
        if answer.current_tier == "High":
            continue
        if answer.found:
            found += 1
            assert scorer.score_lead(_changed(lead, answer)).tier == answer.new_tier, name
            continue
        assert answer.closest and answer.progress is not None, name
        before, after = answer.progress
        assert after > before, name
        assert answer.towards in ("High", "Medium or High"), name
        assert all(f"{c}" and c.field.actionable for c in answer.closest)
    assert found >= 2


def test_the_time_on_site_step_reads_as_whole_minutes(scorer: Scorer) -> None:
    """The step seen on the Score page: minutes on site move to a round number within a quarter of the range."""
    answer = move_up(scorer, starting_leads(scorer.schema)["Good medium ($110K, inquiry)"])
    minutes = [c for c in (*answer.changes, *answer.closest) if c.field.name == "time_on_site_minutes"]
    assert minutes and all(float(c.new).is_integer() and c.new % 5 == 0 for c in minutes)
    assert all("." not in str(c) for c in (*answer.changes, *answer.closest))
