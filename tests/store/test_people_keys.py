"""People, API keys and the audit trail in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from leadscore.store import Store, audit, keys, people
from leadscore.store.tables import ApiKey, User

CLI = {"actor": "ops", "source": "command line"}


def test_roles_are_one_table_each_including_the_one_below() -> None:
    assert people.ROLES == ("admin", "manager", "rep", "viewer")
    chain = [people.permissions(role) for role in reversed(people.ROLES)]
    assert all(lower < higher for lower, higher in zip(chain, chain[1:], strict=False))
    assert people.permissions("viewer") == {people.MODEL_PAGE, people.RESULTS}
    assert people.may("rep", people.OWN_LEADS) and not people.may("rep", people.EVERY_LEAD)
    assert people.may("manager", people.EVERY_LEAD) and not people.may("manager", people.RETRAINING)
    assert {people.PEOPLE, people.KEYS, people.TRAINING, people.PUBLISHING, people.ACTIVATING,
            people.RETRAINING} <= people.permissions("admin")
    assert people.permissions("nobody") == frozenset()


def test_add_check_set_role_and_remove(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    assert people.count_users(store) == 0 and not people.has_admin(store)
    people.add_user(store, " Boss@Example.com ", "admin", password="correct horse 1", **CLI)
    rep = people.add_user(store, "ana@example.com", "rep", owner=" Ana Lopez ", password="ana's password", **CLI)
    assert (rep.email, rep.role, rep.owner, rep.has_password) == ("ana@example.com", "rep", "Ana Lopez", True)
    assert people.count_users(store) == 2 and people.has_admin(store)

    assert people.check_password(store, "BOSS@example.com", "correct horse 1").role == "admin"
    assert people.check_password(store, "boss@example.com", "wrong password") is None
    assert people.check_password(store, "nobody@example.com", "correct horse 1") is None
    assert people.lead_scope(people.find_user(store, "ana@example.com")) == "Ana Lopez"
    assert people.lead_scope(people.find_user(store, "boss@example.com")) is None

    with store.engine.connect() as connection:
        hashes = connection.execute(select(User.password_hash)).scalars().all()
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert not any("correct horse" in h for h in hashes)

    people.set_role(store, "ana@example.com", "manager", **CLI)
    assert people.find_user(store, "ana@example.com").role == "manager"
    assert people.find_user(store, "ana@example.com").owner == "Ana Lopez"  # kept
    people.set_password(store, "ana@example.com", "a new password", **CLI)
    assert people.check_password(store, "ana@example.com", "a new password") is not None
    people.remove_user(store, "ana@example.com", **CLI)
    assert [a.email for a in people.list_users(store)] == ["boss@example.com"]

    actions = [(e.action, e.detail.get("email"), e.actor, e.source) for e in audit.events(store)]
    assert actions == [("user added", "boss@example.com", "ops", "command line"),
                       ("user added", "ana@example.com", "ops", "command line"),
                       ("role set", "ana@example.com", "ops", "command line"),
                       ("password set", "ana@example.com", "ops", "command line"),
                       ("user removed", "ana@example.com", "ops", "command line")]
    everything = caplog.text + repr([e.to_dict() for e in audit.events(store)])
    for secret in ("correct horse 1", "ana's password", "a new password", "wrong password"):
        assert secret not in everything


@pytest.mark.parametrize(("email", "role", "owner", "password", "words"), [
    ("not-an-email", "rep", "A", "long enough", "not an email address"),
    ("a@b", "rep", "A", "long enough", "not an email address"),
    ("a b@example.com", "rep", "A", "long enough", "not an email address"),
    ("a@example.com", "boss", None, "long enough", "'boss' is not a role; the roles are admin, manager, rep, viewer"),
    ("a@example.com", "rep", None, "long enough", "a rep needs an owner value"),
    ("a@example.com", "rep", "  ", "long enough", "a rep needs an owner value"),
    ("a@example.com", "viewer", None, "q7#x", "too short"),
])
def test_bad_people_are_refused_in_one_line(store: Store, email: str, role: str, owner: str | None,
                                            password: str, words: str) -> None:
    with pytest.raises(people.PeopleError, match=words) as refused:
        people.add_user(store, email, role, owner=owner, password=password, **CLI)
    assert "\n" not in str(refused.value) and password not in str(refused.value)
    assert people.count_users(store) == 0 and audit.events(store) == []


def test_an_email_once_and_the_last_admin_stays(store: Store) -> None:
    people.add_user(store, "boss@example.com", "admin", password="long enough", **CLI)
    with pytest.raises(people.PeopleError, match="already has an account"):
        people.add_user(store, "BOSS@example.com", "viewer", password="long enough", **CLI)
    people.add_user(store, "v@example.com", "viewer", **CLI)  # no password: signs in through the provider only
    assert people.check_password(store, "v@example.com", "") is None
    with pytest.raises(people.PeopleError, match="only administrator"):
        people.set_role(store, "boss@example.com", "manager", **CLI)
    with pytest.raises(people.PeopleError, match="only administrator"):
        people.remove_user(store, "boss@example.com", **CLI)
    with pytest.raises(people.PeopleError, match="has no account"):
        people.set_role(store, "ghost@example.com", "viewer", **CLI)
    with pytest.raises(people.PeopleError, match="a rep needs an owner"):
        people.set_role(store, "v@example.com", "rep", **CLI)
    assert people.set_role(store, "v@example.com", "rep", owner="Vic", **CLI).owner == "Vic"
    people.remove_user(store, "v@example.com", **CLI)
    people.remove_user(store, "boss@example.com", **CLI)  # the last account may go
    assert people.count_users(store) == 0


def test_keys_are_shown_once_stored_hashed_found_and_revoked(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    assert keys.active_keys(store) == 0
    key = keys.add_key(store, "website form", ["record", "score", "score"], **CLI)
    assert key.startswith("lsk_") and len(key) >= 40
    with store.engine.connect() as connection:
        stored = connection.execute(select(ApiKey.key_hash, ApiKey.scopes)).one()
    assert stored == (keys.key_hash(key), "score record") and key not in stored[0]
    found = keys.find_key(store, key)
    assert (found.name, found.scopes) == ("website form", ("score", "record"))
    assert found.allows("score") and not found.allows("outcomes")
    assert keys.find_key(store, key + "x") is None and keys.active_keys(store) == 1

    with pytest.raises(keys.ApiKeyError, match="already exists"):
        keys.add_key(store, "website form", ["score"], **CLI)
    with pytest.raises(keys.ApiKeyError, match="'admin' is not a scope; the scopes are score, record, outcomes"):
        keys.add_key(store, "crm", ["admin"], **CLI)
    with pytest.raises(keys.ApiKeyError, match="at least one scope"):
        keys.add_key(store, "crm", [], **CLI)
    with pytest.raises(keys.ApiKeyError, match="not a key name"):
        keys.add_key(store, " ", ["score"], **CLI)

    revoked, now = keys.revoke_key(store, "website form", **CLI)
    assert revoked.revoked_at is not None and now
    assert keys.find_key(store, key) is None and keys.active_keys(store) == 0
    assert keys.revoke_key(store, "website form", **CLI) == (keys.list_keys(store)[0], False)
    with pytest.raises(keys.ApiKeyError, match="no key named 'ghost'"):
        keys.revoke_key(store, "ghost", **CLI)
    with pytest.raises(keys.ApiKeyError, match="names are not reused"):
        keys.add_key(store, "website form", ["score"], **CLI)
    assert [(k.name, k.revoked_at is not None) for k in keys.list_keys(store)] == [("website form", True)]
    assert [e.action for e in audit.events(store)] == ["key added", "key revoked"]
    assert key not in caplog.text and key not in repr([e.to_dict() for e in audit.events(store)])


def test_audit_events_since_and_newest(store: Store) -> None:
    audit.record(store, "ana@example.com", audit.SIGN_IN_FAILED, {"email": "ana@example.com"}, "10.0.0.7")
    audit.record(store, "root", audit.MODEL_ACTIVATED, {"version": "v2"}, "command line")
    every = audit.events(store)
    assert [e.action for e in every] == ["sign-in failed", "model activated"]
    assert every[0].at.tzinfo is not None and every[0].to_dict()["source"] == "10.0.0.7"
    assert audit.events(store, since=datetime.now(timezone.utc) + timedelta(minutes=1)) == []
    assert len(audit.events(store, since=datetime.now(timezone.utc) - timedelta(minutes=1))) == 2
    assert [e.action for e in audit.events(store, limit=1)] == ["model activated"]
