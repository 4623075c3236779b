"""Model page, CRM history: upload an export, review, train, see what was left out, publish, set bands, go back."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit import config

from leadscore.modeling.tiers import tier_report
from leadscore.modeling.won_lost import train as outcome
from leadscore.registry import Registry
from leadscore.settings import ENV_MODELS_DIR
from tests.app.helpers import open_page, texts
from tests.cli_run import run_cli
from tests.conftest import BANK_SAMPLE, SMALL_CANDIDATES
from ui import crm_training, guard


@pytest.fixture(autouse=True)
def _setting(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Listening on 127.0.0.1 (no password needed), no failed attempts, and fast training."""
    before = config.get_option("server.address")
    config.set_option("server.address", "127.0.0.1")
    guard._limiter.clear()
    # train_outcome took the module's CANDIDATES as its default when it was defined: the default itself is set
    monkeypatch.setitem(outcome.train_outcome.__kwdefaults__, "candidates", SMALL_CANDIDATES)
    yield
    config.set_option("server.address", before)
    guard._limiter.clear()


def _bank(leak: bool = True, rows: int | None = None, shuffle_outcome: bool = False) -> bytes:
    """The bank-marketing sample as CSV bytes; with ``leak``, a 'call_result' column equal to y with 5% noise."""
    frame = pd.read_csv(BANK_SAMPLE, dtype=str, keep_default_na=False)
    rng = np.random.default_rng(7)
    if leak:
        flip = rng.random(len(frame)) < 0.05
        frame["call_result"] = np.where((frame["y"] == "yes") ^ flip, "interested", "not interested")
    if shuffle_outcome:
        frame["y"] = rng.permutation(frame["y"].to_numpy())
    if rows is not None:
        frame = frame.head(rows)
    return frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def _upload(app, content: bytes, name: str = "crm-export.csv"):
    app.file_uploader(key="crm_upload").set_value((name, content, "text/csv")).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _review_key(content: bytes, target_position: int) -> str:
    return f"crm_review_{hashlib.sha256(content).hexdigest()[:12]}_{target_position}_-1"  # no order column chosen


def _use(app, content: bytes, column: str):
    """The 'Use it' tick of one column in the review."""
    return app.checkbox(key=f"{_review_key(content, 16)}_use_{column}")


def _exclude_in_review(app, content: bytes, column: str):
    """Untick a column's 'Use it' in the review, as the manager would (one click)."""
    _use(app, content, column).uncheck().run()
    return app


def _train(app):
    app.button(key="crm_train").click().run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _table(app, column: str) -> pd.DataFrame:
    """The first table shown with this column."""
    return next(d.value for d in app.dataframe if column in d.value.columns)


def test_upload_review_train_publish_bands_and_back(models_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="leadscore.audit")
    builtin = Registry(models_dir).active_version()
    content = _bank()
    app = _upload(open_page("model"), content)
    [target] = [s for s in app.selectbox if s.label.startswith("1.")]
    assert target.value == "y"
    [positive] = [m for m in app.multiselect if m.label.startswith("2.")]
    assert positive.value == ["yes"]
    reviewed = [c.label for c in app.checkbox if c.key and "_use_" in c.key]
    assert "y" not in reviewed and "duration" in reviewed  # the outcome is chosen above, not reviewed
    assert _use(app, content, "duration").value
    assert "its name has 'duration'" in "".join(c.value for c in app.caption)
    _train(_exclude_in_review(app, content, "duration"))

    shown = texts(app)
    assert "New model, not yet published" in shown
    leaks = _table(app, "Alone, ranks right")
    assert leaks["Field"].tolist() == ["call_result"]
    assert leaks["Alone, ranks right"].iloc[0] > 0.9
    assert leaks["Now"].iloc[0] == "left out"
    assert "Keep 'call_result' anyway" in app.checkbox(key="crm_keep_0").label.replace("\\", "")
    ignored = _table(app, "Why it is not used").set_index("Column")["Why it is not used"]
    assert ignored["duration"] == "excluded by you"
    assert "Ready:" in shown
    assert Registry(models_dir).active_version() == builtin  # nothing changes before publishing

    app.button(key="crm_publish").click().run()
    assert not app.exception, [e.value for e in app.exception]
    registry = Registry(models_dir)
    crm = registry.active_version()
    [info] = [v for v in registry.versions() if v.version == crm]
    assert info.kind == "outcome" and info.target == "y" and info.auc > 0.6
    report = registry.load().report
    assert "duration" not in report.fill_rates and "call_result" not in report.fill_rates
    assert f"published and activated model version {crm}" in caplog.text
    shown = texts(app)
    assert f"Published version {crm}" in shown
    assert "Ranks a converting lead higher" in [m.label for m in app.sidebar.metric]
    assert "It ranks a lead that converts above one that does not" in shown
    assert "Accuracy" not in [m.label for m in app.metric]  # no built-in report for a CRM model
    assert not [b for b in app.button if b.key == "rt_train"]  # no synthetic retrain either

    app.slider(key="bands_high_share").set_value(10).run()
    assert not app.exception, [e.value for e in app.exception]
    measured = _table(app, "Test leads").set_index("Tier")
    scores = report.test_scores
    assert len(scores.p) == report.test_rows
    app.button(key="bands_save").click().run()
    assert not app.exception, [e.value for e in app.exception]
    banded = Registry(models_dir).active_version()
    assert banded != crm
    model = Registry(models_dir).load()
    assert model.target.bands.shares == (0.1, 0.3)
    saved = model.metadata["report"]
    assert saved["bands"]["shares"] == [0.1, 0.3]
    expected = tier_report(np.asarray(scores.p), np.asarray(scores.y), model.target.bands)
    assert saved["test"]["tiers"] == expected
    assert measured.loc["High", "Test leads"] == expected[0]["leads"]
    booster = models_dir / "versions" / "{}" / "model.ubj"
    assert Path(str(booster).format(banded)).read_bytes() == Path(str(booster).format(crm)).read_bytes()

    app.button[[b.label for b in app.button].index("Bring back the built-in model")].click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert Registry(models_dir).active_version() == builtin
    assert "Right tier" in [m.label for m in app.sidebar.metric]
    assert "is active again" in texts(app)


def test_the_review_is_one_tick_per_column_and_its_reason_follows_the_tick(models_dir: Path) -> None:
    frame = pd.read_csv(io.BytesIO(_bank(leak=False)), dtype=str, keep_default_na=False)
    frame.insert(0, "lead_ref", [f"L{i:05d}" for i in range(len(frame))])
    frame["notes"] = [f"called on day {i}, said to call back about offer {i * 7}" for i in range(len(frame))]
    frame["Do Not Email"] = np.where(np.arange(len(frame)) % 3 == 0, "Yes", "No")
    content = frame.to_csv(index=False).encode()
    app = _upload(open_page("model"), content)
    key = _review_key(content, list(frame.columns).index("y"))
    captions = lambda: [c.value.replace("\\", "") for c in app.caption]  # noqa: E731
    assert not app.checkbox(key=f"{key}_use_notes").value
    assert app.selectbox(key=f"{key}_id").value == "lead_ref"
    assert app.checkbox(key=f"{key}_use_lead_ref").disabled
    assert "identifies each lead: kept beside the scores, not learned from" in captions()
    assert "you chose to use it" not in captions() and "you left it out" not in captions()

    app.checkbox(key=f"{key}_use_notes").check().run()
    app.checkbox(key=f"{key}_use_duration").uncheck().run()
    assert "you chose to use it" in captions() and "you left it out" in captions()
    assert app.checkbox(key=f"{key}_sales_duration").disabled  # a left-out field cannot be a salesperson's
    # Nothing is ticked by name alone (the command line's default too), and an opt-out can never be ticked
    assert not any(app.checkbox(key=f"{key}_sales_{name}").value for name in ("campaign", "contact", "Do Not Email"))
    assert app.checkbox(key=f"{key}_sales_Do Not Email").disabled
    app.checkbox(key=f"{key}_sales_balance").check().run()
    _train(app)
    args = app.session_state[crm_training.CANDIDATE].args
    assert args["id_column"] == "lead_ref" and "notes" in args["keep"] and "duration" in args["exclude"]
    assert "balance" in args["actionable"] and "campaign" not in args["actionable"]


def test_keep_it_anyway_trains_again_with_the_field(models_dir: Path) -> None:
    app = _train(_upload(open_page("model"), _bank()))
    assert "Train again with the ticked fields kept" not in [b.label for b in app.button]
    app.checkbox(key="crm_keep_0").check().run()
    app.button(key="crm_retrain_kept").click().run()
    assert not app.exception, [e.value for e in app.exception]
    report = app.session_state[crm_training.CANDIDATE].report
    assert report.leakage.kept_on_purpose == ["call_result"]
    assert "call_result" in report.test.importance
    assert report.test.roc_auc > 0.9  # the leak makes it look excellent, as the page warned
    # duration is left out too (its name, and 38% of a first fit's decisions), and stays out
    assert _table(app, "Alone, ranks right").set_index("Field")["Now"].to_dict() == {
        "call_result": "kept on purpose", "duration": "left out"}
    assert "'call_result' alone makes" in texts(app)  # and the page asks whether it is known in time


