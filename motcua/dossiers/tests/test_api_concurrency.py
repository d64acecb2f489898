"""Concurrent retries with one `Idempotency-Key`, on PostgreSQL: real threads, each with its own
connection, the requests released together. One does the work; the others wait on the key's
unique index and return its stored response."""

import pytest

from motcua.common.testing import run_together as together
from motcua.dossiers.models import Dossier, Event, IdempotencyKey

from . import factories as f
from .test_api_support import LIST, action_url, post

pytestmark = [
    pytest.mark.postgres(reason="concurrent transactions and unique-index waits need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def p(transactional_db):
    yield from f.province_fixture()


def run_together(call, times: int):
    """`call()` in `times` threads released at the same instant; their results in order."""
    return together([call] * times)


def test_concurrent_creates_with_one_key_make_one_dossier(p):
    body = {
        "procedure": p.procedure.code,
        "applicant": f.applicant_data(),
        "channel": 1,
        "accept": True,
    }

    def call():
        response = post(p.receptionist, LIST, body, HTTP_IDEMPOTENCY_KEY="same")
        return response.status_code, response.json(), response.has_header("Idempotent-Replayed")

    results = run_together(call, 5)
    assert [status for status, _body, _replayed in results] == [201] * 5
    assert len({body["code"] for _status, body, _replayed in results}) == 1
    assert sorted(replayed for _status, _body, replayed in results) == [False] + [True] * 4
    assert Dossier.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_concurrent_retries_of_an_action_act_once(p):
    d = f.dossier_in(p, "processing", step=1)

    def call():
        response = post(
            p.specialist,
            action_url(d, "forward"),
            {"officer": "lanhdao"},
            HTTP_IDEMPOTENCY_KEY="fw",
        )
        return response.status_code, response.json()["version"]

    results = run_together(call, 4)
    assert results == [(200, d.version + 1)] * 4
    assert Event.objects.filter(dossier=d, action="forward").count() == 2  # factory's + one
