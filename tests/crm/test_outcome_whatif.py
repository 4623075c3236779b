"""What would move a lead up a tier with the bank-marketing model: the smallest change, lead by lead.

What holds for every model (actionable fields only, steps within reach) is in tests/test_whatif.py.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from leadscore.data.csvio import read_table
from leadscore.scoring.scorer import Scorer
from leadscore.scoring.whatif import RANK, _options, move_up
from tests.conftest import BANK_SAMPLE


@pytest.fixture(scope="module")
def scorer(crm_scorer: Scorer) -> Scorer:
    """The bank-marketing model; ``contact`` and ``campaign`` are a salesperson's to change."""
    return crm_scorer


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return read_table(BANK_SAMPLE)


def _lead(sample: pd.DataFrame, row: int) -> dict[str, object]:
    return sample.iloc[row].to_dict()


def _changed(lead: dict[str, object], answer) -> dict[str, object]:
    return {**lead, **{change.field.name: change.new_value for change in answer.changes}}


def test_an_unknown_contact_channel_is_the_smallest_change(scorer: Scorer, sample: pd.DataFrame) -> None:
    lead = _lead(sample, 1)  # contact unknown, called once: Low
    answer = move_up(scorer, lead)
    assert answer.current_tier == "Low" and answer.searched == ("contact", "campaign")
    assert answer.found and answer.new_tier == "Medium"
    assert [str(c) for c in answer.changes] == ["Contact: unknown → cellular"]
    assert answer.changes[0].new_value == "cellular"
    again = scorer.score_lead(_changed(lead, answer))
    assert again.tier == "Medium" and again.chance == pytest.approx(answer.new_chance, abs=1e-6)
    assert answer.new_chance > answer.chance == pytest.approx(scorer.score_lead(lead).chance, abs=1e-6)


def test_fewer_calls_can_be_the_answer(scorer: Scorer, sample: pd.DataFrame) -> None:
    lead = _lead(sample, 830)  # contact already known (cellular); called 3 times
    answer = move_up(scorer, lead)
    assert [str(c) for c in answer.changes] == ["Campaign: 3 → 1"]
    assert answer.changes[0].new_value == "1"
    assert answer.current_tier == "Low" and answer.new_tier == "Medium"
    assert scorer.score_lead(_changed(lead, answer)).tier == "Medium"


def test_two_fields_when_no_single_one_is_enough(scorer: Scorer, sample: pd.DataFrame) -> None:
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


def test_the_answer_is_the_smallest_single_change(scorer: Scorer, sample: pd.DataFrame) -> None:
    """Every smaller move of the number of calls stays in the lower tier."""
    lead = _lead(sample, 877)  # cellular, called 11 times: Low
    answer = move_up(scorer, lead)
    assert [str(c) for c in answer.changes] == ["Campaign: 11 → 1"]
    for calls in range(10, 1, -1):
        assert scorer.score_lead({**lead, "campaign": str(calls)}).tier == "Low"


def test_nothing_found_and_already_on_top(scorer: Scorer, sample: pd.DataFrame) -> None:
    stuck = move_up(scorer, _lead(sample, 0))  # Medium; nothing a salesperson does reaches High
    assert stuck.current_tier == "Medium" and not stuck.found and stuck.changes == ()
    top = move_up(scorer, _lead(sample, 523))
    assert top.current_tier == "High" and not top.found


def test_the_options_of_each_kind(scorer: Scorer) -> None:
    schema = scorer.model.schema
    contact = schema.field("contact")
    assert [contact.categories[int(v)] for v in _options(contact, float("nan"))] == ["cellular", "telephone"]
    assert [contact.categories[int(v)] for v in _options(contact, 0.0)] == ["telephone"]
    campaign = schema.field("campaign")  # 1 to 58 calls: a step reaches a quarter of that, 14.25 calls
    assert (campaign.low, campaign.high) == (1, 58)
    values = _options(campaign, 5.0)  # 1 up to 5 + 14.25, as whole numbers
    assert values == [float(v) for v in range(1, 20) if v != 5]
    poutcome = schema.field("poutcome")  # "other" is never suggested
    assert "other" not in [poutcome.categories[int(v)] for v in _options(poutcome, float("nan"))]
