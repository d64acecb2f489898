"""Online intake on PostgreSQL with workers racing for the same rows (threads, each with its own
connection): every acknowledged submission becomes exactly one dossier, and the agency's daily
code sequence stays gap-free. Rows must be committed for the other connections: transaction=True.
"""

import pytest

from motcua.common.testing import run_together as together
from motcua.dossiers import intake
from motcua.dossiers.codes import parse_code
from motcua.dossiers.models import Dossier, Event, Submission, SubmissionState

from . import factories as f

pytestmark = [
    pytest.mark.postgres(reason="SKIP LOCKED and concurrent transactions need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def p(transactional_db):
    yield from f.province_fixture()


def queue(p, n: int) -> list:
    """n acknowledged submissions whose tasks were lost (scheduled nowhere: not eager)."""
    from motcua.celery import app

    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        rows = []
        for i in range(n):
            payload = {
                "procedure": p.procedure.code,
                "channel": 2,
                "submit": True,
                "applicant": f.applicant_data(name=f"Người nộp {i}", id_number=f.personal_id(i)),
            }
            rows.append(intake.acknowledge(p.citizen.pk, payload)[0].pk)
        return rows
    finally:
        app.conf.task_always_eager = eager


def race(workers: int, work) -> list:
    """Run work(i) in `workers` threads started together; their results."""
    return together([lambda i=i: work(i) for i in range(workers)])


def assert_each_processed_once(ids) -> None:
    rows = list(Submission.objects.filter(pk__in=ids))
    assert {r.state for r in rows} == {SubmissionState.DONE}
    assert {r.attempts for r in rows} == {1}
    assert Dossier.objects.count() == len(ids)
    assert len({r.dossier_id for r in rows}) == len(ids)
    assert Event.objects.filter(action="submit").count() == len(ids)
    # One agency, one day: numbers 1…n, none skipped, none twice.
    codes = [parse_code(code) for code in Dossier.objects.values_list("code", flat=True)]
    assert len({(c.e_id, c.day) for c in codes}) == 1
    assert sorted(c.seq for c in codes) == list(range(1, len(ids) + 1))


def test_two_workers_draining_the_queue_process_each_row_once(p):
    ids = queue(p, 16)

    def drain(_i):
        done = 0
        while intake.process_next() is not None:
            done += 1
        return done

    counts = race(2, drain)
    assert sum(counts) == 16
    assert_each_processed_once(ids)


def test_duplicate_tasks_for_the_same_rows_process_each_once(p):
    ids = queue(p, 6)

    # Three workers handed the same six tasks at once (a task delivered twice, the sweeper
    # racing the original task): SKIP LOCKED and the state check leave one winner per row.
    def run_all(i):
        return [intake.process(pk) for pk in (ids if i % 2 == 0 else ids[::-1])]

    results = race(3, run_all)
    for position in range(len(ids)):
        outcomes = [
            r[position if i % 2 == 0 else len(ids) - 1 - position] for i, r in enumerate(results)
        ]
        assert outcomes.count(SubmissionState.DONE) == 1, outcomes
    assert_each_processed_once(ids)


def test_batches_and_the_sweeper_racing_each_other(p):
    ids = queue(p, 12)
    later = Submission.objects.order_by("-created_at").first().created_at

    def work(i):
        if i == 0:
            return intake.process_with_batch(ids[0], batch=50)
        done = 0
        while intake.process_next(older_than=later) is not None:  # the sweeper's kind of claim
            done += 1
        return done

    counts = race(2, work)
    # The newest row is not older than `later`: only the batch may take it.
    assert sum(counts) == 12
    assert_each_processed_once(ids)


def test_simultaneous_retries_with_one_key_give_one_acknowledgement(p):
    from motcua.celery import app

    from .test_api_support import api

    body = {
        "procedure": p.procedure.code,
        "channel": 2,
        "submit": True,
        "applicant": f.applicant_data(),
    }
    api(p.citizen)  # the token, before the threads
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        answers = race(
            4,
            lambda _i: api(p.citizen).post(
                "/api/v1/submissions", body, format="json", HTTP_IDEMPOTENCY_KEY="same"
            ),
        )
    finally:
        app.conf.task_always_eager = eager
    assert {a.status_code for a in answers} == {202}
    assert len({a.json()["id"] for a in answers}) == 1
    assert sorted(a.has_header("Idempotent-Replayed") for a in answers) == [False, True, True, True]
    assert Submission.objects.count() == 1
