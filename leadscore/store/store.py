"""The Store: record scored leads, take outcomes back, report, keep drift references.

One object per database; cheap to open (the schema check is one query once the store is current).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Concatenate, ParamSpec, TypeVar

import pandas as pd
from sqlalchemy import Connection, CursorResult, Engine, bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from leadscore.fields.lead_id import LeadIdError, check_list_name, text_problem
from leadscore.scoring.rows import ScoredRow, ScoredRows
from leadscore.settings import Settings, SettingsError
from leadscore.store import database, outbox
from leadscore.store.faults import StoreError, cause_words, file_identity, is_database_error, store_error
from leadscore.store.outcomes import OutcomeRows
from leadscore.store.record import Encoded, RecordError, encode
from leadscore.store.tables import DriftReference, Outcome, SavedList, Scoring, ScoringData

log = logging.getLogger(__name__)

#: How many unknown or changed IDs an import report lists as examples.
EXAMPLES = 5
#: An outcomes import that met a deadlock or a serialization failure (two imports at once on PostgreSQL)
#: is run again, at most this many times in all.
IMPORT_TRIES = 3
_RETRY_STATES = frozenset({"40P01", "40001"})
_IN_CHUNK = 5_000
#: The most variables one SQLite statement binds here: SQLite's default limit since 3.32 (a build may allow
#: more; an older one fewer, read from the connection).
_SQLITE_VARIABLES = 32_766
_COLUMNS = ("id", "lead_id", "scored_at", "model_version", "list_id", "tier", "chance", "score", "outcome", "latest",
            "owner")
_DATA_COLUMNS = ("scoring_id", "chances", "fields", "reasons")


def _utc(moment: datetime | None) -> datetime:
    moment = moment or datetime.now(timezone.utc)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _faults(doing: str) -> Callable[[Callable[Concatenate[Store, _P], _R]], Callable[Concatenate[Store, _P], _R]]:
    """A database fault inside the method becomes one ``StoreError`` line: where, doing what, why (no values)."""
    def wrap(method: Callable[Concatenate[Store, _P], _R]) -> Callable[Concatenate[Store, _P], _R]:
        @functools.wraps(method)
        def guarded(self: Store, *args: _P.args, **kwargs: _P.kwargs) -> _R:
            with self.translating(doing):
                return method(self, *args, **kwargs)

        return guarded

    return wrap


@dataclass(frozen=True)
class Recorded:
    """What one ``record`` call stored."""

    leads: int
    list_name: str | None
    deleted_by_retention: int


@dataclass(frozen=True)
class SavedListSummary:
    """A saved list as the list of lists shows it: its name, when it was made (UTC), how many leads it holds."""

    name: str
    created_at: datetime
    leads: int


@dataclass(frozen=True)
class LeadScoring:
    """One scoring of a lead, as its history shows it: when (ISO, UTC), which model version, tier, chance (rounded
    to 4 places), score 0-100 (None for built-in scorings recorded before every lead had one), saved list, owner."""

    scored_at: str
    model_version: str
    tier: str
    chance: float
    score: float | None
    list: str | None
    owner: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: the keys ``leadscore report --lead ID --json`` prints."""
        return {"scored_at": self.scored_at, "model_version": self.model_version, "tier": self.tier,
                "chance": self.chance, "score": self.score, "list": self.list, "owner": self.owner}


