"""People who sign in and their roles (admin, manager, rep, viewer), kept in the store.

What each role may do is the table in ``leadscore/permissions.py`` (its names are here too, so the dashboard
asks one module: ``people.may(account.role, people.EVERY_LEAD)``).

Passwords are hashed with argon2id (``argon2-cffi``, its default parameters, RFC 9106's second choice) and
never stored, logged or put in the audit trail. Emails are kept trimmed and in lower case, so an account is
found whatever case is typed. Every change writes its audit event in the same transaction.

    from leadscore.store import people
    people.add_user(store, "ana@example.com", people.REP, owner="Ana", password="...", actor="root",
                    source="command line")
    account = people.check_password(store, "Ana@Example.com", "...")   # Account or None
    people.may(account.role, people.EVERY_LEAD)                          # False: a rep
    people.lead_scope(account)                                           # "Ana": every lead query filters by it
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, Row, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from leadscore.permissions import (
    ACTIVATING,
    ADMIN,
    EVERY_LEAD,
    EXPORTS,
    KEYS,
    MANAGER,
    MODEL_PAGE,
    OUTCOMES,
    OWN_LEADS,
    PEOPLE,
    PERMISSIONS,
    PUBLISHING,
    REP,
    RESULTS,
    RETRAINING,
    ROLE_WORDS,
    ROLES,
    SAVED_LISTS,
    TRAINING,
    VIEWER,
    may,
    permissions,
)
from leadscore.store import audit as trail
from leadscore.store.faults import StoreError
from leadscore.store.record import MAX_OWNER
from leadscore.store.tables import SavedView, User

if TYPE_CHECKING:
    from leadscore.store.store import Store

log = logging.getLogger(__name__)

MAX_EMAIL = 320
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
#: One @, something before it, a domain with a dot after it, no spaces or angle brackets.
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\".]+$")

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so a wrong email takes as long as a wrong password."""
    return _hasher.hash("not a password of anyone")


#: One event into the audit trail: ``audit(store, actor, action, detail, source)`` (``audit.record``), for the
#: faces that sign people in (a sign-in failure is an event without a change).
audit = trail.record


class PeopleError(ValueError):
    """A change that cannot be made (one line: what, and the value)."""


@dataclass(frozen=True)
class Account:
    """A person as the store knows them (never their password or its hash)."""

    email: str
    role: str
    owner: str | None
    created_at: datetime
    has_password: bool

    @property
    def permissions(self) -> frozenset[str]:
        """What the account's role may do."""
        return permissions(self.role)

    def may(self, permission: str) -> bool:
        """Whether the account's role grants ``permission``."""
        return permission in self.permissions

    def to_dict(self) -> dict[str, str | None]:
        """JSON-safe: email, role, owner, created_at."""
        return {"email": self.email, "role": self.role, "owner": self.owner,
                "created_at": self.created_at.isoformat()}


def lead_scope(account: Account) -> str | None:
    """The owner value every lead query of ``account`` is filtered by: None for every lead (a manager or an
    admin), the rep's owner otherwise. PermissionError when the account may not see lead rows at all."""
    if account.may(EVERY_LEAD):
        return None
    if account.may(OWN_LEADS) and account.owner:
        return account.owner
    raise PermissionError(f"{account.email} ({account.role}) may not see lead rows"
                          + ("" if account.role != REP else ": the account has no owner value"))


def normal_email(email: str) -> str:
    """An email as accounts are kept and looked up: trimmed, lower case."""
    return email.strip().lower()


def check_email(email: str) -> str:
    """The email, normalised; PeopleError when it is not an email address."""
    value = normal_email(email)
    if not value or len(value) > MAX_EMAIL or not _EMAIL.match(value):
        raise PeopleError(f"{email!r} is not an email address (such as ana@example.com)")
    return value


def check_role(role: str) -> str:
    """The role; PeopleError naming the roles when it is not one."""
    value = role.strip().lower()
    if value not in PERMISSIONS:
        raise PeopleError(f"{role!r} is not a role; the roles are {', '.join(ROLES)}")
    return value


def check_owner(owner: str | None, role: str) -> str | None:
    """The owner value, trimmed (None when blank); a rep must have one."""
    value = owner.strip() if owner is not None else ""
    if len(value) > MAX_OWNER or "\n" in value or "\r" in value:
        raise PeopleError(f"the owner value must be one line of at most {MAX_OWNER} characters")
    if role == REP and not value:
        raise PeopleError("a rep needs an owner value (--owner): the value of the owner column that marks "
                          "their leads, such as their name as the CRM writes it")
    return value or None


def check_password_rules(password: str) -> str:
    """The password; PeopleError when it is too short or too long (the message never holds it)."""
    if len(password) < MIN_PASSWORD:
        raise PeopleError(f"the password is too short: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise PeopleError(f"the password is too long: at most {MAX_PASSWORD} characters")
    return password


def _account(row: Row[Any]) -> Account:
    created = row.created_at
    created = created.replace(tzinfo=timezone.utc) if created.tzinfo is None else created
    return Account(row.email, row.role, row.owner, created, bool(row.password_hash))


def _find(connection: Connection, email: str) -> Row[Any] | None:
    """The users row of ``email`` (any case), or None."""
    return connection.execute(select(User.__table__).where(User.email == normal_email(email))).first()


def _admins(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(User).where(User.role == ADMIN)).scalar_one())


def _accounts(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(User)).scalar_one())


# ---- reading ----------------------------------------------------------------------------------------
def count_users(store: Store) -> int:
    """How many accounts the store has (none: the dashboard stays single-user on this machine)."""
    with store.reading("read the accounts") as connection:
        return _accounts(connection)


def has_admin(store: Store) -> bool:
    """Whether an administrator account exists (from then on ``LEADSCORE_RETRAIN_PASSWORD`` is retired)."""
    with store.reading("read the accounts") as connection:
        return _admins(connection) > 0


def find_user(store: Store, email: str) -> Account | None:
    """The account of ``email`` (any case), or None."""
    with store.reading("read the account") as connection:
        row = _find(connection, email)
    return _account(row) if row is not None else None


def list_users(store: Store) -> list[Account]:
    """Every account, by email."""
    with store.reading("read the accounts") as connection:
        rows = connection.execute(select(User.__table__).order_by(User.email)).all()
    return [_account(row) for row in rows]


def check_password(store: Store, email: str, password: str) -> Account | None:
    """The account when ``password`` is its password, else None. An unknown email, or an account without a
    password (it signs in through the team's provider), takes as long as a wrong password."""
    with store.reading("check the password") as connection:
        user = _find(connection, email)
    stored = user.password_hash if user is not None and user.password_hash else None
    try:
        _hasher.verify(stored or _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if stored is None or user is None:
        return None
    if _hasher.check_needs_rehash(stored):  # the library's parameters moved on: keep the stronger hash
        with store.writing("check the password") as connection:
            connection.execute(update(User).where(User.id == user.id).values(password_hash=_hasher.hash(password)))
    return _account(user)


# ---- changes (each with its audit event, in one transaction) -------------------------------------------
def add_user(store: Store, email: str, role: str, *, owner: str | None = None, password: str | None = None,
             actor: str, source: str) -> Account:
    """Add an account; PeopleError for a bad email, role, owner or password, or an email already taken.

    Without a password the account signs in only through the team's OpenID Connect provider.
    """
    email, role = check_email(email), check_role(role)
    owner = check_owner(owner, role)
    hashed = _hasher.hash(check_password_rules(password)) if password is not None else None
    now = datetime.now(timezone.utc)
    try:
        with store.writing("add the account") as connection:
            if _find(connection, email) is not None:
                raise PeopleError(f"{email} already has an account; change it with `leadscore users set-role`")
            connection.execute(insert(User).values(email=email, role=role, owner=owner, password_hash=hashed,
                                                   created_at=now))
            trail.write(connection, actor, trail.USER_ADDED, {"email": email, "role": role, "owner": owner}, source)
    except StoreError as error:
        if not isinstance(error.__cause__, IntegrityError):
            raise
        # another process added the same email at the same moment
        raise PeopleError(f"{email} already has an account") from error
    log.info("people: added %s as %s", email, role)
    return Account(email, role, owner, now, hashed is not None)


def set_role(store: Store, email: str, role: str, *, owner: str | None = None, actor: str, source: str) -> Account:
    """Change an account's role (and owner value, when given); the last administrator stays one."""
    email, role = check_email(email), check_role(role)
    with store.writing("change the role") as connection:
        user = _find(connection, email)
        if user is None:
            raise PeopleError(f"{email} has no account; add it with `leadscore users add`")
        new_owner = check_owner(owner if owner is not None else user.owner, role)
        if user.role == ADMIN and role != ADMIN and _admins(connection) == 1:
            raise PeopleError(f"{email} is the only administrator; make another account admin first")
        connection.execute(update(User).where(User.id == user.id).values(role=role, owner=new_owner))
        trail.write(connection, actor, trail.ROLE_SET, {"email": email, "role": role, "was": user.role,
                                                        "owner": new_owner}, source)
        account = dataclasses.replace(_account(user), role=role, owner=new_owner)
    log.info("people: %s is now %s", email, role)
    return account


def set_password(store: Store, email: str, password: str, *, actor: str, source: str) -> None:
    """Give an account a new password."""
    email = check_email(email)
    hashed = _hasher.hash(check_password_rules(password))
    with store.writing("set the password") as connection:
        user = _find(connection, email)
        if user is None:
            raise PeopleError(f"{email} has no account; add it with `leadscore users add`")
        connection.execute(update(User).where(User.id == user.id).values(password_hash=hashed))
        trail.write(connection, actor, trail.PASSWORD_SET, {"email": email}, source)
    log.info("people: new password for %s", email)


def remove_user(store: Store, email: str, *, actor: str, source: str) -> None:
    """Remove an account and its saved views; the last administrator stays while other accounts exist."""
    email = check_email(email)
    with store.writing("remove the account") as connection:
        user = _find(connection, email)
        if user is None:
            raise PeopleError(f"{email} has no account")
        if user.role == ADMIN and _admins(connection) == 1 and _accounts(connection) > 1:
            raise PeopleError(f"{email} is the only administrator while other accounts exist; make another "
                              "account admin first")
        connection.execute(delete(SavedView).where(SavedView.user_email == email))
        connection.execute(delete(User).where(User.id == user.id))
        trail.write(connection, actor, trail.USER_REMOVED, {"email": email, "role": user.role}, source)
    log.info("people: removed %s", email)


__all__ = ["ACTIVATING", "ADMIN", "EVERY_LEAD", "EXPORTS", "KEYS", "MANAGER", "MODEL_PAGE", "OUTCOMES", "OWN_LEADS",
           "PEOPLE", "PERMISSIONS", "PUBLISHING", "REP", "RESULTS", "RETRAINING", "ROLES", "ROLE_WORDS",
           "SAVED_LISTS", "TRAINING", "VIEWER", "Account", "PeopleError", "add_user", "audit", "check_password",
           "count_users", "find_user", "has_admin", "lead_scope", "list_users", "may", "permissions", "remove_user",
           "set_password", "set_role"]
