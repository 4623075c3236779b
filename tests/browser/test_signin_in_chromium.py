"""Signing in, in real Chromium against `streamlit run app.py` and its real store: a rep sees only their leads, a
viewer no lead rows, wrong passwords are throttled and every failure is in the audit trail.

One server for the module; the throttling test runs last (it locks this machine's address out for 10 minutes).
"""

from __future__ import annotations

import csv
import io
import re
import secrets as secrets_module
from collections.abc import Iterator
from pathlib import Path

import oidc_provider_mock
import pytest
from playwright.sync_api import Page, expect

from leadscore.scoring.rows import ScoredRow
from leadscore.store import Store, audit, people
from tests.browser.conftest import (
    act,
    copy_registry,
    download,
    finished,
    free_port,
    no_exception,
    screenshot,
    serve_dashboard,
)

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
ANN = ["A-1", "A-2", "A-3"]
BOB = ["B-1", "B-2"]


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Iterator[tuple[str, Path]]:
    """(base URL, registry folder): the dashboard over a store with an admin, two reps and a viewer, and five
    recorded leads: three of Ann's, two of Bob's."""
    models = copy_registry(model_dir, tmp_path_factory, "signin")
    store = Store.open(models_dir=models)
    for email, role, owner in (("boss@example.com", "admin", None), ("ann@example.com", "rep", "Ann Lee"),
                               ("bob@example.com", "rep", "Bob Roy"), ("vic@example.com", "viewer", None)):
        people.add_user(store, email, role, owner=owner, password=PASSWORD, actor="test", source="command line")
    store.record([ScoredRow(lead_id=lead, model_version="v-test", tier=tier, chance=chance, score=round(100 * chance),
                            fields={"Owner": owner}, reasons=("Credit score: 780 (raises)",), owner=owner)
                  for lead, tier, chance, owner in (
                      ("A-1", "High", 0.71, "Ann Lee"), ("A-2", "Medium", 0.32, "Ann Lee"),
                      ("A-3", "Low", 0.05, "Ann Lee"), ("B-1", "High", 0.83, "Bob Roy"),
                      ("B-2", "Low", 0.04, "Bob Roy"))], list_name="June leads")
    store.close()
    with serve_dashboard(models) as url:
        yield url, models


def sign_in(page: Page, url: str, email: str, password: str = PASSWORD) -> None:
    """Open the dashboard, fill the sign-in form and submit it; waits for the run it causes."""
    page.goto(url)
    expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
    finished(page)
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_role("textbox", name="Password").fill(password)
    act(page, lambda: page.get_by_role("button", name="Sign in").click())


def menu(page: Page) -> list[str]:
    """The page links the sidebar's navigation offers."""
    links = page.get_by_test_id("stSidebarNav").get_by_role("link").all()
    return [link.inner_text().strip().splitlines()[-1] for link in links]  # after the icon's name


def shown_leads(page: Page) -> list[str]:
    """The lead IDs of "Download the N shown (CSV)" on My leads (what the table shows, as a file)."""
    file = download(page, page.get_by_role("button", name="shown (CSV)"))
    rows = list(csv.DictReader(io.StringIO(Path(file.path()).read_text(encoding="utf-8-sig"))))
    return [row["Lead"] for row in rows]


def test_a_rep_signs_in_and_sees_only_their_leads(page: Page, team: tuple[str, Path]) -> None:
    url, _ = team
    sign_in(page, url, "ann@example.com")
    expect(page.get_by_role("heading", name="My leads", exact=True)).to_be_visible()  # a rep opens on My leads
    expect(page.get_by_test_id("stSidebar").get_by_text("ann@example.com")).to_be_visible()
    assert menu(page) == ["My leads", "Score a lead", "Triage a lead list", "Results", "Model"]
    expect(page.get_by_text("Showing 3 of 3 leads")).to_be_visible()
    no_exception(page)
    screenshot(page, "signin-rep-my-leads")
    assert sorted(shown_leads(page)) == ANN  # Bob's B-1 and B-2 are absent
    act(page, lambda: page.get_by_test_id("stSidebarNav").get_by_role("link", name="Results").click())
    expect(page.get_by_text("Your leads only (owner “Ann Lee”).")).to_be_visible()
    expect(page.get_by_text("Bring back the outcomes")).to_have_count(0)  # outcomes are a manager's
    no_exception(page)
    screenshot(page, "signin-rep-results")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()


def test_a_viewer_sees_no_lead_rows(page: Page, team: tuple[str, Path]) -> None:
    url, _ = team
    sign_in(page, url, "vic@example.com")
    expect(page.get_by_role("heading", name="Model", exact=True)).to_be_visible()
    assert menu(page) == ["Results", "Model"]
    no_exception(page)
    screenshot(page, "signin-viewer-model")
    page.goto(f"{url}/leads")  # typed in: not one of the viewer's pages
    finished(page)
    # A new browser session: it signs in again.
    expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
    page.get_by_role("textbox", name="Email").fill("vic@example.com")
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    act(page, lambda: page.get_by_role("button", name="Sign in").click())
    expect(page.get_by_role("heading", name="My leads", exact=True)).to_have_count(0)
    expect(page.get_by_role("heading", name="Leads", exact=True)).to_have_count(0)
    assert page.get_by_text("A-1").count() == 0
    screenshot(page, "signin-viewer-typed-leads-address")


