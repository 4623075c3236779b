"""The API's current scorer, swapped when the registry's active model changes.

The watcher reads the registry's pointer file and the active manifest (a few
bytes) about once a second; only when they change is the active version loaded off the event
loop and the reference is swapped in one assignment. A request reads
``holder.scorer`` once and keeps that object, so a request in flight finishes
on the model it started with, and no request ever waits for a load.
"""

from __future__ import annotations

import asyncio
import logging
import os

from leadscore.modeling.model import Model
from leadscore.registry import ModelFileError, Registry
from leadscore.scoring.scorer import Scorer

log = logging.getLogger(__name__)

#: Seconds between two looks at the registry pointer.
POLL_SECONDS = 1.0


def _single_threaded(model: Model) -> Model:
    """Predict with one thread: concurrency comes from requests, not from threads inside one
    prediction. On 2 cores, OpenMP threads per 1-row prediction fight each other and the
    server (benchmarks/bench_api.py). (A won/lost model predicts with one thread already.)"""
    model.predict_with_threads(1)
    return model


class ModelHolder:
    """The scorer requests use, kept in step with the registry's active version."""

    def __init__(self, models_dir: str | os.PathLike[str] | None = None) -> None:
        self.registry = Registry(models_dir)
        self.scorer: Scorer | None = None
        #: Why no model is loaded (or why the newest could not be), for /readyz and the logs.
        self.problem: str | None = "the model is loading"
        #: The registry state last acted on (see Registry.active_state); a sentinel before the first look.
        self._seen: tuple[bytes | None, bytes | None] | None = None
        #: Each loaded version's signature state when it was loaded (signed, unsigned, signed, not checked).
        self._signatures: dict[str, str] = {}

    def signature_of(self, version: str) -> str:
        """``signed``, ``unsigned`` or ``signed, not checked`` (signing.py) as checked when ``version`` was loaded."""
        return self._signatures.get(version, "")

    def refresh(self) -> None:
        """Load the active version when the registry's pointer or manifest changed; blocking (call it in a thread).

        An empty registry gets the default model trained first, as everywhere else.
        A broken new version is logged once (with a traceback only when the failure is not a
        damaged file the registry describes) and the current model stays in service; it is not
        tried again until the pointer or its manifest changes, so the log gets one line per change.
        """
        state = self.registry.active_state()
        if state == self._seen:
            return
        try:
            if self.scorer is None:
                model = self.registry.load_or_train_default()
            else:
                version = self.registry.active_version()
                if version is None or version == self.scorer.version:
                    self._seen, self.problem = state, None
                    return
                model = self.registry.load(version)
        except Exception as error:  # reported once per registry state, never retried every second
            problem = str(error) if isinstance(error, ModelFileError) else f"{type(error).__name__}: {error}"
            if self.problem != problem:
                log.error("cannot load the active model: %s", problem,
                          exc_info=None if isinstance(error, ModelFileError) else error)
            self.problem = problem
            self._seen = state
            return
        self._seen = state
        previous = self.scorer.version if self.scorer else None
        scorer = Scorer(_single_threaded(model))
        self._signatures[scorer.version] = signature = self.registry.signature(scorer.version)
        self.scorer = scorer
        self.problem = None
        log.log(logging.INFO if signature == "signed" else logging.WARNING, "serving model version %s (%s)%s",
                scorer.version, signature or "signature unknown", f", was {previous}" if previous else "")

    async def watch(self, interval: float = POLL_SECONDS) -> None:
        """Refresh now and then every ``interval`` seconds, until cancelled."""
        while True:
            try:
                await asyncio.to_thread(self.refresh)
            except Exception:  # a service loop: log and keep watching
                log.exception("model refresh failed")
            await asyncio.sleep(interval)
