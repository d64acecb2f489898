"""`Idempotency-Key` on the dossier API's writes: a retry returns the first response and does
nothing again; another body with the same key is refused. Concurrent retries: test_api_concurrency."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.dossiers.models import Attachment, Dossier, Event, IdempotencyKey

from . import factories as f
from .test_api_support import (
    LIST,
    act,
    api,
    assert_error,
    detail_url,
    media,  # noqa: F401 (a fixture, used by every test below)
    post,
)

# Uploaded files go to a temporary MEDIA_ROOT.
pytestmark = pytest.mark.usefixtures("media")


@pytest.fixture
def p(db):
    yield from f.province_fixture()


def create_body(p, **applicant):
    return {
        "procedure": p.procedure.code,
        "applicant": f.applicant_data(**applicant),
        "channel": 1,
        "accept": True,
        "checklist": [1],
    }


def test_same_key_and_body_creates_one_dossier_and_replays_the_response(p):
    first = post(p.receptionist, LIST, create_body(p), HTTP_IDEMPOTENCY_KEY="k-1")
    again = post(p.receptionist, LIST, create_body(p), HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Dossier.objects.count() == 1
    row = IdempotencyKey.objects.get()
    assert (row.scope, row.key, row.user, row.status_code) == (
        "POST /api/v1/dossiers",
        "k-1",
        p.receptionist,
        201,
    )


def test_same_key_with_another_body_is_a_409(p):
    post(p.receptionist, LIST, create_body(p), HTTP_IDEMPOTENCY_KEY="k-1")
    other = post(
        p.receptionist, LIST, create_body(p, name="Lê Thị Mai"), HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert_error(other, 409, "idempotency_mismatch")
    assert Dossier.objects.count() == 1


def test_keys_are_per_user_and_per_path(p):
    body = create_body(p)
    post(p.receptionist, LIST, body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert post(p.receptionist2, LIST, body, HTTP_IDEMPOTENCY_KEY="k-1").status_code == 201
    assert Dossier.objects.count() == 2
    d = Dossier.objects.filter(created_by=p.receptionist).get()
    forwarded = act(p.receptionist, d, "forward", {}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert forwarded.status_code == 200
    assert forwarded.json()["step_index"] == 1


def test_retried_action_runs_once(p):
    d = f.dossier_in(p, "processing", step=1)
    data = {"officer": "lanhdao"}
    first = act(p.specialist, d, "forward", data, HTTP_IDEMPOTENCY_KEY="fw")
    again = act(p.specialist, d, "forward", data, HTTP_IDEMPOTENCY_KEY="fw")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert Event.objects.filter(dossier=d, action="forward").count() == 2  # factory's + one
    # Without the key the same request is a new one: the specialist no longer holds the step.
    assert_error(act(p.specialist, d, "forward", data), 403, "not_step_officer")


def test_errors_are_not_stored_so_a_retry_runs_again(p):
    d = f.dossier_in(p, "processing", step=1)
    data = {"officer": "lanhdao", "expected_version": d.version}
    denied = act(p.specialist2, d, "forward", data, HTTP_IDEMPOTENCY_KEY="x")
    assert_error(denied, 403, "not_step_officer")
    assert not IdempotencyKey.objects.exists()
    # A 409 is not stored either: the corrected request may reuse the key.
    stale = {"officer": "lanhdao", "expected_version": d.version - 1}
    assert_error(
        act(p.specialist, d, "forward", stale, HTTP_IDEMPOTENCY_KEY="y"), 409, "version_conflict"
    )
    ok = act(p.specialist, d, "forward", data, HTTP_IDEMPOTENCY_KEY="y")
    assert ok.status_code == 200


def test_invalid_keys(p):
    for key in ("", "   ", "k" * 256):
        response = post(p.receptionist, LIST, create_body(p), HTTP_IDEMPOTENCY_KEY=key)
        assert_error(response, 400, "invalid_idempotency_key")
    assert Dossier.objects.count() == 0


def test_multipart_upload_retry_stores_one_file(p):
    d = f.dossier_in(p, "draft")
    url = f"{detail_url(d)}/attachments"

    def send(content=f.PDF_BYTES):
        file = SimpleUploadedFile("don.pdf", content)
        return api(p.citizen).post(
            url, {"file": file, "document": 1}, format="multipart", HTTP_IDEMPOTENCY_KEY="up"
        )

    first, again = send(), send()
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Attachment.objects.filter(dossier=d).count() == 1
    other = send(f.PDF_BYTES + b"% changed\n")
    assert_error(other, 409, "idempotency_mismatch")
