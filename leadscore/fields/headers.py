"""How a file's headers are compared and how the columns we add keep clear of the file's own."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

#: Words (and phrases, all of whose words must appear) of consent and opt-out fields: what a lead agreed to or
#: refused. A salesperson must never reverse them, so they are never "changeable" and a what-if never moves them.
CONSENT_WORDS: tuple[str, ...] = (
    "do not email", "do not call", "do not contact", "do not mail", "do not text", "do not sms", "dnc",
    "dont email", "dont call", "dont contact", "no email", "no call", "no contact",
    "unsubscribe", "unsubscribed", "opt out", "optout", "opted out", "opt in", "optin", "opted in",
    "consent", "consented", "gdpr", "permission", "permissions", "subscribed", "subscription", "newsletter",
    "marketing emails", "receive updates", "get updates", "update me", "agree", "agreed",
)


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


def header_words(name: str) -> tuple[str, ...]:
    """A header's words, lower case: split at anything not a letter or digit and at camelCase humps."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(name))
    return tuple(w for w in re.split(r"[^0-9a-z]+", spaced.lower()) if w)


def consent_word(name: str) -> str | None:
    """The consent or opt-out word or phrase in a header (``Do Not Email``: "do not email"), or None.

    Such a field records what the lead agreed to: it is never a field a salesperson may change.
    """
    words = set(header_words(name))
    return next((entry for entry in CONSENT_WORDS if set(entry.split()) <= words), None)


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


#: Headers that name who a lead belongs to, in order of preference (matched as ``header_key`` compares): the
#: CRMs' own (Salesforce and Zoho "Lead Owner", HubSpot "Contact owner", Pipedrive "Owner", Dynamics "Owner")
#: and the usual hand-made ones. One list for every face: the command line, the API and the dashboard find the
#: same owner column in the same file.
OWNER_HEADERS = ("Lead Owner", "Owner", "Contact Owner", "Account Owner", "Deal Owner", "Owner Name", "Owner Email",
                 "Lead Owner Email", "Sales Rep", "Sales Representative", "Assigned Rep", "Assigned To", "Assignee",
                 "Sales Agent", "Salesperson", "Sales Person")
_OWNER_KEYS = {header_key(header): rank for rank, header in enumerate(OWNER_HEADERS)}


def lead_id_column(columns: Iterable[str], model_id: str | None) -> str | None:
    """The file's column holding the model's lead ID (``model_id``, the schema's ID column), its header written
    the model's way or another (``Lead ID`` for ``lead_id``); None when the model has none or the file lacks it.
    Every face records a lead under this ID unless told another column (or none)."""
    if not model_id:
        return None
    names = [str(column) for column in columns]
    if model_id in names:
        return model_id
    return next((name for name in names if header_key(name) == header_key(model_id)), None)


def owner_column(columns: Iterable[str]) -> str | None:
    """The column that names each lead's owner (``Lead Owner``, ``sales_agent``, ``owner_email``...), the most
    telling one when several do; None when no header says so."""
    ranked = [(_OWNER_KEYS[header_key(column)], index, column) for index, column in enumerate(map(str, columns))
              if header_key(column) in _OWNER_KEYS]
    return min(ranked)[2] if ranked else None
