"""Fees due before the result: asked after the decision through the dossier's lifecycle
(decided → awaiting_payment); the lifecycle refuses `deliver` until `pay` returns the dossier to
decided (at the counter or online)."""

import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from motcua.dossiers.chain import first_broken_link
from motcua.dossiers.errors import ActionDenied, ActionInvalid
from motcua.dossiers.lifecycle import DeliveryMethod, State
from motcua.dossiers.models import Event, Pause
from motcua.dossiers.tests import factories as f
from motcua.payments import services
from motcua.payments.models import Payment, PaymentState, RequestStatus

from .conftest import before_result
from .test_online import vnp_callback

LATER = f.vn(2025, 10, 10, 9)


@pytest.fixture
def decided(p, fees):
    charge, _fee = fees
    before_result(charge)
    return f.dossier_in(p, "decided")


def _chain_ok(d) -> bool:
    return first_broken_link(Event.objects.filter(dossier=d).order_by("seq")) is None


def test_delivery_waits_until_the_fees_are_paid_at_the_counter(p, decided):
    due = decided.due_at
    req = services.request_fees(decided, p.receptionist, now=LATER)
    # Every fee still unpaid is due before delivery: the charge (before the result) and the fee
    # (before processing, never asked for).
    assert req.amount == 250_000 and req.event.action == "request_payment"
    assert req.event.from_state == State.DECIDED and {line["fee"] for line in req.lines}
    decided.refresh_from_db()
    assert decided.state == State.AWAITING_PAYMENT and decided.previous_state == State.DECIDED
    assert decided.due_at == due and decided.paused_since is None
    assert not Pause.objects.filter(dossier=decided).exists()
    with pytest.raises(ActionInvalid) as info:
        f.services.deliver(decided, p.receptionist, method=DeliveryMethod.ONLINE, now=LATER)
    assert info.value.code == "state_not_allowed"
    decided.refresh_from_db()
    assert decided.state == State.AWAITING_PAYMENT
    assert not decided.events.filter(action="deliver").exists()

    payment = services.record_counter_payment(
        decided, p.receptionist, receipt_number="BL-77", now=LATER
    )
    assert payment.state == PaymentState.PAID and payment.applied and payment.amount == 250_000
    assert payment.request.status == RequestStatus.PAID
    decided.refresh_from_db()
    assert decided.state == State.DECIDED and decided.due_at == due
    assert decided.events.get(action="pay").role == "receptionist"
    f.services.deliver(decided, p.receptionist, method=DeliveryMethod.ONLINE, now=LATER)
    decided.refresh_from_db()
    assert decided.state == State.RETURNED
    assert _chain_ok(decided)
    # Nothing is left to ask for.
    assert services.amount_due(decided).lines == ()


def test_only_who_may_deliver_asks_and_collects_after_the_decision(p, decided):
    for officer in (p.specialist, p.leader, p.other_commune_receptionist):
        with pytest.raises(ActionDenied):
            services.request_fees(decided, officer, now=LATER)
    assert services.open_request(decided) is None
    req = services.request_fees(decided, p.receptionist, now=LATER)
    with pytest.raises(ActionInvalid) as info:
        services.request_fees(decided, p.receptionist, now=LATER)
    assert info.value.code == "state_not_allowed"
    with pytest.raises(ActionDenied):
        services.record_counter_payment(decided, p.specialist, receipt_number="1", now=LATER)
    req.refresh_from_db()
    assert req.status == RequestStatus.OPEN
    assert not Payment.objects.exists()


