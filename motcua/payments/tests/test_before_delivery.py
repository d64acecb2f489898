"""Fees due before the result: asked after the decision; the result is not handed over until
they are paid (at the counter or online)."""

import pytest
from django.urls import reverse

from motcua.common.models import AuditEntry
from motcua.dossiers.errors import ActionDenied, ActionInvalid
from motcua.dossiers.lifecycle import DeliveryMethod, State
from motcua.dossiers.tests import factories as f
from motcua.payments import services
from motcua.payments.models import PaymentState, RequestStage, RequestStatus

from .conftest import before_result
from .test_online import vnp_callback

LATER = f.vn(2025, 10, 10, 9)


@pytest.fixture
def decided(p, fees):
    charge, _fee = fees
    before_result(charge)
    return f.dossier_in(p, "decided")


def test_delivery_waits_until_the_fees_are_paid_at_the_counter(p, decided):
    req = services.request_fees(decided, p.receptionist, now=LATER)
    assert req.stage == RequestStage.DELIVERY and req.amount == 250_000 and req.event is None
    assert AuditEntry.objects.filter(action="payments.request_before_delivery").count() == 1
    with pytest.raises(ActionInvalid) as info:
        f.services.deliver(decided, p.receptionist, method=DeliveryMethod.ONLINE, now=LATER)
    assert info.value.code == "payment_due_before_delivery"
    decided.refresh_from_db()
    assert decided.state == State.DECIDED and not decided.events.filter(action="deliver").exists()
    payment = services.record_counter_payment(
        decided, p.receptionist, receipt_number="BL-77", now=LATER
    )
    assert payment.state == PaymentState.PAID and payment.applied
    assert payment.request.status == RequestStatus.PAID
    f.services.deliver(decided, p.receptionist, method=DeliveryMethod.ONLINE, now=LATER)
    decided.refresh_from_db()
    assert decided.state == State.RETURNED


def test_only_who_may_deliver_asks_after_the_decision(p, decided):
    with pytest.raises(ActionDenied):
        services.request_fees(decided, p.specialist, now=LATER)
    with pytest.raises(ActionDenied):
        services.request_fees(decided, p.other_commune_receptionist, now=LATER)
    req = services.request_fees(decided, p.receptionist, now=LATER)
    with pytest.raises(ActionInvalid):
        services.request_fees(decided, p.receptionist, now=LATER)
    with pytest.raises(ActionDenied):
        services.record_counter_payment(decided, p.specialist, receipt_number="1", now=LATER)
    req.refresh_from_db()
    assert req.status == RequestStatus.OPEN


def test_paid_online_after_the_decision_then_delivered(p, decided, client):
    services.request_fees(decided, p.receptionist, now=LATER)
    client.login(username="congdan", password=f.PASSWORD)
    html = client.get(reverse("portal:dossier", args=[decided.public_id])).content.decode()
    assert "Chờ thực hiện nghĩa vụ tài chính" in html and "Thanh toán trực tuyến" in html
    payment, _ = services.start_online_payment(decided, p.citizen, "vnpay", return_url="http://x/")
    body = client.get("/api/v1/payments/vnpay/callback", vnp_callback(payment)).json()
    assert body["RspCode"] == "00"
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID and payment.applied
    assert services.open_request(decided) is None
    f.services.deliver(decided, p.receptionist, method=DeliveryMethod.ONLINE, now=LATER)


def test_back_office_warns_and_offers_the_request_after_the_decision(p, decided, client):
    client.login(username="tiepnhan", password=f.PASSWORD)
    html = client.get(reverse("backoffice:dossier", args=[decided.code])).content.decode()
    assert "Chưa thu các khoản phải nộp trước khi trả kết quả" in html
    client.post(reverse("payments:request-fees", args=[decided.code]), {})
    html = client.get(reverse("backoffice:dossier", args=[decided.code])).content.decode()
    assert "Chờ thực hiện nghĩa vụ tài chính" in html and "Thu tiền tại quầy" in html
