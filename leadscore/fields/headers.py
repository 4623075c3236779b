"""How a file's headers are compared and how the columns we add keep clear of the file's own."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable


@functools.lru_cache(maxsize=16_384)
def header_key(name: str) -> str:
    """Compare headers ignoring case, spaces and punctuation, in any script.

    Letters and digits of every script are kept (``Возраст`` stays ``возраст``, not ``""``), after
    NFKC (a fullwidth ``ＪＯＢ`` is ``job``) and case folding; for ASCII headers this is exactly
    "lower case, letters and digits only", so saved models keep matching the same columns.
    Cached: every API request matches each of its keys (the same few names, lead after lead).
    """
    folded = unicodedata.normalize("NFKC", str(name)).casefold()
    return "".join(character for character in folded if character.isalnum())


def conflict_message(field: str, headers: Iterable[str]) -> str:
    """Why several headers that mean one field cannot be scored (a repeated header included)."""
    return f"columns {', '.join(repr(h) for h in headers)} all mean '{field}'; keep one"


def input_renames(columns: Iterable[str], reserved: Iterable[str]) -> dict[str, str]:
    """New names for the file's columns that collide with ``reserved`` (columns we add).

    ``tier`` becomes ``tier_input``; when the file also has ``tier_input``, ``tier_input_2``,
    and so on: every name stays unique, and the file's own columns keep their values.
    """
    columns = [str(c) for c in columns]
    reserved = set(reserved)
    taken = set(columns) | reserved
    renames = {}
    for column in columns:
        if column in reserved:
            new, n = f"{column}_input", 2
            while new in taken:
                new, n = f"{column}_input_{n}", n + 1
            taken.add(new)
            renames[column] = new
    return renames


#: Headers that name who a lead belongs to, in order of preference (matched as ``header_key`` compares):
#: the CRMs' own (Salesforce and Zoho "Lead Owner", HubSpot "Contact owner", Pipedrive "Owner", Dynamics
#: "Owner") and the usual hand-made ones.
OWNER_HEADERS = ("Owner", "Lead Owner", "Contact Owner", "Account Owner", "Deal Owner", "Owner Name", "Owner Email",
                 "Lead Owner Email", "Sales Rep", "Sales Representative", "Assigned Rep", "Assigned To",
                 "Sales Agent", "Salesperson", "Sales Person")
_OWNER_KEYS = {header_key(header): rank for rank, header in enumerate(OWNER_HEADERS)}


def owner_column(columns: Iterable[str]) -> str | None:
    """The column that names each lead's owner (``Lead Owner``, ``sales_agent``, ``owner_email``...), the most
    telling one when several do; None when no header says so."""
    ranked = [(_OWNER_KEYS[header_key(column)], index, column) for index, column in enumerate(map(str, columns))
              if header_key(column) in _OWNER_KEYS]
    return min(ranked)[2] if ranked else None
