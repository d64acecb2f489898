"""Online payment: the demo gateway end to end over HTTP, and the VNPay-shaped adapter's
callbacks built with the merchant secret (valid, bad signature, altered amount, unknown order,
replay), all logged."""

import io
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.urls import reverse

from motcua.dossiers.chain import first_broken_link
from motcua.dossiers.lifecycle import State
from motcua.dossiers.models import Event
from motcua.dossiers.tests import factories as f
from motcua.payments import services
from motcua.payments.gateways import demo
from motcua.payments.gateways.vnpay_like import VnpayLikeGateway, sign
from motcua.payments.models import (
    CallbackOutcome,
    GatewayCallback,
    Payment,
    PaymentMethod,
    PaymentState,
    RequestStatus,
)

from .conftest import VNPAY_SECRET

NOW = f.vn(2025, 10, 9, 9)


@pytest.fixture
def awaiting(p, fees):
    d = f.dossier_in(p, "processing", step=1)
    services.request_fees(d, p.specialist, now=NOW)
    d.refresh_from_db()
    return d


def test_demo_gateway_end_to_end_from_my_dossiers(p, awaiting, client):
    d = awaiting
    client.login(username="congdan", password=f.PASSWORD)
    start = client.post(reverse("payments:start-online", args=[d.public_id]), {"gateway": "demo"})
    assert start.status_code == 303
    page = client.get(start["Location"])
    assert page.status_code == 200
    gateway_url = re.search(r'id="go" href="([^"]+)"', page.content.decode()).group(1)
    gateway_url = gateway_url.replace("&amp;", "&")
    bank = client.get(gateway_url)
    html = bank.content.decode()
    assert bank.status_code == 200 and "250.000" in html and "Thanh toán thành công" in html
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    fields = {k: v.replace("&amp;", "&") for k, v in fields.items() if k != "csrfmiddlewaretoken"}
    back = client.post(urlsplit(gateway_url).path, {**fields, "decision": "pay"})
    assert back.status_code == 302
    result = client.get(back["Location"])
    assert result.status_code == 200 and "Thanh toán thành công" in result.content.decode()

    d.refresh_from_db()
    assert d.state == State.PROCESSING and d.paused_since is None
    payment = Payment.objects.get()
    assert payment.method == PaymentMethod.ONLINE and payment.gateway == "demo"
    assert payment.state == PaymentState.PAID and payment.applied and payment.amount == 250_000
    assert payment.request.status == RequestStatus.PAID
    pay = d.events.get(action="pay")
    assert pay.actor == p.citizen and pay.role == "applicant"
    assert pay.data["receipt_number"] == payment.order_id
    assert first_broken_link(Event.objects.filter(dossier=d).order_by("seq")) is None
    log = GatewayCallback.objects.get()
    assert log.outcome == CallbackOutcome.ACCEPTED and log.payment == payment
    # The API shows it to the applicant.
    api = client.get(f"/api/v1/dossiers/{d.code}/payments").json()
    assert api["amount_due"] == 0 and api["payments"][0]["state"] == "paid"


def test_demo_cancel_leaves_the_dossier_waiting(p, awaiting, client):
    client.login(username="congdan", password=f.PASSWORD)
    payment, url = services.start_online_payment(
        awaiting, p.citizen, "demo", return_url="http://testserver/thanh-toan/ket-qua/demo/"
    )
    fields = dict(parse_qsl(urlsplit(url).query))
    back = client.post(urlsplit(url).path, {**fields, "decision": "cancel"})
    assert "không thành công" in client.get(back["Location"]).content.decode()
    payment.refresh_from_db()
    awaiting.refresh_from_db()
    assert payment.state == PaymentState.FAILED and awaiting.state == State.AWAITING_PAYMENT
    # Paying again starts a new order.
    again, _url = services.start_online_payment(
        awaiting, p.citizen, "demo", return_url="http://testserver/r/"
    )
    assert again.pk != payment.pk


def test_demo_gateway_page_refuses_a_tampered_amount(p, awaiting, client):
    payment, url = services.start_online_payment(
        awaiting, p.citizen, "demo", return_url="http://testserver/r/"
    )
    fields = dict(parse_qsl(urlsplit(url).query))
    fields["amount"] = "1000"
    assert client.get(urlsplit(url).path, fields).status_code == 400


