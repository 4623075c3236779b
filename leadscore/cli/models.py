"""The models command group: list versions, activate one, rename one."""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING

from leadscore.version_names import MAX_NAME, VersionNameError

if TYPE_CHECKING:
    pass

from leadscore.cli.common import UserError, registry_of

log = logging.getLogger("leadscore")


def cmd_models_list(args: argparse.Namespace) -> None:
    """Print every version: id, active or not, when trained, accuracy, signed or not, ok or damaged with the reason."""
    registry = registry_of(args)
    rows = registry.versions()
    if not rows:
        raise UserError(f"{registry.root}: no model versions yet; run `leadscore train`")
    for row in rows:  # what it is and how good, as its training report says it (``Quality``)
        quality = row.quality
        print(f"{row.version}  {'active' if row.active else '-':<6}  {row.created_at or 'unknown':<25}  "
              f"{quality.kind[:24]:<24}  {quality.figure:<16}  {row.signature or '-':<19}  {row.state}  \"{row.name}\""
              + (f" ({row.change})" if row.change else ""))


def cmd_models_rename(args: argparse.Namespace) -> None:
    """Give a version a name a manager reads; its files stay as published, so it still loads."""
    try:
        name = registry_of(args).rename(args.version, args.name)
    except VersionNameError as error:
        raise UserError(str(error)) from error
    print(f"version {args.version} is now called \"{name}\"")


def cmd_models_activate(args: argparse.Namespace) -> None:
    """Make a version active (``builtin``: the built-in model); a damaged version is refused with the reason."""
    registry = registry_of(args)
    if args.version == "builtin":
        print(f"the built-in model (version {registry.activate_builtin(source='command line')}) is now active")
        return
    registry.activate(args.version, source="command line")
    print(f"version {args.version} is now active")


def cmd_models_sign(args: argparse.Namespace) -> None:
    """Sign versions under the key here, each after checking it (a new key when there is none: a rotation)."""
    registry = registry_of(args)
    results = registry.sign_versions(args.version, include_unsigned=args.include_unsigned, source="command line")
    if not results:
        raise UserError(f"{registry.root}: no model versions yet; nothing to sign")
    for result in results:
        print(f"{result.version}  {result.note}")
    left = [result.version for result in results if not result.signed and not result.note.startswith("already")]
    signed = sum(result.signed for result in results)
    print(f"{signed:,} version(s) signed, {len(results) - signed - len(left):,} already signed, "
          f"{len(left):,} left as they were")
    if left:
        raise UserError(f"{len(left):,} version(s) not signed ({', '.join(left)}): see the reason beside each")


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the models commands to the parser."""
    md = commands.add_parser("models", help="list model versions, or make one active")
    model_commands = md.add_subparsers(dest="models_command", required=True)
    ml = model_commands.add_parser("list", parents=[common], help="every version, active or not, ok or damaged")
    ml.set_defaults(handler=cmd_models_list)
    ma = model_commands.add_parser("activate", parents=[common], help="make a version active (refuses a damaged one)")
    ma.add_argument("version", help="version id, as `leadscore models list` prints it, or 'builtin' for the "
                                 "built-in model (its newest good version, trained if there is none)")
    ma.set_defaults(handler=cmd_models_activate)
    mr = model_commands.add_parser("rename", parents=[common], help="give a version a name a manager reads")
    mr.add_argument("version", help="version id, as `leadscore models list` prints it")
    mr.add_argument("name", help=f"the new name (one line, at most {MAX_NAME} characters)")
    mr.set_defaults(handler=cmd_models_rename)
    ms = model_commands.add_parser(
        "sign", parents=[common], help="sign versions under the signing key after checking them (makes a new key "
                                        "when there is none: use it when the old key is lost for good)",
        description="Sign versions under the signing key ($LEADSCORE_SIGNING_KEY, else the key file), each after "
                    "checking its files, its parameters and that it loads; a key file is made when there is no "
                    "key. Old signatures cannot be checked without the old key: re-signing trusts the files as they "
                    "are now, so run it only when nobody else could change the models folder since the key was lost. "
                    "Unsigned versions are left unsigned unless --include-unsigned. Exit code 2 when a version was "
                    "left as it was.")
    ms.add_argument("version", nargs="*", help="version ids, as `leadscore models list` prints them (default: all)")
    ms.add_argument("--include-unsigned", action="store_true",
                    help="sign unsigned versions too (published before signing existed, or stripped of their "
                         "signature: only when you know which)")
    ms.set_defaults(handler=cmd_models_sign)
