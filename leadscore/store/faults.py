"""A database fault as one line naming its cause, without values: ``StoreError``.

SQLAlchemy's own message quotes the statement and its parameters (lead IDs, whole lead records), and a
driver's message can quote a value; neither goes to a terminal or a log. ``store_error`` keeps the cause in
words: the store is locked, read-only, damaged, the disk is full, the server went away, a value is too long…
Each ``StoreError`` also says whether it is the data's fault (``permanent``: the same rows would fail again,
other rows would not) or the store's (the database cannot be written now; the same rows may go in later):
the API's recorder retries the first row by row and the second as a whole, later.
"""

from __future__ import annotations

import errno
import os

#: Words for SQLite's messages (sqlite3 gives no code before Python 3.11's ``sqlite_errorname``).
_SQLITE = (
    ("database is locked", "the store is locked by another program (it waited {lock} s)"),
    ("database table is locked", "the store is locked by another program (it waited {lock} s)"),
    ("readonly database", "the store is read-only (check the permissions of the file and its folder)"),
    ("disk image is malformed", "the store file is damaged"),
    ("not a database", "the file is not a database or it is damaged"),
    ("database or disk is full", "the disk is full, or the file-size limit was reached"),
    ("disk i/o error", "a disk error (the disk may be full, a file-size limit reached, or the store file "
                       "removed)"),
    ("unable to open database file", "the store file cannot be opened (does its folder exist and can it be "
                                     "written?)"),
    ("constraint failed", "the database refused a row (a constraint failed)"),
    ("surrogates not allowed", "a text that is not valid Unicode (a lone surrogate)"),
)
#: Words for PostgreSQL's SQLSTATE codes (the first two characters: the class).
_POSTGRES = {
    "55P03": "it waited {lock} s for a lock that another program holds",
    "57014": "a statement took too long and was cancelled",
    "22001": "a value is longer than the database column holds",
    "22008": "a date or time is out of the database's range",
    "22021": "a text the database cannot store (an invalid character)",
    "22P05": "a text the database cannot store (an invalid character)",
    "23505": "a value that must be unique is already stored",
    "40P01": "two programs waited for each other (deadlock)",
    "40001": "two programs changed the same rows at once",
    "53100": "the database server's disk is full",
    "53200": "the database server is out of memory",
    "57P01": "the database server was shut down",
    "57P02": "the database server was shut down",
    "57P03": "the database server is starting up or shutting down",
    "08": "the connection to the database server was lost",
    "28": "the database refused the login",
    "23": "the database refused a row (a constraint failed)",
    "22": "the database refused a value",
}
#: Driver errors that are the data's fault: the same rows fail again, other rows do not (PEP 249 names).
_ROW_FAULTS = frozenset({"IntegrityError", "DataError"})


class StoreError(RuntimeError):
    """A store fault in one line, without values. ``permanent``: the rows' fault, not the database's."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def _driver_error(error: BaseException) -> BaseException:
    """The DB-API error under SQLAlchemy's wrapper (or the error itself)."""
    return getattr(error, "orig", None) or error


def _names(error: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(error).__mro__}


def is_row_fault(error: BaseException) -> bool:
    """The rows' fault (a constraint, a value the database or its driver refuses), not the database's."""
    if isinstance(error, StoreError):
        return error.permanent
    cause = _driver_error(error)
    if _names(cause) & _ROW_FAULTS:
        return True
    if _is_driver(cause) or _is_sqlalchemy(cause) or isinstance(cause, OSError):
        return False
    return isinstance(cause, (ValueError, TypeError))  # a value the driver cannot bind (a lone surrogate)


def _is_driver(error: BaseException) -> bool:
    return type(error).__module__.split(".")[0] in {"sqlite3", "psycopg"}


def _is_sqlalchemy(error: BaseException) -> bool:
    """SQLAlchemy's errors, told by their module: this module is imported without SQLAlchemy (the CLI)."""
    return type(error).__module__.split(".")[0] == "sqlalchemy"


def cause_words(error: BaseException, lock_seconds: float) -> str:
    """The cause of a database fault in a few words, never quoting a value."""
    cause = _driver_error(error)
    lock = f"{lock_seconds:g}"
    if isinstance(cause, OSError) and not _is_driver(cause):
        if cause.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            return "the disk is full, or the file-size limit was reached"
        return cause.strerror or type(cause).__name__
    message = str(cause).strip()
    first = message.splitlines()[0] if message else ""
    code = getattr(cause, "sqlstate", None) or getattr(getattr(cause, "diag", None), "sqlstate", None)
    if code:
        words = _POSTGRES.get(code) or _POSTGRES.get(code[:2])
        if words:
            return words.format(lock=lock)
    lowered = first.lower()
    for phrase, words in _SQLITE:
        if phrase in lowered:
            return words.format(lock=lock)
    if "nul (0x00)" in lowered:
        return "a text the database cannot store (a NUL byte)"
    names = _names(cause)
    if "IntegrityError" in names:
        return "the database refused a row (a constraint failed)"
    if "DataError" in names:
        return "the database refused a value"
    if names & {"OperationalError", "InterfaceError"} and _is_driver(cause):
        # Connections and files: the server's or the file's words, which hold no lead data.
        return first[:200] or type(cause).__name__
    return type(cause).__name__ + (f" (SQLSTATE {code})" if code else "")


def store_error(error: BaseException, where: str, doing: str, lock_seconds: float) -> StoreError:
    """``error`` (SQLAlchemy's, the driver's or the operating system's) as one line: where, doing what, why."""
    if isinstance(error, StoreError):
        return error
    return StoreError(f"the store at {where} could not {doing}: {cause_words(error, lock_seconds)}",
                      permanent=is_row_fault(error))


def is_database_error(error: BaseException) -> bool:
    """SQLAlchemy's, a driver's (even outside SQLAlchemy: COPY raises psycopg's own) or the disk's error."""
    return _is_sqlalchemy(error) or _is_driver(error) or isinstance(error, OSError)


def file_identity(path: str | None) -> tuple[int, int] | None:
    """(device, inode) of a file, or None when it does not exist."""
    if not path:
        return None
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino
