"""The users command group: who may sign in to the dashboard, with which role (admin, manager, rep, viewer).

    leadscore users add ana@example.com --role rep --owner "Ana Lopez" --password-stdin < password.txt
    leadscore users list [--json]
    leadscore users set-role ana@example.com manager
    leadscore users set-password ana@example.com --password-stdin
    leadscore users remove ana@example.com

Each change goes into the audit trail (``leadscore audit``) as made from the command line by the
operating-system user. The password is read from standard input (one line), never from the arguments, where
other users of the machine and the shell's history would see it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from leadscore import permissions
from leadscore.cli.common import UserError, cli_actor, open_store

if TYPE_CHECKING:
    from leadscore.store import Store


def _password(args: argparse.Namespace) -> str | None:
    """The password on standard input's first line (None without --password-stdin)."""
    if not args.password_stdin:
        return None
    line = sys.stdin.readline()
    password = line[:-1] if line.endswith("\n") else line
    password = password[:-1] if password.endswith("\r") else password
    if not password:
        raise UserError("no password on standard input (--password-stdin reads its first line)")
    return password


@contextmanager
def people_store(args: argparse.Namespace) -> Iterator[Store]:
    """The store of the arguments, closed after; a change it refuses (PeopleError) is the user's one line."""
    from leadscore.store import people

    store = open_store(args)
    try:
        yield store
    except people.PeopleError as error:
        raise UserError(str(error)) from error
    finally:
        store.close()


def cmd_users_add(args: argparse.Namespace) -> None:
    """Add an account (a rep with the owner value that marks their leads)."""
    from leadscore.store import audit, people

    password = _password(args)
    with people_store(args) as store:
        account = people.add_user(store, args.email, args.role, owner=args.owner, password=password,
                                  actor=cli_actor(), source=audit.COMMAND_LINE)
    print(f"{account.email} added as {permissions.ROLE_WORDS[account.role]}"
          + (f"; their leads are those whose owner is {account.owner!r}" if account.owner else "")
          + ("" if account.has_password else "; no password: they sign in through the team's provider only"))


def cmd_users_set_role(args: argparse.Namespace) -> None:
    """Change an account's role (and owner value)."""
    from leadscore.store import audit, people

    with people_store(args) as store:
        account = people.set_role(store, args.email, args.role, owner=args.owner, actor=cli_actor(),
                                  source=audit.COMMAND_LINE)
    print(f"{account.email} is now {permissions.ROLE_WORDS[account.role]}"
          + (f"; owner {account.owner!r}" if account.owner else ""))


def cmd_users_set_password(args: argparse.Namespace) -> None:
    """Give an account a new password, read from standard input."""
    from leadscore.store import audit, people

    password = _password(args)
    assert password is not None  # --password-stdin is required for this command
    with people_store(args) as store:
        people.set_password(store, args.email, password, actor=cli_actor(), source=audit.COMMAND_LINE)
    print(f"{people.normal_email(args.email)} has a new password")


def cmd_users_remove(args: argparse.Namespace) -> None:
    """Remove an account and its saved views."""
    from leadscore.store import audit, people

    with people_store(args) as store:
        people.remove_user(store, args.email, actor=cli_actor(), source=audit.COMMAND_LINE)
    print(f"{people.normal_email(args.email)} removed")


def cmd_users_list(args: argparse.Namespace) -> None:
    """Every account: email, role, owner."""
    from leadscore.store import people

    with people_store(args) as store:
        accounts = people.list_users(store)
    if args.json:
        print(json.dumps([{"email": a.email, "role": a.role, "owner": a.owner} for a in accounts], indent=2))
        return
    if not accounts:
        print("no accounts yet: the dashboard is single-user on this machine. Add the first administrator with "
              "`leadscore users add EMAIL --role admin --password-stdin`")
        return
    width = max(len(a.email) for a in accounts)
    for account in accounts:
        print(f"{account.email:<{width}}  {account.role:<7}  {account.owner or '-'}")


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the users commands to the parser."""
    roles = ", ".join(f"{role} ({permissions.ROLE_WORDS[role].split(': ', 1)[1]})" for role in permissions.ROLES)
    us = commands.add_parser("users", help="people who sign in to the dashboard, and their roles",
                             description=f"Roles: {roles}.")
    user_commands = us.add_subparsers(dest="users_command", required=True)
    owner_help = ("a rep's owner value: the value of the owner column (Owner, Lead Owner, Sales Rep...) that "
                  "marks their leads, as the CRM writes it")
    ua = user_commands.add_parser("add", parents=[common], help="add an account")
    ua.add_argument("email")
    ua.add_argument("--role", required=True, metavar="ROLE", help=f"one of {', '.join(permissions.ROLES)}")
    ua.add_argument("--owner", metavar="VALUE", help=owner_help + " (needed for a rep)")
    ua.add_argument("--password-stdin", action="store_true",
                    help="read the password from standard input's first line (without it the account signs in "
                         "only through the team's OpenID Connect provider)")
    ua.set_defaults(handler=cmd_users_add)
    ul = user_commands.add_parser("list", parents=[common], help="every account: email, role, owner")
    ul.add_argument("--json", action="store_true", help="print the accounts as JSON")
    ul.set_defaults(handler=cmd_users_list)
    ur = user_commands.add_parser("set-role", parents=[common], help="change an account's role")
    ur.add_argument("email")
    ur.add_argument("role", metavar="ROLE", help=f"one of {', '.join(permissions.ROLES)}")
    ur.add_argument("--owner", metavar="VALUE", help=owner_help + " (default: the account's owner value)")
    ur.set_defaults(handler=cmd_users_set_role)
    up = user_commands.add_parser("set-password", parents=[common], help="give an account a new password")
    up.add_argument("email")
    up.add_argument("--password-stdin", action="store_true", required=True,
                    help="read the password from standard input's first line")
    up.set_defaults(handler=cmd_users_set_password)
    ux = user_commands.add_parser("remove", parents=[common], help="remove an account (and its saved views)")
    ux.add_argument("email")
    ux.set_defaults(handler=cmd_users_remove)
