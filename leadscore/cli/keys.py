"""The keys command group: API keys with scopes, for the programs that call the REST API.

    leadscore keys add "website form" --scope score record     # the key, once, alone on the last line
    leadscore keys list [--json]
    leadscore keys revoke "website form"

The store keeps only a hash of each key: a lost key cannot be shown again, only revoked and replaced.
Once any key exists, the API refuses /v1/ requests without a valid key (see docs/api.md, "API keys").
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from leadscore.cli.common import UserError, cli_actor, open_store
from leadscore.permissions import SCOPE_WORDS, SCOPES

if TYPE_CHECKING:
    from leadscore.store import Store


@contextmanager
def keys_store(args: argparse.Namespace) -> Iterator[Store]:
    """The store of the arguments, closed after; a change it refuses (ApiKeyError) is the user's one line."""
    from leadscore.store import keys

    store = open_store(args)
    try:
        yield store
    except keys.ApiKeyError as error:
        raise UserError(str(error)) from error
    finally:
        store.close()


def cmd_keys_add(args: argparse.Namespace) -> None:
    """Make a key; explain on stderr, print the key alone on stdout's last line (``KEY=$(leadscore keys add ...)``)."""
    from leadscore.store import audit, keys

    with keys_store(args) as store:
        key = keys.add_key(store, args.name, args.scope, actor=cli_actor(), source=audit.COMMAND_LINE)
    scopes = keys.check_scopes(args.scope)
    print(f"API key {args.name.strip()!r} made, for: {'; '.join(SCOPE_WORDS[s] for s in scopes)}. It is shown "
          "this once (the store keeps only a hash): keep it now, and send it in the X-API-Key header.",
          file=sys.stderr)
    print(key)


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else "-"


def cmd_keys_list(args: argparse.Namespace) -> None:
    """Every key: name, scopes, when made, when revoked (never the key)."""
    from leadscore.store import keys

    with keys_store(args) as store:
        found = keys.list_keys(store)
    if args.json:
        print(json.dumps([key.to_dict() for key in found], indent=2))
        return
    if not found:
        print("no API keys yet: the API asks for none (unless LEADSCORE_API_KEY is set). Make one with "
              "`leadscore keys add NAME --scope score`")
        return
    width = max(len(key.name) for key in found)
    for key in found:
        state = f"revoked {_when(key.revoked_at)}" if key.revoked_at else "active"
        print(f"{key.name:<{width}}  {' '.join(key.scopes):<29}  made {_when(key.created_at)}  {state}")


def cmd_keys_revoke(args: argparse.Namespace) -> None:
    """Revoke a key by name: the API refuses it within seconds (its cache)."""
    from leadscore.store import audit, keys

    with keys_store(args) as store:
        revoked, now = keys.revoke_key(store, args.name, actor=cli_actor(), source=audit.COMMAND_LINE)
    if not now:
        print(f"API key {revoked.name!r} was already revoked on {_when(revoked.revoked_at)}")
    else:
        print(f"API key {revoked.name!r} revoked: the API refuses it from now on (within a few seconds)")


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the keys commands to the parser."""
    scopes = "; ".join(f"{scope}: {words}" for scope, words in SCOPE_WORDS.items())
    ks = commands.add_parser("keys", help="API keys with scopes, for the programs that call the REST API",
                             description=f"Scopes: {scopes}.")
    key_commands = ks.add_subparsers(dest="keys_command", required=True)
    ka = key_commands.add_parser("add", parents=[common], help="make a key; it is printed once, on the last line")
    ka.add_argument("name", help="what the key is for, such as 'website form' (shown in the API's log)")
    ka.add_argument("--scope", nargs="+", required=True, metavar="SCOPE",
                    help=f"what the key may do, one or more of: {', '.join(SCOPES)}")
    ka.set_defaults(handler=cmd_keys_add)
    kl = key_commands.add_parser("list", parents=[common], help="every key: name, scopes, made, revoked")
    kl.add_argument("--json", action="store_true", help="print the keys as JSON")
    kl.set_defaults(handler=cmd_keys_list)
    kr = key_commands.add_parser("revoke", parents=[common], help="revoke a key by name")
    kr.add_argument("name")
    kr.set_defaults(handler=cmd_keys_revoke)
