"""Due-soon reminders to applicants and the officers' daily digest (both databases)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from motcua.dossiers import services as dossier_services
from motcua.dossiers.lifecycle import State
from motcua.dossiers.tests import factories as f
from motcua.notifications import services
from motcua.notifications.channels.sms_file import read_lines
from motcua.notifications.models import Kind, Message, MessageState


@pytest.fixture
def staff_emails(p):
    for user, email in (
        (p.specialist, "hung@sotuphap.vn"),
        (p.leader, "ha@sotuphap.vn"),
        (p.receptionist, "lan@trungtam.vn"),
        (p.specialist2, "thao@sotuphap.vn"),
    ):
        user.email = email
        user.save(update_fields=["email"])


def test_due_soon_reminds_the_applicant_once(p, sms_file, django_capture_on_commit_callbacks):
    d = f.dossier_in(p, State.PROCESSING, step=1)
    Message.objects.all().delete()
    # A week before: nothing; two working hours before: the reminder, on both channels.
    assert services.send_due_soon(now=d.due_at - timedelta(days=7)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_due_soon(now=d.due_at - timedelta(hours=2)) == 2
        services.send_due_soon(now=d.due_at - timedelta(hours=1))  # the next hourly run
    rows = Message.objects.filter(kind=Kind.DUE_SOON)
    assert rows.count() == 2
    assert set(rows.values_list("state", flat=True)) == {MessageState.SENT}
    [line] = read_lines(sms_file)
    due = d.due_at.astimezone(f.VN_TZ).strftime("%d/%m/%Y %H:%M")
    assert d.code in line["text"] and due in line["text"]
    assert mail.outbox[0].subject == f"Hồ sơ {d.code} sắp đến hẹn trả kết quả"


def test_due_soon_counts_working_time(p):
    """Due Monday morning, asked on Friday afternoon: within one working day (the weekend does
    not count), though more than a calendar day away."""
    d = f.dossier_in(p, State.PROCESSING, step=1)
    monday = f.vn(2025, 10, 20, 9)
    d.due_at = monday
    d.save(update_fields=["due_at"])
    friday = f.vn(2025, 10, 17, 14)
    assert services.attention(d, friday).overdue is False
    assert services.attention(d, f.vn(2025, 10, 16, 14)) is None  # Thursday: two days left
    assert services.attention(d, monday + timedelta(minutes=1)).overdue is True


def test_fees_after_the_decision_never_make_a_dossier_overdue(p, settings):
    """Awaiting payment after the decision: the clock is over whatever the payment setting."""
    settings.MOTCUA_PAYMENT_PAUSES_CLOCK = False
    d = f.dossier_in(p, State.DECIDED)
    d = dossier_services.request_payment(
        d, p.receptionist, amount=10_000, items=["Lệ phí"], now=d.decided_at
    )
    assert d.state == State.AWAITING_PAYMENT and d.previous_state == State.DECIDED
    assert services.attention(d, d.due_at + timedelta(days=30)) is None


def test_no_reminder_when_paused_or_overdue(p):
    paused = f.dossier_in(p, State.SUPPLEMENTING)
    late = f.dossier_in(p, State.PROCESSING, step=1)
    Message.objects.all().delete()
    now = late.due_at + timedelta(hours=1)
    paused.due_at = now + timedelta(hours=1)  # would be due soon, but its clock is stopped
    paused.save(update_fields=["due_at"])
    assert services.send_due_soon(now=now) == 0
    assert [a.dossier for a in services.attention_list(now)] == [late]


def test_digest_per_officer_and_for_leaders(p, staff_emails):
    mine = f.dossier_in(p, State.PROCESSING, step=1)  # specialist's, at Sở Tư pháp
    late = f.dossier_in(p, State.PROCESSING, step=1)
    late.current_officer = p.specialist2
    late.due_at = mine.due_at - timedelta(days=1)
    late.save(update_fields=["current_officer", "due_at"])
    f.dossier_in(p, State.PROCESSING, step=1, now=f.T0 + timedelta(days=7))  # not due yet
    Message.objects.all().delete()
    now = mine.due_at - timedelta(hours=2)
    assert services.send_digests(now=now) == 3
    digests = {m.recipient: m for m in Message.objects.filter(kind=Kind.DIGEST)}
    # The specialists see their own; the leader sees the agency's; the receptionist nothing.
    assert set(digests) == {"hung@sotuphap.vn", "thao@sotuphap.vn", "ha@sotuphap.vn"}
    hung, thao, ha = (
        digests[k].body for k in ("hung@sotuphap.vn", "thao@sotuphap.vn", "ha@sotuphap.vn")
    )
    assert mine.code in hung and late.code not in hung
    assert late.code in thao and "Quá hạn (1)" in thao and mine.code not in thao
    assert mine.code in ha and late.code in ha
    assert "Quá hạn (1)" in ha and "Đến hạn trong một ngày làm việc (1)" in ha
    assert f"/can-bo/ho-so/{mine.code}/" in hung
    assert digests["ha@sotuphap.vn"].subject.startswith("Hồ sơ đến hạn, quá hạn ngày")
    assert digests["ha@sotuphap.vn"].user == p.leader and digests["ha@sotuphap.vn"].dossier is None
    # Once a day: the same day adds nothing, the next day sends again.
    assert services.send_digests(now=now + timedelta(minutes=30)) == 3
    assert Message.objects.filter(kind=Kind.DIGEST).count() == 3
    services.send_digests(now=now + timedelta(days=1))
    assert Message.objects.filter(kind=Kind.DIGEST).count() == 6


def test_commands(p, staff_emails, sms_file, django_capture_on_commit_callbacks, settings):
    d = f.dossier_in(p, State.PROCESSING, step=1)
    out = StringIO()
    call_command("notifications_flush", "--grace", "0", stdout=out)
    assert out.getvalue().strip() == "2"  # the accept's email and SMS, whose tasks never ran
    assert Message.objects.filter(state=MessageState.SENT).count() == 2
    # Without a clock to set, the due time is moved to "soon" from now.
    from django.utils import timezone

    d.due_at = timezone.now() + timedelta(minutes=30)
    d.save(update_fields=["due_at"])
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("notifications_due_soon", stdout=out)
        call_command("notifications_digest", stdout=StringIO())
    assert out.getvalue().strip() == "2"
    assert Message.objects.filter(kind=Kind.DIGEST).count() == 2  # specialist and leader
    assert set(Message.objects.values_list("state", flat=True)) == {MessageState.SENT}
    assert {e.to[0] for e in mail.outbox} >= {"hung@sotuphap.vn", "ha@sotuphap.vn"}
