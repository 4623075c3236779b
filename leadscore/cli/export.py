"""The export command: a saved list's latest scores as a file for the CRM's import (.xlsx or .csv)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from leadscore.cli.common import UserError, date_arg, file_name, open_store, registry_of

log = logging.getLogger("leadscore")


def cmd_export(args: argparse.Namespace) -> None:
    """Write the list's leads, one row each, for a CRM's import; written under a temporary name first."""
    from leadscore.workflows import export

    output = Path(args.output)
    try:
        fmt = export.format_of(output)
    except ValueError as error:
        raise UserError(str(error)) from error
    names = {row.version: row.name for row in registry_of(args).versions()}
    store = open_store(args)
    try:
        result = export.export_list(store, args.list, names, changed_since=args.changed_since, owner=args.owner)
    except export.UnknownListError as error:
        raise UserError(str(error)) from error
    finally:
        store.close()
    partial = output.with_name(output.name + ".partial")
    try:
        export.write(result, partial, fmt)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    since = f" scored since {args.changed_since:%Y-%m-%d %H:%M} UTC" if args.changed_since else ""
    print(f"{result.leads:,} leads of '{result.list_name}'{since} -> {output} (IDs in column "
          f"'{result.id_column}')", file=sys.stderr)
    if result.hashed_ids:
        print("note: this list was saved without an ID column, so its IDs are fingerprints a CRM cannot match; "
              "record it again with --id COLUMN", file=sys.stderr)


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the export command to the parser."""
    ex = commands.add_parser(
        "export", parents=[common], help="a saved list's scores as .xlsx or .csv for the CRM's import",
        description="One row per lead of a saved list (its latest scoring in the list): the lead's ID under the "
                    "column it was read from (score --record --id COLUMN), tier, score (0-100), reason_1..3, "
                    "model (the version's name as 'models list' shows it) and scored_at (UTC). An .xlsx has "
                    "numbers as numbers, scored_at as a date and a frozen header; no cell runs as a formula.")
    ex.add_argument("--list", required=True, metavar="NAME", help="the saved list (score --record --list NAME)")
    ex.add_argument("--changed-since", type=date_arg, metavar="DATE",
                    help="only leads scored again on or after DATE (UTC), e.g. since the CRM's last import")
    ex.add_argument("--owner", metavar="VALUE", help="only the leads of this owner")
    ex.add_argument("-o", "--output", required=True, type=file_name, help="FILE.xlsx or FILE.csv")
    ex.set_defaults(handler=cmd_export)
