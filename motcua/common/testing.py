"""Helpers shared by the tests of several apps (imported by tests only)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor


def run_together(calls: Sequence[Callable], *, capture: bool = False, timeout: float = 10):
    """Run the callables at the same instant, each in a thread of its own with its own database
    connection (closed when it ends): the concurrency tests' race of two officers, four
    callbacks, six submissions…

    Returns their results in order; with `capture`, (result, exception) pairs instead, an
    exception in a thread then being an outcome rather than an error of the test."""
    from django.db import connections

    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait(timeout=timeout)
            if not capture:
                return call()
            try:
                return call(), None
            except Exception as exc:  # an outcome the test asserts on
                return None, exc
        finally:
            connections.close_all()  # this thread's connections

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))