def test_demo_callback_replayed_or_tampered_is_rejected_and_logged(p, awaiting):
    payment, _ = services.start_online_payment(
        awaiting, p.citizen, "demo", return_url="http://testserver/r/"
    )
    gateway = demo.DemoGateway()
    params = gateway.callback_params(payment, success=True)
    tampered = {**params, "amount": "1"}
    assert services.handle_callback("demo", tampered).reason == "bad_signature"
    assert services.handle_callback("demo", params).outcome == CallbackOutcome.ACCEPTED
    replay = services.handle_callback("demo", params)
    assert replay.outcome == CallbackOutcome.REPLAY
    assert awaiting.events.filter(action="pay").count() == 1
    assert list(GatewayCallback.objects.order_by("id").values_list("outcome", "reason")) == [
        ("rejected", "bad_signature"),
        ("accepted", ""),
        ("replay", "replay"),
    ]


def test_only_the_applicant_starts_an_online_payment(p, awaiting, client):
    client.login(username="congdan2", password=f.PASSWORD)
    response = client.post(
        reverse("payments:start-online", args=[awaiting.public_id]), {"gateway": "demo"}
    )
    assert response.status_code == 404 and not Payment.objects.exists()


def test_a_counter_dossier_has_no_online_payment(p, fees):
    d = f.dossier_in(p, "processing", step=1, channel="counter")
    services.request_fees(d, p.specialist, now=NOW)
    from motcua.dossiers.errors import ActionDenied

    with pytest.raises(ActionDenied):
        services.start_online_payment(d, p.citizen, "demo", return_url="http://x/")


def test_a_second_click_reuses_the_pending_order(p, awaiting):
    one, _ = services.start_online_payment(awaiting, p.citizen, "vnpay", return_url="http://x/")
    two, _ = services.start_online_payment(awaiting, p.citizen, "vnpay", return_url="http://x/")
    assert one.pk == two.pk


# --- the VNPay-shaped adapter ---------------------------------------------------------------------


def vnp_callback(payment, *, amount=None, code="00", txn="14000001", secret=VNPAY_SECRET, **extra):
    params = {
        "vnp_TmnCode": "MOTCUA01",
        "vnp_Amount": str((payment.amount if amount is None else amount) * 100),
        "vnp_BankCode": "NCB",
        "vnp_BankTranNo": "VNP14000001",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": "Nop phi le phi ho so",
        "vnp_PayDate": "20251009100500",
        "vnp_ResponseCode": code,
        "vnp_TransactionNo": txn,
        "vnp_TransactionStatus": code,
        "vnp_TxnRef": payment.order_id if hasattr(payment, "order_id") else payment,
        **extra,
    }
    params["vnp_SecureHashType"] = "HmacSHA512"
    params["vnp_SecureHash"] = sign(params, secret)
    return params


def test_vnpay_redirect_is_signed_with_amount_times_100(p, awaiting):
    payment, url = services.start_online_payment(
        awaiting, p.citizen, "vnpay", return_url="https://motcua.example.vn/r/", client_ip="1.2.3.4"
    )
    assert url.startswith("https://sandbox.example.vn/paymentv2/vpcpay.html?")
    params = dict(parse_qsl(urlsplit(url).query))
    assert params["vnp_Amount"] == "25000000" and params["vnp_TxnRef"] == payment.order_id
    assert params["vnp_TmnCode"] == "MOTCUA01" and params["vnp_IpAddr"] == "1.2.3.4"
    assert params["vnp_SecureHash"] == sign(params, VNPAY_SECRET)
    assert params["vnp_OrderInfo"].isascii()


def test_vnpay_ipn_valid_pays_the_dossier_over_http(p, awaiting, client):
    payment, _ = services.start_online_payment(awaiting, p.citizen, "vnpay", return_url="http://x/")
    response = client.get("/api/v1/payments/vnpay/callback", vnp_callback(payment))
    assert response.status_code == 200
    assert response.json() == {"RspCode": "00", "Message": "Confirm Success"}
    payment.refresh_from_db()
    awaiting.refresh_from_db()
    assert payment.state == PaymentState.PAID and payment.gateway_txn == "14000001"
    assert payment.bank_code == "NCB" and awaiting.state == State.PROCESSING
    # The browser's return shows the recorded result.
    client.login(username="congdan", password=f.PASSWORD)
    page = client.get(reverse("payments:return", args=["vnpay"]), vnp_callback(payment))
    assert "Thanh toán thành công" in page.content.decode()


@pytest.mark.parametrize(
    "change, rsp, reason",
    [
        ({"secret": "WRONG"}, "97", "bad_signature"),
        ({"amount": 1_000}, "04", "amount_mismatch"),
    ],
)
def test_vnpay_ipn_rejections(p, awaiting, client, change, rsp, reason):
    payment, _ = services.start_online_payment(awaiting, p.citizen, "vnpay", return_url="http://x/")
    response = client.post("/api/v1/payments/vnpay/callback", vnp_callback(payment, **change))
    assert response.json()["RspCode"] == rsp
    log = GatewayCallback.objects.get()
    assert (log.outcome, log.reason, log.order_id) == ("rejected", reason, payment.order_id)
    payment.refresh_from_db()
    awaiting.refresh_from_db()
    assert payment.state == PaymentState.PENDING and awaiting.state == State.AWAITING_PAYMENT


