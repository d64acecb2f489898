"""A real Celery worker on Redis delivering from the PostgreSQL outbox, and killed mid-delivery.

The worker is a separate process (`motcua worker`, solo pool) started on the test database with
its own Redis database (MOTCUA_TEST_REDIS_URL, default redis://127.0.0.1:6379/13, flushed here).
Rows must be committed for it to see them: transaction=True. Waits poll with a generous limit
(a liveness guard, not a speed assertion).
"""

import os

import pytest
from django.utils import timezone

from motcua.common.testing import redis_broker, start_worker, stop_worker, wait_for
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
LEASE = 3


@pytest.fixture
def p(transactional_db, sms_file):
    yield from f.province_fixture()


@pytest.fixture
def broker():
    with redis_broker(REDIS_URL):
        yield


@pytest.fixture
def workers(sms_file, tmp_path):
    """start(delay, delay_after) → a worker process; all are SIGKILLed at the end."""
    started = []

    def start(delay=0.0, delay_after=0.0):
        n = len(started) + 1
        proc = start_worker(
            f"notifications-test-{n}",
            tmp_path / f"worker{n}.log",
            REDIS_URL,
            MOTCUA_SMS_ADAPTER="file",
            MOTCUA_SMS_FILE=str(sms_file),
            MOTCUA_SMS_DELAY=str(delay),
            MOTCUA_SMS_DELAY_AFTER=str(delay_after),
            MOTCUA_NOTIFICATIONS_LEASE_SECONDS=str(LEASE),
        )
        started.append(proc)
        return proc

    try:
        yield start
    finally:
        for proc in started:
            stop_worker(proc)


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
    stop_worker(first)
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
