"""The results report on SQLite and PostgreSQL: a hand count, the promise on the same leads as the rate, leads
still open counted apart, one model version per section (never blended), versions chosen by id, name or 'all',
and unknown lists, versions and names refused naming what exists."""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from leadscore.registry import Registry
from leadscore.store import Store
from leadscore.workflows import results
from leadscore.workflows.results import ModelVersion, ResultsError, version_results, wilson
from tests.store.test_store import builtin_batch, outcome_batch, outcomes

T0 = datetime(2026, 5, 1, tzinfo=timezone.utc)


def test_report_matches_a_hand_count(store: Store) -> None:
    tiers = ["High"] * 4 + ["Medium"] * 3 + ["Low"] * 3
    ids = [f"L{i}" for i in range(10)]
    first = builtin_batch(ids, tiers)
    store.record(first, list_name="may", scored_at=T0)
    # L0 is scored again later as Medium: it counts once, with its latest tier.
    again = builtin_batch(["L0"], ["Medium"], seed=5)
    store.record(again, scored_at=T0 + timedelta(1))
    won = {"L1", "L2", "L4", "L9"}
    decided = ["L0", "L1", "L2", "L3", "L4", "L5", "L7", "L9"]  # L6 and L8 have no outcome
    store.import_outcomes(outcomes(decided, ["Won" if i in won else "Lost" for i in decided]), "crm.csv")
    chance = dict(zip(ids, first.chance, strict=True)) | {"L0": again.chance[0]}

    report = version_results(store, "v1")
    # By hand: High = L1, L2, L3 (L0 moved): 3 scored, 3 with outcome, 2 won, 0 open.
    # Medium = L0, L4, L5, L6: 4 scored, 3 with outcome (L0, L4, L5), 1 won, L6 open. Low = L7, L8, L9: 3, 2, 1.
    expected = {"High": (["L1", "L2", "L3"], []), "Medium": (["L0", "L4", "L5"], ["L6"]),
                "Low": (["L7", "L9"], ["L8"])}
    for tier, (known, still_open) in expected.items():
        row = report.tiers[tier]
        converted = sum(lead in won for lead in known)
        assert (row.scored, row.with_outcome, row.open, row.converted) == (len(known) + len(still_open), len(known),
                                                                           len(still_open), converted)
        assert row.rate == round(converted / len(known), 4)
        assert row.interval == wilson(converted, len(known))
        # The promise stands on the same leads as the rate: the mean chance of the leads with an outcome.
        assert row.expected == pytest.approx(np.mean([chance[lead] for lead in known]), abs=1e-4)
        assert row.open_expected == (pytest.approx(np.mean([chance[lead] for lead in still_open]), abs=1e-4)
                                     if still_open else None)
        as_json = row.to_dict()
        assert (as_json["rate_leads"], as_json["expected_leads"], as_json["open"]) == (len(known), len(known),
                                                                                       len(still_open))
    assert report.leads == 10
    # L0 counts with its latest scoring, which is in no list and a day later.
    assert version_results(store, "v1", list_name="may").tiers["High"].scored == 3
    assert version_results(store, "v1", since=T0 + timedelta(hours=12)).leads == 1
    assert version_results(store, "v1", until=T0 + timedelta(hours=12)).leads == 9
    assert version_results(store, "v2").leads == 0


def test_wilson_interval_against_a_known_value() -> None:
    # Wilson (1927) / Newcombe (1998), 81 of 263: 0.2553 to 0.3662.
    assert wilson(81, 263) == [0.2553, 0.3662]
    assert wilson(0, 10)[0] == 0.0 and wilson(0, 0) is None


def test_team_model_promise_ranking_and_breakdown(store: Store) -> None:
    rng = np.random.default_rng(1)
    chances = np.round(rng.uniform(0.01, 0.9, 400), 3)
    tiers = np.where(chances > 0.6, "High", np.where(chances > 0.3, "Medium", "Low"))
    ids = [f"C{i}" for i in range(400)]
    store.record(outcome_batch(ids, chances.tolist(), tiers.tolist(),
                               Owner=np.where(np.arange(400) % 2 == 0, "Dana", "Eli").tolist()))
    converted = rng.random(400) < chances
    known = np.arange(400) % 5 != 0  # every fifth lead still open
    store.import_outcomes(outcomes([i for i, k in zip(ids, known, strict=True) if k],
                                   np.where(converted, "yes", "no")[known].tolist()), "crm.csv")

    report = version_results(store, "team-1", by="Owner")
    for tier in ("High", "Medium", "Low"):
        mask = tiers == tier
        row = report.tiers[tier]
        assert row.expected == pytest.approx(chances[mask & known].mean(), abs=1e-4)
        assert row.open_expected == pytest.approx(chances[mask & ~known].mean(), abs=1e-4)
        assert row.converted == int((converted & mask & known).sum())
        assert (row.with_outcome, row.open) == (int((mask & known).sum()), int((mask & ~known).sum()))
    assert report.ranking.auc == pytest.approx(roc_auc_score(converted[known], chances[known]), abs=2e-3)
    assert report.ranking.leads == 320 and report.ranking.converted == int((converted & known).sum())
    gain = report.gain
    assert gain[0] == results.GainPoint(0.0, 0.0) and gain[-1].converted_share == 1.0
    assert gain[2].converted_share > gain[2].leads_share  # the top 20% hold more than 20% of conversions
    assert report.by is not None
    by = dict(report.by.values)
    assert set(by) == {"Dana", "Eli"}
    assert sum(t.scored for t in by["Dana"].values()) == 200
    dana = np.arange(400) % 2 == 0
    assert by["Dana"]["High"].converted == int((converted & known & (tiers == "High") & dana).sum())
    json.dumps(report.to_dict())  # JSON-safe


