"""The built-in model made ready at start, so that the first visit does not wait for training in silence.

On an empty registry the built-in model is trained once (10,000 generated leads, about 15 seconds).
``scripts/dashboard.sh`` starts that training beside the server (``python -m ui.startup``) before anyone opens
a page; a dashboard started another way (``streamlit run app.py``, the tests) starts it in a background
thread at the first visit. Either way the registry's file lock lets only one of them train, and every page
shows "Preparing the built-in model" and fills in by itself when the model is published.

No streamlit here: the command runs before the server, and the pages only ask ``preparing()``.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from leadscore.registry import Registry

log = logging.getLogger(__name__)

#: About how long the built-in model takes to train, as the page says it.
TRAINING_WORDS = "about 15 seconds"


@dataclass
class Preparation:
    """One background training of the built-in model in this process."""

    started: float
    thread: threading.Thread | None = None
    error: str | None = None

    @property
    def running(self) -> bool:
        """Whether the training is still under way."""
        return self.thread is not None and self.thread.is_alive()

    @property
    def seconds(self) -> float:
        """Seconds since it started."""
        return time.monotonic() - self.started


_lock = threading.Lock()
_preparations: dict[str, Preparation] = {}


def prepare(root: str | None = None) -> str:
    """Train and publish the built-in model when the registry has no active model; the active version.

    Blocks while another process holds the registry's lock (trains or publishes), then trains only if the
    registry is still empty.
    """
    models = Registry(root)
    version = models.active_version()
    if version is None:
        models.load_or_train_default()
        version = models.active_version()
    return str(version)


def _run(root: str, preparation: Preparation) -> None:
    try:
        prepare(root)
    except Exception as error:  # shown on the page; the trace goes to the log
        log.exception("the built-in model could not be prepared in %s", root)
        preparation.error = f"{type(error).__name__}: {error}"


def preparing(models: Registry, retry: bool = False) -> Preparation | None:
    """None when ``models`` has an active model; else the training under way, started here when none is
    (or, with ``retry``, when the last one failed)."""
    if models.active_version() is not None:
        return None
    root = str(models.root)
    with _lock:
        current = _preparations.get(root)
        if current is None or (not current.running and (retry or current.error is None)):
            current = Preparation(time.monotonic())
            current.thread = threading.Thread(target=_run, args=(root, current), name="prepare-builtin-model",
                                              daemon=True)
            _preparations[root] = current
            current.thread.start()
    return current


def main() -> None:
    """``python -m ui.startup``: train the built-in model now if the registry is empty (scripts/dashboard.sh)."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    started = time.monotonic()
    version = prepare()
    log.info("the active model is %s (ready after %.1f s)", version, time.monotonic() - started)


if __name__ == "__main__":
    main()