def test_an_admin_reads_the_audit_trail(page: Page, team: tuple[str, Path]) -> None:
    url, _ = team
    sign_in(page, url, "bob@example.com", "not his password")
    expect(page.get_by_text("Wrong email or password.")).to_be_visible()
    sign_in(page, url, "boss@example.com")
    assert "Audit" in menu(page)
    act(page, lambda: page.get_by_test_id("stSidebarNav").get_by_role("link", name="Audit").click())
    expect(page.get_by_role("heading", name="Audit", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stMetric").filter(has_text="Failed sign-ins")).to_contain_text("1")
    no_exception(page)
    screenshot(page, "signin-admin-audit")


def test_wrong_passwords_are_throttled_and_audited(page: Page, team: tuple[str, Path]) -> None:
    url, models = team
    store = Store.open(models_dir=models)
    earlier = len([e for e in audit.events(store) if e.action == audit.SIGN_IN_FAILED])  # from this machine too
    assert earlier < 5
    for _ in range(5 - earlier):  # the address's fifth wrong password within 10 minutes
        sign_in(page, url, "ann@example.com", "guess")
        expect(page.get_by_text("Wrong email or password.")).to_be_visible()
    sign_in(page, url, "ann@example.com")  # the right password, too late
    expect(page.get_by_text(re.compile(r"Too many wrong passwords: try again in about \d+ minutes?\."))).to_be_visible()
    expect(page.get_by_role("heading", name="My leads", exact=True)).to_have_count(0)
    screenshot(page, "signin-throttled")
    failures = [e for e in audit.events(store) if e.action == audit.SIGN_IN_FAILED and e.actor == "ann@example.com"]
    store.close()
    assert len(failures) == 5 - earlier + 1
    assert {e.source for e in failures} == {"this computer"}  # Streamlit gives no address for 127.0.0.1
    assert [e.detail["reason"] for e in failures] == ["wrong email or password"] * (5 - earlier) + [
        "too many wrong passwords"]
    assert all("guess" not in str(e.detail) and PASSWORD not in str(e.detail) for e in failures)


@pytest.fixture(scope="module")
def with_provider(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Iterator[tuple[str, Path]]:
    """(base URL, registry folder): the dashboard signing people in through a real OpenID Connect provider running
    on this machine (oidc-provider-mock: its form issues an identity whose email is the name typed), with a
    manager's account in the store."""
    models = copy_registry(model_dir, tmp_path_factory, "signin-oidc")
    store = Store.open(models_dir=models)
    people.add_user(store, "boss@example.com", "admin", password=PASSWORD, actor="test", source="command line")
    people.add_user(store, "mia@example.com", "manager", actor="test", source="command line")  # no password
    store.close()
    port = free_port()
    with oidc_provider_mock.run_server_in_thread() as provider:
        secrets = models.parent / "secrets.toml"
        secrets.write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{secrets_module.token_hex(32)}"\n'
            'client_id = "leadscore-dashboard"\n'
            'client_secret = "any secret: the mock provider takes any"\n'
            f'server_metadata_url = "http://127.0.0.1:{provider.server_port}/.well-known/openid-configuration"\n',
            encoding="utf-8")
        with serve_dashboard(models, port=port, secrets=secrets) as url:
            yield url, models


def _through_provider(page: Page, url: str, email: str) -> None:
    page.goto(url)
    expect(page.get_by_role("button", name="Sign in with your company account")).to_be_visible()
    assert page.get_by_role("textbox", name="Password").count() == 0  # the provider, not a local password
    page.get_by_role("button", name="Sign in with your company account").click()
    page.locator("input[name=sub]").fill(email)  # the provider's own form
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{url}/**")
    finished(page)


def test_people_sign_in_through_the_teams_provider_and_their_email_gives_the_role(
        page: Page, with_provider: tuple[str, Path]) -> None:
    url, models = with_provider
    _through_provider(page, url, "mia@example.com")
    expect(page.get_by_test_id("stSidebar").get_by_text("mia@example.com")).to_be_visible()
    assert menu(page) == ["Score a lead", "Triage a lead list", "Leads", "Results", "Model"]
    no_exception(page)
    screenshot(page, "signin-provider-manager")
    page.get_by_role("button", name="Sign out").click()  # st.logout: the provider ends its session too
    page.get_by_role("button", name="End session").click()  # the provider's own confirmation
    page.wait_for_url(f"{url}/**")
    expect(page.get_by_role("button", name="Sign in with your company account")).to_be_visible()
    store = Store.open(models_dir=models)
    actions = [(e.actor, e.action) for e in audit.events(store)][-2:]
    store.close()
    assert actions == [("mia@example.com", "signed in"), ("mia@example.com", "signed out")]


def test_an_identity_with_no_account_is_refused_and_audited(page: Page, with_provider: tuple[str, Path]) -> None:
    url, models = with_provider
    _through_provider(page, url, "stranger@example.com")
    expect(page.get_by_text("has no account on this dashboard")).to_be_visible()
    assert menu(page) == []
    screenshot(page, "signin-provider-refused")
    store = Store.open(models_dir=models)
    [refused] = [e for e in audit.events(store) if e.action == audit.SIGN_IN_FAILED]
    store.close()
    assert refused.actor == "stranger@example.com" and refused.detail["reason"] == "no account for this identity"
