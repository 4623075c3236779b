"""Results commands: take outcomes back, report each tier's promise against what happened."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from leadscore.cli.common import (
    UserError,
    audit_change,
    date_arg,
    file_name,
    open_store,
    registry_of,
    sheet_argument,
    until_arg,
)
from leadscore.data import csvio

if TYPE_CHECKING:  # imported by the commands that use them: the store's libraries load only for those
    from leadscore.workflows import results

log = logging.getLogger("leadscore")


def cmd_outcomes(args: argparse.Namespace) -> None:
    """Take a CRM's won/lost export back: outcomes of scored leads, the latest winning; unknown IDs reported."""
    from leadscore.workflows import outcomes

    frame = csvio.read_table(args.file)
    imported = outcomes.import_outcomes(frame, args.id, args.outcome, Path(args.file).name, lambda: open_store(args),
                                        positive=args.positive, negative=args.negative, at_column=args.at)
    report = imported.report
    audit_change(args, "outcomes imported", {"file": Path(args.file).name, "new": report.new,
                                             "changed": report.changed, "unknown": report.unknown})
    print(json.dumps(report.to_dict(), indent=2) if args.json else imported.sentence())


def cmd_report(args: argparse.Namespace) -> None:
    """Each tier's promise against what happened, ranking, drift, per model version (by default the active one);
    or one lead's score history (--lead); or the stakeholders' HTML report (--html)."""
    from leadscore.workflows import results

    if args.html:
        _html_report(args)
        return
    store = open_store(args)
    try:
        if args.lead:
            history = store.history(args.lead, owner=args.owner)
            if not history:
                raise UserError(f"lead {args.lead!r} was never recorded")
            print(json.dumps([h.to_dict() for h in history], indent=2) if args.json else "\n".join(
                f"{h.scored_at}  model {h.model_version}  {h.tier:<6}  chance {h.chance:.1%}"
                + (f"  list {h.list}" if h.list else "") for h in history))
            return
        try:
            model = args.model[0] if args.model and len(args.model) == 1 else args.model
            report = results.results_report(store, registry_of(args), model=model, since=args.since,
                                            until=args.until, list_name=args.list, by=args.by, owner=args.owner)
        except results.ResultsError as error:
            raise UserError(str(error)) from error
    finally:
        store.close()
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
        return
    print(format_results(report))


def _html_report(args: argparse.Namespace) -> None:
    """``report --html FILE``: the stakeholders' report, one self-contained HTML file (written whole or not)."""
    from leadscore.reports.html import stakeholder_report
    from leadscore.workflows import results
    from leadscore.workflows.stakeholders import stakeholder_material

    output = Path(args.html)
    model = args.model[0] if args.model and len(args.model) == 1 else args.model
    store = open_store(args)
    try:
        document = stakeholder_report(stakeholder_material(store, registry_of(args), model=model,
                                                           list_name=args.list, since=args.since, until=args.until))
    except results.ResultsError as error:
        raise UserError(str(error)) from error
    finally:
        store.close()
    partial = output.with_name(output.name + ".partial")
    try:
        partial.write_text(document, encoding="utf-8")
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    print(f"report for stakeholders -> {output} ({len(document.encode()) >> 10:,} KiB, opens offline)",
          file=sys.stderr)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _version_lines(section: results.VersionResults) -> list[str]:
    lines = [f"model {section.model.label}: {section.leads:,} scored leads",
             f"{'tier':<8}{'scored':>9}{'outcome':>9}{'open':>8}{'converted':>10}{'rate':>8}{'95% interval':>17}"
             f"{'promised':>10}"]
    for tier, row in section.tiers.items():
        interval = f"{_pct(row.interval[0])}-{_pct(row.interval[1])}" if row.interval else "n/a"
        lines.append(f"{tier:<8}{row.scored:>9,}{row.with_outcome:>9,}{row.open:>8,}{row.converted:>10,}"
                     f"{_pct(row.rate):>8}{interval:>17}{_pct(row.expected):>10}")
    if section.by is not None:
        for value, tiers in section.by.values:
            lines.append(f"  {section.by.column} = {value}: " + ", ".join(
                f"{tier} {row.converted:,}/{row.with_outcome:,} converted ({_pct(row.rate)}, promised "
                f"{_pct(row.expected)})" for tier, row in tiers.items()))
    ranking = section.ranking
    lines.append(f"ranking: ROC AUC {ranking.auc:.3f} on {ranking.leads:,} leads with an outcome"
                 if ranking.auc is not None else
                 f"ranking: not measurable ({ranking.leads:,} leads with an outcome, both kinds needed)")
    about = section.drift_about
    if not about.available:
        lines.append(f"drift: unavailable: {about.reason}")
    else:
        lines.append(f"drift against model {about.model_version}'s training leads ({about.leads:,} leads; "
                     f"judged from {about.min_leads}):")
        lines.extend(f"  {d.field[:30]:<30} PSI {d.psi if d.psi is not None else 'n/a':>7}  {d.status}"
                     for d in section.drift)
    return lines


