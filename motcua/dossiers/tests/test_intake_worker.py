"""The online intake with a real Celery worker on Redis: the acknowledgement returns before the
dossier exists, a separate worker process (`motcua worker`, solo pool, on the test database and
its own Redis database MOTCUA_TEST_INTAKE_REDIS_URL, default redis://127.0.0.1:6379/12, flushed
here) creates and submits it; a duplicate task changes nothing. Rows must be committed for the
worker to see them: transaction=True. Waits poll with a generous limit (a liveness guard, not a
speed assertion).
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

from motcua.celery import app
from motcua.dossiers import intake
from motcua.dossiers.models import Dossier, Submission, SubmissionState

from . import factories as f
from .test_api_support import api

pytestmark = [
    pytest.mark.postgres(reason="a worker process needs a database shared with the test"),
    pytest.mark.django_db(transaction=True),
]

REDIS_URL = os.environ.get("MOTCUA_TEST_INTAKE_REDIS_URL", "redis://127.0.0.1:6379/12")
TIMEOUT = 120.0


@pytest.fixture
def p(transactional_db):
    yield from f.province_fixture()


def _reset_pools():
    # Forget the producer pools built for the previous broker URL.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker():
    """This process publishes to Redis instead of running the tasks eagerly."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=REDIS_URL)
    _reset_pools()
    yield
    app.conf.update(saved)
    _reset_pools()
    redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.fixture
def worker(tmp_path):
    parts = urlsplit(os.environ["DATABASE_URL"])  # the test database, not DATABASE_URL's
    database = urlunsplit(parts._replace(path="/" + settings.DATABASES["default"]["NAME"]))
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("motcua")),
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--hostname=intake-test@%h",
            ],
            env={
                **os.environ,
                "DATABASE_URL": database,
                "REDIS_URL": REDIS_URL,
                "MOTCUA_TESTING": "1",
            },
            cwd=settings.BASE_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    proc.log_path = log
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the worker we started, and its children
            proc.wait(timeout=30)


def wait_for(check, what: str, proc) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}\n{proc.log_path.read_text()[-3000:]}")


def test_a_real_worker_creates_and_submits_the_acknowledged_dossier(p, broker, worker):
    client = api(p.citizen)
    body = {
        "procedure": p.procedure.code,
        "channel": 2,
        "submit": True,
        "applicant": f.applicant_data(),
    }
    ack = client.post("/api/v1/submissions", body, format="json", HTTP_IDEMPOTENCY_KEY="w-1")
    assert ack.status_code == 202 and ack.json()["status"] == "queued"
    pk = ack.json()["id"]

    def state():
        return Submission.objects.get(pk=pk).state

    wait_for(lambda: state() == SubmissionState.DONE, "the submission processed", worker)
    status = client.get(f"/api/v1/submissions/{pk}").json()
    d = Dossier.objects.get()
    assert status["dossier"]["code"] == d.code and d.state == "submitted"
    assert d.applicant_user == p.citizen and d.submitted_at == d.created_at
    assert "dossiers.process_submission" in worker.log_path.read_text(errors="replace")

    # The same task again (a duplicate delivery, the sweeper): the worker skips the done row.
    intake.schedule(pk)
    other = client.post(
        "/api/v1/submissions",
        {**body, "applicant": f.applicant_data(name="Lê Thị Mai")},
        format="json",
    ).json()["id"]
    wait_for(lambda: Submission.objects.get(pk=other).state != "queued", "the second", worker)
    assert Dossier.objects.count() == 2
    assert Submission.objects.get(pk=pk).attempts == 1
