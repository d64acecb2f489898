"""A real Celery worker on Redis delivering from the PostgreSQL outbox, and killed mid-delivery.

The worker is a separate process (`motcua worker`, solo pool) started on the test database with
its own Redis database (MOTCUA_TEST_REDIS_URL, default redis://127.0.0.1:6379/13, flushed here).
Rows must be committed for it to see them: transaction=True. Waits poll with a generous limit
(a liveness guard, not a speed assertion).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from motcua.celery import app
from motcua.common.testing import run_together as together
from motcua.dossiers import services as dossier_services
from motcua.dossiers.lifecycle import State
from motcua.dossiers.tests import factories as f
from motcua.notifications import services
from motcua.notifications.channels.sms_file import read_lines
from motcua.notifications.models import Kind, Message, MessageState

pytestmark = [
    pytest.mark.postgres(reason="a worker process needs a database shared with the test"),
    pytest.mark.django_db(transaction=True),
]

REDIS_URL = os.environ.get("MOTCUA_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
TIMEOUT = 120.0
LEASE = 3


@pytest.fixture
def p(transactional_db, sms_file):
    yield from f.province_fixture()


@pytest.fixture
def broker():
    """This process publishes to Redis instead of running tasks eagerly."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=REDIS_URL)
    _reset_pools()
    yield
    app.conf.update(saved)
    _reset_pools()
    redis.Redis.from_url(REDIS_URL).flushdb()


def _reset_pools():
    # Forget the connection pools built for the previous broker URL. They are not closed: kombu
    # keeps producer pools per URL in a process-wide registry and hands them out again.
    app._pool = None
    app.amqp._producer_pool = None


def _database_url() -> str:
    # The test database (test_<name>), not the one DATABASE_URL names.
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + settings.DATABASES["default"]["NAME"]))


@pytest.fixture
def workers(sms_file, tmp_path):
    """start(**env) → a worker process in its own process group; all are SIGKILLed at the end."""
    started = []

    def start(delay=0.0, delay_after=0.0):
        n = len(started) + 1
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "REDIS_URL": REDIS_URL,
            "MOTCUA_TESTING": "1",
            "MOTCUA_SMS_ADAPTER": "file",
            "MOTCUA_SMS_FILE": str(sms_file),
            "MOTCUA_SMS_DELAY": str(delay),
            "MOTCUA_SMS_DELAY_AFTER": str(delay_after),
            "MOTCUA_NOTIFICATIONS_LEASE_SECONDS": str(LEASE),
        }
        log = (tmp_path / f"worker{n}.log").open("wb")
        command = [
            str(Path(sys.executable).with_name("motcua")),
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname=notifications-test-{n}@%h",
        ]
        proc = subprocess.Popen(
            command,
            env=env,
            cwd=settings.BASE_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        proc.log_path = tmp_path / f"worker{n}.log"
        started.append(proc)
        return proc

    try:
        yield start
    finally:
        for proc in started:
            kill(proc)


def kill(proc) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)  # the worker and anything it forked
        proc.wait(timeout=30)


def wait_for(check, what: str, procs=()):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    logs = "\n".join(p.log_path.read_text(errors="replace")[-3000:] for p in procs)
    raise AssertionError(f"timed out waiting for: {what}\n{logs}")


def state(message) -> str:
    message.refresh_from_db()
    return message.state


def sent_ids(path) -> list[str]:
    return [line["id"] for line in read_lines(path)]


def test_a_real_worker_delivers_the_applicants_messages(p, broker, workers, sms_file):
    worker = workers()
    d = f.dossier_in(p, State.SUBMITTED)
    d = dossier_services.accept(d, p.receptionist, now=f.T0 + timezone.timedelta(hours=2))
    rows = list(Message.objects.filter(dossier=d))
    assert {m.channel for m in rows} == {"email", "sms"}
    assert {m.kind for m in rows} == {Kind.RECEIVED}
    wait_for(
        lambda: all(state(m) == MessageState.SENT for m in rows), "both messages sent", [worker]
    )
    sms = next(m for m in rows if m.channel == "sms")
    assert sent_ids(sms_file) == [str(sms.uuid)]
    assert d.code in read_lines(sms_file)[0]["text"]
    email = next(m for m in rows if m.channel == "email")
    assert email.provider_id.startswith(f"<{email.uuid}@") and email.attempts == 1
    # The worker printed the email (console backend in testing).
    assert f"{email.uuid}@" in worker.log_path.read_text(errors="replace")


@pytest.mark.parametrize(
    "killed",
    ["before the provider call returns", "after the provider accepted it"],
)
def test_a_worker_killed_mid_delivery_loses_nothing_and_sends_once(
    p, broker, workers, sms_file, killed
):
    before = killed.startswith("before")
    first = workers(delay=600 if before else 0, delay_after=0 if before else 600)
    d = f.dossier_in(p, State.SUBMITTED, applicant=f.applicant_data(email=""))
    dossier_services.accept(d, p.receptionist, now=f.T0 + timezone.timedelta(hours=2))
    message = Message.objects.get(dossier=d)
    key = str(message.uuid)
    # The first worker claims the message and is stuck in the provider call...
    wait_for(lambda: state(message) == MessageState.SENDING, "the claim", [first])
    if not before:
        wait_for(lambda: sent_ids(sms_file) == [key], "the provider accepted it", [first])
    kill(first)
    message.refresh_from_db()
    assert message.state == MessageState.SENDING and message.attempts == 1
    assert sent_ids(sms_file) == ([] if before else [key])

    # ...a new worker starts; once the dead worker's lease is over, the flush hands it the row.
    second = workers()
    wait_for(lambda: timezone.now() > message.lease_until, "the lease to expire")
    assert services.due_keys(grace=0) == [key]
    assert services.flush(grace=0) == 1
    wait_for(lambda: state(message) == MessageState.SENT, "the message sent", [second])
    assert message.attempts == 2 and message.provider_id == f"file:{key}"
    assert "succeeded" in second.log_path.read_text(errors="replace")  # the new worker did it
    assert sent_ids(sms_file) == [key]  # exactly once
    # Nothing is left to send, and a further flush changes nothing.
    assert services.flush(grace=0) == 0
    assert sent_ids(sms_file) == [key]


def test_concurrent_claims_have_one_winner(p):
    """Two workers handed the same message at the same instant (a duplicated task, or the flush
    racing the original task): SKIP LOCKED and the state check let exactly one send it."""
    d = f.dossier_in(p, State.PROCESSING, applicant=f.applicant_data(email=""))
    key = str(Message.objects.get(dossier=d).uuid)
    # transaction=True: the eager delivery already ran after commit; queue the message again.
    Message.objects.filter(uuid=key).update(state=MessageState.PENDING, attempts=0, sent_at=None)
    results = together([lambda: services.claim(key)] * 4)
    winners = [m for m in results if m is not None]
    assert len(results) == 4 and len(winners) == 1
    message = Message.objects.get(uuid=key)
    assert message.state == MessageState.SENDING and message.attempts == 1
