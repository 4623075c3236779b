"""Deliver the webhook outbox: each event POSTed as signed JSON, retried with backoff, never twice once acknowledged.

``send_pending`` is the job both faces run: ``leadscore webhooks send`` once (cron), ``leadscore serve``
continuously (``deliver_forever`` in the API's lifespan). The events are written by ``Store.record`` when a
lead's tier is new or changed (``store/outbox.py``).

An event's body is JSON::

    {"event_id": "...", "lead_id": "L-1001", "tier": "High", "previous_tier": "Medium", "score": 82,
     "reasons": ["Credit score 790 (raises)", ...], "model": "Bank calls (y)", "model_version": "2026...",
     "scored_at": "2026-05-31T14:00:00+00:00"}

``event_id`` is the same on every retry, so a receiver can drop a repeat; ``model`` is the version's name as
``leadscore models list`` shows it when the event is sent. The header ``X-Leadscore-Signature:
sha256=<hex>`` is the HMAC-SHA256 of the raw body with $LEADSCORE_WEBHOOK_SECRET. A receiver acknowledges
with any 2xx answer; anything else (another status, a redirect, a timeout, a refused connection) is a failed
attempt, tried again after 10 s, 20 s, 40 s ... up to an hour. Neither the secret nor lead data is logged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import random
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from leadscore.store import Store
from leadscore.store.outbox import Claimed

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Leadscore-Signature"
#: Seconds one POST may take before it counts as failed.
TIMEOUT = 10.0
#: Events leased to a sender at a time.
BATCH = 20
#: Backoff after the n-th failed attempt: FIRST_DELAY * 2**(n-1), at most MAX_DELAY, with up to 10% jitter.
FIRST_DELAY = timedelta(seconds=10)
MAX_DELAY = timedelta(hours=1)
#: How often ``deliver_forever`` looks for due events.
POLL_SECONDS = 5.0


class DeliveryError(Exception):
    """One attempt failed: the reason in one line (a status, a timeout, a refused connection), no secret."""

    def __init__(self, reason: str, receiver_down: bool = False) -> None:
        super().__init__(reason)
        #: The receiver could not be reached at all: the rest of the batch waits instead of trying too.
        self.receiver_down = receiver_down


@dataclass
class SendReport:
    """What one ``send_pending`` call did."""

    delivered: int = 0
    failed: int = 0
    #: Events handed back untried because the receiver was down.
    postponed: int = 0
    last_error: str | None = None

    def sentence(self) -> str:
        """One line for a terminal or a log."""
        text = f"{self.delivered:,} events delivered, {self.failed:,} failed (tried again later)"
        if self.postponed:
            text += f", {self.postponed:,} postponed (the receiver is down)"
        return text + (f"; last error: {self.last_error}" if self.last_error else "")


def sign(body: bytes, secret: str) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of ``body`` with ``secret``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def body_of(event: Claimed, scoring: Mapping[str, Any], model_names: Mapping[str, str]) -> bytes:
    """The JSON body of an event (module docstring), from its payload and its scoring (``Outbox.details``)."""
    payload = event.payload
    version = str(scoring.get("model_version") or "")
    document = {
        "event_id": event.event_id,
        "lead_id": event.lead_id,
        "tier": payload.get("tier"),
        "previous_tier": payload.get("previous_tier"),
        "score": scoring.get("score"),
        "reasons": list(scoring.get("reasons") or []),
        "model": model_names.get(version, version) or None,
        "model_version": version or None,
        "scored_at": scoring.get("scored_at"),
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is not an acknowledgement: it is reported as a failed attempt, never followed with the body."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def post(url: str, body: bytes, secret: str, timeout: float = TIMEOUT) -> int:
    """POST ``body`` signed; the 2xx status, else DeliveryError with the reason."""
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "leadscore-webhooks/1",
        SIGNATURE_HEADER: sign(body, secret)})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(1 << 16)
            status = int(response.status)
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"the receiver answered HTTP {error.code}") from None
    except urllib.error.URLError as error:
        reason = error.reason
        down = isinstance(reason, (ConnectionError, TimeoutError, OSError))
        raise DeliveryError(f"the receiver cannot be reached ({_words(reason)})", receiver_down=down) from None
    except (TimeoutError, ConnectionError, OSError) as error:
        raise DeliveryError(f"the receiver cannot be reached ({_words(error)})", receiver_down=True) from None
    if not 200 <= status < 300:
        raise DeliveryError(f"the receiver answered HTTP {status}")
    return status


def _words(error: object) -> str:
    if isinstance(error, TimeoutError):
        return "no answer in time"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def backoff(attempts: int, first: timedelta = FIRST_DELAY, most: timedelta = MAX_DELAY) -> timedelta:
    """The wait after the ``attempts``-th failed attempt (1, 2, ...): doubling, capped, with a little jitter."""
    delay = min(first * (2 ** max(attempts - 1, 0)), most)
    return delay * (1 + random.random() / 10)  # noqa: S311 - jitter, not a secret


def send_pending(store: Store, url: str, secret: str, model_names: Callable[[], Mapping[str, str]],
                 limit: int | None = None, timeout: float = TIMEOUT, first_delay: timedelta = FIRST_DELAY,
                 now: Callable[[], datetime] | None = None) -> SendReport:
    """Deliver every event due now (at most ``limit``), oldest first, then return.

    Events are leased ``BATCH`` at a time for longer than sending them can take, so a second sender never
    takes the same ones; each is marked delivered before the next is sent. When the receiver cannot be
    reached, the rest of the batch is handed back to wait with the failed one.
    """
    clock = now or (lambda: datetime.now(timezone.utc))
    report = SendReport()
    names: Mapping[str, str] | None = None
    lease = timedelta(seconds=timeout * BATCH + 60)
    while limit is None or report.delivered + report.failed < limit:
        size = BATCH if limit is None else min(BATCH, limit - report.delivered - report.failed)
        claimed = store.outbox.claim(size, lease, now=clock())
        if not claimed:
            break
        if names is None:
            names = model_names()
        scorings = store.outbox.details(claimed)
        for k, event in enumerate(claimed):
            scoring = scorings.get(int(event.payload.get("scoring_id", -1)), {})
            try:
                post(url, body_of(event, scoring, names), secret, timeout=timeout)
            except DeliveryError as error:
                retry_at = clock() + backoff(event.attempts + 1, first_delay)
                store.outbox.failed(event, str(error), retry_at)
                report.failed += 1
                report.last_error = str(error)
                log.warning("webhooks: event %s not delivered (attempt %d): %s", event.event_id,
                            event.attempts + 1, error)
                if error.receiver_down:
                    rest = claimed[k + 1:]
                    store.outbox.release(rest, retry_at)
                    report.postponed += len(rest)
                    return report
                continue
            store.outbox.delivered(event, now=clock())
            report.delivered += 1
    if report.delivered or report.failed:
        log.info("webhooks: %s", report.sentence())
    return report


def deliver_forever(store: Store, url: str, secret: str, model_names: Callable[[], Mapping[str, str]],
                    stop: threading.Event, poll_seconds: float = POLL_SECONDS) -> None:
    """Send due events until ``stop`` is set (``leadscore serve``); a failure is logged and waited out."""
    while not stop.is_set():
        try:
            send_pending(store, url, secret, model_names)
        except Exception as error:  # noqa: BLE001 - a store or registry fault must not end delivery for good
            # The type only: a database error's text can quote the statement's values (lead IDs).
            log.error("webhooks: delivery pass failed (%s); trying again in %.0f s", type(error).__name__,
                      poll_seconds)
        stop.wait(poll_seconds)


def registry_names(models_dir: str | os.PathLike[str] | None) -> Callable[[], Mapping[str, str]]:
    """The versions' names as ``leadscore models list`` shows them, read when events are about to be sent."""

    def names() -> Mapping[str, str]:
        from leadscore.registry import Registry

        return {row.version: row.name for row in Registry(models_dir).versions()}

    return names


def start_in_background(open_store: Callable[[], Store], url: str, secret: str,
                        model_names: Callable[[], Mapping[str, str]],
                        poll_seconds: float = POLL_SECONDS) -> Callable[[], None]:
    """Deliver in a thread of its own (``leadscore serve``); returns the function that stops it.

    The store is opened in the thread, and again after a failure to open it, so a database that is down at
    start only delays delivery. Scoring never waits for this thread.
    """
    stop = threading.Event()

    def run() -> None:
        store: Store | None = None
        while not stop.is_set():
            try:
                store = open_store()
            except Exception as error:  # noqa: BLE001 - retried until the API stops
                log.error("webhooks: the store cannot be opened (%s); trying again in %.0f s",
                          type(error).__name__, poll_seconds)
                stop.wait(poll_seconds)
                continue
            try:
                deliver_forever(store, url, secret, model_names, stop, poll_seconds)
            finally:
                store.close()

    thread = threading.Thread(target=run, name="webhook-delivery", daemon=True)
    thread.start()
    log.info("webhooks: delivering tier changes every %.0f s", poll_seconds)

    def stopper() -> None:
        stop.set()
        thread.join(timeout=TIMEOUT + 5)

    return stopper
