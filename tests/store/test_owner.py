"""Each lead's owner: recognised from the headers, stored with each scoring, and every store query a rep's
results come from (report, saved lists, history, export, the work list) filtered by it, on SQLite and
PostgreSQL. A rep never gets another owner's lead."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leadscore.cli import main
from leadscore.data import synth
from leadscore.fields.headers import owner_column
from leadscore.registry import Registry
from leadscore.scoring.rows import ScoredRows
from leadscore.store import RecordError, Store, read_outcomes
from leadscore.store.leads import latest_leads
from leadscore.workflows.export import export_list
from leadscore.workflows.results import version_results

OWNERS = ["Ana Lopez", "Ben Ode", "Ana Lopez", None, "Ben Ode", "Ana Lopez"]


def batch(ids: list[str], owners: list[str | None], tiers: list[str], version: str = "v1") -> ScoredRows:
    """A team's model's scored rows, with the owner of each lead."""
    chance = np.linspace(0.2, 0.7, len(ids))
    frame = pd.DataFrame({"Lead": ids, "Lead Owner": owners, "Source": ["web"] * len(ids)},
                         index=pd.RangeIndex(1, len(ids) + 1))
    return ScoredRows(model_version=version, tier=np.array(tiers, dtype=object), chance=chance,
                      score=np.rint(chance * 100).astype(int), fields=frame,
                      lead_id=pd.Series(ids, index=frame.index, dtype=object), id_column="Lead",
                      reasons=np.array([["Source: web (raises)", "", ""]] * len(ids), dtype=object),
                      owner=np.array(owners, dtype=object),
                      columns=pd.DataFrame({"p_convert": chance}, index=frame.index))


def report(store: Store, **filters: object) -> dict:
    """The results report of the version these tests record with (``workflows.results``), as JSON."""
    return version_results(store, "v1", **filters).to_dict()


@pytest.mark.parametrize(("columns", "found"), [
    (["Lead ID", "Lead Owner", "Source"], "Lead Owner"),
    (["id", "sales_agent"], "sales_agent"),
    (["id", "OWNER_EMAIL", "assigned to"], "OWNER_EMAIL"),
    (["id", "Assigned To", "Owner"], "Owner"),  # the most telling header wins, wherever it stands
    (["id", "Sales Rep"], "Sales Rep"),
    (["id", "ownership", "agent"], None),
    ([], None),
])
def test_owner_headers_are_recognised(columns: list[str], found: str | None) -> None:
    assert owner_column(columns) == found


def test_a_reps_queries_hold_only_their_leads(store: Store) -> None:
    ids = [f"L{i}" for i in range(1, 7)]
    store.record(batch(ids, OWNERS, ["High", "High", "Medium", "Low", "Low", "Medium"]), list_name="May")
    store.record(batch(["L7", "L8"], ["Ben Ode", "Ben Ode"], ["High", "Low"]), list_name="Ben only")
    rows = read_outcomes(pd.DataFrame({"id": ["L1", "L2", "L3", "L5"], "stage": ["won", "won", "lost", "lost"]}),
                         "id", "stage")
    store.import_outcomes(rows, source="crm.csv")

    ana = report(store, owner="Ana Lopez")
    assert ana["leads"] == 3
    assert (ana["tiers"]["High"]["scored"], ana["tiers"]["Medium"]["scored"]) == (1, 2)
    assert (ana["tiers"]["High"]["converted"], ana["tiers"]["Medium"]["with_outcome"]) == (1, 1)
    assert report(store, owner="Nobody")["leads"] == 0

    team = report(store, by="owner")
    per_owner = {v["value"]: sum(t["scored"] for t in v["tiers"].values()) for v in team["by"]["values"]}
    assert per_owner == {"Ana Lopez": 3, "Ben Ode": 4, "(no owner)": 1}
    assert sum(per_owner.values()) == team["leads"] == 8

    assert [(s.name, s.leads) for s in store.saved_lists(owner="Ana Lopez")] == [("May", 3)]
    assert {s.name: s.leads for s in store.saved_lists()} == {"May": 6, "Ben only": 2}
    assert store.list_rows("May", owner="Ana Lopez")["Lead"].tolist() == ["L1", "L3", "L6"]
    with pytest.raises(KeyError):
        store.list_rows("Ben only", owner="Ana Lopez")
    assert [h.owner for h in store.history("L1")] == ["Ana Lopez"]
    assert store.history("L2", owner="Ana Lopez") == []

    assert sorted(latest_leads(store, owner="Ana Lopez")["lead_id"]) == ["L1", "L3", "L6"]
    exported = export_list(store, "May", {}, owner="Ana Lopez")
    assert sorted(exported.frame.iloc[:, 0].astype(str)) == ["L1", "L3", "L6"]


def test_a_lead_that_changes_hands_follows_its_latest_scoring(store: Store) -> None:
    store.record(batch(["L1"], ["Ana Lopez"], ["High"]))
    store.record(batch(["L1"], ["Ben Ode"], ["Low"]))
    assert report(store, owner="Ana Lopez")["leads"] == 0
    assert report(store, owner="Ben Ode")["leads"] == 1
    assert [h.owner for h in store.history("L1")] == ["Ana Lopez", "Ben Ode"]


def test_an_owner_too_long_to_keep_is_refused_naming_the_row(store: Store) -> None:
    with pytest.raises(RecordError, match="row 2: the owner is longer than 200 characters"):
        store.record(batch(["L1", "L2"], ["Ana", "x" * 201], ["High", "Low"]))
    assert report(store)["leads"] == 0


# ---- the command line -----------------------------------------------------------------------------------
def run(*args: object) -> int:
    return main([str(a) for a in args])


@pytest.fixture
def scored_with_owners(tmp_path: Path, model_dir: Path, database_url: str, monkeypatch: pytest.MonkeyPatch,
                       capsys: pytest.CaptureFixture[str]) -> Path:
    """A copy of the registry and 90 leads recorded with their "Lead Owner", the store at ``database_url``."""
    monkeypatch.setenv("LEADSCORE_DATABASE_URL", database_url)
    models = tmp_path / "models"
    shutil.copytree(model_dir, models)
    leads = synth.generate(90, seed=3)
    leads.insert(1, "Lead Owner", ["Ana Lopez", "Ben Ode", "Cy Park"] * 30)
    leads.to_csv(tmp_path / "leads.csv", index=False)
    assert run("score", tmp_path / "leads.csv", "-o", tmp_path / "scored.csv", "--record", "--id", "lead_id",
               "--list", "June", "--models-dir", models) == 0
    assert "each lead's owner from column 'Lead Owner'" in capsys.readouterr().err
    return models


def test_score_record_recognises_the_owner_and_report_filters_by_it(scored_with_owners: Path, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert run("report", "--json", "--owner", "Ben Ode", "--models-dir", scored_with_owners) == 0
    assert json.loads(capsys.readouterr().out)["leads"] == 30
    assert run("report", "--json", "--by", "owner", "--models-dir", scored_with_owners) == 0
    by = json.loads(capsys.readouterr().out)["by"]
    assert {v["value"]: sum(t["scored"] for t in v["tiers"].values()) for v in by["values"]} == {
        "Ana Lopez": 30, "Ben Ode": 30, "Cy Park": 30}
    first_of_ana = pd.read_csv(tmp_path / "leads.csv")["lead_id"][0]
    assert run("report", "--lead", first_of_ana, "--owner", "Ben Ode", "--models-dir", scored_with_owners) == 2
    assert "was never recorded" in capsys.readouterr().err


def test_score_record_takes_a_named_owner_column(tmp_path: Path, model_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("LEADSCORE_DATABASE_URL", raising=False)
    models = tmp_path / "models"
    shutil.copytree(model_dir, models)
    leads = synth.generate(20, seed=4)
    leads["Closer"] = ["Ana", "Ben"] * 10
    leads.to_csv(tmp_path / "leads.csv", index=False)
    out = tmp_path / "scored.csv"
    assert run("score", tmp_path / "leads.csv", "-o", out, "--record", "--owner", "Closer", "--models-dir",
               models) == 0
    assert run("report", "--json", "--owner", "Ana", "--models-dir", models) == 0
    assert json.loads(capsys.readouterr().out)["leads"] == 10
    assert run("score", tmp_path / "leads.csv", "-o", out, "--record", "--owner", "Nope", "--models-dir",
               models) == 2
    assert "owner column 'Nope' is not in the file" in capsys.readouterr().err
    assert run("score", tmp_path / "leads.csv", "-o", out, "--owner", "Closer", "--models-dir", models) == 2
    assert "need --record" in capsys.readouterr().err


def test_changes_made_at_the_command_line_are_in_the_audit_trail(tmp_path: Path, model_dir: Path,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("LEADSCORE_DATABASE_URL", raising=False)
    models = tmp_path / "models"
    shutil.copytree(model_dir, models)
    version = Registry(models).active_version()
    leads = synth.generate(30, seed=5)
    leads.to_csv(tmp_path / "leads.csv", index=False)
    pd.DataFrame({"id": leads["lead_id"], "stage": ["won", "lost", "open"] * 10}).to_csv(tmp_path / "crm.csv",
                                                                                        index=False)
    assert run("score", tmp_path / "leads.csv", "-o", tmp_path / "scored.csv", "--record", "--id", "lead_id",
               "--list", "June", "--models-dir", models) == 0
    assert run("outcomes", tmp_path / "crm.csv", "--id", "id", "--outcome", "stage", "--positive", "won",
               "--negative", "lost", "--models-dir", models) == 0
    assert run("models", "rename", version, "June model", "--models-dir", models) == 0
    assert run("models", "activate", version, "--models-dir", models) == 0
    assert run("export", "--list", "June", "-o", tmp_path / "june.csv", "--models-dir", models) == 0
    capsys.readouterr()
    assert run("audit", "--json", "--models-dir", models) == 0
    events = json.loads(capsys.readouterr().out)
    assert [(e["action"], e["source"]) for e in events] == [
        ("list saved", "command line"), ("outcomes imported", "command line"), ("model renamed", "command line"),
        ("model activated", "command line"), ("list exported", "command line")]
    assert events[0]["detail"] == {"list": "June", "leads": 30, "file": "leads.csv"}
    assert events[1]["detail"]["new"] == 20
    assert events[2]["detail"] == {"version": version, "name": "June model"}
