"""The outbox on both databases, eager delivery (no REDIS_URL): queued in the action's
transaction, rendered in Vietnamese, delivered after commit, retried, deduplicated."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from motcua.dossiers import services as dossier_services
from motcua.dossiers.lifecycle import State
from motcua.dossiers.models import Event
from motcua.dossiers.tests import factories as f
from motcua.dossiers.tests.factories import T0
from motcua.notifications import services
from motcua.notifications.channels.base import Outgoing
from motcua.notifications.channels.email import EmailAdapter, message_id
from motcua.notifications.channels.sms_file import FileSmsAdapter, read_lines
from motcua.notifications.models import Kind, Message, MessageState

H = timedelta(hours=1)


def texts(path):
    return [line["text"] for line in read_lines(path)]


def test_accept_queues_rendered_messages_in_the_same_transaction(p, settings):
    settings.MOTCUA_BASE_URL = "https://dichvucong.quangninh.gov.vn"
    d = f.dossier_in(p, State.SUBMITTED)
    assert not Message.objects.exists()  # submit is not notified
    d = dossier_services.accept(d, p.receptionist, now=T0 + 2 * H)
    rows = {m.channel: m for m in Message.objects.filter(dossier=d)}
    assert set(rows) == {"email", "sms"}
    email, sms = rows["email"], rows["sms"]
    assert email.kind == sms.kind == Kind.RECEIVED
    assert email.event == Event.objects.get(dossier=d, action="accept")
    assert email.recipient == "an@example.vn"
    assert sms.recipient == d.applicant_phone
    assert email.state == MessageState.PENDING  # not delivered before commit
    due = d.due_at.astimezone(f.VN_TZ).strftime("%d/%m/%Y %H:%M")
    url = f"https://dichvucong.quangninh.gov.vn/tra-cuu/{d.code}/?secret={d.tracking_secret}"
    assert email.subject == f"Hồ sơ {d.code} đã được tiếp nhận"
    for body in (email.body, sms.body):
        assert d.code in body and due in body and url in body
    assert "Kính gửi Ông/Bà Nguyễn Văn An" in email.body
    assert "Cấp Phiếu lý lịch tư pháp" in email.body


def test_rolled_back_action_leaves_no_message(p):
    d = f.dossier_in(p, State.SUBMITTED)
    with pytest.raises(RuntimeError), transaction.atomic():
        dossier_services.accept(d, p.receptionist, now=T0 + 2 * H)
        assert Message.objects.count() == 2
        raise RuntimeError("the request failed later")
    assert not Message.objects.exists()
    assert not Event.objects.filter(action="accept").exists()


def test_delivery_after_commit_reaches_email_and_sms(
    p, sms_file, django_capture_on_commit_callbacks
):
    d = f.dossier_in(p, State.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        d = dossier_services.accept(d, p.receptionist, now=T0 + 2 * H)
    assert set(Message.objects.values_list("state", flat=True)) == {MessageState.SENT}
    [email] = mail.outbox
    assert email.to == ["an@example.vn"]
    assert email.subject == f"Hồ sơ {d.code} đã được tiếp nhận"
    sms = Message.objects.get(channel="sms")
    assert email.extra_headers["Message-ID"] == message_id(
        str(Message.objects.get(channel="email").uuid)
    )
    [line] = read_lines(sms_file)
    assert line["id"] == str(sms.uuid) and line["to"] == d.applicant_phone
    assert sms.provider_id == f"file:{sms.uuid}" and sms.sent_at is not None
    assert sms.attempts == 1


def test_applicant_receives_each_notification_of_a_dossier_life(
    p, sms_file, django_capture_on_commit_callbacks
):
    """accept, supplement request, apology with new date, payment, result: one email and one
    SMS each, in order; the internal actions (forward, supplement, request_payment) none."""
    clock = f.Clock(T0 + 2 * H)
    d = f.dossier_in(p, State.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        d = dossier_services.accept(d, p.receptionist, now=clock.next())
        d = f.advance(p, d, 1, clock)
        d = dossier_services.request_supplement(
            d, p.specialist, items=["Giấy xác nhận cư trú"], now=clock.next()
        )
        d = dossier_services.supplement(d, p.citizen, now=clock.next())
        d = dossier_services.extend(
            d,
            p.specialist,
            reason="Cần xác minh thêm thông tin",
            new_due_at=d.due_at + timedelta(days=2),
            now=clock.next(),
        )
        appointment = d.due_at  # the payment's pause moves it again later
        d = dossier_services.request_payment(
            d,
            p.specialist,
            amount=200_000,
            items=[{"name": "Phí", "amount": 200_000}],
            now=clock.next(),
        )
        d = dossier_services.pay(d, p.citizen, amount=200_000, now=clock.next())
        d = f.advance(p, d, 2, clock)
        d = dossier_services.approve(d, p.leader, now=clock.next())
    expected = [
        Kind.RECEIVED,
        Kind.SUPPLEMENT_REQUESTED,
        Kind.LATE_NEW_APPOINTMENT,
        Kind.PAID,
        Kind.RESULT_READY,
    ]
    rows = Message.objects.filter(dossier=d).order_by("id")
    assert [m.kind for m in rows if m.channel == "sms"] == expected
    assert [m.kind for m in rows if m.channel == "email"] == expected
    assert all(m.state == MessageState.SENT for m in rows)
    sms = texts(sms_file)
    assert len(sms) == 5 and len(mail.outbox) == 5
    assert "Giấy xác nhận cư trú" in sms[1]
    new_due = appointment.astimezone(f.VN_TZ).strftime("%d/%m/%Y %H:%M")
    assert "Xin lỗi" in sms[2] and new_due in sms[2]
    assert "200.000 đồng" in sms[3]
    assert "đã có kết quả" in sms[4] and "không giải quyết" not in sms[4]
    assert "Cần xác minh thêm thông tin" in mail.outbox[2].body


def test_refusal_and_denial_carry_the_reason(p, sms_file):
    refused = f.dossier_in(p, State.REFUSED)
    [sms] = Message.objects.filter(dossier=refused, channel="sms")
    assert sms.kind == Kind.REFUSED and "Hồ sơ không thuộc thẩm quyền" in sms.body
    denied = f.dossier_in(p, State.DECIDED, result="denied")
    email = Message.objects.get(dossier=denied, channel="email", kind=Kind.RESULT_READY)
    assert "không được giải quyết" in email.body and "Không đủ điều kiện" in email.body


def test_contacts_decide_the_channels(p, settings):
    d = f.dossier_in(p, State.PROCESSING, applicant=f.applicant_data(email=""))
    assert list(Message.objects.filter(dossier=d).values_list("channel", flat=True)) == ["sms"]
    settings.MOTCUA_NOTIFICATIONS_CHANNELS = "email"
    d = f.dossier_in(p, State.PROCESSING, applicant=f.applicant_data(phone=""))
    assert list(Message.objects.filter(dossier=d).values_list("channel", flat=True)) == ["email"]


def test_a_repeated_receiver_queues_nothing_twice(p):
    d = f.dossier_in(p, State.PROCESSING)
    event = Event.objects.get(dossier=d, action="accept")
    before = Message.objects.count()
    with transaction.atomic():
        services.on_event(event, d)
        services.on_event(event, d)
    assert Message.objects.count() == before == 2


def test_claim_is_exclusive_until_the_lease_expires(p, settings):
    settings.MOTCUA_NOTIFICATIONS_LEASE_SECONDS = 60
    d = f.dossier_in(p, State.PROCESSING)
    m = Message.objects.get(dossier=d, channel="sms")
    now = timezone.now()
    first = services.claim(str(m.uuid), now)
    assert first.state == MessageState.SENDING and first.attempts == 1
    assert services.claim(str(m.uuid), now + timedelta(seconds=30)) is None
    assert str(m.uuid) not in services.due_keys(now + timedelta(seconds=30), grace=0)
    # The holder died: after the lease, the flush sees it and another worker takes it over.
    later = now + timedelta(seconds=61)
    assert str(m.uuid) in services.due_keys(later, grace=0)
    second = services.claim(str(m.uuid), later)
    assert second.attempts == 2
    # The first holder, late, cannot overwrite the new attempt's outcome.
    assert services._finish(first, state=MessageState.SENT) is False
    assert services._finish(second, state=MessageState.SENT) is True


def test_flush_recovers_a_lost_task_and_an_abandoned_claim(p, sms_file):
    d = f.dossier_in(p, State.PROCESSING)  # no on_commit callbacks ran: the tasks were lost
    m = Message.objects.get(dossier=d, channel="sms")
    Message.objects.filter(pk=m.pk).update(
        state=MessageState.SENDING, attempts=1, lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert services.flush(grace=3600) == 1  # only the abandoned one: the other is recent
    assert services.flush(grace=0) == 1  # the pending email, with no grace
    assert set(Message.objects.values_list("state", flat=True)) == {MessageState.SENT}
    m.refresh_from_db()
    assert m.attempts == 2
    assert [line["id"] for line in read_lines(sms_file)] == [str(m.uuid)]
    assert services.flush(grace=0) == 0


def test_failures_back_off_then_die(p, settings):
    settings.MOTCUA_SMS_ADAPTER = "motcua.notifications.tests.adapters.BrokenSmsAdapter"
    settings.MOTCUA_NOTIFICATIONS_MAX_ATTEMPTS = 3
    settings.MOTCUA_NOTIFICATIONS_BACKOFF_SECONDS = 30
    d = f.dossier_in(p, State.PROCESSING)
    m = Message.objects.get(dossier=d, channel="sms")
    key = str(m.uuid)
    before = timezone.now()
    assert services.deliver(key) == MessageState.FAILED
    m.refresh_from_db()
    assert m.attempts == 1 and "gateway unreachable" in m.last_error
    assert m.next_attempt_at >= before + timedelta(seconds=30)
    assert services.deliver(key) is None  # not due yet
    assert services.deliver(key, now=m.next_attempt_at) == MessageState.FAILED
    m.refresh_from_db()
    assert m.attempts == 2 and m.next_attempt_at >= before + timedelta(seconds=60)
    assert services.deliver(key, now=m.next_attempt_at) == MessageState.DEAD
    m.refresh_from_db()
    assert m.state == MessageState.DEAD and m.attempts == 3
    assert key not in services.due_keys(m.next_attempt_at + timedelta(days=1), grace=0)


def test_backoff_doubles_and_is_capped(settings):
    settings.MOTCUA_NOTIFICATIONS_BACKOFF_SECONDS = 10
    settings.MOTCUA_NOTIFICATIONS_BACKOFF_MAX_SECONDS = 100
    assert [services.backoff(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 80, 100]


def test_a_permanent_error_is_not_retried(p, settings):
    settings.MOTCUA_SMS_ADAPTER = "motcua.notifications.tests.adapters.RejectingSmsAdapter"
    d = f.dossier_in(p, State.PROCESSING)
    m = Message.objects.get(dossier=d, channel="sms")
    assert services.deliver(str(m.uuid)) == MessageState.DEAD
    m.refresh_from_db()
    assert m.attempts == 1 and m.last_error == "invalid number"


def test_file_adapter_dedupes_on_the_idempotency_key(tmp_path):
    path = tmp_path / "sms.jsonl"
    adapter = FileSmsAdapter(path, delay=0)
    one = Outgoing("k-1", "0912345678", "", "Xin chào")
    assert adapter.send(one) == adapter.send(one) == "file:k-1"
    adapter.send(Outgoing("k-2", "0912345678", "", "Lần hai"))
    assert [line["id"] for line in read_lines(path)] == ["k-1", "k-2"]
    assert read_lines(path)[0]["text"] == "Xin chào"


def test_email_adapter_sets_a_stable_message_id(settings):
    settings.MOTCUA_BASE_URL = "https://dichvucong.example.vn"
    settings.MOTCUA_NOTIFICATIONS_FROM = "motcua@example.vn"
    EmailAdapter().send(Outgoing("abc", "an@example.vn", "Tiêu đề", "Nội dung"))
    [email] = mail.outbox
    assert email.extra_headers["Message-ID"] == "<abc@dichvucong.example.vn>"
    assert email.from_email == "motcua@example.vn"
    assert email.message()["Message-ID"] == "<abc@dichvucong.example.vn>"


def test_queued_text_is_kept_when_templates_change(p, settings, tmp_path):
    d = f.dossier_in(p, State.PROCESSING)
    m = Message.objects.get(dossier=d, channel="sms")
    body = m.body
    override = tmp_path / "templates" / "notifications"
    override.mkdir(parents=True)
    (override / "received.sms.txt").write_text("MẪU MỚI {{ code }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path / "templates")]}]
    # A new message uses the new template; the queued one is sent as it was rendered.
    assert services.render(Kind.RECEIVED, "sms", services.dossier_context(d))[1].startswith(
        "MẪU MỚI"
    )
    services.deliver(str(m.uuid))
    m.refresh_from_db()
    assert m.state == MessageState.SENT and m.body == body
