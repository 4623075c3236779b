"""Separate processes for the tests of things done at once (two imports, two writers, three publishers).

They are started by a fork server (multiprocessing's ``forkserver``): a clean process of their own, like a
spawned one, but forked from a server that imported the libraries and the tests' process targets once, where a
spawned process spent seconds importing them again each time. The server starts at the first use in a test
process and keeps that moment's environment: a process target takes what it needs as arguments.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.context import ForkServerContext

#: What the fork server imports once: the modules whose functions the tests run in a process of their own.
PRELOAD = ["leadscore.store", "leadscore.registry", "tests.store.test_faults", "tests.store.test_concurrency",
           "tests.test_registry"]


def processes() -> ForkServerContext:
    """The context to start the tests' separate processes with (``processes().Process(target=..., args=...)``)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context
