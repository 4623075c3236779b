"""Model page: metrics and charts; retrain publishes and the sidebar follows; the guard refuses."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit import config

from leadscore.registry import Registry
from tests.app.helpers import open_page, plain, texts
from ui import guard


@pytest.fixture(autouse=True)
def listening_on(request: pytest.FixtureRequest) -> Iterator[None]:
    """The dashboard listens on 127.0.0.1 (as scripts/dashboard.sh starts it) unless a test says otherwise;
    every test starts with no failed password attempts."""
    address = getattr(request, "param", "127.0.0.1")
    before = config.get_option("server.address")
    config.set_option("server.address", address)
    guard._limiter.clear()
    yield
    config.set_option("server.address", before)
    guard._limiter.clear()


def _sidebar_text(app) -> str:
    return "\n".join(m.value for m in app.sidebar.markdown)


def _retrain(app, rows: int = 2_000, password: str | None = None):
    app.number_input(key="rt_rows").set_value(rows)
    if password is not None:
        app.text_input(key="rt_password").input(password)
    app.button(key="rt_train").click().run()
    return app


def test_the_page_leads_with_plain_words_and_keeps_the_metrics_for_analysts(models_dir: Path) -> None:
    app = open_page("model")
    report = Registry(models_dir).load().metadata["report"]
    headline = next(plain(m.value) for m in app.markdown if m.value.startswith("#### It puts"))
    assert headline.startswith(f"#### It puts {report['accuracy'] * 100:.0f} of every 100 test leads in their true "
                               "tier. Of the leads it calls High, ")
    [analysts] = [e for e in app.expander if e.label == "Details for analysts" and e.metric]
    labels = [m.label for m in analysts.metric]
    for label in ("Accuracy", "Average recall", "Average precision", "Weighted F1"):
        assert label in labels
    assert len(app.get("plotly_chart")) >= 5
    assert "Bayes" in plain("\n".join(c.value for c in analysts.caption))
    assert "straight-line model" in plain("\n".join(c.value for c in analysts.caption))  # 0.86 vs the study's 60-65%


def test_retrain_then_publish_makes_the_new_version_active(models_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="leadscore.audit")
    before = Registry(models_dir).active_version()
    app = open_page("model")
    assert before in _sidebar_text(app)
    _retrain(app)
    assert not app.exception, [e.value for e in app.exception]
    assert "New model, not yet published" in texts(app)
    assert Registry(models_dir).active_version() == before  # nothing changes before publishing
    assert "would change tier" in texts(app)
    app.checkbox(key="publish_anyway").check().run()  # 2,000 leads make a worse model than the built-in one
    app.button(key="publish").click().run()
    assert not app.exception
    after = Registry(models_dir).active_version()
    assert after != before
    assert after in _sidebar_text(app)
    assert f"Published version {after}" in texts(app)
    assert "It was published anyway, although below the rule." in texts(app)  # as --force says so
    [line] = [r.getMessage() for r in caplog.records if r.name == "leadscore.audit"]
    assert f"published and activated model version {after} from this computer" in line
    assert len(Registry(models_dir).versions()) == 2


def test_discard_leaves_the_registry_alone(models_dir: Path) -> None:
    app = _retrain(open_page("model"))
    app.button(key="discard").click().run()
    assert "New model, not yet published" not in texts(app)
    assert len(Registry(models_dir).versions()) == 1


def test_wrong_password_is_refused(models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSCORE_RETRAIN_PASSWORD", "s3cret")
    app = _retrain(open_page("model"), password="guess")
    assert "Wrong password. Nothing was trained" in texts(app)
    assert "New model, not yet published" not in texts(app)
    app = _retrain(app, password="s3cret")
    assert "New model, not yet published" in texts(app)


def test_retraining_can_be_switched_off(models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSCORE_RETRAIN_ENABLED", "false")
    app = open_page("model")
    assert "Changing the model is switched off on this server" in texts(app)
    assert not [b for b in app.button if b.key == "rt_train"]


def test_failed_retrain_says_why_and_keeps_the_active_model(models_dir: Path) -> None:
    before = Registry(models_dir).active_version()
    app = open_page("model")
    app.radio(key="rt_source").set_value("My labeled CSV").run()
    app.file_uploader(key="rt_upload").set_value(("bad.csv", b"age,income\n30,50000\n", "text/csv")).run()
    app.button(key="rt_train").click().run()
    assert "Retraining failed: missing required columns" in texts(app)
    assert "is still in use" in texts(app)
    assert Registry(models_dir).active_version() == before


def test_an_earlier_version_can_be_made_active_again(models_dir: Path) -> None:
    app = _retrain(open_page("model"))
    first = Registry(models_dir).active_version()
    app.checkbox(key="publish_anyway").check().run()
    app.button(key="publish").click().run()
    assert Registry(models_dir).active_version() != first
    form_select = [s for s in app.selectbox if s.label == "Make another version active"][0]
    form_select.select(first)
    [b for b in app.button if b.label == "Make this version active"][0].click().run()
    assert Registry(models_dir).active_version() == first
    assert first in _sidebar_text(app)


def _second_version(models_dir: Path) -> tuple[str, str]:
    registry = Registry(models_dir)
    first = registry.active_version()
    model = registry.load()
    return first, registry.publish(model, model.metadata["report"])


def _activate(app, version: str, password: str | None = None):
    [s for s in app.selectbox if s.label == "Make another version active"][0].select(version)
    if password is not None:
        [t for t in app.text_input
         if t.label == "Retrain password" and t.key not in ("rt_password", "rename_password")][0].input(password)
    [b for b in app.button if b.label == "Make this version active"][0].click().run()
    return app


def test_a_damaged_active_model_can_be_replaced_from_the_model_page(
        models_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    first, second = _second_version(models_dir)
    (models_dir / "versions" / second / "model.ubj").write_bytes(b"damaged")
    caplog.set_level("INFO", logger="leadscore.audit")

    app = open_page("model")
    assert "The active model cannot be loaded" in texts(app) and "model.ubj" in texts(app)
    states = dict(zip(app.dataframe[0].value["Version id"], app.dataframe[0].value["State"], strict=True))
    assert states[first] == "ok" and states[second].startswith("damaged: ")

    _activate(app, first)
    assert not app.exception
    assert Registry(models_dir).active_version() == first
    assert f"Version {first} is now active" in texts(app)
    assert first in _sidebar_text(app)
    [line] = [r.getMessage() for r in caplog.records if r.name == "leadscore.audit"]
    assert f"activated model version {first} from " in line


def test_a_damaged_earlier_version_is_listed_with_its_reason(models_dir: Path) -> None:
    first, second = _second_version(models_dir)
    (models_dir / "versions" / first / "metadata.json").write_text("{broken")
    app = open_page("model")
    table = app.dataframe[0].value
    states = dict(zip(table["Version id"], table["State"], strict=True))
    assert states[second] == "ok"
    assert "metadata.json" in states[first] and states[first].startswith("damaged: ")
    assert not [s for s in app.selectbox if s.label == "Make another version active"]


@pytest.mark.parametrize("listening_on", [None, "0.0.0.0"], indirect=True)
def test_a_shared_dashboard_without_a_password_refuses_model_changes(models_dir: Path) -> None:
    _second_version(models_dir)
    app = open_page("model")
    assert "needs an administrator password on a shared server" in texts(app)
    assert not [b for b in app.button if b.key == "rt_train"]
    assert not [b for b in app.button if b.label == "Make this version active"]


@pytest.mark.parametrize("listening_on", ["0.0.0.0"], indirect=True)
def test_a_shared_dashboard_with_a_password_asks_for_it_to_activate(
        models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSCORE_RETRAIN_PASSWORD", "s3cret")
    first, second = _second_version(models_dir)
    app = _activate(open_page("model"), first, password="guess")
    assert "Wrong password. The active model is unchanged." in texts(app)
    assert Registry(models_dir).active_version() == second
    _activate(app, first, password="s3cret")
    assert Registry(models_dir).active_version() == first


@pytest.mark.parametrize("setting", ["disabled", "n", "none", "flase"])
def test_an_unrecognised_enabled_setting_switches_changes_off(
        models_dir: Path, monkeypatch: pytest.MonkeyPatch, setting: str) -> None:
    monkeypatch.setenv("LEADSCORE_RETRAIN_ENABLED", setting)
    app = open_page("model")
    assert "switched off on this server" in texts(app)
    assert not [b for b in app.button if b.key == "rt_train"]


def test_failed_password_attempts_are_limited(models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSCORE_RETRAIN_PASSWORD", "s3cret")
    app = open_page("model")
    for _ in range(5):
        app = _retrain(app, password="guess")
        assert "Wrong password." in texts(app)
    app = _retrain(app, password="s3cret")  # right, but too late
    assert "Too many wrong passwords: try again in about 10 minutes." in texts(app)
    assert "New model, not yet published" not in texts(app)
def test_a_version_is_renamed_on_the_versions_tab_and_the_sidebar_follows(models_dir: Path) -> None:
    app = open_page("model")
    assert "**Built-in model**  \ntrained on 10,000 generated leads" in re.sub(r"\\(.)", r"\1", _sidebar_text(app))
    _, version = _second_version(models_dir)  # published while the page is open: the form starts on it
    app.run()
    app.text_input(key="rename_name").input("Spring campaign, *top* 20% High")
    [b for b in app.button if b.label == "Save the name"][0].click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert {v.version: v.name for v in Registry(models_dir).versions()}[version] == "Spring campaign, *top* 20% High"
    assert "**Spring campaign\\, \\*top\\* 20\\% High**" in _sidebar_text(app)  # stars shown, not italics
    table = app.dataframe[0].value.set_index("Version id")
    assert table.loc[version, "Name"] == "Spring campaign, *top* 20% High"
    assert table.loc[version, "What changed"].startswith("trained on")
    app.text_input(key="rename_name").input("   ")
    [b for b in app.button if b.label == "Save the name"][0].click().run()
    assert "The name is unchanged: a version" in texts(app)


def test_the_form_starts_on_the_recommended_preset(models_dir: Path) -> None:
    app = open_page("model")
    assert app.selectbox(key="rt_preset").value == "default"
    assert app.selectbox(key="rt_preset").options[0].startswith("default")


def test_a_worse_candidate_is_called_worse_and_needs_a_second_step_to_publish(models_dir: Path) -> None:
    before = Registry(models_dir).active_version()
    app = _retrain(open_page("model"))
    errors = [e.value for e in app.error]
    assert any(re.match(r"The new model is worse than the current one: accuracy 0\.\d{3} vs 0\.\d{3} on the same "
                        r"5,000 reference leads", e) for e in errors), errors
    assert app.button(key="publish").disabled  # a browser user cannot click it
    assert Registry(models_dir).active_version() == before
    app.checkbox(key="publish_anyway").check().run()
    assert not app.button(key="publish").disabled


def test_every_accuracy_names_the_leads_it_was_measured_on(models_dir: Path) -> None:
    app = open_page("model")
    [right_tier] = [m for m in app.sidebar.metric if m.label == "Right tier"]
    assert ("Measured on its 2,000 held-out leads (the 20% of its training data it never learned from)"
            in right_tier.help)
    shown = texts(app)
    assert "same model, different leads" in shown
    assert "measured on its 2,000 held-out leads" in shown
    # the High recall beside the uncalibrated baseline's says why they differ
    assert "The uncalibrated SMOTE model overstates every lead's chance of High" in shown
    assert re.search(r"High recall 0\.\d\d here against 0\.\d\d for the uncalibrated one", shown)


def test_a_setting_that_cannot_be_read_stops_the_page_with_one_line(
        models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSCORE_LOCK_TIMEOUT", "soon")
    app = open_page("model")  # no exception box
    shown = [re.sub(r"\\(.)", r"\1", error.value) for error in app.error]
    assert shown == ["The results store cannot be opened: LEADSCORE_LOCK_TIMEOUT must be a number of seconds "
                     "from 0.1 to 3600 (such as 30 or 2.5), not 'soon'"]
    assert not [b for b in app.button if b.key == "rt_train"]
