"""Recording the API's scored leads in the store, off the request path (``LEADSCORE_RECORD=1``).

A request only appends its scored leads to a bounded in-process queue (``Recorder.offer``: a lock and a
list append, never a wait); a background thread drains it and writes in batches (every ``FLUSH_LEADS``
leads or ``FLUSH_SECONDS``, whichever comes first) with ``Store.record``, the same path as the command
line. Why a thread: the store is synchronous SQLAlchemy, and the database work (SQLite, psycopg) runs
without the GIL, so it does not hold up the event loop.

Nothing the store does can fail or slow a request, and one bad lead never costs another:

- the store is down (a server that went away, a locked, read-only or deleted file: ``StoreError`` not
  ``permanent``): the unwritten batch stays at the head of the queue and is retried with a growing pause
  (the queue bound still holds, so a long outage ends in dropped leads, not in memory growth);
- a write fails because of the leads themselves (a value the database refuses, a constraint: a ``permanent``
  ``StoreError``): the batch is retried lead by lead; the leads the store refuses are counted and logged
  without their values, the others are recorded;
- the queue is full: the newest leads are dropped and counted;
- at shutdown the queue is drained within ``drain_seconds`` ($LEADSCORE_DRAIN_SECONDS, default 10; a store
  that is down is retried until then);
  what is still unwritten is counted and logged in one line.

A burst of failures is logged when it starts and when it ends (with counts, no lead data) and ``status()``
says "degraded" and why (shown by /readyz): while the store is down or the queue is full, and for
``REFUSED_SECONDS`` after the store refused a lead. A store file deleted or replaced while open is noticed by
the store before and after each write (``Store._check_file``): the writer reopens it. Fields
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

from leadscore.api.shapes import shapes_for
from leadscore.fields.headers import header_key, input_renames, owner_column
from leadscore.scoring.rows import ScoredRow
from leadscore.scoring.scorer import LeadScore, Scorer
from leadscore.settings import DEFAULT_DRAIN_SECONDS
from leadscore.store import Store, StoreError
from leadscore.store.faults import is_database_error, is_row_fault
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
#: Seconds the queue is given at shutdown unless $LEADSCORE_DRAIN_SECONDS says otherwise (settings.py; a store
#: that is down is retried until then); the writer is then waited for JOIN_GRACE_SECONDS more, in case a
#: database call is under way.
DRAIN_SECONDS = DEFAULT_DRAIN_SECONDS
JOIN_GRACE_SECONDS = 2.0
#: How long /readyz says "degraded" after the store refused a lead (the other leads of its batch recorded).
REFUSED_SECONDS = 60.0
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
    """The kind of error in one short line, without values: the store's own line (``StoreError`` names the cause
    and never a value), else the error's type (another error's message can quote a lead's value)."""
    if isinstance(error, StoreError):
        return str(error)[:300]
    return type(error).__name__


def _leads(count: int) -> str:
    return f"{count:,} scored lead" + ("" if count == 1 else "s")