@dataclass
class ImportReport:
    """What one outcomes import did; nothing is counted twice when the same file comes again."""

    read: int
    open_leads: int
    duplicate_rows: int
    new: int = 0
    unchanged: int = 0
    changed: int = 0
    #: A different outcome older than the one stored: the stored (latest) one stays.
    older_ignored: int = 0
    unknown: int = 0
    unknown_examples: list[str] = field(default_factory=list)
    changed_examples: list[dict[str, Any]] = field(default_factory=list)
    #: Rows that could not be read (a bad date or lead ID): not imported.
    rejected: int = 0
    rejected_examples: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe."""
        return dict(self.__dict__)

    def sentence(self) -> str:
        """One paragraph for a terminal or a page."""
        text = (f"{self.read:,} rows read: {self.new:,} new outcomes, {self.unchanged:,} already known, "
                f"{self.changed:,} changed (the latest wins), {self.older_ignored:,} older than the one stored "
                f"(ignored), {self.open_leads:,} still open, {self.duplicate_rows:,} repeated rows for a lead "
                f"(its latest counted).")
        if self.unknown:
            text += (f" {self.unknown:,} IDs were never scored and were not stored (e.g. "
                     f"{', '.join(self.unknown_examples)}).")
        if self.rejected:
            text += (f" {self.rejected:,} rows could not be read and were not imported (e.g. "
                     f"{'; '.join(self.rejected_examples)}).")
        for change in self.changed_examples:
            text += f" Lead {change['lead_id']}: {change['was']} -> {change['now']}."
        return text


def _sqlite_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def _as_utc(value: datetime | str) -> datetime:
    """A moment read by the driver: a datetime (PostgreSQL) or SQLite's text (naive UTC)."""
    return _utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


def _check_name(name: str) -> None:
    """RecordError when ``name`` cannot be a saved list's name (``leadscore.fields.lead_id``)."""
    try:
        check_list_name(name)
    except LeadIdError as error:
        raise RecordError(str(error)) from None


def _insert_new(connection: Connection) -> Any:
    """INSERT ... ON CONFLICT (lead_id) DO NOTHING RETURNING lead_id, in the database's own dialect."""
    dialect_insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    return (dialect_insert(Outcome).on_conflict_do_nothing(index_elements=[Outcome.lead_id])
            .returning(Outcome.lead_id))


def _where_ids(connection: Connection, sql: str, ids: Sequence[str]) -> CursorResult:
    """Run ``sql`` with ``{ids}`` as "IN (the ids)" in the driver's own terms (``= ANY`` on PostgreSQL).

    Written for the driver: SQLAlchemy renders an expanding IN of thousands of values slowly.
    """
    if connection.dialect.name == "postgresql":
        return connection.exec_driver_sql(sql.format(ids="= ANY(%(ids)s)", false="false"), {"ids": list(ids)})
    return connection.exec_driver_sql(sql.format(ids=f"IN ({', '.join('?' * len(ids))})", false="0"), tuple(ids))


class RecordingRun:
    """One recording run (``Store.recording``): batches added in one transaction, all or nothing."""

    def __init__(self, store: Store, connection: Connection, list_name: str | None, moment: datetime) -> None:
        self._store, self._connection, self._moment = store, connection, moment
        self._list_name = list_name
        self._list_id: int | None = None
        self._first: int | None = None  # the run's first scoring id: older scorings of its leads leave its list
        self._leads = 0
        self.versions: set[str] = set()
        self.recorded = Recorded(0, list_name, 0)

    def add(self, rows: ScoredRows | Sequence[ScoredRow]) -> int:
        """Write a batch of the run (not yet committed); how many leads. RecordError before writing anything."""
        columns = encode(rows)
        if self._list_name is not None and self._list_id is None:
            id_column = rows.id_column if isinstance(rows, ScoredRows) else None
            self._list_id = self._store._list_id(self._connection, self._list_name, self._moment, id_column)
        ids = self._store._record(self._connection, columns, self._list_id, self._moment, self._first)
        if self._first is None and ids:
            self._first = ids[0]
        self._leads += len(ids)
        self.versions.update(columns.model_version)
        return len(ids)

    def finish(self) -> None:
        """Retention, then what the run recorded (the transaction commits when ``Store.recording`` ends)."""
        deleted = self._store._apply_retention(self._connection, self._moment)
        self.recorded = Recorded(self._leads, self._list_name, deleted)