def format_results(report: results.Results) -> str:
    """The results report as short tables for a terminal, one per model version."""
    lines: list[str] = []
    if not report.versions:
        lines.append("no scored leads in these filters")
    for section in report.versions:
        if lines:
            lines.append("")
        lines.extend(_version_lines(section))
    lines.extend(f"note: {note}" for note in report.notes)
    return "\n".join(lines)


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the results commands to the parser."""
    oc = commands.add_parser(
        "outcomes", parents=[common], help="take the real outcomes (won/lost) of scored leads back",
        description="Read a CRM export with the lead ID and the won/lost column. Won values are named with "
                    "--positive or inferred; with --negative only those values mean lost and other values are "
                    "still open. Importing the same file twice counts nothing twice; a changed outcome: the "
                    "latest wins and it is reported; IDs never scored are reported, not stored.")
    oc.add_argument("file", type=file_name, help="CSV or Excel workbook (.xlsx) with the lead ID and outcome columns")
    sheet_argument(oc, "file")
    oc.add_argument("--id", required=True, metavar="COLUMN", help="the lead ID column (as given to score --id)")
    oc.add_argument("--outcome", required=True, metavar="COLUMN", help="the won/lost column")
    oc.add_argument("--positive", nargs="+", metavar="VALUE", help="values that mean converted (default: inferred)")
    oc.add_argument("--negative", nargs="+", metavar="VALUE",
                    help="values that mean not converted (default: every other filled value)")
    oc.add_argument("--at", metavar="COLUMN", help="the column saying when the outcome was known (default: now)")
    oc.add_argument("--json", action="store_true", help="print the counts as JSON")
    oc.set_defaults(handler=cmd_outcomes)

    rp = commands.add_parser(
        "report", parents=[common], help="each tier's real conversion against its promise, ranking, drift",
        description="Results of the recorded leads of one model version (by default the active one; never "
                    "blended): per tier scored, with an outcome, still open, converted, the rate with a 95%% Wilson "
                    "interval and the promised rate (the mean chance the model gave the same leads with an "
                    "outcome); the ROC AUC and gain chart on leads with an outcome; drift (PSI) of the fields and "
                    "the score against the model's training leads.")
    rp.add_argument("--json", action="store_true", help="print the report as JSON")
    rp.add_argument("--since", type=date_arg, metavar="DATE", help="leads scored on or after DATE (UTC)")
    rp.add_argument("--until", type=until_arg, metavar="DATE", help="leads scored up to DATE (a date: that whole day)")
    rp.add_argument("--model", metavar="VERSION", action="append",
                    help="the model version to report on, by its id or its name as `leadscore models list` prints "
                         "them, or 'all': each version with leads on its own (default: the active model); may be "
                         "given more than once")
    rp.add_argument("--list", metavar="NAME", help="only leads of this saved list")
    rp.add_argument("--by", metavar="COLUMN", help="break the tiers down by this input column (Lead Source...), or by "
                                                  "'owner': each lead's recorded owner (see score --owner)")
    rp.add_argument("--owner", metavar="VALUE", help="only the leads of this owner (a rep's results)")
    rp.add_argument("--html", metavar="FILE", type=file_name,
                    help="write the report for stakeholders instead: one self-contained HTML file (plain words, "
                         "charts, drift, the versions) that opens offline")
    rp.add_argument("--lead", metavar="ID", help="print one lead's score history instead")
    rp.set_defaults(handler=cmd_report)
