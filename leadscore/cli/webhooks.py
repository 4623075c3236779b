"""The webhooks command group: deliver the outbox once (for cron), or count what waits."""

from __future__ import annotations

import argparse
import json
import logging

from leadscore.cli.common import UserError, open_store
from leadscore.settings import ENV_WEBHOOK_SECRET, ENV_WEBHOOK_URL, Settings

log = logging.getLogger("leadscore")

#: Exit code of ``webhooks send`` when some events could not be delivered (they are tried again later).
EXIT_NOT_ALL_DELIVERED = 1


def cmd_webhooks_send(args: argparse.Namespace) -> int:
    """Deliver every event due now, then exit: 0 when none failed, 1 when some wait for another try."""
    from leadscore.workflows import webhooks

    settings = Settings.from_environment(models_dir=args.models_dir)
    if settings.webhook_url is None or settings.webhook_secret is None:
        raise UserError(f"set {ENV_WEBHOOK_URL} (the receiver's address) and {ENV_WEBHOOK_SECRET} (the signing "
                        "secret) first")
    store = open_store(args)
    try:
        report = webhooks.send_pending(store, settings.webhook_url, settings.webhook_secret,
                                       webhooks.registry_names(args.models_dir), limit=args.limit)
        status = store.outbox.status()
    finally:
        store.close()
    if args.json:
        print(json.dumps({**report.__dict__, "status": status.to_dict()}, indent=2))
    else:
        print(report.sentence())
        print(f"{status.pending:,} events wait ({status.failing:,} after a failed attempt)"
              + (f", next try at {status.next_attempt}" if status.pending else ""))
    return EXIT_NOT_ALL_DELIVERED if report.failed else 0


def cmd_webhooks_status(args: argparse.Namespace) -> None:
    """Count the events waiting, delivered and failing; the latest error of a failing one."""
    store = open_store(args)
    try:
        status = store.outbox.status()
    finally:
        store.close()
    if args.json:
        print(json.dumps(status.to_dict(), indent=2))
        return
    print(f"pending {status.pending:,}  delivered {status.delivered:,}  failing {status.failing:,}")
    if status.pending:
        print(f"oldest waiting since {status.oldest_pending}; next try at {status.next_attempt}")
    if status.last_error:
        print(f"latest error: {status.last_error}")


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the webhooks commands to the parser."""
    wh = commands.add_parser(
        "webhooks", help="send tier changes to the CRM's webhook, or count what waits",
        description=f"With {ENV_WEBHOOK_URL} and {ENV_WEBHOOK_SECRET} set, every recorded lead whose tier is new "
                    "or changed puts one event in the store's outbox. 'send' delivers what is due and exits (run "
                    "it from cron); 'leadscore serve' delivers continuously. Each event is a signed JSON POST "
                    "(README, 'Webhooks').")
    group = wh.add_subparsers(dest="webhooks_command", required=True)
    send = group.add_parser("send", parents=[common], help="deliver the events due now, then exit (exit 1 if "
                                                           "some failed: they are tried again later)")
    send.add_argument("--limit", type=int, metavar="N", help="deliver at most N events")
    send.add_argument("--json", action="store_true", help="print the counts as JSON")
    send.set_defaults(handler=cmd_webhooks_send)
    status = group.add_parser("status", parents=[common], help="count the events pending, delivered and failing")
    status.add_argument("--json", action="store_true", help="print the counts as JSON")
    status.set_defaults(handler=cmd_webhooks_status)
