"""The ``leadscore`` command: a module per command group (training, scoring, results, export, models,
serve, webhooks).

Every command takes ``--models-dir`` (or ``LEADSCORE_MODELS_DIR``). Bad input
ends with a one-line reason on stderr and exit code 2; never a traceback. So
does a store fault (a locked, read-only or damaged file, a full disk, a
database server that went away): the store's ``StoreError`` is one line
naming the cause, without lead data.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Any

from leadscore.cli import audit, export, keys, models, results, scoring, serve, training, users, webhooks
from leadscore.cli.common import EXIT_BAD_INPUT, UserError, file_name, os_error_words, take_sheet
from leadscore.data import csvio
from leadscore.fields.infer import OutcomeError
from leadscore.fields.lead_id import LeadIdError
from leadscore.fields.rejections import SchemaError
from leadscore.registry import ModelFileError
from leadscore.settings import DEFAULT_MODELS_DIR, ENV_MODELS_DIR, SettingsError

DESCRIPTION = ("Score real estate leads into High, Medium and Low priority: train and evaluate the model, "
               "score a CSV of leads, or serve the REST API. Run 'leadscore COMMAND --help' for a command's "
               "options.")
EPILOG = ("Bad input ends with a one-line reason on stderr and exit code 2. "
          f"Models are kept in --models-dir, else ${ENV_MODELS_DIR}, else {DEFAULT_MODELS_DIR}.")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per pipeline stage."""
    parser = argparse.ArgumentParser(prog="leadscore", description=DESCRIPTION,
                                     epilog=EPILOG.replace("%", "%%"))
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    common = argparse.ArgumentParser(add_help=False)
    default_dir = str(DEFAULT_MODELS_DIR).replace("%", "%%")
    common.add_argument("--models-dir", type=file_name,
                        help=f"model registry folder (default: ${ENV_MODELS_DIR} if set, else {default_dir})")
    commands = parser.add_subparsers(dest="command", required=True, title="commands", metavar="COMMAND")

    for group in (training, scoring, results, export, models, serve, webhooks, users, keys, audit):
        group.add_commands(commands, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        take_sheet(args)
        code = args.handler(args)
    except (UserError, SchemaError, ModelFileError, csvio.TableError, OutcomeError, LeadIdError,
            SettingsError) as error:
        print(f"leadscore {args.command}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        print(f"leadscore {args.command}: {os_error_words(error)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as error:
        if not _is_store_fault(error):
            raise
        logging.getLogger("leadscore").debug("store fault", exc_info=True)
        print(f"leadscore {args.command}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    return int(code or 0)


def _is_store_fault(error: Exception) -> bool:
    """A store's ``StoreError`` or ``RecordError``, without importing the store (SQLAlchemy, Alembic) for
    commands that never open it: an error can only come from the store once it was imported."""
    store: Any = sys.modules.get("leadscore.store")
    return store is not None and isinstance(error, (store.StoreError, store.RecordError))


__all__ = ["EXIT_BAD_INPUT", "UserError", "build_parser", "main"]