def test_vnpay_ipn_with_a_field_altered_after_signing_is_rejected(p, awaiting, client):
    payment, _ = services.start_online_payment(awaiting, p.citizen, "vnpay", return_url="http://x/")
    params = vnp_callback(payment)
    params["vnp_ResponseCode"] = "24" if params["vnp_ResponseCode"] == "00" else "00"
    params["vnp_Amount"] = "100"
    assert client.get("/api/v1/payments/vnpay/callback", params).json()["RspCode"] == "97"


def test_vnpay_ipn_unknown_order(p, awaiting, client):
    response = client.get("/api/v1/payments/vnpay/callback", vnp_callback("TT999", amount=5))
    assert response.json() == {"RspCode": "01", "Message": "Order not found"}
    assert GatewayCallback.objects.get().reason == "unknown_order"


def test_vnpay_ipn_replay_changes_nothing(p, awaiting, client):
    payment, _ = services.start_online_payment(awaiting, p.citizen, "vnpay", return_url="http://x/")
    params = vnp_callback(payment)
    assert client.get("/api/v1/payments/vnpay/callback", params).json()["RspCode"] == "00"
    events = awaiting.events.count()
    replay = client.get("/api/v1/payments/vnpay/callback", params).json()
    assert replay == {"RspCode": "02", "Message": "Order already confirmed"}
    assert awaiting.events.count() == events
    assert list(GatewayCallback.objects.order_by("id").values_list("outcome", flat=True)) == [
        "accepted",
        "replay",
    ]


def test_vnpay_failed_payment_is_recorded_and_the_dossier_waits(p, awaiting, client):
    payment, _ = services.start_online_payment(awaiting, p.citizen, "vnpay", return_url="http://x/")
    body = client.get("/api/v1/payments/vnpay/callback", vnp_callback(payment, code="24")).json()
    assert body["RspCode"] == "00"
    payment.refresh_from_db()
    awaiting.refresh_from_db()
    assert payment.state == PaymentState.FAILED and payment.gateway_code == "24"
    assert awaiting.state == State.AWAITING_PAYMENT


def test_money_for_a_withdrawn_dossier_is_kept_and_flagged_for_refund(p, awaiting):
    payment, _ = services.start_online_payment(awaiting, p.citizen, "vnpay", return_url="http://x/")
    params = vnp_callback(payment)
    f.services.withdraw(awaiting, p.citizen, reason="Không còn nhu cầu", now=f.vn(2025, 10, 9, 10))
    payment.refresh_from_db()
    assert payment.state == PaymentState.CANCELLED
    reply = services.handle_callback("vnpay", params)
    assert reply.outcome == CallbackOutcome.ACCEPTED
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID and not payment.applied and payment.needs_refund


def test_disabled_gateway_is_404(p, client, settings):
    settings.MOTCUA_PAYMENTS_GATEWAYS = ["demo"]
    assert client.get("/api/v1/payments/vnpay/callback").status_code == 404
    assert VnpayLikeGateway.name == "vnpay"


def test_an_expired_order_paid_late_is_still_recorded_and_applied(p, awaiting):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    payment, _ = services.start_online_payment(awaiting, p.citizen, "vnpay", return_url="http://x/")
    assert services.expire_pending(timezone.now() + timedelta(minutes=20)) == 1
    payment.refresh_from_db()
    assert payment.state == PaymentState.EXPIRED
    call_command("payments_expire", stdout=io.StringIO())
    # A failure for an expired order is not a state change; a success is money taken.
    failed = services.handle_callback("vnpay", vnp_callback(payment, code="24", txn="1"))
    assert failed.reason == "not_pending"
    services.handle_callback("vnpay", vnp_callback(payment))
    payment.refresh_from_db()
    awaiting.refresh_from_db()
    assert payment.state == PaymentState.PAID and payment.applied
    assert awaiting.state == State.PROCESSING


def test_ipn_as_a_json_post(p, awaiting, api_client):
    payment, _ = services.start_online_payment(awaiting, p.citizen, "vnpay", return_url="http://x/")
    response = api_client.post(
        "/api/v1/payments/vnpay/callback", vnp_callback(payment), format="json"
    )
    assert response.json()["RspCode"] == "00"
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID
