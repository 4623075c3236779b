"""What every command shares: the one-line user error, the registry and store of the arguments, argument types."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leadscore.registry import Registry

if TYPE_CHECKING:
    from leadscore.store import Store

EXIT_BAD_INPUT = 2


class UserError(Exception):
    """A problem the user can fix; reported as one line, without a traceback."""


def cli_actor() -> str:
    """Who makes a change at the command line, for the audit trail: the operating-system user."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (a container without a passwd entry)
        return "unknown user"


def registry_of(args: argparse.Namespace) -> Registry:
    """The registry of the arguments; each change it makes (publish, activate, rename, sign) goes to the audit
    trail as made from the command line by the operating-system user."""
    return Registry(args.models_dir, on_change=lambda action, detail, source: audit_change(args, action, detail))


def audit_change(args: argparse.Namespace, action: str, detail: dict[str, Any]) -> None:
    """Write a change made at the command line to the store's audit trail. The change already happened: a
    store that cannot be written is said on stderr in one line that says the change WAS made, not raised (the
    command's exit code is the change's)."""
    from leadscore.store import StoreError, audit

    try:
        store = open_store(args)
        try:
            audit.record(store, cli_actor(), action, detail, audit.COMMAND_LINE)
        finally:
            store.close()
    except (UserError, StoreError, OSError) as error:
        what = ", ".join(f"{key} {detail[key]}" for key in ("version", "list") if detail.get(key) is not None)
        print(f"leadscore {args.command}: done ({action}{': ' + what if what else ''}), but its audit entry could "
              f"not be written: {error}", file=sys.stderr)


def open_store(args: argparse.Namespace) -> Store:
    from leadscore.store import Store, StoreUnavailableError

    try:
        return Store.open(models_dir=args.models_dir)
    except StoreUnavailableError as error:
        raise UserError(str(error)) from error


def refuse_same_paths(paths: dict[str, Path]) -> None:
    """UserError when two of the files would be the same file (writing one would destroy the other)."""
    seen: dict[Path, str] = {}
    for role, path in paths.items():
        resolved = path.resolve()
        if resolved in seen:
            raise UserError(f"{role} and {seen[resolved]} are the same file ({path}); choose another name")
        seen[resolved] = role


def date_arg(value: str) -> datetime:
    """A date (2026-05-31) or a moment (2026-05-31T14:00), read as UTC unless it names its zone."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date such as 2026-05-31") from error
    moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
    try:
        moment.astimezone(timezone.utc)
    except OverflowError:
        raise argparse.ArgumentTypeError(f"{value!r} is out of range once read as UTC (years 1 to 9999)") from None
    return moment


def until_arg(value: str) -> datetime:
    """The end of the period, exclusive: a plain date means up to the end of that day (9999-12-31: no end)."""
    moment = date_arg(value)
    if len(value.strip()) > 10:
        return moment
    try:
        return moment + timedelta(days=1)
    except OverflowError:
        return datetime.max.replace(tzinfo=timezone.utc)


def sheet_argument(parser: argparse.ArgumentParser, file_dest: str) -> None:
    """``--sheet NAME`` for a command whose file (``args.<file_dest>``) may be an Excel workbook."""
    parser.add_argument("--sheet", metavar="NAME",
                        help="when the file is an Excel workbook (.xlsx): the sheet to read (default: the first)")
    parser.set_defaults(sheet_of=file_dest)


def take_sheet(args: argparse.Namespace) -> None:
    """With ``--sheet``, the command's file becomes that sheet of the workbook (still a path to the file)."""
    from leadscore.data.csvio import with_sheet

    name = getattr(args, "sheet", None)
    dest = getattr(args, "sheet_of", None)
    if name and dest and getattr(args, dest, None):
        setattr(args, dest, with_sheet(getattr(args, dest), name))


def file_name(value: str) -> str:
    """A file or folder argument: refuse an empty name, which would otherwise fail later without naming it."""
    if not value.strip():
        raise argparse.ArgumentTypeError("the file name is empty")
    return value


def positive_count(value: str) -> int:
    """A count of 1 or more (rows at a time...)."""
    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if count < 1:
        raise argparse.ArgumentTypeError(f"{value!r} must be 1 or more")
    return count


def os_error_words(error: OSError) -> str:
    """An operating-system error in one line, naming the file when the error knows it."""
    reason = error.strerror or str(error)
    return f"{error.filename}: {reason}" if error.filename else reason
