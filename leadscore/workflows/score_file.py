"""Scoring a lead file in chunks, once for the command line and the dashboard, optionally recorded in the store.

``score_chunk`` scores one chunk with its rows numbered as in the file (a chunk's index is each row's place in
the file, gaps where a row with the wrong number of cells was set aside while reading); ``score_table`` scores a
table read whole (the dashboard's upload) chunk by chunk; ``score_file`` streams a file of any size to a scored
file and a rejected-rows file, both written under temporary names and renamed only once the whole input has been
read, so a file that breaks half-way leaves no output that looks complete. Rows in = rows scored + rows rejected.

Recording (``Recording``) is all or nothing per run: every chunk is written in one transaction of the store
(``Store.recording``), committed only when the whole file has been scored, rolled back otherwise; recording the
same file into the same list again leaves the list as it was, never doubled. The store is written off the
scoring path: a writer thread encodes and writes chunk k while chunk k+1 is scored.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from leadscore.data import csvio, export
from leadscore.fields.headers import lead_id_column, owner_column
from leadscore.fields.rejections import REJECTION_COLUMNS
from leadscore.modeling.tiers import TIERS
from leadscore.scoring.rows import RecordError, ScoredRows
from leadscore.scoring.scorer import ScoredBatch, Scorer

if TYPE_CHECKING:  # the store's libraries (SQLAlchemy, Alembic) load only when a store is opened
    from leadscore.store import Recorded, Store

log = logging.getLogger(__name__)

#: Chunks scored ahead of the store's writer at most (memory stays at a few chunks).
AHEAD = 2
#: Rows read at a time: large chunks score fastest; with recording smaller ones, so the store's writer starts
#: early and the last chunk's writing, which nothing overlaps, is short.
CHUNK_ROWS, RECORD_CHUNK_ROWS = 50_000, 20_000


@dataclass(frozen=True)
class ScoredChunk:
    """One chunk scored: the scored rows and the rejected cells, both numbered as in the file."""

    scored: pd.DataFrame
    problems: pd.DataFrame
    batch: ScoredBatch


def score_chunk(scorer: Scorer, chunk: pd.DataFrame, explain: bool = False,
                extra: Mapping[str, str] | None = None) -> ScoredChunk:
    """Score a chunk whose index is each row's 0-based place in the file; rows numbered from 1 as in the file.

    ``extra`` maps a file header to a field by hand (the dashboard's column matching). Raises SchemaError when a
    field's column is missing.
    """
    batch = scorer.score(chunk, explain=explain, extra=extra)
    rows = chunk.index.to_numpy() + 1
    scored = batch.scored.set_axis(pd.Index(rows[batch.scored.index.to_numpy() - 1], name="row"), axis=0)
    problems = batch.problems.assign(row=rows[batch.problems["row"].to_numpy(dtype=int) - 1])
    return ScoredChunk(scored, problems, batch)


ChunkScorer = Callable[[Scorer, pd.DataFrame, int], tuple[pd.DataFrame, pd.DataFrame]]


def score_table(scorer: Scorer, table: pd.DataFrame, chunk_rows: int, score: ChunkScorer,
                progress: Callable[[float], object] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A table read whole, scored chunk by chunk by ``score(scorer, chunk, start)`` (a cached ``score_chunk``);
    ``progress`` is told the share done after each chunk. The scored rows and the rejected cells, as in the file."""
    starts = range(0, len(table), chunk_rows)
    scored, problems = [], []
    for i, start in enumerate(starts):
        part, bad = score(scorer, table.iloc[start:start + chunk_rows], start)
        scored.append(part)
        problems.append(bad)
        if progress is not None:
            progress((i + 1) / len(starts))
    if not scored:
        empty = score_chunk(scorer, table)
        return empty.scored, empty.problems
    return pd.concat(scored), pd.concat(problems, ignore_index=True)


@dataclass(frozen=True)
class Recording:
    """Where and how a scored file is recorded: the store, the saved list (or None), the lead ID column as in
    the file (or None: the model's own ID column when the file has it, as every face does, ``headers.
    lead_id_column``), the owner column (or None: a column called Owner, Lead Owner, Sales Rep... when there is
    one). ``hashed``: a lead is known by a hash of its fields even when the file has an ID column.

    ``store`` is an open store (its caller closes it) or a function opening one: then it is opened on the
    writer's thread, so importing and opening the store overlaps reading the file and loading the model, and
    closed when the run ends; a store that cannot be opened fails the run (nothing written).
    """

    store: Store | Callable[[], Store]
    list_name: str | None = None
    id_column: str | None = None
    owner_column: str | None = None
    hashed: bool = False


class NoRowsError(ValueError):
    """The file has a header and no row."""


class RecordingFailedError(ValueError):
    """The scored leads could not be recorded (a lead ID is empty...); nothing of the run was recorded."""


@dataclass
class FileScored:
    """What ``score_file`` did: rows read, scored, rejected, leads per tier, leads recorded (None: not asked)."""

    read: int = 0
    scored: int = 0
    rejected: int = 0
    tiers: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TIERS, 0))
    recorded: Recorded | None = None
    #: The column each recorded lead's owner was read from (None: none named or recognised).
    owner_column: str | None = None
    #: The column each recorded lead's ID was read from (None: a lead is known by a hash of its fields).
    id_column: str | None = None