def test_paid_online_through_the_vnpay_adapter_then_delivered(p, decided, client):
    services.request_fees(decided, p.receptionist, now=LATER)
    decided.refresh_from_db()
    client.login(username="congdan", password=f.PASSWORD)
    html = client.get(reverse("portal:dossier", args=[decided.public_id])).content.decode()
    assert "Chờ thực hiện nghĩa vụ tài chính" in html and "Thanh toán trực tuyến" in html
    assert "Kết quả giải quyết được trả sau khi bạn nộp đủ số tiền này." in html
    # What to do next: pay; long past the due time (2025) yet not overdue: it is decided.
    assert "kết quả được trả sau khi hoàn thành" in html and "Quá hạn" not in html
    mine = client.get(reverse("portal:my-dossiers")).content.decode()
    assert "Thực hiện nghĩa vụ tài chính" in mine and "Quá hạn" not in mine
    payment, _ = services.start_online_payment(decided, p.citizen, "vnpay", return_url="http://x/")
    body = client.get("/api/v1/payments/vnpay/callback", vnp_callback(payment)).json()
    assert body["RspCode"] == "00"
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID and payment.applied
    assert services.open_request(decided) is None
    decided.refresh_from_db()
    assert decided.state == State.DECIDED
    assert decided.events.get(action="pay").role == "applicant"
    f.services.deliver(decided, p.receptionist, method=DeliveryMethod.ONLINE, now=LATER)
    assert _chain_ok(decided)


def test_paid_online_through_the_demo_gateway_over_http(p, decided, client):
    services.request_fees(decided, p.receptionist, now=LATER)
    client.login(username="congdan", password=f.PASSWORD)
    start = client.post(
        reverse("payments:start-online", args=[decided.public_id]), {"gateway": "demo"}
    )
    assert start.status_code == 303
    page = client.get(start["Location"]).content.decode()
    gateway_url = re.search(r'id="go" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    bank = client.get(gateway_url).content.decode()
    assert "250.000" in bank
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', bank))
    fields = {k: v.replace("&amp;", "&") for k, v in fields.items() if k != "csrfmiddlewaretoken"}
    back = client.post(urlsplit(gateway_url).path, {**fields, "decision": "pay"})
    assert back.status_code == 302
    decided.refresh_from_db()
    assert decided.state == State.DECIDED and decided.previous_state == ""
    payment = Payment.objects.get()
    assert payment.applied and payment.request.status == RequestStatus.PAID
    # The portal now offers the result, no longer the payment.
    html = client.get(reverse("portal:dossier", args=[decided.public_id])).content.decode()
    assert "Thanh toán trực tuyến" not in html and "Nhận kết quả" in html
    client.logout()
    client.login(username="tiepnhan", password=f.PASSWORD)
    delivered = client.post(
        reverse("backoffice:dossier-action", args=[decided.code]),
        {"action": "deliver", "expected_version": decided.version, "deliver-method": "online"},
    )
    assert delivered.status_code == 302, delivered.content[:500]
    decided.refresh_from_db()
    assert decided.state == State.RETURNED
    assert [e.action for e in decided.events.order_by("seq")][-4:] == [
        "approve",
        "request_payment",
        "pay",
        "deliver",
    ]
    assert _chain_ok(decided)


def test_back_office_warns_and_offers_the_request_after_the_decision(p, decided, client):
    client.login(username="tiepnhan", password=f.PASSWORD)
    html = client.get(reverse("backoffice:dossier", args=[decided.code])).content.decode()
    assert "Chưa thu các khoản phải nộp trước khi trả kết quả" in html
    assert "Yêu cầu nộp phí, lệ phí" in html
    client.post(reverse("payments:request-fees", args=[decided.code]), {})
    decided.refresh_from_db()
    assert decided.state == State.AWAITING_PAYMENT
    html = client.get(reverse("backoffice:dossier", args=[decided.code])).content.decode()
    assert "Chờ thực hiện nghĩa vụ tài chính" in html and "Thu tiền tại quầy" in html
    assert "Chưa thu các khoản phải nộp trước khi trả kết quả" not in html
    offered = re.findall(r'<input type="hidden" name="action" value="(\w+)">', html)
    assert "deliver" not in offered
    # Delivery through the back-office form is refused by the lifecycle, nothing changes.
    refused = client.post(
        reverse("backoffice:dossier-action", args=[decided.code]),
        {"action": "deliver", "expected_version": decided.version, "deliver-method": "online"},
    )
    assert refused.status_code == 400
    decided.refresh_from_db()
    assert decided.state == State.AWAITING_PAYMENT
    client.post(reverse("payments:counter", args=[decided.code]), {"receipt_number": "BL-5"})
    decided.refresh_from_db()
    assert decided.state == State.DECIDED
    html = client.get(reverse("backoffice:dossier", args=[decided.code])).content.decode()
    assert "deliver" in re.findall(r'<input type="hidden" name="action" value="(\w+)">', html)
