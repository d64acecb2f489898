"""The dossier work's weak points fixed with the benchmark work: uploaded files of rolled-back
transactions, purging idempotency keys, memberships read once per API request, and the
one-statement code sequence."""

import gc
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.agencies.models import Membership, Role
from motcua.agencies.selectors import agency_scope, held_roles, memberships_memo
from motcua.common.models import AuditEntry
from motcua.dossiers import services
from motcua.dossiers.errors import ActionInvalid
from motcua.dossiers.management.commands.purge_idempotency_keys import (
    parse_age,
    purge,
    purge_submissions,
)
from motcua.dossiers.models import Attachment, Dossier, IdempotencyKey, Submission

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def p(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    yield from f.province_fixture()


def _stored(tmp_path) -> list:
    return sorted(path for path in tmp_path.rglob("*") if path.is_file())


# --- files of rolled-back attachments ----------------------------------------------------------


def test_a_committed_attachment_keeps_its_file(p, tmp_path, django_capture_on_commit_callbacks):
    d = f.new_dossier(p)
    with django_capture_on_commit_callbacks(execute=True):
        attachment = services.add_attachment(d, p.citizen, uploaded_file=f.pdf_file())
    gc.collect()
    assert _stored(tmp_path) and attachment.file.storage.exists(attachment.file.name)


def test_the_file_goes_when_an_enclosing_transaction_rolls_back(p, tmp_path):
    d = f.new_dossier(p)
    with pytest.raises(RuntimeError), transaction.atomic():
        attachment = services.add_attachment(d, p.citizen, uploaded_file=f.pdf_file())
        name = attachment.file.name
        assert attachment.file.storage.exists(name)  # written while the transaction runs
        raise RuntimeError("the caller's next step failed")
    gc.collect()
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert not attachment.file.storage.exists(name)
    assert _stored(tmp_path) == []


def test_the_file_goes_when_the_row_is_refused(p, tmp_path, monkeypatch):
    d = f.new_dossier(p)

    def refuse(self, *args, **kwargs):
        raise ActionInvalid("refused", "refused")

    monkeypatch.setattr(Attachment, "save", refuse)
    with pytest.raises(ActionInvalid):
        services.add_attachment(d, p.citizen, uploaded_file=f.pdf_file())
    gc.collect()
    assert _stored(tmp_path) == []


def test_an_attachment_refused_by_the_api_leaves_no_file(p, tmp_path, client):
    """A retry with the same key and another body is refused after the work: nothing stays."""
    d = f.new_dossier(p)
    client.force_login(p.citizen)
    url = f"/api/v1/dossiers/{d.public_id}/attachments"
    with transaction.atomic():
        response = client.post(url, {"file": f.pdf_file()}, HTTP_IDEMPOTENCY_KEY="k1")
        assert response.status_code == 201, response.content
        transaction.set_rollback(True)  # as if the request's transaction failed at commit
    gc.collect()
    assert _stored(tmp_path) == []


# --- purge-idempotency-keys --------------------------------------------------------------------


def _key(user, key: str, age: timedelta) -> IdempotencyKey:
    row = IdempotencyKey.objects.create(user=user, scope="POST /x", key=key, request_hash="h")
    IdempotencyKey.objects.filter(pk=row.pk).update(created_at=timezone.now() - age)
    return row


def test_purge_deletes_only_keys_older_than_the_age(p):
    old = [_key(p.citizen, f"old{i}", timedelta(days=8)) for i in range(5)]
    recent = _key(p.citizen, "recent", timedelta(days=6))
    assert purge(timedelta(days=7), batch=2) == 5
    assert list(IdempotencyKey.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not IdempotencyKey.objects.filter(pk__in=[k.pk for k in old]).exists()
    entry = AuditEntry.objects.get(action="dossiers.purge_idempotency_keys")
    assert entry.data["removed"] == 5


def test_the_command_with_dry_run_and_ages(p):
    _key(p.citizen, "a", timedelta(hours=30))
    _key(p.citizen, "b", timedelta(hours=2))
    out = StringIO()
    call_command("purge_idempotency_keys", "--older-than", "1d", "--dry-run", stdout=out)
    assert "1" in out.getvalue() and IdempotencyKey.objects.count() == 2
    call_command("purge_idempotency_keys", "--older-than", "24h", stdout=StringIO())
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["b"]
    call_command("purge_idempotency_keys", "--older-than", "90m", stdout=StringIO())
    assert not IdempotencyKey.objects.exists()
    assert AuditEntry.objects.filter(action="dossiers.purge_idempotency_keys").count() == 2


def _submission(p, state: str, age: timedelta, *, dossier=None, **fields) -> Submission:
    row = Submission.objects.create(
        user=p.citizen, request_hash="h", payload={}, state=state, dossier=dossier, **fields
    )
    Submission.objects.filter(pk=row.pk).update(created_at=timezone.now() - age)
    return row


def test_processed_submissions_are_purged_queued_ones_and_dossiers_kept(p):
    old = timedelta(days=8)
    dossier = f.new_dossier(p)
    _submission(p, "done", old, dossier=dossier, idempotency_key="a")
    _submission(p, "failed", old, error={"code": "invalid"})
    queued = _submission(p, "queued", old)
    recent = _submission(p, "done", timedelta(days=1), dossier=f.new_dossier(p))
    out = StringIO()
    call_command("purge_idempotency_keys", "--older-than", "7d", "--dry-run", stdout=out)
    assert "2" in out.getvalue().splitlines()[1] and Submission.objects.count() == 4
    assert purge_submissions(timedelta(days=7), batch=1) == 2
    assert set(Submission.objects.values_list("pk", flat=True)) == {queued.pk, recent.pk}
    assert Dossier.objects.filter(pk=dossier.pk).exists()
    entry = AuditEntry.objects.get(action="dossiers.purge_submissions")
    assert entry.data["removed"] == 2


@pytest.mark.parametrize("age", ["", "7 days", "-1d", "0", "1w"])
def test_the_command_refuses_a_bad_age(db, age):
    with pytest.raises(CommandError):
        call_command("purge_idempotency_keys", "--older-than", age, stdout=StringIO())


def test_parse_age():
    assert parse_age("7") == parse_age("7d") == timedelta(days=7)
    assert parse_age("12H") == timedelta(hours=12)


def test_a_purged_key_lets_the_request_run_again(p, client):
    client.force_login(p.citizen)
    body = {"procedure": p.procedure.code, "channel": 2, "applicant": p.applicant()}
    first = client.post("/api/v1/dossiers", body, "application/json", HTTP_IDEMPOTENCY_KEY="k")
    again = client.post("/api/v1/dossiers", body, "application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["public_id"] == first.json()["public_id"]
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(days=8))
    call_command("purge_idempotency_keys", stdout=StringIO())
    third = client.post("/api/v1/dossiers", body, "application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert third.status_code == 201 and third.json()["public_id"] != first.json()["public_id"]


# --- memberships read once per request ---------------------------------------------------------


def _membership_reads(queries) -> int:
    return sum('FROM "agencies_membership"' in q["sql"] for q in queries.captured_queries)


def test_memberships_are_read_once_inside_the_memo_and_forgotten_when_they_change(p):
    officer = p.specialist
    before = agency_scope(officer)
    with memberships_memo():
        with CaptureQueriesContext(connection) as queries:
            assert agency_scope(officer) == before
            assert agency_scope(officer, Role.SPECIALIST) <= before
            held_roles(officer)
        assert _membership_reads(queries) == 1
        Membership.objects.create(user=officer, agency=p.construction, role=Role.SPECIALIST)
        assert p.construction.pk in agency_scope(officer)  # the memo was cleared
    with CaptureQueriesContext(connection) as queries:
        agency_scope(officer)
        agency_scope(officer)
    assert _membership_reads(queries) == 2  # outside a memo nothing is kept


def test_an_api_action_reads_the_callers_memberships_once(p, client):
    d = f.new_dossier(p)
    client.force_login(p.citizen)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/api/v1/dossiers/{d.public_id}/actions/submit", {}, "application/json"
        )
    assert response.status_code == 200, response.content
    assert response.json()["allowed_actions"] == ["withdraw"]
    assert _membership_reads(queries) == 1


# --- the code sequence ---------------------------------------------------------------------------


def test_codes_of_a_day_are_numbered_one_after_the_other(p):
    codes = []
    for _i in range(3):
        d = f.new_dossier(p)
        codes.append(services.submit(d, p.citizen).code)
    numbers = [int(code.rsplit("-", 1)[1]) for code in codes]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]
    with pytest.raises(RuntimeError), transaction.atomic():
        services.submit(f.new_dossier(p), p.citizen)
        raise RuntimeError("rolled back: its number is given back")
    nxt = services.submit(f.new_dossier(p), p.citizen).code
    assert int(nxt.rsplit("-", 1)[1]) == numbers[-1] + 1
