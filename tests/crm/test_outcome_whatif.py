"""What would move a lead up a tier with an outcome model: only actionable fields, the smallest change."""

from __future__ import annotations

import copy
import dataclasses

import pandas as pd
import pytest
from leadscore.scoring.outcome_scorer import OutcomeScorer
from leadscore.scoring.outcome_whatif import RANK, _options, move_up

from leadscore.data.csvio import read_table
from leadscore.modeling.outcome import OutcomeTraining
from tests.conftest import BANK_SAMPLE


@pytest.fixture(scope="module")
def scorer(crm_training: OutcomeTraining) -> OutcomeScorer:
    """The bank-marketing model; ``contact`` and ``campaign`` are a salesperson's to change."""
    return OutcomeScorer(crm_training.model)


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return read_table(BANK_SAMPLE, as_text=True)


def _lead(sample: pd.DataFrame, row: int) -> dict[str, object]:
    return sample.iloc[row].to_dict()


def _changed(lead: dict[str, object], answer) -> dict[str, object]:
    return {**lead, **{change.field.name: change.new_value for change in answer.changes}}


def test_an_unknown_contact_channel_is_the_smallest_change(scorer: OutcomeScorer, sample: pd.DataFrame) -> None:
    lead = _lead(sample, 1)  # contact unknown, called once: Low
    answer = move_up(scorer, lead)
    assert answer.current_tier == "Low" and answer.searched == ("contact", "campaign")
    assert answer.found and answer.new_tier == "Medium"
    assert [str(c) for c in answer.changes] == ["Contact: unknown → cellular"]
    assert answer.changes[0].new_value == "cellular"
    again = scorer.score_lead(_changed(lead, answer))
    assert again.tier == "Medium" and again.p_convert == pytest.approx(answer.new_p_convert, abs=1e-6)
    assert answer.new_p_convert > answer.p_convert == pytest.approx(scorer.score_lead(lead).p_convert, abs=1e-6)


def test_fewer_calls_can_be_the_answer(scorer: OutcomeScorer, sample: pd.DataFrame) -> None:
    lead = _lead(sample, 830)  # contact already known (cellular); called 3 times
    answer = move_up(scorer, lead)
    assert [str(c) for c in answer.changes] == ["Campaign: 3 → 1"]
    assert answer.changes[0].new_value == "1"
    assert answer.current_tier == "Low" and answer.new_tier == "Medium"
    assert scorer.score_lead(_changed(lead, answer)).tier == "Medium"


def test_two_fields_when_no_single_one_is_enough(scorer: OutcomeScorer, sample: pd.DataFrame) -> None:
    lead = _lead(sample, 55)
    answer = move_up(scorer, lead)
    assert [c.field.name for c in answer.changes] == ["contact", "campaign"]
    assert [str(c) for c in answer.changes] == ["Contact: unknown → cellular", "Campaign: 3 → 1"]
    assert scorer.score_lead(_changed(lead, answer)).tier == answer.new_tier == "Medium"
    # No single actionable field alone reaches Medium: that is why two were changed.
    for name in answer.searched:
        f = scorer.model.schema.field(name)
        code = scorer.model.schema.parse_lead(lead)[0][0, scorer.model.schema.names.index(name)]
        for value in _options(f, code):
            single = dataclasses.replace(answer.changes[0], field=f, old=code, new=value)
            assert RANK[scorer.score_lead({**lead, name: single.new_value}).tier] == RANK["Low"]


def test_the_answer_is_the_smallest_single_change(scorer: OutcomeScorer, sample: pd.DataFrame) -> None:
    """Every smaller move of the number of calls stays in the lower tier."""
    lead = _lead(sample, 877)  # cellular, called 11 times: Low
    answer = move_up(scorer, lead)
    assert [str(c) for c in answer.changes] == ["Campaign: 11 → 1"]
    for calls in range(10, 1, -1):
        assert scorer.score_lead({**lead, "campaign": str(calls)}).tier == "Low"


def test_only_actionable_fields_change(scorer: OutcomeScorer, sample: pd.DataFrame) -> None:
    for row in range(0, 300, 7):
        answer = move_up(scorer, _lead(sample, row))
        assert {c.field.name for c in answer.changes} <= {"contact", "campaign"}
        if answer.found:
            assert RANK[answer.new_tier] > RANK[answer.current_tier]


def test_nothing_found_and_already_on_top(scorer: OutcomeScorer, sample: pd.DataFrame) -> None:
    stuck = move_up(scorer, _lead(sample, 0))  # Medium; nothing a salesperson does reaches High
    assert stuck.current_tier == "Medium" and not stuck.found and stuck.changes == ()
    top = move_up(scorer, _lead(sample, 523))
    assert top.current_tier == "High" and not top.found


def test_no_actionable_field_searches_nothing(scorer: OutcomeScorer, sample: pd.DataFrame) -> None:
    model = copy.copy(scorer.model)
    model.schema = dataclasses.replace(model.schema, fields=tuple(
        dataclasses.replace(f, actionable=False) for f in model.schema.fields))
    answer = move_up(OutcomeScorer(model), _lead(sample, 1))
    assert answer.searched == () and not answer.found and answer.current_tier == "Low"


def test_the_options_of_each_kind(scorer: OutcomeScorer) -> None:
    schema = scorer.model.schema
    contact = schema.field("contact")
    assert [contact.categories[int(v)] for v in _options(contact, float("nan"))] == ["cellular", "telephone"]
    assert [contact.categories[int(v)] for v in _options(contact, 0.0)] == ["telephone"]
    campaign = schema.field("campaign")  # 1 to 58 calls: 41 evenly spaced whole numbers
    values = _options(campaign, 5.0)
    assert values[0] == 1.0 and values[-1] == 58.0 and 5.0 not in values and len(values) == 40
    poutcome = schema.field("poutcome")  # "other" is never suggested
    assert "other" not in [poutcome.categories[int(v)] for v in _options(poutcome, float("nan"))]
