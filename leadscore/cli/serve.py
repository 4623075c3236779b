"""The serve command: the REST API."""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass

from leadscore.cli.common import UserError
from leadscore.settings import Settings

log = logging.getLogger("leadscore")


def cmd_serve(args: argparse.Namespace) -> None:
    """Start the REST API on the active model; it follows newly published models without a restart."""
    from leadscore.api import app as api  # the web stack only for this command

    if args.workers < 1:
        raise UserError("--workers must be at least 1")
    # Every variable is read before serving: one that cannot be read (LEADSCORE_RETENTION_DAYS=abc) stops here
    # with one line (SettingsError, exit 2), not in each worker after the port is open.
    Settings.from_environment(models_dir=args.models_dir)
    api.serve(host=args.host, port=args.port, models_dir=args.models_dir, workers=args.workers,
              log_level="DEBUG" if args.verbose else "INFO")


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the serve commands to the parser."""
    sv = commands.add_parser("serve", parents=[common], help="start the REST API (docs/api.md)")
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sv.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    sv.add_argument("--workers", type=int, default=1, help="server processes (default 1)")
    sv.set_defaults(handler=cmd_serve)
