"""Recording the API's scored leads in the store, off the request path (``LEADSCORE_RECORD=1``).

A request only appends its scored leads to a bounded in-process queue (``Recorder.offer``: a lock and a
list append, never a wait); a background thread drains it and writes in batches (every ``FLUSH_LEADS``
leads or ``FLUSH_SECONDS``, whichever comes first) with ``Store.record``, the same path as the command
line. Why a thread: the store is synchronous SQLAlchemy, and the database work (SQLite, psycopg) runs
without the GIL, so it does not hold up the event loop.

Nothing the store does can fail or slow a request: a full queue drops the newest leads, a database error
keeps the unwritten batch at the head of the queue and retries with a growing pause (the queue bound still
holds, so an outage ends in dropped leads, not in memory growth); each is logged once per burst (the
first failure, then how many leads were lost when it ends) and counted, and ``status()`` says
"degraded" (shown by /readyz). On SQLite the connection is closed after each batch, so a store file that
is deleted or replaced is noticed (an open connection would keep writing into the deleted file). Fields
are recorded under the model's own names as sent (the values of the keys the model read, ``Schema.lead_keys``),
with the body's other plain keys (an owner, a lead source) beside them, as the command line records a
file's columns; the lead's ID is the body's id key, else the store's content hash; its owner is the body's
owner key (``owner``, ``Lead Owner``, ``sales_agent``... as ``fields.headers.owner_column`` recognises).
The drift reference of each model version served is kept once. Lead data never goes to the logs: only
counts, versions and the kind of error.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from leadscore.api.shapes import shapes_for
from leadscore.fields.headers import header_key, input_renames, owner_column
from leadscore.scoring.rows import ScoredRow
from leadscore.scoring.scorer import LeadScore, Scorer
from leadscore.store import Store, StoreUnavailableError
from leadscore.store.record import MAX_OWNER

log = logging.getLogger(__name__)


#: The most leads waiting to be written; beyond it new leads are dropped (counted). ~100 s at 200 leads/s.
QUEUE_LEADS = 20_000
#: A batch is written when this many leads wait...
FLUSH_LEADS = 500
#: ...or when the oldest waiting lead has waited this long (each batch has a fixed cost of a few ms of CPU:
#: pandas and a transaction; at 50 leads/s a 200 ms period cost about 1 ms of CPU per lead).
FLUSH_SECONDS = 1.0
#: The pause after a database error, doubled each time up to RETRY_MAX_SECONDS.
RETRY_SECONDS = 0.5
RETRY_MAX_SECONDS = 10.0
#: Database errors: the batch is kept and retried. Any other error is the batch's own: it is dropped.
_STORE_ERRORS = (SQLAlchemyError, StoreUnavailableError, OSError)
_INT64 = 2**63



@dataclass(frozen=True)
class _Lead:
    """What is kept of one scored lead until it is written (not the SHAP waterfall: memory is bounded)."""

    raw: Mapping[str, Any]
    lead_id: str | None
    tier: str
    probabilities: tuple[float, ...]
    reasons: Sequence[str]


@dataclass
class _Burst:
    """A run of failures of one kind: logged when it starts and when it ends, counted throughout."""

    what: str
    open: bool = False
    lost: int = 0
    total: int = 0
    reason: str = ""

    def fail(self, leads: int, reason: str) -> None:
        self.total += leads
        self.lost += leads
        self.reason = reason
        if not self.open:
            self.open = True
            log.warning("recording degraded: %s (%s); scoring goes on", self.what, reason)

    def end(self) -> None:
        if self.open:
            log.warning("recording recovered: %d scored leads were not recorded (%s)", self.lost, self.what)
            self.open, self.lost, self.reason = False, 0, ""


def error_words(error: BaseException) -> str:
    """The kind of error in one short line, without values (SQLAlchemy's own message can quote parameters)."""
    if isinstance(error, StoreUnavailableError):
        return str(error)[:300]
    cause = getattr(error, "orig", None) or error
    words = str(cause).strip().splitlines()[0][:200] if str(cause).strip() else ""
    return f"{type(cause).__name__}: {words}" if words and not isinstance(error, (KeyError, ValueError)) \
        else type(cause).__name__


def _plain(value: Any) -> Any:
    """A JSON value as the store can write it: ints beyond 64 bits as text, no lone surrogates, no NaN."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if -_INT64 <= value < _INT64 else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "replace").decode("utf-8")
    return value


def _is_plain(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def scored_rows(scorer: Scorer, leads: Sequence[_Lead]) -> list[ScoredRow]:
    """The leads as rows for the store: the values of the keys the model read under the model's own names, the
    body's other plain keys beside them (renamed if they clash with the scorer's columns), and the ID."""
    schema = scorer.schema
    shapes = shapes_for(scorer)
    names = list(schema.names)
    known = {key for f in schema.fields for key in f.keys} | set(shapes.id_keys)
    scored: list[tuple[dict[str, Any], str | None, _Lead]] = []
    for lead in leads:
        values, _ = schema.lead_keys(lead.raw)
        row: dict[str, Any] = {name: _plain(values.get(name)) for name in names}
        extras = tuple(k for k, v in lead.raw.items() if header_key(k) not in known and _is_plain(v))
        renames = input_renames(extras, {*scorer.output_columns, shapes.id_name, *names})
        for key in extras:
            row[renames.get(key, key)] = _plain(lead.raw[key])
        lead_id = None
        if lead.lead_id is not None:
            row[shapes.id_name] = lead_id = _plain(lead.lead_id)
        scored.append((row, None if lead_id is None else str(lead_id), lead))
    return [dataclasses.replace(row, owner=_owner(lead.raw)) for row, (_, _, lead) in
            zip(scorer.lead_rows(scored), scored, strict=True)]


def _owner(raw: Mapping[str, Any]) -> str | None:
    """The lead's owner from its body (an ``owner``, ``Lead Owner``, ``sales_agent``... key), as text; None when
    there is none, or it is not one line of at most MAX_OWNER characters (the lead is recorded without it
    rather than failing its batch)."""
    key = owner_column(raw)
    value = raw[key] if key is not None else None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    text = str(_plain(value)).strip()
    return text if text and len(text) <= MAX_OWNER and "\n" not in text else None


@dataclass
class _Pending:
    """Leads waiting, in arrival order, each batch with the scorer that scored it."""

    batches: list[tuple[Scorer, list[_Lead]]] = field(default_factory=list)
    leads: int = 0
    since: float = 0.0


class Recorder:
    """The bounded queue and its writer thread. ``start`` at startup, ``close`` at shutdown (flushes)."""

    def __init__(self, open_store: Callable[[], Store], queue_leads: int = QUEUE_LEADS,
                 flush_leads: int = FLUSH_LEADS, flush_seconds: float = FLUSH_SECONDS) -> None:
        self._open_store = open_store
        self.queue_leads, self.flush_leads, self.flush_seconds = queue_leads, flush_leads, flush_seconds
        self._store: Store | None = None
        self._pending = _Pending()
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._closing = False
        self._thread: threading.Thread | None = None
        self._referenced: set[str] = set()
        self.recorded = 0
        self._full = _Burst("the recording queue is full, the newest scored leads were dropped")
        self._store_down = _Burst("the store cannot be written")
        self._bad = _Burst("a batch could not be recorded and was dropped")

    # ---- the request side ------------------------------------------------------------------------------
    def offer(self, scorer: Scorer, scored: Sequence[tuple[Mapping[str, Any], str | None, LeadScore]]) -> None:
        """Queue scored leads (raw body, lead id, result); never waits and never raises for the store."""
        if not scored:
            return
        leads = [_Lead(raw, lead_id, result.tier, result.probabilities, result.reasons)
                 for raw, lead_id, result in scored]
        with self._lock:
            if self._closing or self._pending.leads + len(leads) > self.queue_leads:
                self._full.fail(len(leads), f"{self.queue_leads:,} leads waiting")
                return
            self._full.end()
            first = not self._pending.batches
            if first:
                self._pending.since = time.monotonic()
            self._pending.batches.append((scorer, leads))
            self._pending.leads += len(leads)
            if first or self._pending.leads >= self.flush_leads:  # the writer sets its clock, or writes now
                self._wake.notify()

    def status(self) -> dict[str, Any]:
        """For /readyz: "ok" or "degraded" (and why), and the counts since the start."""
        with self._lock:
            problems = [b for b in (self._store_down, self._full, self._bad) if b.open]
            return {"state": "degraded" if problems else "ok",
                    "detail": "; ".join(f"{b.what} ({b.reason})" for b in problems) or None,
                    "queued": self._pending.leads, "recorded": self.recorded, "dropped": self._full.total,
                    "failed": self._bad.total + self._store_down.total}

    # ---- the writer --------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the writer thread."""
        self._thread = threading.Thread(target=self._run, name="leadscore-recorder", daemon=True)
        self._thread.start()

    def close(self, timeout: float = 15.0) -> None:
        """Write what is queued (one try per batch), stop the writer, close the store."""
        with self._lock:
            self._closing = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("recording: the writer did not finish within %.0f s; %d leads not recorded",
                            timeout, self._pending.leads)
        if self._store is not None:
            self._store.close()

    def _take(self) -> list[tuple[Scorer, list[_Lead]]] | None:
        """The next batches to write, once FLUSH_LEADS wait or the oldest has waited FLUSH_SECONDS; None: stop."""
        with self._lock:
            while True:
                pending = self._pending
                if pending.batches and (self._closing or pending.leads >= self.flush_leads
                                        or time.monotonic() - pending.since >= self.flush_seconds):
                    self._pending = _Pending()
                    return pending.batches
                if self._closing:
                    return None
                wait = None if not pending.batches else self.flush_seconds - (time.monotonic() - pending.since)
                self._wake.wait(wait)

    def _put_back(self, batches: list[tuple[Scorer, list[_Lead]]]) -> None:
        """Unwritten batches go back to the head of the queue (their leads still count against its bound)."""
        with self._lock:
            self._pending.batches[:0] = batches
            self._pending.leads += sum(len(leads) for _, leads in batches)
            self._pending.since = time.monotonic() - self.flush_seconds  # due again as soon as the pause ends

    def _run(self) -> None:
        pause = RETRY_SECONDS
        while (batches := self._take()) is not None:
            unwritten = self._write(batches)
            if not unwritten:
                pause = RETRY_SECONDS
                continue
            if self._closing:
                with self._lock:
                    self._store_down.fail(sum(len(leads) for _, leads in unwritten), "shutting down")
                continue
            self._put_back(unwritten)
            with self._lock:
                self._wake.wait_for(lambda: self._closing, pause)
            pause = min(pause * 2, RETRY_MAX_SECONDS)

    def _write(self, batches: list[tuple[Scorer, list[_Lead]]]) -> list[tuple[Scorer, list[_Lead]]]:
        """Write the batches, grouped by model version; the ones a database error left unwritten are returned."""
        by_scorer: dict[int, tuple[Scorer, list[_Lead]]] = {}
        for scorer, leads in batches:
            by_scorer.setdefault(id(scorer), (scorer, []))[1].extend(leads)
        groups = list(by_scorer.values())
        for done, (scorer, leads) in enumerate(groups):
            try:
                self._write_one(scorer, leads)
            except _STORE_ERRORS as error:
                if self._store is not None:
                    self._store.close()
                    self._store = None
                with self._lock:
                    self._store_down.fail(0, error_words(error))
                return groups[done:]
            except Exception as error:  # the batch's own problem: retrying it would fail again
                with self._lock:
                    self._bad.fail(len(leads), error_words(error))
            else:
                with self._lock:
                    self.recorded += len(leads)
                    self._bad.end()
                    self._store_down.end()
        if self._store is not None and self._store.engine.dialect.name == "sqlite":
            self._store.engine.dispose()  # notice a deleted or replaced file (module docstring)
        return []

    def _write_one(self, scorer: Scorer, leads: list[_Lead]) -> None:
        if self._store is None:
            self._store = self._open_store()
        reference = scorer.metadata.get("drift_reference")
        if reference and scorer.version not in self._referenced:
            self._store.keep_drift_reference(scorer.version, reference)
            self._referenced.add(scorer.version)
        self._store.record(scored_rows(scorer, leads))
