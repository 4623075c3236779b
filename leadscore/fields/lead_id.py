"""One rule for a lead's ID (and a saved list's name), shared by the API, the command line and every store.

A lead ID is text that

- is not blank (spaces only is blank);
- is at most ``MAX_LENGTH`` (200) characters: what the store's column holds, on SQLite and PostgreSQL alike;
- holds no control character (a NUL byte, a tab, a line break, ``\\x7f``, ``\\x85``…) nor a line or paragraph
  separator: PostgreSQL refuses a NUL byte that SQLite would take, and a line break would split a CSV row;
- is valid Unicode: no lone surrogate (``"\\ud800"`` in JSON), which no database and no UTF-8 file can hold.

A file's ID cell is text as read, its spaces around stripped; ``12.0`` (a number column read with empty cells)
is the lead ``12``. Through the API an ID is text, kept exactly as sent, or a JSON number that is a whole number
of at most ``MAX_NUMBER`` (2^53, the largest every JSON reader keeps exactly), kept as its digits (``48213`` and
``48213.0`` are ``"48213"``, as in a file). A fraction, or a larger number (``1e300``: 301 digits, which no
reader kept exactly as sent), is refused: send such an ID as text. A saved list's name follows the same rule.
Messages never quote the value: they say what is wrong with it.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

#: The longest lead ID or list name, in characters (the store's columns are VARCHAR(200)).
MAX_LENGTH = 200
#: The largest whole number (either sign) taken as a lead ID from JSON: beyond it, JSON readers round.
MAX_NUMBER = 2**53
#: Control characters (Unicode Cc), line and paragraph separators (written so both Python's and Arrow's regular
#: expressions read it: pandas' text columns use the latter).
_CONTROL_PATTERN = "[\\x00-\\x1f\\x7f-\\x9f\u2028\u2029]"
_CONTROL = re.compile(_CONTROL_PATTERN)
_CONTROL_WORDS = "holds a control character (such as a NUL byte, a tab or a line break)"
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_INTEGRAL = re.compile(r"^(-?\d+)\.0+$")

#: The rule as JSON Schema alternatives (text; a whole number up to MAX_NUMBER), for the API's
#: document: not blank the way Python strips (its whitespace also holds \x1c-\x1f and \x85, which an ECMA
#: ``\s`` lets through: they are control characters here anyway), no control character.
ID_SCHEMA: tuple[dict[str, Any], ...] = (
    {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH,
     "pattern": r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*[^\s\x00-\x1f\x7f-\x9f\u2028\u2029]"
                r"[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$"},
    {"type": "integer", "minimum": -MAX_NUMBER, "maximum": MAX_NUMBER},
)
EMPTY = "the lead ID is empty"
NOT_TEXT = "must be text or a whole number"
TOO_BIG = (f"a number beyond {MAX_NUMBER:,} cannot be kept exactly as sent (JSON readers round it); send the ID "
           "as text (in quotes)")


class LeadIdError(ValueError):
    """A lead ID or list name breaks the rule; the message says why, without the value."""


def lone_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate (JSON's ``"\\ud800"``): not Unicode text any file or database holds."""
    return _SURROGATE.search(text) is not None


def text_problem(text: str, what: str = "the lead ID") -> str | None:
    """Why ``text`` cannot be a lead ID (or, with ``what``, a list name); None when it can."""
    if lone_surrogate(text):
        return f"{what} is not valid Unicode text (it holds a lone surrogate such as \\ud800)"
    if not text.strip():
        return f"{what} is empty"
    if len(text) > MAX_LENGTH:
        return f"{what} is longer than {MAX_LENGTH} characters"
    if _CONTROL.search(text):
        return f"{what} {_CONTROL_WORDS}"
    return None


def check_id(text: str) -> str:
    """``text`` when it is a valid lead ID; LeadIdError otherwise."""
    problem = text_problem(text)
    if problem:
        raise LeadIdError(problem)
    return text


def check_list_name(name: str) -> str:
    """``name`` when it is a valid saved list's name; LeadIdError otherwise."""
    problem = text_problem(name, "the list name")
    if problem:
        raise LeadIdError(problem)
    return name


def id_from_json(value: Any) -> str:
    """A JSON value as a lead ID: text kept as sent, a whole number (up to ``MAX_NUMBER``) as its digits;
    LeadIdError otherwise."""
    if isinstance(value, str):
        return check_id(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LeadIdError(NOT_TEXT)
    if isinstance(value, float) and not value.is_integer():
        raise LeadIdError(NOT_TEXT)  # a fraction, an infinity or NaN
    if not -MAX_NUMBER <= value <= MAX_NUMBER:
        raise LeadIdError(TOO_BIG)
    return str(int(value))


def normalize_ids(values: pd.Series) -> pd.Series:
    """A file's ID cells as lead IDs: text, stripped, so 12, "12" and 12.0 (a number column read with empty
    cells) are one lead. The rule is checked apart (``first_bad_id``)."""
    text = values.astype("string").str.strip()
    dotted = text.str.contains(".", regex=False).fillna(False).to_numpy(dtype=bool)
    if dotted.any():  # the regular expression only where it can match: most IDs have no dot
        text = text.copy()
        text[dotted] = text[dotted].str.replace(_INTEGRAL, r"\1", regex=True)
    return text


def id_problems(ids: pd.Series) -> pd.Series:
    """Per ID of a file (``normalize_ids``' text, so never a lone surrogate): why it breaks the rule, else <NA>.
    A missing ID is empty. Vectorised: a file's IDs are checked at the speed of reading them."""
    text = ids.astype("string")
    empty = (text.isna() | (text.str.strip() == "")).fillna(True).to_numpy(dtype=bool)
    control = text.str.contains(_CONTROL_PATTERN, regex=True).fillna(False).to_numpy(dtype=bool)
    long = (text.str.len() > MAX_LENGTH).fillna(False).to_numpy(dtype=bool)
    if not (empty | control | long).any():
        return pd.Series(pd.NA, index=ids.index, dtype="string")
    # the first problem that holds, in this order (masks, not pandas' assignment by mask: a tenth of the time)
    problems = np.select([empty, control, long], [EMPTY, f"the lead ID {_CONTROL_WORDS}",
                                                  f"the lead ID is longer than {MAX_LENGTH} characters"], "")
    return pd.Series(problems, index=ids.index, dtype="string").replace("", pd.NA)


def first_bad_id(ids: list[str]) -> tuple[int, str] | None:
    """The position of the first ID that breaks the rule and why (None: all are fine). Fast on long lists."""
    for position, text in enumerate(ids):
        if not text or len(text) > MAX_LENGTH or _CONTROL.search(text) or _SURROGATE.search(text) or \
                not text.strip():
            return position, text_problem(text) or EMPTY
    return None
