"""Online intake (dossiers/intake.py, intake_api.py): acknowledge with one INSERT, process in a
task with the real services, report the outcome; retries, refusals, crashes and the sweeper.

In these tests (a transaction per test) the on_commit callbacks that schedule the task run only
inside `django_capture_on_commit_callbacks(execute=True)`; Celery is eager (no REDIS_URL), so
executing the callback processes the submission in the test's process, as in the demo.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from motcua.dossiers import chain, intake
from motcua.dossiers.codes import parse_code
from motcua.dossiers.lifecycle import State
from motcua.dossiers.models import CodeSequence, Dossier, Submission, SubmissionState

from . import factories as f
from .test_api_support import LIST, act, api, assert_error, post

URL = "/api/v1/submissions"


@pytest.fixture
def p(db):
    yield from f.province_fixture()


def body(p, **applicant) -> dict:
    return {
        "procedure": p.procedure.code,
        "channel": 2,
        "submit": True,
        "applicant": f.applicant_data(**applicant),
    }


def send(user, data, capture, *, run=True, **headers):
    """POST the submission; with `run`, the task scheduled after the commit runs (eagerly)."""
    with capture(execute=run):
        return post(user, URL, data, **headers)


def status(user, submission_id):
    return api(user).get(f"{URL}/{submission_id}")


def test_acknowledged_then_done_like_the_synchronous_path(p, django_capture_on_commit_callbacks):
    ack = send(p.citizen, body(p), django_capture_on_commit_callbacks)
    assert ack.status_code == 202, ack.content
    data = ack.json()
    assert set(data) == {"id", "status", "status_url"}
    assert data["status"] == "queued"  # the task runs after the answer (the commit)
    assert data["status_url"].endswith(f"{URL}/{data['id']}")
    assert ack["Location"] == data["status_url"]

    seen = status(p.citizen, data["id"])
    assert seen.status_code == 200
    result = seen.json()
    assert result["status"] == "done" and result["error"] is None
    row = Submission.objects.get(pk=data["id"])
    d = row.dossier
    assert (row.state, row.attempts, row.user) == (SubmissionState.DONE, 1, p.citizen)
    assert result["dossier"]["code"] == d.code
    assert result["dossier"]["status"]["code"] == State.SUBMITTED
    assert result["dossier"]["tracking_secret"].replace("-", "") == d.tracking_secret
    assert result["dossier"]["due_at"] is None and result["dossier"]["receipt_url"] is None
    assert parse_code(d.code).e_id == p.center.e_id

    # The synchronous path with the same body: draft, then submit.
    draft = post(p.citizen, LIST, {k: v for k, v in body(p).items() if k != "submit"})
    assert draft.status_code == 201, draft.content
    sync = Dossier.objects.get(public_id=draft.json()["public_id"])
    assert act(p.citizen, sync, "submit").status_code == 200
    sync.refresh_from_db()

    # The same dossier but for its identity and times: code of the same agency and day, next
    # number of the same daily sequence.
    fields = (
        "state procedure_id procedure_version_id regime channel applicant_kind applicant_name "
        "applicant_id_number applicant_phone applicant_email applicant_address applicant_user_id "
        "receiving_agency_id competent_agency_id current_agency_id created_by_id due_at "
        "received_at step_index version"
    ).split()
    assert {k: getattr(d, k) for k in fields} == {k: getattr(sync, k) for k in fields}
    ours, theirs = parse_code(d.code), parse_code(sync.code)
    assert (ours.e_id, ours.day) == (theirs.e_id, theirs.day)
    assert theirs.seq == ours.seq + 1
    # The acknowledgement time is the submission time.
    assert d.submitted_at == d.created_at == row.created_at
    assert row.processed_at >= row.created_at
    for dossier in (d, sync):
        events = list(dossier.events.order_by("seq"))
        assert [e.action for e in events] == ["submit"]
        assert chain.first_broken_link(events) is None
        assert events[0].actor == p.citizen and events[0].data["code"] == dossier.code
    assert set(d.events.get().data) == set(sync.events.get().data)
    # The applicant follows it like any other dossier.
    assert api(p.citizen).get(f"{LIST}/{d.code}").status_code == 200


def test_the_same_key_gives_the_same_acknowledgement_and_one_dossier(
    p, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    first = send(p.citizen, body(p), capture, run=False, HTTP_IDEMPOTENCY_KEY="k-1")
    again = send(p.citizen, body(p), capture, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Submission.objects.count() == 1
    # The replay scheduled nothing: still queued; the first task (lost here) is the sweeper's.
    assert Submission.objects.get().state == SubmissionState.QUEUED
    assert intake.process(first.json()["id"]) == SubmissionState.DONE
    # A retry after processing: same acknowledgement, now done, still one dossier.
    late = send(p.citizen, body(p), capture, HTTP_IDEMPOTENCY_KEY="k-1")
    assert late.json() == {**first.json(), "status": "done"}
    assert Dossier.objects.count() == 1
    # The same key with another body is refused; another user's key is theirs.
    other = send(p.citizen, body(p, name="Lê Thị Mai"), capture, HTTP_IDEMPOTENCY_KEY="k-1")
    assert_error(other, 409, "idempotency_mismatch")
    theirs = send(p.other_citizen, body(p), capture, HTTP_IDEMPOTENCY_KEY="k-1")
    assert theirs.status_code == 202 and theirs.json()["id"] != first.json()["id"]
    assert Submission.objects.count() == 2 and Dossier.objects.count() == 2
    # Without a key every request is a new submission.
    send(p.citizen, body(p), capture)
    send(p.citizen, body(p), capture)
    assert Submission.objects.count() == 4 and Dossier.objects.count() == 4


def test_only_the_sender_reads_the_status(p, django_capture_on_commit_callbacks):
    ack = send(p.citizen, body(p), django_capture_on_commit_callbacks).json()
    assert status(p.citizen, ack["id"]).status_code == 200
    assert_error(status(p.other_citizen, ack["id"]), 404, "not_found")
    assert_error(status(p.receptionist, ack["id"]), 404, "not_found")
    assert_error(status(p.citizen, "not-a-uuid"), 404, "not_found")
    assert_error(status(p.citizen, "6f1c1f7e-0000-4000-8000-000000000000"), 404, "not_found")
    assert_error(status(None, ack["id"]), 401, "not_authenticated")
    assert_error(post(None, URL, body(p)), 401, "not_authenticated")
    assert Submission.objects.count() == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"submit": False}, "submit"),
        ({"submit": None}, "submit"),
        ({"channel": 1}, "channel"),
        ({"channel": "2"}, "channel"),
        ({"procedure": "không phải mã"}, "procedure"),
        ({"procedure": 1001234}, "procedure"),
        ({"applicant": "Nguyễn Văn An"}, "applicant"),
        ({"representative": ["x"]}, "representative"),
        ({"receiving_agency": 22}, "receiving_agency"),
        ({"accept": True}, "accept"),
        ({"attachments": [1]}, "attachments"),
    ],
)
def test_a_wrong_shape_is_refused_at_once_and_nothing_is_stored(
    p, django_capture_on_commit_callbacks, change, field
):
    response = send(p.citizen, {**body(p), **change}, django_capture_on_commit_callbacks)
    error = assert_error(response, 400, "invalid")
    assert field in error["errors"]
    assert not Submission.objects.exists()


def test_a_body_that_is_not_an_object_or_too_large_is_refused(
    p, django_capture_on_commit_callbacks, settings
):
    capture = django_capture_on_commit_callbacks
    assert_error(send(p.citizen, ["x"], capture), 400, "invalid")
    settings.MOTCUA_INTAKE_MAX_BYTES = 300
    big = body(p, address="Tổ 5, khu 3, " * 30)
    assert_error(send(p.citizen, big, capture), 413, "payload_too_large")
    bad_key = send(p.citizen, body(p), capture, HTTP_IDEMPOTENCY_KEY="k" * 256)
    assert_error(bad_key, 400, "invalid_idempotency_key")
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    "change, code, field",
    [
        ({"procedure": "1.999999"}, "procedure_not_found", "procedure"),
        ({"applicant": f.applicant_data(id_number="12345")}, "invalid_applicant", None),
        ({"applicant": f.applicant_data(nickname="An")}, "invalid", None),
        ({"receiving_agency": "H99.99"}, "agency_not_found", "receiving_agency"),
    ],
)
def test_a_refused_submission_ends_failed_with_the_apis_error(
    p, django_capture_on_commit_callbacks, change, code, field
):
    sequences = CodeSequence.objects.count()
    ack = send(p.citizen, {**body(p), **change}, django_capture_on_commit_callbacks)
    assert ack.status_code == 202  # only the shape is checked at the acknowledgement
    result = status(p.citizen, ack.json()["id"]).json()
    assert result["status"] == "failed" and result["dossier"] is None
    error = result["error"]
    assert error["code"] == code and error["detail"]
    if field:
        assert error["field"] == field
    # What POST /dossiers answers for the same body.
    direct = post(
        p.citizen, LIST, {k: v for k, v in {**body(p), **change}.items() if k != "submit"}
    )
    assert direct.status_code == 400
    assert {k: v for k, v in direct.json().items()} == error
    # Nothing was created, no number used; a failed row is not processed again.
    assert not Dossier.objects.exists()
    assert CodeSequence.objects.count() == sequences
    row = Submission.objects.get()
    assert (row.attempts, row.processed_at is not None) == (1, True)
    assert intake.process(row.pk) is None


def test_a_refusal_after_the_draft_was_created_leaves_no_draft(
    p, django_capture_on_commit_callbacks, monkeypatch
):
    from motcua.dossiers.errors import ActionInvalid

    ack = send(p.citizen, body(p), django_capture_on_commit_callbacks, run=False).json()
    created = []
    real_create = intake.services.create_dossier

    def create(**kwargs):
        created.append(real_create(**kwargs))
        return created[-1]

    def refuse(dossier, actor, **kwargs):
        raise ActionInvalid("procedure_unavailable", "Thủ tục vừa tạm ngừng.")

    monkeypatch.setattr(intake.services, "create_dossier", create)
    monkeypatch.setattr(intake.services, "submit", refuse)
    assert intake.process(ack["id"]) == SubmissionState.FAILED
    row = Submission.objects.get(pk=ack["id"])
    assert row.error["code"] == "procedure_unavailable" and row.dossier is None
    assert len(created) == 1  # the draft was created, then rolled back with the savepoint
    assert not Dossier.objects.exists()


def test_an_unexpected_error_leaves_the_row_queued_then_gives_up(
    p, django_capture_on_commit_callbacks, monkeypatch, settings
):
    settings.MOTCUA_INTAKE_MAX_ATTEMPTS = 3
    ack = send(p.citizen, body(p), django_capture_on_commit_callbacks, run=False).json()

    def crash(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(intake.services, "submit", crash)  # after create_dossier ran
    assert intake.process(ack["id"]) == SubmissionState.QUEUED
    row = Submission.objects.get(pk=ack["id"])
    assert (row.state, row.attempts, row.error, row.dossier) == ("queued", 1, None, None)
    assert not Dossier.objects.exists()  # the draft was rolled back with the attempt
    assert status(p.citizen, ack["id"]).json()["status"] == "queued"
    assert intake.process(ack["id"]) == SubmissionState.QUEUED
    assert intake.process(ack["id"]) == SubmissionState.FAILED
    row.refresh_from_db()
    assert row.attempts == 3 and row.error["code"] == "processing_failed"
    assert not Dossier.objects.exists()


def test_the_sweeper_requeues_a_stuck_row_and_it_is_processed_once(
    p, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    lost = send(p.citizen, body(p), capture, run=False).json()  # its task never ran
    done = send(p.citizen, body(p, name="Lê Thị Mai"), capture).json()
    from motcua.dossiers.tasks import sweep_submissions

    assert sweep_submissions.delay().get() == 0  # the beat's task: not stuck yet
    later = timezone.now() + timedelta(seconds=intake.stuck_seconds() + 1)
    assert intake.stuck(later) == [Submission.objects.get(pk=lost["id"]).pk]
    assert intake.sweep(later) == 1  # eager: the re-queued task ran
    assert Submission.objects.get(pk=lost["id"]).state == SubmissionState.DONE
    assert intake.sweep(later) == 0
    # The original task arriving late, or twice, finds it done.
    assert intake.process(lost["id"]) is None
    assert intake.process(done["id"]) is None
    assert Dossier.objects.count() == 2
    assert Submission.objects.get(pk=lost["id"]).attempts == 1


def test_a_batch_processes_the_oldest_queued_rows(p, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    ids = [send(p.citizen, body(p), capture, run=False).json()["id"] for _ in range(4)]
    # The last one's task, with a batch of 3: itself, then the two oldest.
    assert intake.process_with_batch(ids[3], batch=3) == 3
    assert [Submission.objects.get(pk=i).state for i in ids] == [
        "done",
        "done",
        "queued",
        "done",
    ]
    assert intake.process_with_batch(ids[3], batch=50) == 1  # the one left
    assert intake.process_next() is None
    codes = sorted(parse_code(d.code).seq for d in Dossier.objects.all())
    assert codes == list(range(codes[0], codes[0] + 4))


@pytest.fixture
def tp(transactional_db):
    yield from f.province_fixture()


def test_the_acknowledgement_is_one_insert_and_eager_mode_answers_the_outcome(
    tp, django_assert_num_queries
):
    from motcua.celery import app

    p = tp
    client = api(p.citizen)  # creates the token first
    # With a broker (the in-memory one of the settings here): the token look-up and the
    # INSERT, committed at once (autocommit), nothing else.
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        with django_assert_num_queries(2):
            ack = client.post(URL, body(p), format="json")
    finally:
        app.conf.task_always_eager = eager
    assert ack.status_code == 202 and ack.json()["status"] == "queued"
    assert intake.process(ack.json()["id"]) == SubmissionState.DONE
    # Eager (the demo): processed right after the commit, inside the request.
    eager = client.post(URL, body(p, name="Lê Thị Mai"), format="json")
    assert eager.status_code == 202 and eager.json()["status"] == "done"
    assert Dossier.objects.count() == 2


def test_the_plain_view_and_drf_answer_alike(p, django_capture_on_commit_callbacks):
    """`?format=json` sends the request through DRF's view; the common path answers itself:
    the same status, body shape and headers either way, replays included."""
    capture = django_capture_on_commit_callbacks
    client = api(p.citizen)
    answers = {}
    for name, url in (("plain", URL), ("drf", f"{URL}?format=json")):
        with capture(execute=False):
            first = client.post(url, body(p), format="json", HTTP_IDEMPOTENCY_KEY=f"k-{name}")
            again = client.post(url, body(p), format="json", HTTP_IDEMPOTENCY_KEY=f"k-{name}")
        answers[name] = (first, again)
    for first, again in answers.values():
        assert first.status_code == again.status_code == 202
        assert set(first.json()) == {"id", "status", "status_url"}
        assert first.json()["status"] == "queued"
        assert first["Location"] == first.json()["status_url"]
        assert first.json()["status_url"].endswith(f"{URL}/{first.json()['id']}")
        assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
        assert first["Content-Type"] == "application/json"
    plain, drf = answers["plain"][0], answers["drf"][0]
    assert plain["Allow"] == drf["Allow"]
    # DRF varies on Accept unless ?format= chose the renderer; the plain path is that case.
    assert plain["Vary"] == "Accept, Accept-Language"
    assert Submission.objects.count() == 2


def test_every_refusal_gets_drfs_answer_on_the_plain_path(p, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    client = api(p.citizen)
    with capture(execute=False):
        wrong_token = APIClient()
        wrong_token.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
        assert_error(wrong_token.post(URL, body(p), format="json"), 401, "not_authenticated")
        bad_json = client.post(URL, "{not json", content_type="application/json")
        assert_error(bad_json, 400, "parse_error")
        nan = '{"procedure": "%s", "channel": 2, "submit": true, "applicant": {"x": NaN}}'
        not_json = client.post(URL, nan % p.procedure.code, content_type="application/json")
        assert_error(not_json, 400, "parse_error")
        form = client.post(URL, {"procedure": p.procedure.code})  # multipart
        assert_error(form, 415, "unsupported_media_type")
        assert_error(client.get(URL), 405, "method_not_allowed")
        client.post(URL, body(p), format="json", HTTP_IDEMPOTENCY_KEY="k")
        reused = client.post(
            URL, body(p, name="Lê Thị Mai"), format="json", HTTP_IDEMPOTENCY_KEY="k"
        )
        assert_error(reused, 409, "idempotency_mismatch")
    p.citizen.is_active = False
    p.citizen.save(update_fields=["is_active"])
    with capture(execute=False):
        assert_error(client.post(URL, body(p), format="json"), 401, "not_authenticated")
    assert Submission.objects.count() == 1


def test_a_browser_session_goes_through_drf_and_needs_the_csrf_token(
    p, django_capture_on_commit_callbacks
):
    import json

    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(p.citizen)
    data = json.dumps(body(p))
    with django_capture_on_commit_callbacks(execute=False):
        refused = browser.post(URL, data, content_type="application/json")
        assert refused.status_code == 403
        assert not Submission.objects.exists()
        browser.get("/")  # sets the CSRF cookie
        token = browser.cookies["csrftoken"].value
        ok = browser.post(URL, data, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert ok.status_code == 202 and Submission.objects.count() == 1
