"""The score command: a CSV of any size, in chunks, optionally recorded in the store."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from leadscore.data import csvio, export
from leadscore.fields.rejections import REJECTION_COLUMNS
from leadscore.modeling.tiers import TIERS
from leadscore.scoring.scorer import ScoredBatch, Scorer

if TYPE_CHECKING:
    from leadscore.store import Store

from leadscore.cli.common import UserError, file_name, open_store, refuse_same_paths, registry_of, sheet_argument

log = logging.getLogger("leadscore")


def cmd_score(args: argparse.Namespace) -> None:
    """Score a CSV in chunks; rejected rows go to a separate file.

    Both files are written under temporary names and renamed only when the
    whole input has been read: a file that breaks half-way leaves no output
    that looks complete.
    """
    output = Path(args.output)
    rejected_path = Path(args.rejected) if args.rejected else output.with_name(output.stem + ".rejected.csv")
    refuse_same_paths({"the input": Path(args.input), "-o": output, "--rejected": rejected_path})
    if (args.id or args.list) and not args.record:
        raise UserError("--id and --list need --record (remember the scored leads in the store)")
    partial = {path: path.with_name(path.name + ".partial") for path in (output, rejected_path)}
    try:
        counts = _score_in_chunks(args, partial[output], partial[rejected_path])
    except BaseException:
        for path in partial.values():
            path.unlink(missing_ok=True)
        raise
    partial[output].replace(output)
    if counts["rejected"]:
        partial[rejected_path].replace(rejected_path)
    else:
        partial[rejected_path].unlink()
        rejected_path.unlink(missing_ok=True)  # an old one from an earlier run would mislead
    if counts["scored"]:
        print("tiers: " + ", ".join(f"{tier} {counts[tier]:,}" for tier in TIERS), file=sys.stderr)
    summary = (f"{counts['read']} rows read, {counts['scored']} scored -> {output}, "
               f"{counts['rejected']} rejected")
    print(summary + (f" -> {rejected_path}" if counts["rejected"] else ""), file=sys.stderr)
    if args.record:
        print(f"{counts['scored']} scored leads recorded" + (f" in list '{args.list}'" if args.list else ""),
              file=sys.stderr)


def _score_in_chunks(args: argparse.Namespace, output: Path, rejected: Path) -> dict[str, int]:
    counts = {"read": 0, "scored": 0, "rejected": 0, **dict.fromkeys(TIERS, 0)}
    # Rows with more or fewer cells than the header: rejected with their line, never scored.
    ragged: list[tuple[int, str, str, str]] = []
    with csvio.open_table(args.input, chunk_rows=args.chunk_rows, rejected=ragged) as chunks:
        # The file's header is read first: a missing or unreadable file is reported before an empty
        # registry trains its default model (a minute on a busy machine).
        scorer = Scorer(registry_of(args).load_or_train_default())
        store = open_store(args) if args.record else None
        if store is not None and scorer.metadata.get("drift_reference"):
            store.keep_drift_reference(scorer.version, scorer.metadata["drift_reference"])
        first = True
        for chunk in chunks:
            start = int(chunk.index[0]) + 1 if len(chunk) else counts["read"] + 1
            batch = scorer.score(chunk, explain=args.explain, first_row=start)
            problems = batch.problems
            if ragged:
                problems = pd.concat([pd.DataFrame(ragged, columns=problems.columns), problems], ignore_index=True)
                counts["read"] += len(ragged)
                counts["rejected"] += len(ragged)
                ragged.clear()
            scored = export.reading_order(batch.scored, scorer.file_columns, id_column=scorer.schema.id_column)
            export.append_safe_csv(scored, output, first, rounded=scorer.chance_columns)
            export.append_safe_csv(problems, rejected, first)
            first = False
            if store is not None:
                _record(store, batch, scorer, args)
            counts["read"] += batch.rows_read
            counts["scored"] += len(batch.scored)
            counts["rejected"] += batch.rejected_rows
            for tier, leads in batch.scored["tier"].value_counts().items():
                counts[str(tier)] += int(leads)
        if ragged:  # rejected rows after the last chunk
            export.append_safe_csv(pd.DataFrame(ragged, columns=list(REJECTION_COLUMNS)), rejected, first)
            counts["read"] += len(ragged)
            counts["rejected"] += len(ragged)
    if counts["read"] == 0:
        raise UserError(f"{args.input}: has a header but no rows")
    assert counts["read"] == counts["scored"] + counts["rejected"]
    return counts


def _record(store: Store, batch: ScoredBatch, scorer: Scorer, args: argparse.Namespace) -> None:
    """Record a scored chunk, its fields under the model's own names (a file may spell them its own way)."""
    from leadscore.store import RecordError

    as_fields = {header: name for name, header in batch.match.headers.items() if header != name}
    try:
        rows = scorer.rows(batch.scored.rename(columns=as_fields), as_fields.get(args.id, args.id) if args.id else None)
        store.record(rows, list_name=args.list)
    except RecordError as error:
        raise UserError(f"{args.input}: {error}; nothing more was recorded") from error


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
    sc.add_argument("--chunk-rows", type=int, default=50_000, help="rows read at a time (default 50000)")
    sc.add_argument("--record", action="store_true",
                    help="remember the scored leads in the store (default: beside the registry; "
                         "$LEADSCORE_DATABASE_URL for another database)")
    sc.add_argument("--id", metavar="COLUMN", help="with --record: the lead ID column (default: a hash of the fields)")
    sc.add_argument("--list", metavar="NAME", help="with --record: save the scored leads as a named list")
    sc.set_defaults(handler=cmd_score)