def _two_models(store: Store, builtin: str, team: str) -> None:
    """A built-in list and a team model's list in one store; the team's leads convert far more."""
    store.record(builtin_batch([f"B{i}" for i in range(30)], ["High"] * 10 + ["Low"] * 20, version=builtin),
                 list_name="built-in list", scored_at=T0)
    team_rows = outcome_batch([f"T{i}" for i in range(20)], [0.9] * 10 + [0.1] * 10, ["High"] * 10 + ["Low"] * 10)
    store.record(dataclasses.replace(team_rows, model_version=team), list_name="team list",
                 scored_at=T0 + timedelta(1))
    store.import_outcomes(outcomes([f"B{i}" for i in range(30)] + [f"T{i}" for i in range(20)],
                                   ["yes" if i % 3 == 0 else "no" for i in range(30)]
                                   + ["yes"] * 9 + ["no"] + ["no"] * 10), "crm.csv")


@pytest.fixture
def named(tmp_path: Path, _kinds_registry: tuple[Path, str, str]) -> tuple[Registry, str, str]:
    """A registry of its own with a built-in version and a team's version (active), named as a manager would."""
    source, builtin, team = _kinds_registry
    shutil.copytree(source, tmp_path / "models", ignore=shutil.ignore_patterns(".lock"))
    registry = Registry(tmp_path / "models")
    registry.rename(builtin, "Built-in model")
    registry.rename(team, "Team calls (y)")
    registry.activate(team)
    return registry, builtin, team


def test_results_never_blend_models(store: Store, named: tuple[Registry, str, str]) -> None:
    registry, builtin, team = named
    _two_models(store, builtin, team)
    default = results.results_report(store, registry)
    assert default.single and [v.model for v in default.versions] == [ModelVersion(team, "Team calls (y)", True)]
    high = default.versions[0].tiers["High"]
    assert (high.scored, high.converted, high.expected) == (10, 9, 0.9)  # the team model's leads only
    as_json = default.to_dict()
    assert {"tiers", "drift", "ranking", "gain", "model", "filters"} <= set(as_json)
    assert as_json["model"] == {"version": team, "name": "Team calls (y)", "active": True}
    assert set(as_json["tiers"]["High"]) >= {"scored", "with_outcome", "converted", "rate", "interval", "expected"}

    by_name = results.results_report(store, registry, model="Built-in model")
    assert [v.model.version for v in by_name.versions] == [builtin] and by_name.single
    assert by_name.versions[0].tiers["High"].scored == 10 and by_name.versions[0].leads == 30
    assert results.results_report(store, registry, model="built-in MODEL").versions[0].model.version == builtin
    assert results.results_report(store, registry, model=builtin).versions[0].leads == 30

    every = results.results_report(store, registry, model="all")
    assert not every.single and [v.model.version for v in every.versions] == [team, builtin]
    sections = every.to_dict()
    assert "tiers" not in sections and [v["model"]["version"] for v in sections["versions"]] == [team, builtin]
    for section in sections["versions"]:  # each with its own tiers, promises and verdicts
        assert {"tiers", "drift", "ranking", "gain", "leads"} <= set(section)
    assert sections["versions"][0]["tiers"]["High"]["expected"] == 0.9
    assert sections["versions"][1]["tiers"]["High"]["expected"] != 0.9
    listed = results.results_report(store, registry, model="all", list_name="built-in list")
    assert [v.model.version for v in listed.versions] == [builtin]
    several = results.results_report(store, registry, model=[team, "Built-in model"])
    assert not several.single and len(several.versions) == 2


def test_unknown_list_version_or_name_names_what_exists(store: Store, named: tuple[Registry, str, str],
                                                         tmp_path: Path) -> None:
    registry, builtin, team = named
    _two_models(store, builtin, team)
    with pytest.raises(ResultsError, match=r"no saved list named 'Nope'; lists: team list, built-in list"):
        results.results_report(store, registry, list_name="Nope")
    with pytest.raises(ResultsError, match=r"no model version or name 'Team'; versions: .*, or 'all'") as refused:
        results.results_report(store, registry, model="Team")
    assert f'"Built-in model" ({builtin})' in str(refused.value)
    assert f'"Team calls (y)" ({team}), active' in str(refused.value)
    empty = Registry(tmp_path / "no-models")
    with pytest.raises(ResultsError, match=f"there is no active model: name a version with --model .*{team}"):
        results.results_report(store, empty)
    # Versions the registry does not hold, with leads in the store, are still named and reported.
    assert results.results_report(store, empty, model=builtin).versions[0].leads == 30


def test_a_name_several_versions_share_gives_each_its_own_section(store: Store,
                                                                  named: tuple[Registry, str, str]) -> None:
    registry, builtin, team = named
    _two_models(store, builtin, team)
    registry.rename(builtin, "Same name")
    registry.rename(team, "Same name")
    report = results.results_report(store, registry, model="Same name")
    assert not report.single and {v.model.version for v in report.versions} == {builtin, team}
