"""A rep's work list filtered by owner in the query, and each person's saved view, on SQLite and PostgreSQL."""

from __future__ import annotations

import pandas as pd

from leadscore.scoring.rows import ScoredRow
from leadscore.store import Store, read_outcomes, views
from leadscore.store import leads as recorded


def _row(lead: str, tier: str, chance: float, owner: str | None, version: str = "v1") -> ScoredRow:
    return ScoredRow(lead_id=lead, model_version=version, tier=tier, chance=chance, score=round(100 * chance),
                     fields={"Owner": owner or ""}, reasons=("Credit score: 780 (raises)", "Visits: 4 (raises)"),
                     owner=owner)


def test_each_lead_once_at_its_latest_score_and_a_rep_sees_only_theirs(store: Store) -> None:
    store.record([_row("A-1", "Low", 0.1, "Ann"), _row("A-2", "Medium", 0.3, "Ann"), _row("B-1", "High", 0.8, "Bob"),
                  _row("N-1", "Low", 0.05, None)], list_name="May leads")
    # A-1 scored again, now High and handed to Bob: it is Bob's lead, once, at its new score.
    store.record([_row("A-1", "High", 0.9, "Bob", version="v2")], list_name="June leads")
    store.import_outcomes(read_outcomes(pd.DataFrame({"id": ["B-1"], "stage": ["Won"]}), "id", "stage",
                                        positive=["Won"]), source="crm.csv")

    everyone = recorded.latest_leads(store)
    assert sorted(everyone["lead_id"]) == ["A-1", "A-2", "B-1", "N-1"]
    ann = recorded.latest_leads(store, owner="Ann")
    assert list(ann["lead_id"]) == ["A-2"]
    bob = recorded.latest_leads(store, owner="Bob").set_index("lead_id")
    assert sorted(bob.index) == ["A-1", "B-1"]
    assert bob.loc["A-1", "tier"] == "High" and bob.loc["A-1", "list"] == "June leads"
    assert bob.loc["A-1", "model_version"] == "v2" and bob.loc["A-1", "chance"] == 0.9
    assert bob.loc["B-1", "outcome"] == "converted" and bob.loc["A-1", "outcome"] == ""
    assert bob.loc["B-1", "reason_1"] == "Credit score: 780 (raises)" and bob.loc["B-1", "reason_3"] == ""
    assert recorded.latest_leads(store, owner="Nobody").empty
    assert list(recorded.latest_leads(store, list_name="May leads")["lead_id"]) == ["N-1", "B-1", "A-2"]
    assert [(o.owner, o.leads) for o in recorded.owners(store)] == [("Bob", 2), ("", 1), ("Ann", 1)]


def test_a_view_is_kept_per_person_and_page(store: Store) -> None:
    assert views.load(store, "ann@example.com", "leads") is None
    views.save(store, "ann@example.com", "leads", {"tiers": ["High"], "sort": "chance"})
    views.save(store, "bob@example.com", "leads", {"tiers": ["Low"]})
    assert views.load(store, "ann@example.com", "leads") == {"tiers": ["High"], "sort": "chance"}
    views.save(store, "ann@example.com", "leads", {"tiers": ["High", "Medium"]})  # replaced, not added
    assert views.load(store, "ann@example.com", "leads") == {"tiers": ["High", "Medium"]}
    assert views.load(store, "bob@example.com", "leads") == {"tiers": ["Low"]}
    assert views.load(store, "ann@example.com", "triage") is None
