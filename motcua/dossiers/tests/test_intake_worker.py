"""The online intake with a real Celery worker on Redis: the acknowledgement returns before the
dossier exists, a separate worker process (`motcua worker`, solo pool, on the test database and
its own Redis database MOTCUA_TEST_INTAKE_REDIS_URL, default redis://127.0.0.1:6379/12, flushed
here) creates and submits it; a duplicate task changes nothing. Rows must be committed for the
worker to see them: transaction=True. Waits poll with a generous limit (a liveness guard, not a
speed assertion).
"""

import os

import pytest

from motcua.common.testing import redis_broker, start_worker, stop_worker, wait_for
from motcua.dossiers import intake
from motcua.dossiers.models import Dossier, Submission, SubmissionState

from . import factories as f
from .test_api_support import api

pytestmark = [
    pytest.mark.postgres(reason="a worker process needs a database shared with the test"),
    pytest.mark.django_db(transaction=True),
]

REDIS_URL = os.environ.get("MOTCUA_TEST_INTAKE_REDIS_URL", "redis://127.0.0.1:6379/12")


@pytest.fixture
def p(transactional_db):
    yield from f.province_fixture()


@pytest.fixture
def broker():
    with redis_broker(REDIS_URL):
        yield


@pytest.fixture
def worker(tmp_path):
    proc = start_worker("intake-test", tmp_path / "worker.log", REDIS_URL)
    try:
        yield proc
    finally:
        stop_worker(proc)


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

    wait_for(lambda: state() == SubmissionState.DONE, "the submission processed", [worker])
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
    wait_for(lambda: Submission.objects.get(pk=other).state != "queued", "the second", [worker])
    assert Dossier.objects.count() == 2
    assert Submission.objects.get(pk=pk).attempts == 1
