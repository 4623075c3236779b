"""Scoring with either kind of model: the output contract, rejected rows, exact explanations, single leads.

Every test runs once per kind (``kind`` in conftest.py): the built-in three-tier model and a team's
won/lost model score through the one ``Scorer``; what differs is data (the target's chance columns, a
field's rules), never the code path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leadscore.fields.builtin import CLASSES, TIER_CONVERSION_RATES
from leadscore.fields.field import ALL_FIELDS, EMPTY_ROW_REASON, MISSING_REASON, NUMBER_REASON
from leadscore.fields.rejections import SchemaError
from leadscore.modeling.target import REASON_COLUMNS, Support, Target
from leadscore.modeling.tiers import TIER_ACTIONS, TIERS
from leadscore.scoring.rows import RecordError
from leadscore.scoring.scorer import LeadError
from tests.conftest import Kind

#: The columns each kind adds after the tier (../shared/DESIGN.md), and the one beside the tier.
CHANCE_COLUMNS = {"three-tiers": ("p_high", "p_medium", "p_low", "confidence"), "won-lost": ("p_convert", "score")}
CHANCE = {"three-tiers": "confidence", "won-lost": "p_convert"}


def _explained(probabilities: np.ndarray, tiers: np.ndarray, support: Support) -> np.ndarray:
    """What the contributions add up to: log(P(tier) / P(runner-up)), or the log-odds of conversion."""
    if support.runner_up is None:
        p = probabilities[:, 0]
        return np.log(p / (1 - p))
    rows = np.arange(len(tiers))
    tier = np.array([CLASSES.index(t) for t in tiers])
    second = np.array([CLASSES.index(t) for t in support.runner_up])
    return np.log(probabilities[rows, tier] / probabilities[rows, second])


def test_scored_batch_keeps_the_input_as_written_and_adds_the_contract_columns(kind: Kind) -> None:
    batch = kind.scorer.score(kind.leads, explain=True)
    scored = batch.scored
    assert kind.scorer.output_columns == ("tier", *CHANCE_COLUMNS[kind.name], *REASON_COLUMNS)
    assert list(scored.columns) == [*kind.leads.columns, *kind.scorer.output_columns]
    assert scored.index.tolist() == list(range(1, len(kind.leads) + 1))
    pd.testing.assert_frame_equal(scored[list(kind.leads.columns)].reset_index(drop=True), kind.leads)
    assert scored["tier"].isin(TIERS).all()
    assert scored["reason_1"].str.fullmatch(r".+ \((raises|lowers)\)").all()
    if kind.name == "three-tiers":
        probabilities = scored[["p_low", "p_medium", "p_high"]].to_numpy()
        np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-9)
        chosen = probabilities[np.arange(len(scored)), scored["tier"].map(CLASSES.index).to_numpy()]
        np.testing.assert_allclose(scored["confidence"], chosen)
    else:
        assert scored["p_convert"].between(0, 1).all()
        assert (scored["score"] == np.rint(scored["p_convert"] * 100)).all()


def test_explaining_does_not_change_the_scores(kind: Kind) -> None:
    plain = kind.scorer.score(kind.leads).scored
    explained = kind.scorer.score(kind.leads, explain=True).scored
    assert not set(REASON_COLUMNS) & set(plain.columns)
    np.testing.assert_allclose(plain[CHANCE[kind.name]], explained[CHANCE[kind.name]], rtol=0, atol=1e-5)


def test_colliding_input_columns_are_kept_with_an_input_suffix(kind: Kind) -> None:
    chance = CHANCE_COLUMNS[kind.name][0]
    labeled = kind.leads.assign(tier="High", **{chance: "gut feeling"})
    scored = kind.scorer.score(labeled).scored
    assert (scored["tier_input"] == "High").all()
    assert (scored[f"{chance}_input"] == "gut feeling").all()
    assert scored[chance].dtype == float


def test_bad_rows_are_counted_not_dropped(kind: Kind) -> None:
    broken = kind.leads.copy()
    broken.loc[3, kind.number] = "lots"
    broken.loc[9, kind.number] = "4_5"
    batch = kind.scorer.score(broken, explain=True)
    assert batch.rows_read == 40
    assert len(batch.scored) + batch.rejected_rows == 40
    assert batch.rejected_rows == 2
    assert batch.problems.to_dict("records") == [
        {"row": 4, "column": kind.number, "value": "lots", "reason": NUMBER_REASON},
        {"row": 10, "column": kind.number, "value": "4_5", "reason": NUMBER_REASON}]
    assert not batch.scored["lead_id"].isin(kind.leads.loc[[3, 9], "lead_id"]).any()


def test_headers_are_matched_ignoring_case_and_spaces_and_named_as_in_the_file(kind: Kind) -> None:
    header = kind.number.upper().replace("_", " ")
    crm = kind.leads.rename(columns={kind.number: header})
    crm.loc[0, header] = "lots"
    batch = kind.scorer.score(crm)
    assert len(batch.scored) == 39 and header in batch.scored.columns
    assert batch.match.headers[kind.number] == header
    assert batch.problems[["row", "column"]].values.tolist() == [[1, header]]


def test_a_missing_column_stops_the_batch_with_its_name(kind: Kind) -> None:
    title = kind.scorer.schema.field(kind.number).title
    with pytest.raises(SchemaError, match=f"missing required column: '{title}'"):
        kind.scorer.score(kind.leads.drop(columns=[kind.number]))


def test_a_placeholder_is_an_empty_cell_and_the_field_says_what_that_means(kind: Kind) -> None:
    leads = kind.leads.copy()
    leads.loc[0, kind.number] = "N/A"
    leads.loc[1, kind.number] = ""
    batch = kind.scorer.score(leads)
    assert len(batch.scored) + batch.rejected_rows == 40
    if kind.scorer.schema.field(kind.number).required:
        assert batch.problems.to_dict("records") == [
            {"row": 1, "column": kind.number, "value": "N/A", "reason": MISSING_REASON},
            {"row": 2, "column": kind.number, "value": "", "reason": MISSING_REASON}]
    else:
        assert batch.problems.empty and len(batch.scored) == 40


def test_a_row_with_every_field_empty_is_rejected_not_scored(kind: Kind) -> None:
    leads = kind.leads.copy()
    leads.loc[5, list(kind.scorer.schema.names)] = ""
    batch = kind.scorer.score(leads)
    assert len(batch.scored) == 39 and batch.rejected_rows == 1
    assert set(batch.problems["row"]) == {6}
    assert 6 not in batch.scored.index
    if not any(f.required for f in kind.scorer.schema.fields):
        assert batch.problems.to_dict("records") == [
            {"row": 6, "column": ALL_FIELDS, "value": "", "reason": EMPTY_ROW_REASON}]


@pytest.mark.parametrize("explain", [False, True])
def test_a_batch_with_every_row_rejected_scores_nothing_and_says_why(kind: Kind, explain: bool) -> None:
    bad = kind.leads.head(3).assign(**{kind.number: "many"})
    batch = kind.scorer.score(bad, explain=explain)
    assert (len(batch.scored), batch.rows_read, batch.rejected_rows) == (0, 3, 3)
    assert set(kind.scorer.output_columns[:len(CHANCE_COLUMNS[kind.name]) + 1 + 3 * explain]) <= set(
        batch.scored.columns)


def test_contributions_add_up_to_what_the_target_explains(kind: Kind) -> None:
    codes = kind.scorer.schema.codes(kind.scorer.schema.parse(kind.leads).matrix, fill_in=False)
    probabilities, tiers, support = kind.scorer.explain_codes(codes)
    totals = support.base_value + support.values.sum(axis=1)
    np.testing.assert_allclose(totals, _explained(probabilities, tiers, support), rtol=0, atol=1e-9)
    scored = kind.scorer.score(kind.leads, explain=True).scored
    assert scored["tier"].tolist() == tiers.tolist()


def test_a_single_lead_agrees_with_the_batch(kind: Kind) -> None:
    scored = kind.scorer.score(kind.leads, explain=True).scored
    for i in range(10):
        lead = kind.leads.iloc[i].to_dict()
        single = kind.scorer.score_lead(lead)
        row = scored.iloc[i]
        assert single.tier == row["tier"]
        assert single.chance == pytest.approx(row[CHANCE[kind.name]], abs=1e-6)
        assert single.reasons == [r for r in row[list(REASON_COLUMNS)] if r]
        assert single.model_version == kind.scorer.version != "unsaved"
        assert single.action == TIER_ACTIONS[single.tier]
        if single.runner_up is None:
            explained = np.log(single.chance / (1 - single.chance))
        else:
            explained = np.log(single.bars[f"Chance of {single.tier}"] / single.bars[f"Chance of {single.runner_up}"])
        assert single.base_value + sum(single.contributions.values()) == pytest.approx(explained, abs=1e-6)


def test_a_single_lead_is_matched_like_headers_and_extra_keys_are_ignored(kind: Kind) -> None:
    lead = kind.leads.iloc[0].to_dict()
    plain = kind.scorer.score_lead(lead)
    lead[kind.number.upper()] = lead.pop(kind.number)
    lead["customer_name"] = "Ana"
    again = kind.scorer.score_lead(lead)
    assert (again.tier, again.chance, again.reasons) == (plain.tier, plain.chance, plain.reasons)


def test_a_single_lead_error_names_every_impossible_value(kind: Kind) -> None:
    lead = kind.leads.iloc[0].to_dict()
    with pytest.raises(LeadError) as caught:
        kind.scorer.score_lead({**lead, kind.number: "lots"})
    assert caught.value.problems == [(kind.number, "lots", NUMBER_REASON)]
    assert (caught.value.field, caught.value.value, caught.value.reason) == (kind.number, "lots", NUMBER_REASON)
    assert str(caught.value) == f"{kind.number}: {NUMBER_REASON}"
    with pytest.raises(LeadError) as empty:
        kind.scorer.score_lead({"owner": "Dana"})
    reasons = {reason for _, _, reason in empty.value.problems}
    assert reasons == ({MISSING_REASON} if kind.scorer.schema.fields[0].required else {EMPTY_ROW_REASON})


def test_an_absent_field_follows_the_fields_rule(kind: Kind) -> None:
    lead = kind.leads.iloc[0].to_dict()
    del lead[kind.number]
    if kind.scorer.schema.field(kind.number).required:
        with pytest.raises(LeadError, match=f"{kind.number}: {MISSING_REASON}"):
            kind.scorer.score_lead(lead)
    else:
        label = kind.scorer.score_lead(lead).labels[kind.number]
        fill_in = kind.scorer.schema.field(kind.number).fill_in
        assert label.endswith("unknown") if fill_in is None else label.endswith(f"empty, taken as {fill_in:g}")


def test_the_rows_a_scorer_records_carry_the_targets_numbers(kind: Kind) -> None:
    scorer = kind.scorer
    target = scorer.model.target
    batch = scorer.score(kind.leads, explain=True)
    rows = scorer.rows(batch.scored, id_column="lead_id")
    probabilities = target.probabilities_of({c: batch.scored[c].to_numpy() for c in target.chance_columns})
    assert rows.chance == pytest.approx(target.conversion(probabilities))
    assert rows.score.tolist() == np.rint(rows.chance * 100).astype(int).tolist()
    assert rows.chance.min() > 0 and rows.chance.max() < 1
    if kind.name == "won-lost":
        assert rows.chance.tolist() == batch.scored["p_convert"].tolist()  # the chance the file shows
    else:  # each tier's chance weighed by the conversion the seed expects of the tier (its range's midpoint)
        expected = sum(batch.scored[f"p_{t.lower()}"] * (low + high) / 2
                       for t, (low, high) in TIER_CONVERSION_RATES.items())
        assert rows.chance == pytest.approx(expected.to_numpy())
    assert rows.tier.tolist() == batch.scored["tier"].tolist()
    assert list(rows.columns.columns) == list(target.chance_columns)
    assert set(rows.fields.columns) == set(kind.leads.columns)  # every input column, none the scorer added
    assert rows.reasons is not None and rows.reasons.shape == (len(batch.scored), 3)
    # One by one (the API), each lead's row is the table's.
    one = scorer.score_lead(kind.leads.iloc[0].to_dict())
    [row] = scorer.lead_rows([({"note": "x"}, "B-0", one)])
    assert (row.tier, row.score) == (rows.tier[0], rows.score[0])
    assert row.chance == pytest.approx(rows.chance[0])
    assert row.reasons == tuple(r for r in rows.reasons[0] if r)


def test_a_table_without_the_named_id_column_cannot_be_recorded(kind: Kind) -> None:
    scored = kind.scorer.score(kind.leads).scored
    with pytest.raises(RecordError, match="ID column 'Lead ID' is not in the file"):
        kind.scorer.rows(scored, id_column="Lead ID")


def test_a_scored_file_puts_the_contract_columns_in_reading_order(kind: Kind) -> None:
    order = {"three-tiers": ("tier", "confidence", "p_high", "p_medium", "p_low"),
             "won-lost": ("tier", "score", "p_convert")}[kind.name]
    assert kind.scorer.file_columns == (*order, *REASON_COLUMNS)  # ../shared/DESIGN.md
    assert set(kind.scorer.chance_columns) == {c for c in order if c.startswith("p_") or c == "confidence"}


def test_each_kind_of_model_has_a_target_that_implements_the_abstract_one(kind: Kind) -> None:
    assert isinstance(kind.scorer.model.target, Target)
    with pytest.raises(TypeError, match="abstract"):
        Target()  # type: ignore[abstract]
