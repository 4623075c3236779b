"""Signing in and what each role may open (AppTest on the real app.py, the real store and its accounts).

The browser side (a rep's list, a viewer's pages, throttled wrong passwords) is in
tests/browser/test_signin_in_chromium.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from leadscore.access import FIRST_ADMIN_COMMAND
from leadscore.scoring.rows import ScoredRow
from leadscore.store import Store, audit, people
from tests.app.helpers import APP, TIMEOUT, metric, texts
from tests.app.test_results_page import _save
from tests.app.test_triage_page import _leads as _crm_list
from tests.app.test_triage_page import _upload
from ui import guard
from ui.engine import load_active_scorer

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def listening_on(request: pytest.FixtureRequest) -> Iterator[None]:
    """The dashboard listens on 127.0.0.1 unless a test says otherwise; no failed attempts carried over."""
    address = getattr(request, "param", "127.0.0.1")
    before = config.get_option("server.address")
    config.set_option("server.address", address)
    guard._limiter.clear()
    guard.sign_in_limiter.clear()
    yield
    config.set_option("server.address", before)
    guard._limiter.clear()
    guard.sign_in_limiter.clear()


@pytest.fixture
def team_store(models_dir: Path) -> Iterator[Store]:
    """The dashboard's store, with an admin, a manager, two reps and a viewer, and leads of both reps recorded."""
    store = Store.open(models_dir=models_dir)
    for email, role, owner in (("boss@example.com", "admin", None), ("mia@example.com", "manager", None),
                               ("ann@example.com", "rep", "Ann Lee"), ("bob@example.com", "rep", "Bob Roy"),
                               ("vic@example.com", "viewer", None)):
        people.add_user(store, email, role, owner=owner, password=PASSWORD, actor="test", source="command line")
    store.record([ScoredRow(lead_id=lead, model_version="v-test", tier=tier, chance=chance, score=round(100 * chance),
                            fields={"Owner": owner}, reasons=("Credit score: 780 (raises)",), owner=owner)
                  for lead, tier, chance, owner in (("A-1", "High", 0.7, "Ann Lee"), ("A-2", "Low", 0.1, "Ann Lee"),
                                                    ("B-1", "High", 0.8, "Bob Roy"))], list_name="June leads")
    yield store
    store.close()


def _start() -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _sign_in(app: AppTest, email: str, password: str = PASSWORD) -> AppTest:
    app.text_input(key="signin_email_input").input(email)
    next(t for t in app.text_input if t.label == "Password").input(password)
    next(b for b in app.button if b.label == "Sign in").click().run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _menu(app: AppTest) -> list[str]:
    """The page titles the navigation offers (AppTest keeps the pages st.navigation registered)."""
    return [info["page_name"] for info in app._registered_pages.values() if "url_pathname" in info]


def test_with_no_account_on_this_machine_it_stays_single_user(models_dir: Path) -> None:
    app = _start()
    assert "Sign in" not in [t.value for t in app.title]
    assert _menu(app) == ["Score a lead", "Triage a lead list", "Leads", "Results", "Model", "Audit"]
    assert "Single user on this machine" in "\n".join(c.value for c in app.sidebar.caption)


@pytest.mark.parametrize("listening_on", ["0.0.0.0"], indirect=True)
def test_shared_with_no_account_it_refuses_lead_data_and_says_how_to_add_the_first_admin(models_dir: Path) -> None:
    app = _start()
    assert _menu(app) == ["Results", "Model"]
    assert FIRST_ADMIN_COMMAND in [c.value for c in app.code]
    assert "so it shows no lead data" in texts(app)
    assert "needs an administrator password on a shared server" in texts(app)  # no retrain password set