class _Writer:
    """The store's writer thread for one recording run: chunks are queued as typed rows, encoded and written
    in one transaction while the next chunk is scored; committed by ``finish``, rolled back by ``abort``.

    Before the first chunk the model's drift reference (``reference``: its version and reference, set by the
    scoring thread once the model is loaded) is kept, outside the run's transaction."""

    _DONE, _ABORT = object(), object()

    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        self.queue: queue.Queue[object] = queue.Queue(maxsize=AHEAD)
        self.error: BaseException | None = None
        self.recorded: Recorded | None = None
        self.reference: tuple[str, Mapping[str, object] | None] | None = None
        #: Whether the scoring thread has said it is done (or aborting): it puts nothing more.
        self.ended = False
        self.thread = threading.Thread(target=self._run, name="leadscore-record", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        given = self.recording.store
        store: Store | None = None
        try:
            store = given() if callable(given) else given
            if (item := self._next()) is self._ABORT:
                return
            if self.reference is not None:
                store.keep_drift_reference(*self.reference)
            with store.recording(self.recording.list_name) as run:
                while item is not self._DONE:
                    if item is self._ABORT:
                        raise _AbortedError
                    assert isinstance(item, ScoredRows)
                    run.add(item)
                    item = self._next()
            self.recorded = run.recorded
        except _AbortedError:
            return
        except BaseException as error:  # handed to the scoring thread, which raises it
            self.error = error
            # a fault at the commit comes after the last item: waiting for another would never end
            while not self.ended:  # let the scoring thread's puts finish
                self._next()
        finally:
            if store is not None and store is not given:
                store.close()

    def _next(self) -> object:
        item = self.queue.get()
        self.ended = self.ended or item is self._DONE or item is self._ABORT
        return item

    def put(self, rows: ScoredRows) -> None:
        self._raise()
        self.queue.put(rows)

    def finish(self) -> Recorded:
        self.queue.put(self._DONE)
        self.thread.join()
        self._raise()
        assert self.recorded is not None
        return self.recorded

    def abort(self) -> None:
        self.queue.put(self._ABORT)
        self.thread.join()

    def _raise(self) -> None:
        if isinstance(self.error, RecordError):
            raise RecordingFailedError(f"{self.error}; nothing was recorded") from self.error
        if self.error is not None:
            raise self.error


class _AbortedError(Exception):
    """The scoring side failed: the run's transaction is rolled back."""


def _rows(scorer: Scorer, batch: ScoredBatch, id_column: str | None, owner: str | None) -> ScoredRows:
    """A scored chunk as typed rows, its fields under the model's own names (a file may spell them its own way)."""
    as_fields = {header: name for name, header in batch.match.headers.items() if header != name}
    try:
        return scorer.rows(batch.scored.rename(columns=as_fields),
                           as_fields.get(id_column, id_column) if id_column else None,
                           as_fields.get(owner, owner) if owner else None)
    except RecordError as error:
        raise RecordingFailedError(f"{error}; nothing was recorded") from error


def score_file(source: csvio.Source, output: Path, rejected: Path, scorer: Scorer | Callable[[], Scorer], *,
               explain: bool = False, chunk_rows: int | None = None, recording: Recording | None = None
               ) -> FileScored:
    """Score a lead file to ``output`` (the scored leads in reading order) and ``rejected`` (row, column, value,
    reason); an old ``rejected`` file is removed when no row was rejected. The files are the same whatever
    ``chunk_rows`` (default ``CHUNK_ROWS``, ``RECORD_CHUNK_ROWS`` when recording).

    ``scorer``: the model, or a function loading it, called once the file's header has been read (a missing or
    unreadable file is reported before an empty registry trains its default model). Raises csvio.TableError,
    SchemaError, RecordingFailedError (nothing recorded), NoRowsError.
    """
    partial = {path: path.with_name(path.name + ".partial") for path in (output, rejected)}
    chunk_rows = chunk_rows or (CHUNK_ROWS if recording is None else RECORD_CHUNK_ROWS)
    try:
        done = _score_in_chunks(source, partial[output], partial[rejected], scorer, explain, chunk_rows, recording)
    except BaseException:
        for path in partial.values():
            path.unlink(missing_ok=True)
        raise
    partial[output].replace(output)
    if done.rejected:
        partial[rejected].replace(rejected)
    else:
        partial[rejected].unlink()
        rejected.unlink(missing_ok=True)  # an old one from an earlier run would mislead
    return done


def _score_in_chunks(source: csvio.Source, output: Path, rejected: Path, scorer: Scorer | Callable[[], Scorer],
                     explain: bool, chunk_rows: int, recording: Recording | None) -> FileScored:
    done = FileScored()
    # Rows with more or fewer cells than the header: rejected with their line, never scored.
    ragged: list[tuple[int, str, str, str]] = []
    with csvio.open_table(source, chunk_rows=chunk_rows, rejected=ragged) as chunks:
        writer = _Writer(recording) if recording is not None else None
        try:
            scorer = scorer if isinstance(scorer, Scorer) else scorer()
            if writer is not None:
                writer.reference = (scorer.version, scorer.drift_reference)
            first = _write_chunks(chunks, ragged, output, rejected, scorer, explain, done, writer, recording)
            if ragged:  # rejected rows after the last chunk
                export.append_safe_csv(pd.DataFrame(ragged, columns=list(REJECTION_COLUMNS)), rejected, first)
                done.read += len(ragged)
                done.rejected += len(ragged)
            if done.read == 0:
                raise NoRowsError("has a header but no rows")
            if writer is not None:
                done.recorded = writer.finish()
        except BaseException:
            if writer is not None and writer.thread.is_alive():
                writer.abort()
            raise
    assert done.read == done.scored + done.rejected
    return done


def _write_chunks(chunks: Iterable[pd.DataFrame], ragged: list[tuple[int, str, str, str]], output: Path,
                  rejected: Path, scorer: Scorer, explain: bool, done: FileScored, writer: _Writer | None,
                  recording: Recording | None) -> bool:
    """Score, write and queue for recording every chunk; whether nothing was written yet (no chunk)."""
    first = True
    for chunk in chunks:
        start = int(chunk.index[0]) + 1 if len(chunk) else done.read + 1
        batch = scorer.score(chunk, explain=explain, first_row=start)
        if writer is not None and recording is not None:
            done.owner_column = done.owner_column or recording.owner_column or owner_column(batch.scored.columns)
            done.id_column = recording.id_column or (
                None if recording.hashed else lead_id_column(batch.scored.columns, scorer.schema.id_column))
            writer.put(_rows(scorer, batch, done.id_column, done.owner_column))
        problems = batch.problems
        # Rows set aside while reading up to this chunk's last row join its cell problems, in the file's order:
        # the rejected file reads top to bottom whatever the chunk size.
        end = start + len(chunk) - 1 if len(chunk) else None
        here = [entry for entry in ragged if end is None or entry[0] <= end]
        if here:
            problems = pd.concat([pd.DataFrame(here, columns=problems.columns), problems], ignore_index=True)
            problems = problems.sort_values("row", kind="stable", ignore_index=True)
            done.read += len(here)
            done.rejected += len(here)
            ragged[:] = [entry for entry in ragged if end is not None and entry[0] > end]
        scored = export.reading_order(batch.scored, scorer.file_columns, id_column=scorer.schema.id_column)
        export.append_safe_csv(scored, output, first, rounded=scorer.chance_columns)
        export.append_safe_csv(problems, rejected, first)
        first = False
        done.read += batch.rows_read
        done.scored += len(batch.scored)
        done.rejected += batch.rejected_rows
        for tier, leads in batch.scored["tier"].value_counts().items():
            done.tiers[str(tier)] = done.tiers.get(str(tier), 0) + int(leads)
    return first