class Store:
    """Scorings, outcomes, saved lists and drift references in one database. See the package docstring.

    Every database fault leaves a method as a ``StoreError`` of one line (where, doing what, why; never a
    value). An SQLite file deleted or replaced while the store is open is noticed before and after each write.
    """

    def __init__(self, engine: Engine, webhooks: bool = False, retention_days: int | None = None,
                 lock_seconds: float = database.BUSY_TIMEOUT_MS / 1000) -> None:
        self.engine = engine
        #: Whether recording puts an event in the webhook outbox for each lead whose tier is new or changed.
        self.webhooks = webhooks
        self.outbox = outbox.Outbox(self)
        self.retention_days = retention_days
        self.lock_seconds = lock_seconds
        self._file = engine.url.database if engine.dialect.name == "sqlite" else None
        if self._file == ":memory:":
            self._file = None
        self._identity = file_identity(self._file)

    @classmethod
    def open(cls, url: str | None = None, models_dir: str | os.PathLike[str] | None = None,
             webhooks: bool | None = None, settings: Settings | None = None) -> Store:
        """The store at ``url``, else $LEADSCORE_DATABASE_URL, else beside the registry; migrated to the newest.

        ``webhooks``: fill the webhook outbox when recording (default: when $LEADSCORE_WEBHOOK_URL is set).
        The environment is read through ``Settings`` (retention, lock timeout, webhooks). Raises
        StoreUnavailableError with one line when the database cannot be reached or migrated, or the
        environment's settings cannot be read.
        """
        try:
            settings = settings or Settings.from_environment(models_dir=models_dir)
        except SettingsError as error:
            raise database.StoreUnavailableError(f"the store cannot be opened: {error}") from error
        if webhooks is None:
            webhooks = settings.webhooks_on
        engine = database.make_engine(database.database_url(url, models_dir, settings), settings.lock_seconds)
        where = engine.url.render_as_string(hide_password=True)
        try:
            database.ensure_current(engine)
        except Exception as error:
            engine.dispose()
            if not is_database_error(error) and not isinstance(error, TimeoutError):
                raise
            reason = cause_words(error, settings.lock_seconds)
            raise database.StoreUnavailableError(f"the store at {where} cannot be opened: {reason}") from error
        return cls(engine, webhooks=webhooks, retention_days=settings.retention_days,
                   lock_seconds=settings.lock_seconds)

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    def fault(self, error: BaseException, doing: str) -> StoreError:
        """A database fault as one line without values (``faults.store_error``)."""
        return store_error(error, self.engine.url.render_as_string(hide_password=True), doing, self.lock_seconds)

    def _check_file(self) -> None:
        """StoreError when the SQLite file was deleted or replaced since the store was opened: what was written
        through the open connections went into a file nobody will read again."""
        if self._file is not None and file_identity(self._file) != self._identity:
            self.engine.dispose()
            raise StoreError(f"the store file {self._file} was deleted or replaced while in use: what was "
                             "recorded since then is not in it; run again")

    @contextmanager
    def reading(self, doing: str) -> Iterator[Connection]:
        """A read-only connection for the results queries (``store/report.py``); a database fault inside it
        leaves as one ``StoreError`` line saying what was being done."""
        with self.translating(doing), self.engine.connect() as connection:
            yield connection

    @contextmanager
    def writing(self, doing: str) -> Iterator[Connection]:
        """A write transaction for the store's other modules (people, keys, audit, views, the outbox): committed
        when the block ends, rolled back if it raises; a database fault inside it leaves as one ``StoreError``
        line saying what was being done (the driver's error is its ``__cause__``)."""
        with self.translating(doing), self._begin() as connection:
            yield connection

    @contextmanager
    def translating(self, doing: str) -> Iterator[None]:
        """A database fault inside the block leaves as one ``StoreError`` line saying what was being done (the
        driver's error is its ``__cause__``); any other error passes unchanged."""
        try:
            yield
        except StoreError:
            raise
        except Exception as error:
            if not is_database_error(error):
                raise
            raise self.fault(error, doing) from error

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        """A write transaction; the SQLite file is checked before and after it (``_check_file``)."""
        self._check_file()
        with self.engine.begin() as connection:
            yield connection
        self._check_file()

    # ---- recording ----------------------------------------------------------------------------------
    @_faults("record the scored leads")
    def record(self, rows: ScoredRows | Sequence[ScoredRow], list_name: str | None = None,
               scored_at: datetime | None = None) -> Recorded:
        """Record scored leads (typed rows, ``scoring/rows.py``); with ``list_name``, they join that saved list.

        Raises RecordError (a lead ID or list name that breaks the rule of ``leadscore.fields.lead_id``, the
        same on every database; a lead with no chance) naming the row, before writing anything.
        """
        moment = _utc(scored_at)
        with self.recording(list_name, scored_at=moment) as run:
            run.add(rows)
        return run.recorded

    @contextmanager
    def recording(self, list_name: str | None = None, scored_at: datetime | None = None) -> Iterator[RecordingRun]:
        """One recording run, all or nothing: every batch ``add``-ed is written in one transaction, committed
        when the block ends and rolled back if it raises (a file that fails half-way leaves nothing).

        With ``list_name``, a lead the list already held from an earlier run leaves it for its new scoring, so
        recording the same file into the same list again gives the same list, never a doubled one.
        """
        if list_name is not None:
            _check_name(list_name)
        moment = _utc(scored_at)
        try:
            with self._begin() as connection:
                run = RecordingRun(self, connection, list_name, moment)
                yield run
                run.finish()
        except StoreError:
            raise
        except Exception as error:
            if not is_database_error(error):
                raise
            raise self.fault(error, "record the scored leads") from error
        log.info("store: recorded %d scored leads (model %s)", run.recorded.leads, ", ".join(sorted(run.versions)))

    def _record(self, connection: Connection, columns: Encoded, list_id: int | None, moment: datetime,
                before: int | None) -> list[int]:
        """Write one encoded batch in ``connection``'s transaction; the new scorings' ids. ``before``: a lead the
        list held through a scoring older than this id leaves the list (its new scoring takes its place)."""
        n = len(columns)
        lead_ids = columns.lead_id
        latest = (~pd.Series(lead_ids).duplicated(keep="last")).tolist()  # a lead twice in one batch: the last
        known: dict[str, int] = {}
        unmark = "UPDATE scorings SET latest = {false} WHERE latest AND lead_id {ids}"
        if self.webhooks:  # the tiers before this batch, for the outbox
            unmark = outbox.keeping_previous(connection, unmark)
        unique = list(dict.fromkeys(lead_ids))
        ids = self._new_ids(connection, n)
        first = ids[0] if before is None and ids else before
        # PostgreSQL takes the whole batch as one array (one statement, one plan); SQLite caps variables.
        step = max(len(unique), 1) if connection.dialect.name == "postgresql" else _IN_CHUNK
        for start in range(0, len(unique), step):
            chunk = unique[start:start + step]
            _where_ids(connection, unmark, chunk)
            known.update(_where_ids(connection, "SELECT lead_id, outcome FROM outcomes WHERE lead_id {ids}",
                                    chunk).all())
            if list_id is not None and first is not None:
                _where_ids(connection, f"UPDATE scorings SET list_id = NULL WHERE list_id = {int(list_id)} "
                                       f"AND id < {int(first)} AND lead_id {{ids}}", chunk)
        # SQLite: the moment as SQLAlchemy's DateTime writes it (naive UTC text), once for the batch.
        stamp = moment if connection.dialect.name == "postgresql" else _sqlite_time(moment)
        found = [known.get(lead) for lead in lead_ids] if known else [None] * n  # new leads: no outcome known
        self._insert(connection, n, (ids, lead_ids, [stamp] * n, columns.model_version, [list_id] * n,
                                     columns.tier, columns.chance, columns.score, found, latest, columns.owner),
                     (ids, columns.columns, columns.fields, columns.reasons))
        if self.webhooks:  # in this transaction: an event exists exactly when its scoring does
            outbox.enqueue_tier_changes(connection, ids, moment)
            if connection.dialect.name == "postgresql":  # a run's next batch keeps its own previous tiers
                connection.exec_driver_sql(f"DELETE FROM pg_temp.{outbox._PREVIOUS}")
        return ids

    def _new_ids(self, connection: Connection, n: int) -> list[int]:
        """Ids for n new scorings, taken before inserting so the lead's data can be written beside them.

        PostgreSQL: from the table's sequence. SQLite: after the largest id, under the write lock that the
        updates above already hold for this transaction (one writer at a time).
        """
        if n == 0:
            return []
        if connection.dialect.name == "postgresql":
            return list(connection.execute(text("SELECT nextval(pg_get_serial_sequence('scorings', 'id')) "
                                                "FROM generate_series(1, :n)"), {"n": n}).scalars())
        connection.execute(update(Scoring).where(Scoring.id == -1).values(latest=False))  # take the write lock
        first = int(connection.execute(select(func.coalesce(func.max(Scoring.id), 0))).scalar_one()) + 1
        return list(range(first, first + n))

    def _insert(self, connection: Connection, n: int, scorings: tuple[list, ...], data: tuple[list, ...]) -> None:
        """Bulk insert of ``n`` rows given column by column (``_COLUMNS``, ``_DATA_COLUMNS``): COPY on
        PostgreSQL, a few multi-row INSERTs per table elsewhere.

        No list of row tuples is kept: 100,000 of them made Python's garbage collector walk the whole heap
        several times a run, a tenth of the writer's time."""
        if not n:
            return
        tables = (("scorings", _COLUMNS, scorings), ("scoring_data", _DATA_COLUMNS, data))
        if connection.dialect.name == "postgresql":
            cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
            for table, names, values in tables:
                with cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                    for row in zip(*values, strict=True):
                        copy.write_row(row)
            return
        # Thousands of rows per INSERT, on plain values (SQLAlchemy's per-row parameter handling would cost more
        # than the insert itself). The driver lets go of the GIL only while SQLite works: an executemany does
        # that once per row, and on the recording's writer thread each row then waited for the scoring thread
        # to hand the GIL back (about 3x its time on 2 cores); one statement per few thousand rows waits once
        # per statement and costs a fifth less CPU.
        variables = min(connection.connection.driver_connection.getlimit(  # type: ignore[union-attr]
            sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER), _SQLITE_VARIABLES)
        for table, names, values in tables:
            width = len(names)
            if any(len(column) != n for column in values):
                raise ValueError(f"{table}: every column needs {n} values")
            per = max(variables // width, 1)
            one = f"({', '.join('?' * width)})"
            for start in range(0, n, per):
                end = min(start + per, n)
                flat: list[object] = [None] * ((end - start) * width)
                for k, column in enumerate(values):  # the statement's values, row after row
                    flat[k::width] = column[start:end]
                connection.exec_driver_sql(f"INSERT INTO {table} ({', '.join(names)}) VALUES "
                                           + ", ".join([one] * (end - start)), tuple(flat))

    def _list_id(self, connection: Connection, name: str, moment: datetime, id_column: str | None = None) -> int:
        """The list's id (made if new); it remembers the column its IDs were last read from, for exports."""
        found = connection.execute(select(SavedList.id, SavedList.id_column).where(SavedList.name == name)).first()
        if found is not None:
            if id_column and found.id_column != id_column:
                connection.execute(update(SavedList).where(SavedList.id == found.id).values(id_column=id_column))
            return int(found.id)
        return int(connection.execute(insert(SavedList).values(name=name, created_at=moment, id_column=id_column)
                                      .returning(SavedList.id)).scalar_one())

    def _apply_retention(self, connection: Connection, moment: datetime) -> int:
        """Delete scorings older than $LEADSCORE_RETENTION_DAYS (read once, when the store was opened)."""
        if self.retention_days is None:
            return 0
        cutoff = moment - timedelta(days=self.retention_days)
        result = connection.execute(delete(Scoring).where(Scoring.scored_at < cutoff))
        return int(result.rowcount or 0)

    # ---- saved lists ----------------------------------------------------------------------------------
    @_faults("read the saved lists")
    def saved_lists(self, owner: str | None = None) -> list[SavedListSummary]:
        """Every saved list: name, when created, how many leads, newest first. With ``owner`` (a rep): only the
        lists holding that owner's leads, each counting only theirs."""
        joined = Scoring.list_id == SavedList.id
        if owner is not None:
            joined = joined & (Scoring.owner == owner)
        query = (select(SavedList.name, SavedList.created_at, func.count(Scoring.id))
                 .join(Scoring, joined, isouter=owner is None)
                 .group_by(SavedList.id, SavedList.name, SavedList.created_at)
                 .order_by(SavedList.created_at.desc()))
        with self.engine.connect() as connection:
            return [SavedListSummary(name, _utc(created), int(leads))
                    for name, created, leads in connection.execute(query)]

    @_faults("read the saved list")
    def list_latest(self, name: str, since: datetime | None = None, owner: str | None = None
                    ) -> tuple[str | None, pd.DataFrame]:
        """A saved list's leads, one row each (its latest scoring in the list), for a CRM's import.

        Returns the column the IDs were read from (None: not known) and a frame of lead_id, tier, score,
        chance, reason_1..3, model_version, scored_at (UTC), oldest first. ``since``: only leads whose latest
        scoring in the list is from then on; ``owner``: only that owner's leads. KeyError for an unknown list.
        """
        with self.engine.connect() as connection:
            found = connection.execute(select(SavedList.id, SavedList.id_column)
                                       .where(SavedList.name == name)).first()
            if found is None:
                raise KeyError(f"no saved list named {name!r}")
            latest = (select(func.max(Scoring.id)).where(Scoring.list_id == found.id)
                      .group_by(Scoring.lead_id).scalar_subquery())
            query = (select(Scoring.lead_id, Scoring.tier, Scoring.score, Scoring.chance, ScoringData.reasons,
                            Scoring.model_version, Scoring.scored_at)
                     .join(ScoringData, ScoringData.scoring_id == Scoring.id)
                     .where(Scoring.id.in_(latest)).order_by(Scoring.id))
            if since is not None:
                query = query.where(Scoring.scored_at >= _utc(since))
            if owner is not None:
                query = query.where(Scoring.owner == owner)
            rows = connection.execute(query).all()
        reasons = [list(json.loads(r.reasons).values()) if r.reasons else [] for r in rows]
        frame = pd.DataFrame({
            "lead_id": [r.lead_id for r in rows], "tier": [r.tier for r in rows],
            "score": pd.array([round(100 * r.chance) if r.score is None else round(r.score) for r in rows],
                              dtype="Int64"),
            "chance": [float(r.chance) for r in rows],
            **{f"reason_{k + 1}": [r[k] if len(r) > k else "" for r in reasons] for k in range(3)},
            "model_version": [r.model_version for r in rows],
            "scored_at": pd.to_datetime([_as_utc(r.scored_at) for r in rows], utc=True)})
        return found.id_column, frame

    @_faults("read the saved list")
    def list_rows(self, name: str, owner: str | None = None) -> pd.DataFrame:
        """A saved list as it was scored: its fields as read, then lead_id, tier, the target's columns (as the
        scored file showed them) and the reasons. ``owner``: only that owner's leads (KeyError when the list has
        none of them, as for an unknown list: a rep learns nothing of other owners' lists)."""
        if text_problem(name, "the list name"):
            raise KeyError(f"no saved list named {name!r}")  # no list can have such a name
        query = (select(Scoring.lead_id, Scoring.tier, ScoringData.chances, ScoringData.fields,
                        ScoringData.reasons).join(SavedList, SavedList.id == Scoring.list_id)
                 .join(ScoringData, ScoringData.scoring_id == Scoring.id)
                 .where(SavedList.name == name).order_by(Scoring.id))
        if owner is not None:
            query = query.where(Scoring.owner == owner)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        if not rows:
            raise KeyError(f"no saved list named {name!r}")
        fields = pd.DataFrame([json.loads(r.fields) for r in rows])
        chances = pd.DataFrame([json.loads(r.chances) for r in rows])
        reasons = [list(json.loads(r.reasons).values()) if r.reasons else [] for r in rows]
        out = fields.assign(lead_id=[r.lead_id for r in rows], tier=[r.tier for r in rows])
        out = pd.concat([out, chances], axis=1)
        for k in range(3):
            out[f"reason_{k + 1}"] = [r[k] if len(r) > k else "" for r in reasons]
        return out

    @_faults("read the saved list")
    def list_fields(self, name: str) -> list[str]:
        """The fields of a saved list as recorded (its columns besides what scoring added), in the file's order."""
        query = (select(ScoringData.fields).join(Scoring, ScoringData.scoring_id == Scoring.id)
                 .join(SavedList, SavedList.id == Scoring.list_id).where(SavedList.name == name))
        with self.engine.connect() as connection:
            texts = connection.execute(query).scalars().all()
        if not texts:
            raise KeyError(f"no saved list named {name!r}")
        return list(dict.fromkeys(key for text in texts for key in json.loads(text)))

    # ---- outcomes ---------------------------------------------------------------------------------
    def import_outcomes(self, outcomes: OutcomeRows, source: str) -> ImportReport:
        """Store the outcomes of leads that were scored; the latest outcome of a lead wins. Idempotent.

        Two imports at once both land: a lead another import stored in the meantime is compared with what it
        stored (an upsert, never a duplicate key), and leads are written in ID order so that two imports
        never wait for each other's rows; a deadlock or serialization failure runs the import again.
        """
        problem = text_problem(source, "the source")
        if problem:
            raise RecordError(problem)
        frame = outcomes.rows.sort_values("lead_id", kind="stable", ignore_index=True)
        for attempt in range(1, IMPORT_TRIES + 1):
            report = ImportReport(outcomes.read, outcomes.open_leads, outcomes.duplicate_rows,
                                  rejected=len(outcomes.rejected),
                                  rejected_examples=[f"row {row}, column {column!r}: {reason}" for row, column, reason
                                                     in outcomes.rejected[:EXAMPLES]])
            try:
                self._import(frame, source, report)
                break
            except StoreError:
                raise
            except Exception as error:
                if not is_database_error(error):
                    raise
                state = getattr(getattr(error, "orig", None), "sqlstate", None)
                if state not in _RETRY_STATES or attempt == IMPORT_TRIES:
                    raise self.fault(error, "import the outcomes") from error
                log.info("store: outcomes import met another one (SQLSTATE %s); running it again", state)
        log.info("store: outcomes import from %s: %d new, %d changed, %d unknown IDs, %d rows rejected", source,
                 report.new, report.changed, report.unknown, report.rejected)
        return report

    def _import(self, frame: pd.DataFrame, source: str, report: ImportReport) -> None:
        now = _utc(None)
        with self._begin() as connection:
            for start in range(0, len(frame), _IN_CHUNK):
                self._import_chunk(connection, frame.iloc[start:start + _IN_CHUNK], source, now, report)

    def _import_chunk(self, connection: Connection, chunk: pd.DataFrame, source: str, now: datetime,
                      report: ImportReport) -> None:
        ids = chunk["lead_id"].tolist()
        scored = set(_where_ids(connection, "SELECT DISTINCT lead_id FROM scorings WHERE lead_id {ids}", ids).scalars())
        stored = self._stored_outcomes(connection, ids)
        new: list[dict[str, Any]] = []
        changes: list[dict[str, Any]] = []
        for lead_id, outcome, known_at in chunk.itertuples(index=False):
            if lead_id not in scored:
                report.unknown += 1
                if len(report.unknown_examples) < EXAMPLES:
                    report.unknown_examples.append(lead_id)
                continue
            row = {"lead_id": lead_id, "outcome": int(outcome), "known_at": _utc(known_at.to_pydatetime()),
                   "source": source, "recorded_at": now}
            if lead_id in stored:
                self._compare(row, stored[lead_id], changes, report)
            else:
                new.append(row)
        if new:
            # Another import may have stored some of these leads since they were read: not a duplicate key,
            # but an outcome to compare with, as if it had been there when the chunk was read.
            inserted = set(connection.execute(_insert_new(connection), new).scalars())
            raced = [row for row in new if row["lead_id"] not in inserted]
            if raced:
                now_stored = self._stored_outcomes(connection, [row["lead_id"] for row in raced])
                for row in raced:
                    self._compare(row, now_stored[row["lead_id"]], changes, report)
            report.new += len(inserted)
        else:
            inserted = set()
        if changes:
            # The latest wins even against an import running at the same moment.
            connection.execute(update(Outcome).where(Outcome.lead_id == bindparam("b_lead_id"),
                                                     Outcome.known_at <= bindparam("b_known_at")),
                               [{"b_lead_id": row["lead_id"], "b_known_at": row["known_at"],
                                 **{k: v for k, v in row.items() if k != "lead_id"}} for row in changes])
        touched = sorted(inserted | {row["lead_id"] for row in changes})
        if touched:
            _where_ids(connection, "UPDATE scorings SET outcome = (SELECT o.outcome FROM outcomes o WHERE "
                                   "o.lead_id = scorings.lead_id) WHERE lead_id {ids}", touched)
        report.changed += len(changes)

    @staticmethod
    def _stored_outcomes(connection: Connection, ids: Sequence[str]) -> dict[str, tuple[int, datetime]]:
        return {lead: (int(outcome), _as_utc(known)) for lead, outcome, known in _where_ids(
            connection, "SELECT lead_id, outcome, known_at FROM outcomes WHERE lead_id {ids}", ids)}

    @staticmethod
    def _compare(row: dict[str, Any], old: tuple[int, datetime], changes: list[dict[str, Any]],
                 report: ImportReport) -> None:
        """An outcome for a lead that has one: the same, an older different one (ignored), or a change."""
        if old[0] == row["outcome"]:
            report.unchanged += 1
        elif row["known_at"] < old[1]:
            report.older_ignored += 1
        else:
            changes.append(row)
            if len(report.changed_examples) < EXAMPLES:
                report.changed_examples.append({"lead_id": row["lead_id"], "was": old[0], "now": row["outcome"]})

    # ---- drift references -----------------------------------------------------------------------------
    @_faults("keep the drift reference")
    def save_drift_reference(self, model_version: str, reference: Mapping[str, Any]) -> None:
        """Keep a model version's training distribution (replacing an earlier one for the same version)."""
        text = json.dumps(reference)
        with self._begin() as connection:
            connection.execute(delete(DriftReference).where(DriftReference.model_version == model_version))
            connection.execute(insert(DriftReference).values(model_version=model_version, reference=text,
                                                             created_at=_utc(None)))

    def keep_drift_reference(self, model_version: str, reference: Mapping[str, Any] | None) -> None:
        """Store a version's reference (``Scorer.drift_reference``) unless the store already has one; nothing for
        a version without one."""
        if reference and self.drift_reference(model_version) is None:
            self.save_drift_reference(model_version, reference)

    @_faults("read the drift reference")
    def drift_reference(self, model_version: str) -> dict[str, Any] | None:
        """The stored reference of a version, or None (models trained before references existed)."""
        with self.engine.connect() as connection:
            text = connection.execute(select(DriftReference.reference)
                                      .where(DriftReference.model_version == model_version)).scalar()
        return json.loads(text) if text else None

    # ---- results (the report itself: leadscore.workflows.results) --------------------------------------
    @_faults("read the lead's history")
    def history(self, lead_id: str, owner: str | None = None) -> list[LeadScoring]:
        """One lead's scorings, oldest first: when, which model, tier, chance, score, list, owner. ``owner``:
        only the scorings that gave the lead to that owner (a rep sees nothing of another owner's lead)."""
        if text_problem(str(lead_id)):
            return []  # an ID no store holds
        query = (select(Scoring.scored_at, Scoring.model_version, Scoring.tier, Scoring.chance, Scoring.score,
                        SavedList.name, Scoring.owner).join(SavedList, SavedList.id == Scoring.list_id, isouter=True)
                 .where(Scoring.lead_id == str(lead_id)).order_by(Scoring.id))
        if owner is not None:
            query = query.where(Scoring.owner == owner)
        with self.engine.connect() as connection:
            return [LeadScoring(_utc(at).isoformat(), version, tier, round(chance, 4), score, name, lead_owner)
                    for at, version, tier, chance, score, name, lead_owner in connection.execute(query)]

    @_faults("read the recorded leads")
    def training_frame(self, model: str | None = None, target: str = "converted") -> pd.DataFrame:
        """Recorded leads with a known outcome as a training set: each lead's latest fields as read + ``target``.

        The outcome is written "yes"/"no" so the normal outcome trainer reads it without being told.
        """
        query = (select(Scoring.lead_id, ScoringData.fields, Scoring.outcome)
                 .join(ScoringData, ScoringData.scoring_id == Scoring.id)
                 .where(Scoring.latest, Scoring.outcome.is_not(None)).order_by(Scoring.id))
        if model:
            query = query.where(Scoring.model_version == model)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        fields = pd.DataFrame([json.loads(r.fields) for r in rows])
        if target in fields.columns:
            raise ValueError(f"the recorded fields already have a column {target!r}; choose another target name")
        fields[target] = ["yes" if r.outcome else "no" for r in rows]
        return fields.astype("string").fillna("")