def _store_is_down(error: BaseException) -> bool:
    """The database's fault (the same leads may go in later), not the leads' own (``faults.is_row_fault``)."""
    if isinstance(error, StoreError):
        return not error.permanent
    return is_database_error(error) and not is_row_fault(error)


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
    """The bounded queue and its writer thread. ``start`` at startup, ``close`` at shutdown (drains, bounded)."""

    def __init__(self, open_store: Callable[[], Store], queue_leads: int = QUEUE_LEADS,
                 flush_leads: int = FLUSH_LEADS, flush_seconds: float = FLUSH_SECONDS,
                 drain_seconds: float = DRAIN_SECONDS) -> None:
        self._open_store = open_store
        self.queue_leads, self.flush_leads, self.flush_seconds = queue_leads, flush_leads, flush_seconds
        self.drain_seconds = drain_seconds
        self._store: Store | None = None
        self._pending = _Pending()
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._closing = False
        self._deadline = math.inf
        self._in_flight = 0
        self._thread: threading.Thread | None = None
        self._referenced: set[str] = set()
        self.recorded = 0
        #: Leads the store refused one by one (their own fault); the other leads of their batch were recorded.
        self.refused = 0
        self._refused_at = -math.inf
        self._refused_reason = ""
        #: Leads still unwritten when the drain at shutdown ended (or offered while shutting down).
        self.unwritten = 0
        self._full = _Burst("the recording queue is full, the newest scored leads were dropped")
        self._store_down = _Burst("the store cannot be written")

    # ---- the request side ------------------------------------------------------------------------------
    def offer(self, scorer: Scorer, scored: Sequence[tuple[Mapping[str, Any], str | None, LeadScore]]) -> None:
        """Queue scored leads (raw body, lead id, result); never waits and never raises for the store."""
        if not scored:
            return
        leads = [_Lead(raw, lead_id, result.tier, result.probabilities, result.reasons)
                 for raw, lead_id, result in scored]
        with self._lock:
            if self._closing:
                self.unwritten += len(leads)
                return
            if self._pending.leads + len(leads) > self.queue_leads:
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
            problems = [f"{b.what} ({b.reason})" for b in (self._store_down, self._full) if b.open]
            age = time.monotonic() - self._refused_at
            if age < REFUSED_SECONDS:
                problems.append(f"the store refused {_leads(self.refused)} since the start, the last "
                                f"{age:.0f} s ago ({self._refused_reason}); the other leads were recorded")
            return {"state": "degraded" if problems else "ok", "detail": "; ".join(problems) or None,
                    "queued": self._pending.leads + self._in_flight, "recorded": self.recorded,
                    "dropped": self._full.total, "refused": self.refused, "failed": self.refused + self.unwritten}

    # ---- the writer --------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the writer thread."""
        self._thread = threading.Thread(target=self._run, name="leadscore-recorder", daemon=True)
        self._thread.start()

    def close(self, timeout: float | None = None) -> None:
        """Write what is queued within ``timeout`` seconds (None: ``drain_seconds``; a store that is down is
        retried until then), stop the writer, close the store; whatever was not written is counted and logged."""
        timeout = self.drain_seconds if timeout is None else timeout
        with self._lock:
            self._closing = True
            self._deadline = time.monotonic() + timeout
            self._wake.notify()
        stuck = False
        if self._thread is not None:
            self._thread.join(timeout + JOIN_GRACE_SECONDS)
            stuck = self._thread.is_alive()
        with self._lock:
            if stuck:  # inside a database call that does not return: what it holds is lost with the rest
                self.unwritten += self._pending.leads + self._in_flight
                self._pending = _Pending()
            lost = {"not written at shutdown": self.unwritten, "refused by the store": self.refused,
                    "dropped (queue full)": self._full.total}
        if any(lost.values()):
            log.warning("recording stopped: %d scored leads recorded; not recorded: %s", self.recorded,
                        ", ".join(f"{count:,} {why}" for why, count in lost.items() if count))
        else:
            log.info("recording stopped: %d scored leads recorded, none lost", self.recorded)
        if self._store is not None and not stuck:
            self._store.close()

    def _take(self) -> list[tuple[Scorer, list[_Lead]]] | None:
        """The next batches to write, once FLUSH_LEADS wait or the oldest has waited FLUSH_SECONDS; None: stop."""
        with self._lock:
            while True:
                pending = self._pending
                if pending.batches and (self._closing or pending.leads >= self.flush_leads
                                        or time.monotonic() - pending.since >= self.flush_seconds):
                    self._pending = _Pending()
                    self._in_flight = pending.leads
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
            self._in_flight = 0

    def _run(self) -> None:
        pause = RETRY_SECONDS
        while (batches := self._take()) is not None:
            unwritten = self._write(batches)
            if not unwritten:
                pause = RETRY_SECONDS
                continue
            self._put_back(unwritten)
            with self._lock:
                if self._closing:  # draining: retry until the deadline, then give up
                    remaining = self._deadline - time.monotonic()
                    if remaining <= 0:
                        self.unwritten += self._pending.leads
                        self._pending = _Pending()
                        break
                    self._wake.wait(min(pause, remaining))
                else:
                    self._wake.wait_for(lambda: self._closing, pause)
            pause = min(pause * 2, RETRY_MAX_SECONDS)

    def _write(self, batches: list[tuple[Scorer, list[_Lead]]]) -> list[tuple[Scorer, list[_Lead]]]:
        """Write the batches, grouped by model version; what the store could not take now is returned."""
        by_scorer: dict[int, tuple[Scorer, list[_Lead]]] = {}
        for scorer, leads in batches:
            by_scorer.setdefault(id(scorer), (scorer, []))[1].extend(leads)
        groups = list(by_scorer.values())
        for done, (scorer, leads) in enumerate(groups):
            left = self._write_group(scorer, leads)
            if left:
                return [(scorer, left), *groups[done + 1:]]
        with self._lock:
            self._in_flight = 0
        return []

    def _write_group(self, scorer: Scorer, leads: list[_Lead]) -> list[_Lead]:
        """Write one model version's leads: [] when done, else the leads left (the store is down). A write the
        leads themselves made fail is retried lead by lead, so one bad lead never costs another."""
        try:
            self._write_one(scorer, leads)
        except Exception as error:
            if _store_is_down(error):
                self._down(error)
                return leads
            return self._one_by_one(scorer, leads)
        self._written(len(leads))
        return []

    def _one_by_one(self, scorer: Scorer, leads: list[_Lead]) -> list[_Lead]:
        refused, reason = 0, ""
        try:
            for k, lead in enumerate(leads):
                try:
                    self._write_one(scorer, [lead])
                except Exception as error:
                    if _store_is_down(error):
                        self._down(error)
                        return leads[k:]
                    refused, reason = refused + 1, error_words(error)
                else:
                    self._written(1)
            return []
        finally:
            if refused:
                log.warning("recording: the store refused %d of %d scored leads of a batch (%s); the others were "
                            "recorded", refused, len(leads), reason)
                with self._lock:
                    self.refused += refused
                    self._refused_at, self._refused_reason = time.monotonic(), reason

    def _written(self, leads: int) -> None:
        with self._lock:
            self.recorded += leads
            self._store_down.end()

    def _down(self, error: BaseException) -> None:
        """The store cannot be written now: reconnect on the next try; the leads wait."""
        if self._store is not None:
            self._store.close()
            self._store = None
        with self._lock:
            self._store_down.fail(0, error_words(error))

    def _write_one(self, scorer: Scorer, leads: list[_Lead]) -> None:
        if self._store is None:
            self._store = self._open_store()
        if scorer.version not in self._referenced:
            self._store.keep_drift_reference(scorer.version, scorer.drift_reference)
            self._referenced.add(scorer.version)
        self._store.record(scored_rows(scorer, leads))