def test_a_model_that_is_not_ready_needs_publish_anyway(models_dir: Path) -> None:
    app = _train(_upload(open_page("model"), _bank(leak=False, shuffle_outcome=True)))
    assert "Not ready:" in texts(app)
    assert app.button(key="crm_publish").disabled
    app.checkbox(key="crm_publish_anyway").check().run()
    assert not app.button(key="crm_publish").disabled
    app.button(key="crm_publish").click().run()
    assert Registry(models_dir).load().metadata["kind"] == "outcome"


def test_the_dashboards_publish_is_the_command_lines_one_gate(models_dir: Path, tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    """Below the rule nothing is published until "Publish it anyway" is ticked (``--force``); the page shows the
    verdict the command line prints for the same file, and the forced version is published and audited."""
    caplog.set_level("INFO", logger="leadscore.audit")
    content = _bank(leak=False, shuffle_outcome=True)
    registry = Registry(models_dir)
    builtin, versions = registry.active_version(), len(registry.versions())
    app = _train(_upload(open_page("model"), content))
    verdict = app.session_state[crm_training.CANDIDATE].candidate.verdict
    assert not verdict.passed and f"{verdict.sentence}." in texts(app)

    assert app.button(key="crm_publish").disabled  # not ticked: nothing to click
    assert (registry.active_version(), len(registry.versions())) == (builtin, versions)

    app.checkbox(key="crm_publish_anyway").check().run()
    app.button(key="crm_publish").click().run()
    assert not app.exception, [e.value for e in app.exception]
    forced = registry.active_version()
    assert forced != builtin and len(registry.versions()) == versions + 1
    assert f"Published version {forced}, trained on crm-export.csv" in texts(app)
    assert "It was published anyway, although below the rule." in texts(app)
    assert f"published and activated model version {forced} from this computer" in caplog.text

    (tmp_path / "crm-export.csv").write_bytes(content)
    refused = run_cli("train", "--data", tmp_path / "crm-export.csv", "--target", "y")
    assert refused.returncode == 2 and verdict.sentence in refused.stdout
    assert refused.stderr.strip().endswith(verdict.refusal())
    assert registry.active_version() == forced
    published = run_cli("train", "--data", tmp_path / "crm-export.csv", "--target", "y", "--force")
    assert published.returncode == 0 and verdict.sentence in published.stdout
    assert "published with --force although below the rule and active" in published.stdout


def test_too_few_leads_is_one_clear_sentence(models_dir: Path) -> None:
    app = _train(_upload(open_page("model"), _bank(rows=200)))
    [error] = [e.value.replace("\\", "") for e in app.error]
    assert error.startswith("Training failed: too few leads to learn from:")
    assert "at least 40 of each are needed" in error
    assert crm_training.CANDIDATE not in app.session_state


def test_outcome_values_that_cannot_be_told_apart_are_picked_by_hand(models_dir: Path) -> None:
    frame = pd.read_csv(io.BytesIO(_bank(leak=False)), dtype=str, keep_default_na=False)
    frame["status"] = frame.pop("y").map({"yes": "Closed", "no": "Dropped"})
    app = _upload(open_page("model"), frame.to_csv(index=False).encode())
    [target] = [s for s in app.selectbox if s.label.startswith("1.")]
    assert target.value == "status"
    assert "Could not tell which values mean converted" in texts(app)
    assert app.button(key="crm_train").disabled
    [positive] = [m for m in app.multiselect if m.label.startswith("2.")]
    positive.set_value(["Closed"]).run()
    _train(app)
    assert app.session_state[crm_training.CANDIDATE].report.positive == ["Closed"]


def test_stages_beyond_won_and_lost_ask_which_mean_lost_with_their_counts(models_dir: Path) -> None:
    frame = pd.read_csv(io.BytesIO(_bank(leak=False)), dtype=str, keep_default_na=False)
    stage = frame.pop("y").map({"yes": "Won", "no": "Lost"})
    stage[stage.index % 7 == 0] = "Engaging"
    frame["stage"] = stage
    counts = stage.value_counts()
    app = _upload(open_page("model"), frame.to_csv(index=False).encode())
    [positive] = [m for m in app.multiselect if m.label.startswith("2.")]
    assert positive.value == ["Won"]
    [lost] = [m for m in app.multiselect if m.label == "Which values mean lost?"]
    assert lost.value == [] and app.button(key="crm_train").disabled
    assert "Values: " + ", ".join(f"{v} {n:,}" for v, n in counts.items()) in texts(app)
    lost.set_value(["Lost"]).run()
    _train(app)
    report = app.session_state[crm_training.CANDIDATE].report
    assert report.negative == ["Lost"] and report.open_by_value == {"Engaging": int(counts["Engaging"])}
    assert report.not_converted == counts["Lost"]


def test_a_date_column_orders_the_test_part_and_open_leads_are_counted(models_dir: Path) -> None:
    frame = pd.read_csv(io.BytesIO(_bank(leak=False)), dtype=str, keep_default_na=False)
    frame.insert(0, "created", pd.date_range("2024-01-01", periods=len(frame), freq="h").strftime("%Y-%m-%d %H:%M"))
    frame.loc[len(frame) - 25:, "y"] = ""  # the newest leads are still open
    app = _upload(open_page("model"), frame.to_csv(index=False).encode())
    assert "Found 'created' (date) to order the leads in time" in texts(app)
    _train(app)
    report = app.session_state[crm_training.CANDIDATE].report
    assert report.open_leads == 25 and "'created'" in report.split
    assert "25 open leads (empty outcome) were not trained on" in texts(app)


def test_a_wrong_password_trains_nothing(models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSCORE_RETRAIN_PASSWORD", "s3cret")
    app = _upload(open_page("model"), _bank(leak=False, rows=300))
    app.text_input(key="crm_password").input("guess")
    _train(app)
    assert "Wrong password. Nothing was changed." in texts(app)
    assert crm_training.CANDIDATE not in app.session_state


def test_outcome_model_active_shows_its_own_report(outcome_registry: Registry, monkeypatch: pytest.MonkeyPatch
                                                   ) -> None:
    monkeypatch.setenv(ENV_MODELS_DIR, str(outcome_registry.root))
    app = open_page("model")
    labels = [m.label for m in app.sidebar.metric]
    assert "Ranks a converting lead higher" in labels and "Right tier" not in labels
    report = outcome_registry.load().report
    high, medium, low = (t.conversion_rate for t in report.test.tiers)
    assert (f"#### Of the leads it called High on a random 20% of the leads, {high:.0%} converted; of Medium, "
            f"{medium:.1%}; of Low, {low:.1%}.".replace(".0%", "%")) in texts(app)  # "4%", not "4.0%"
    assert f"does not {report.test.roc_auc:.0%} of the time" in texts(app)
    assert [t.label for t in app.tabs][:4] == ["How good is it", "Versions", "Tier bands", "Train on your CRM history"]
    versions = _table(app, "State").set_index("Kind")
    assert sorted(versions.index) == ["CRM: y", "built-in"]
    auc = outcome_registry.load().report.test.roc_auc
    assert versions.loc["CRM: y", "How good"] == f"ranks right {auc:.0%} of the time"
    assert versions.loc["built-in", "How good"].startswith("right tier for ")
    assert versions.loc["CRM: y", "Name"] == "Bank marketing sample (y)"
    assert "top 20% of leads are High and the next 30% Medium" in texts(app)


def test_bands_by_chance_of_conversion_are_measured_and_saved(outcome_registry: Registry,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_MODELS_DIR, str(outcome_registry.root))
    report = outcome_registry.load().report
    app = open_page("model")
    assert "These are the bands the active model uses." in texts(app)
    app.radio(key="bands_by").set_value("Chance of conversion").run()
    app.slider(key="bands_high_p").set_value(30).run()
    app.slider(key="bands_medium_p").set_value(40).run()
    assert "Medium's lowest chance cannot be above High's." in texts(app)
    assert not [b for b in app.button if b.key == "bands_save"]
    app.slider(key="bands_medium_p").set_value(10).run()
    table = _table(app, "Test leads").set_index("Tier")
    p = np.asarray(report.test_scores.p)
    assert table.loc["High", "Rule"] == "chance ≥ 30.0%"
    assert table.loc["High", "Test leads"] == int((p >= 0.3).sum())
    assert table.loc["Low", "Test leads"] == int((p < 0.1).sum())
    app.button(key="bands_save").click().run()
    assert not app.exception, [e.value for e in app.exception]
    bands = Registry(outcome_registry.root).load().target.bands
    assert (bands.kind, bands.high, bands.medium) == ("probability", 0.3, 0.1)


def test_crm_training_is_refused_on_a_shared_server_without_password(models_dir: Path) -> None:
    config.set_option("server.address", "0.0.0.0")
    app = open_page("model")
    assert not [u for u in app.get("file_uploader") if u.key == "crm_upload"]
    assert "needs an administrator password" in texts(app)


def test_likely_outcome_prefers_a_typical_name_then_a_two_valued_column() -> None:
    named = pd.DataFrame({"Converted": ["1", "0"], "a": ["x", "y"]}, dtype="string")
    assert crm_training.likely_outcome(named) == 0
    two_valued = pd.DataFrame({"a": ["x", "y", "z"], "closed_flag": ["yes", "no", ""]}, dtype="string")
    assert crm_training.likely_outcome(two_valued) == 1
