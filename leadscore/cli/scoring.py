"""The score command: a CSV of any size, in chunks, optionally recorded in the store (``workflows.score_file``)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from leadscore.cli.common import (
    UserError,
    audit_change,
    file_name,
    open_store,
    positive_count,
    refuse_same_paths,
    registry_of,
    sheet_argument,
)
from leadscore.modeling.tiers import TIERS
from leadscore.scoring.scorer import Scorer
from leadscore.workflows import score_file

log = logging.getLogger("leadscore")


def cmd_score(args: argparse.Namespace) -> None:
    """Score a CSV in chunks; rejected rows go to a separate file (``workflows.score_file``)."""
    output = Path(args.output)
    rejected_path = Path(args.rejected) if args.rejected else output.with_name(output.stem + ".rejected.csv")
    refuse_same_paths({"the input": Path(args.input), "-o": output, "--rejected": rejected_path})
    if (args.id or args.no_id or args.list or args.owner) and not args.record:
        raise UserError("--id, --no-id, --list and --owner need --record (remember the scored leads in the store)")
    if args.id and args.no_id:
        raise UserError("--id names the lead ID column and --no-id says there is none: give one of them")
    # The store opens on the recording's own thread, while the file is read and the model loaded.
    recording = score_file.Recording(lambda: open_store(args), args.list, args.id, args.owner, hashed=args.no_id) \
        if args.record else None
    try:
        done = score_file.score_file(args.input, output, rejected_path,
                                     lambda: Scorer(registry_of(args).load_or_train_default()),
                                     explain=args.explain, chunk_rows=args.chunk_rows, recording=recording)
    except score_file.NoRowsError as error:
        raise UserError(f"{args.input}: {error}") from error
    except score_file.RecordingFailedError as error:
        hint = ("" if args.id or "the lead ID" not in str(error) else
                " (the model's ID column, found in the file: name another with --id, or know each lead by its "
                "fields with --no-id)")
        raise UserError(f"{args.input}: {error}{hint}") from error
    if done.scored:
        print("tiers: " + ", ".join(f"{tier} {done.tiers.get(tier, 0):,}" for tier in TIERS), file=sys.stderr)
    summary = f"{done.read:,} rows read, {done.scored:,} scored -> {output}, {done.rejected:,} rejected"
    print(summary + (f" -> {rejected_path}" if done.rejected else ""), file=sys.stderr)
    if done.recorded is not None and args.list:
        audit_change(args, "list saved", {"list": args.list, "leads": done.recorded.leads,
                                          "file": Path(args.input).name})
    if done.recorded is not None:
        print(f"{done.recorded.leads:,} scored leads recorded" + (f" in list '{args.list}'" if args.list else "")
              + (f", each known by its ID in column '{done.id_column}'" if done.id_column
                 else ", each known by a hash of its fields (no outcome can be matched to it; name the ID "
                      "column with --id)")
              + (f", each lead's owner from column '{done.owner_column}'" if done.owner_column
                 else ", without an owner (no Owner, Lead Owner, Sales Rep... column; name it with --owner)"),
              file=sys.stderr)


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the scoring commands to the parser."""
    sc = commands.add_parser("score", parents=[common], help="score a CSV of leads")
    sc.add_argument("input", type=file_name,
                    help="CSV of leads (comma, semicolon or tab separated), or an Excel workbook (.xlsx)")
    sheet_argument(sc, "input")
    sc.add_argument("-o", "--output", required=True, type=file_name, help="CSV file for the scored leads")
    sc.add_argument("--rejected", type=file_name,
                    help="CSV for rejected rows (default: OUTPUT without its extension + .rejected.csv, "
                         "e.g. scored.rejected.csv)")
    sc.add_argument("--explain", action="store_true", help="add reason_1..3 in plain words")
    sc.add_argument("--chunk-rows", type=positive_count,
                    help=f"rows read at a time (default {score_file.CHUNK_ROWS}, {score_file.RECORD_CHUNK_ROWS} "
                         "with --record); the files written are the same whatever the size")
    sc.add_argument("--record", action="store_true",
                    help="remember the scored leads in the store (default: beside the registry; "
                         "$LEADSCORE_DATABASE_URL for another database)")
    sc.add_argument("--id", metavar="COLUMN",
                    help="with --record: the lead ID column (default: the model's own ID column when the file has "
                         "it, else a hash of the fields)")
    sc.add_argument("--no-id", action="store_true",
                    help="with --record: know each lead by a hash of its fields, even when the file has an ID column")
    sc.add_argument("--list", metavar="NAME", help="with --record: save the scored leads as a named list")
    sc.add_argument("--owner", metavar="COLUMN",
                    help="with --record: the column naming each lead's owner, so a rep sees their own leads "
                         "(default: a column called Owner, Lead Owner, Sales Rep, Assigned To, sales_agent, "
                         "owner_email...)")
    sc.set_defaults(handler=cmd_score)
