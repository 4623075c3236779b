"""The audit command: every change (people, keys, models, outcomes, lists) and every sign-in failure.

    leadscore audit [--since 2026-05-01] [--json]
"""

from __future__ import annotations

import argparse
import json

from leadscore.cli.common import date_arg, open_store


def _detail(detail: dict) -> str:
    return ", ".join(f"{key}={value}" for key, value in detail.items() if value not in (None, "", []))


def cmd_audit(args: argparse.Namespace) -> None:
    """Print the audit trail, oldest first: when, who, what, from where."""
    from leadscore.store import audit

    store = open_store(args)
    try:
        events = audit.events(store, since=args.since)
    finally:
        store.close()
    if args.json:
        print(json.dumps([event.to_dict() for event in events], indent=2))
        return
    if not events:
        print("no events" + (f" since {args.since:%Y-%m-%d %H:%M} UTC" if args.since else ""))
        return
    for event in events:
        print(f"{event.at:%Y-%m-%d %H:%M:%S} UTC  {event.actor}  {event.action}  {_detail(event.detail)}  "
              f"(from {event.source})")


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the audit command to the parser."""
    au = commands.add_parser("audit", parents=[common], help="every change and every sign-in failure: who, when, "
                                                             "what, from where")
    au.add_argument("--since", type=date_arg, metavar="DATE", help="only events from this date (2026-05-31) or "
                                                                  "moment (2026-05-31T14:00, UTC unless zoned)")
    au.add_argument("--json", action="store_true", help="print the events as JSON")
    au.set_defaults(handler=cmd_audit)
