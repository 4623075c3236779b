"""The store's people, audit trail and saved views as the dashboard uses them (one place to ask).

Roles and what each may do come from the store's role table (``leadscore.store.people``); the dashboard only
names the pages each permission opens (``pages_for``) and the owner a visitor's lead queries are filtered by
(``lead_scope``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from leadscore.access import Visitor
from leadscore.store import audit as trail
from leadscore.store import people, views
from leadscore.store.audit import Event
from leadscore.store.people import Account
from ui.store import store

__all__ = ["Account", "Event"]

ADMIN, MANAGER, REP, VIEWER = people.ADMIN, people.MANAGER, people.REP, people.VIEWER
#: A role as the sidebar says it, under the email.
ROLE_WORDS = {ADMIN: "Administrator", MANAGER: "Manager: every lead", REP: "Sales rep: your own leads",
              VIEWER: "Viewer: the model and the results"}
#: Publishing, activating or retraining a model (the model-change guard asks this one).
CHANGE_MODEL = people.PUBLISHING
EXPORTS, SAVED_LISTS, OUTCOMES = people.EXPORTS, people.SAVED_LISTS, people.OUTCOMES
SIGN_IN_FAILED = trail.SIGN_IN_FAILED
SIGNED_IN, SIGNED_OUT = "signed in", "signed out"


def permissions(role: str) -> frozenset[str]:
    """What ``role`` may do (the store's role table)."""
    return people.permissions(role)


def count() -> int:
    """How many accounts the store has."""
    return people.count_users(store())


def has_admin() -> bool:
    """Whether an administrator account exists (from then on the retrain password is retired)."""
    return people.has_admin(store())


def find(email: str) -> Account | None:
    """The account of ``email`` (any case), or None."""
    return people.find_user(store(), email)


def check_password(email: str, password: str) -> Account | None:
    """The account when ``password`` is its password, else None (an unknown email takes as long)."""
    return people.check_password(store(), email, password)


def audit(actor: str, action: str, detail: dict[str, Any], source: str) -> None:
    """One event into the store's audit trail (never a password, a key or lead data in ``detail``)."""
    trail.record(store(), actor, action, detail, source)


def audit_events(since: datetime | None = None) -> list[Event]:
    """The audit trail since ``since``, newest first."""
    return list(reversed(trail.events(store(), since=since)))


def load_view(email: str, page: str) -> dict[str, Any] | None:
    """The view (filters, sort, columns) ``email`` left ``page`` in, or None."""
    return views.load(store(), email, page)


def save_view(email: str, page: str, view: dict[str, Any]) -> None:
    """Keep ``email``'s view of ``page`` for their next visit."""
    views.save(store(), email, page, view)


def sees_leads(visitor: Visitor) -> bool:
    """Whether ``visitor`` may see lead rows at all (a rep only with an owner value on their account)."""
    return visitor.may(people.EVERY_LEAD) or (visitor.may(people.OWN_LEADS) and bool(visitor.owner))


def lead_scope(visitor: Visitor) -> str | None:
    """The owner value every lead query of ``visitor`` is filtered by: a rep's own, None for every lead.
    PermissionError when the visitor may not see lead rows at all (a viewer, a rep without an owner value)."""
    if visitor.may(people.EVERY_LEAD):
        return None
    if visitor.may(people.OWN_LEADS) and visitor.owner:
        return visitor.owner
    raise PermissionError(f"{visitor.name} ({visitor.role}) may not see lead rows")


def pages_for(visitor: Visitor) -> list[str]:
    """The pages ``visitor`` may open, in the menu's order (app.py names them)."""
    if visitor.role == REP:
        order = ["leads", "score", "triage", "results", "model"]
    else:
        order = ["score", "triage", "leads", "results", "model", "audit"]
    allowed = {page for page, permission in (("results", people.RESULTS), ("model", people.MODEL_PAGE),
                                             ("audit", people.PEOPLE)) if visitor.may(permission)}
    if visitor.may(people.EVERY_LEAD) or visitor.may(people.OWN_LEADS):
        allowed |= {"leads", "score", "triage"}
    return [page for page in order if page in allowed]