def test_an_account_makes_everyone_sign_in_and_a_wrong_password_is_audited(team_store: Store) -> None:
    app = _start()
    assert [t.value for t in app.title] == ["Sign in"]
    assert _menu(app) == []  # nothing but the form
    _sign_in(app, "ann@example.com", "wrong")
    assert "Wrong email or password." in texts(app)
    [event] = [e for e in audit.events(team_store) if e.action == audit.SIGN_IN_FAILED]
    assert (event.actor, event.source) == ("ann@example.com", "this computer")  # AppTest has no address
    assert "wrong" not in json.dumps(event.detail).replace("wrong email or password", "")  # never the password
    _sign_in(app, "Ann@Example.com ")
    assert _menu(app) == ["My leads", "Score a lead", "Triage a lead list", "Results", "Model"]
    assert [t.value for t in app.title] == ["My leads"]  # a rep opens on My leads
    [table] = app.dataframe
    assert sorted(table.value["lead_id"]) == ["A-1", "A-2"]  # B-1 is Bob's
    assert "Signed in as **ann@example.com**" in "\n".join(m.value for m in app.sidebar.markdown).replace("\\", "")


@pytest.mark.parametrize(("email", "menu"), [
    ("boss@example.com", ["Score a lead", "Triage a lead list", "Leads", "Results", "Model", "Audit"]),
    ("mia@example.com", ["Score a lead", "Triage a lead list", "Leads", "Results", "Model"]),
    ("vic@example.com", ["Results", "Model"]),
])
def test_each_role_sees_the_pages_it_may_open(team_store: Store, email: str, menu: list[str]) -> None:
    app = _sign_in(_start(), email)
    assert _menu(app) == menu


def test_a_viewer_cannot_open_a_lead_page_by_its_address(team_store: Store) -> None:
    app = _sign_in(_start(), "vic@example.com")
    for page in ("triage", "leads", "score", "audit"):  # not registered for this session: not reachable
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            app.switch_page(f"app_pages/{page}.py")


def test_only_an_admin_may_change_the_model(team_store: Store) -> None:
    app = _sign_in(_start(), "mia@example.com")
    app.switch_page("app_pages/model.py")
    app.run()
    assert "Only an administrator can change the model" in texts(app)
    admin = _sign_in(_start(), "boss@example.com")
    admin.switch_page("app_pages/model.py")
    admin.run()
    assert "Only an administrator" not in texts(admin)
    assert not [t for t in admin.text_input if t.label == "Retrain password"]  # signed in: no second password


def test_a_manager_sees_every_owner_with_a_breakdown(team_store: Store) -> None:
    app = _sign_in(_start(), "mia@example.com")
    app.switch_page("app_pages/leads.py")
    app.run()
    breakdown, table = app.dataframe
    assert dict(zip(breakdown.value["Owner"], breakdown.value["Leads"], strict=True)) == {"Ann Lee": 2, "Bob Roy": 1}
    assert sorted(table.value["lead_id"]) == ["A-1", "A-2", "B-1"]


def test_a_rep_finds_their_view_again_on_the_next_visit(team_store: Store) -> None:
    app = _sign_in(_start(), "ann@example.com")
    app.multiselect(key="leads_tiers").set_value(["High"]).run()
    app.selectbox(key="leads_sort").set_value("lead_id").run()
    assert list(app.dataframe[0].value["lead_id"]) == ["A-1"]
    again = _sign_in(_start(), "ann@example.com")  # a new browser session
    assert again.multiselect(key="leads_tiers").value == ["High"]
    assert again.selectbox(key="leads_sort").value == "lead_id"
    assert list(again.dataframe[0].value["lead_id"]) == ["A-1"]
    other = _sign_in(_start(), "bob@example.com")  # views are per person
    assert other.multiselect(key="leads_tiers").value == ["High", "Medium", "Low"]


def test_sign_out_asks_to_sign_in_again(team_store: Store) -> None:
    app = _sign_in(_start(), "ann@example.com")
    app.button(key="sign_out").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert [t.value for t in app.title] == ["Sign in"]
    assert [e.action for e in audit.events(team_store)][-1] == "signed out"


AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "a long random cookie secret",
        "client_id": "leadscore", "client_secret": "s3cret",
        "server_metadata_url": "https://id.example.com/.well-known/openid-configuration"}


def _through_provider(identity: dict | None) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    app.secrets["auth"] = AUTH
    if identity is not None:
        app.user = {"is_logged_in": True, **identity}
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_with_a_provider_people_sign_in_through_it_and_their_email_gives_the_role(team_store: Store) -> None:
    app = _through_provider(None)
    assert [b.label for b in app.button] == ["Sign in with your company account"]
    assert not [t for t in app.text_input if t.label == "Password"]  # no local password form beside it
    assert _menu(app) == []
    manager = _through_provider({"email": "Mia@Example.com", "email_verified": True})
    assert _menu(manager) == ["Score a lead", "Triage a lead list", "Leads", "Results", "Model"]
    assert [e.action for e in audit.events(team_store)][-1] == "signed in"


@pytest.mark.parametrize("identity", [{"email": "stranger@example.com"},
                                      {"email": "mia@example.com", "email_verified": False}, {"name": "No Email"}])
def test_an_identity_without_an_account_is_refused_and_audited(team_store: Store, identity: dict) -> None:
    app = _through_provider(identity)
    assert _menu(app) == []
    assert "has no account on this dashboard" in texts(app)
    assert [b.label for b in app.button] == ["Sign out"]
    [event] = [e for e in audit.events(team_store) if e.action == audit.SIGN_IN_FAILED]
    assert event.detail["reason"] == "no account for this identity"
    assert event.actor == ("stranger@example.com" if identity.get("email") == "stranger@example.com"
                           else "(no verified email)")


def _leads_of(app: AppTest, page: str) -> AppTest:
    app.switch_page(f"app_pages/{page}.py")
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_a_reps_triage_saved_lists_and_results_hold_only_their_leads(team_store: Store) -> None:
    leads = _crm_list(load_active_scorer())  # 24 rows; owners Ana, Ben, Cy in turn; row 3 (Cy's) unreadable
    people.add_user(team_store, "ana@example.com", "rep", owner="Ana", password=PASSWORD, actor="test",
                    source="command line")
    manager = _leads_of(_sign_in(_start(), "mia@example.com"), "triage")
    _upload(manager, leads)
    assert (metric(manager, "Rows read"), metric(manager, "Scored")) == ("24", "23")
    _save(manager, "Spring leads")  # the owner column is recognised and stored with each lead

    rep = _leads_of(_sign_in(_start(), "ana@example.com"), "triage")
    _upload(rep, leads)  # the same file: the rep's rows only, never the manager's cached scoring of the whole file
    assert (metric(rep, "Rows read"), metric(rep, "Scored"), metric(rep, "Rejected")) == ("8", "8", "0")
    assert set(rep.dataframe[-1].value["Owner"]) == {"Ana"}
    assert "16 rows of other owners" in texts(rep)
    saved = next(s for s in rep.selectbox if s.key == "saved_list_choice")
    label = next(o for o in saved.options if o.startswith("Spring leads"))
    assert "— 8 leads" in label  # the manager saved 23: the rep's list holds their 8
    saved.set_value(label).run()
    reopened = rep.dataframe[0].value
    assert len(reopened) == 8 and set(reopened["Owner"]) == {"Ana"}

    results = _leads_of(rep, "results")
    [tiers] = [d.value for d in results.dataframe if "Leads scored" in d.value.columns]
    assert tiers["Leads scored"].sum() == 8
    assert not [e for e in results.expander if "Bring back the outcomes" in e.label]  # outcomes: managers
    assert "Retrain from these results" not in texts(results)  # model changes: admins
    everyone = _leads_of(_sign_in(_start(), "mia@example.com"), "results")
    [tiers] = [d.value for d in everyone.dataframe if "Leads scored" in d.value.columns]
    assert tiers["Leads scored"].sum() == 23  # the spring list; the fixture's three leads are another version's
