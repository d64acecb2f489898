"""Helpers shared by the tests of several apps (imported by tests only)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


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


# --- real Celery workers (the notifications and intake worker tests) -------------------------------

WORKER_TIMEOUT = 120.0  # a liveness guard for the waits, not a speed assertion


def _reset_celery_pools(app) -> None:
    # Forget the connection pools built for the previous broker URL. They are not closed: kombu
    # keeps producer pools per URL in a process-wide registry and hands them out again.
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def redis_broker(url: str):
    """This process publishes its tasks to the Redis database `url` (flushed before and after)
    instead of running them eagerly."""
    import redis

    from motcua.celery import app

    redis.Redis.from_url(url).flushdb()
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=url)
    _reset_celery_pools(app)
    try:
        yield
    finally:
        app.conf.update(saved)
        _reset_celery_pools(app)
        redis.Redis.from_url(url).flushdb()


def test_database_url() -> str:
    """The test database (test_<name>) as a URL, for a process started by the test."""
    from django.conf import settings

    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + settings.DATABASES["default"]["NAME"]))


def start_worker(name: str, log_path: Path, broker_url: str, **env) -> subprocess.Popen:
    """`motcua worker` (solo pool) on the test database and `broker_url`, in a process group of
    its own (stop_worker kills it and its children); its output goes to `log_path`."""
    from django.conf import settings

    with log_path.open("wb") as out:
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("motcua")),
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                f"--hostname={name}@%h",
            ],
            env={
                **os.environ,
                "DATABASE_URL": test_database_url(),
                "REDIS_URL": broker_url,
                "MOTCUA_TESTING": "1",
                **env,
            },
            cwd=settings.BASE_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    proc.log_path = log_path
    return proc


def stop_worker(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)  # the worker and anything it forked
        proc.wait(timeout=30)


def wait_for(check: Callable[[], bool], what: str, procs=(), timeout: float = WORKER_TIMEOUT):
    """Poll `check` until true; on time-out fail with the workers' last log lines."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    logs = "\n".join(p.log_path.read_text(errors="replace")[-3000:] for p in procs)
    raise AssertionError(f"timed out waiting for: {what}\n{logs}")
