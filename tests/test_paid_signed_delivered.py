"""The whole journey of a paid, signed, electronically delivered result, across the apps.

An online dossier is accepted, its fees are asked for and paid online through the demo gateway
over HTTP, the leader signs the result with the agency's key and approves, the counter delivers
it online, the applicant downloads it from "My dossiers", and the public verification page, the
API and poppler's pdfsig all find it valid. Every step's notification reaches the applicant by
email and SMS. Real commits (transaction=True), so the outbox is delivered after each commit as
in the demo (eager Celery); the Redis worker path is tested in motcua/notifications/tests.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from motcua.dossiers import services as dossier_services
from motcua.dossiers.chain import first_broken_link
from motcua.dossiers.lifecycle import DeliveryMethod, State
from motcua.dossiers.models import AttachmentKind, Event
from motcua.dossiers.tests import factories as f
from motcua.notifications.channels.sms_file import read_lines
from motcua.notifications.models import Kind, Message, MessageState
from motcua.payments import services as payment_services
from motcua.payments.models import PaymentState
from motcua.payments.tests.conftest import add_fees
from motcua.signing import services as signing_services
from motcua.signing.models import KeyKind, SigningKey, TrustRoot
from motcua.signing.tests import pki

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def p(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MOTCUA_SMS_ADAPTER = "file"
    settings.MOTCUA_SMS_FILE = str(tmp_path / "sms.jsonl")
    settings.MOTCUA_SMS_DELAY = 0
    settings.MOTCUA_PAYMENTS_GATEWAYS = ["demo"]
    yield from f.province_fixture()


@pytest.fixture
def ca():
    return pki.make_ca()


@pytest.fixture
def key(p, settings, tmp_path, ca):
    settings.MOTCUA_TEST_SIGNING_PASSPHRASE = "mat-khau-thu"
    cert = pki.issue(ca, "Sở Tư pháp tỉnh Quảng Ninh", "Sở Tư pháp")
    path = pki.write_p12(tmp_path / "justice.p12", cert, ca, "mat-khau-thu")
    TrustRoot.objects.create(name="CA thử nghiệm", certificate_pem=ca.cert_pem.decode())
    return SigningKey.objects.create(
        agency=p.justice,
        kind=KeyKind.PKCS12,
        pkcs12_path=str(path),
        secret="MOTCUA_TEST_SIGNING_PASSPHRASE",
    )


def pay_online_through_the_demo_gateway(client, dossier):
    start = client.post(
        reverse("payments:start-online", args=[dossier.public_id]), {"gateway": "demo"}
    )
    assert start.status_code == 303
    page = client.get(start["Location"]).content.decode()
    gateway_url = re.search(r'id="go" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    bank = client.get(gateway_url).content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', bank))
    fields = {k: v.replace("&amp;", "&") for k, v in fields.items() if k != "csrfmiddlewaretoken"}
    back = client.post(urlsplit(gateway_url).path, {**fields, "decision": "pay"})
    assert back.status_code == 302
    assert "Thanh toán thành công" in client.get(back["Location"]).content.decode()


def test_paid_online_signed_delivered_verified_and_notified(p, key, client, tmp_path):
    add_fees(p.procedure)
    d = f.dossier_in(p, "processing", step=1)  # submitted online by the citizen, accepted
    assert d.applicant_user == p.citizen and d.applicant_email and d.applicant_phone

    payment_services.request_fees(d, p.specialist, now=f.vn(2025, 10, 9, 9))
    d.refresh_from_db()
    assert d.state == State.AWAITING_PAYMENT

    assert client.login(username="congdan", password=f.PASSWORD)
    pay_online_through_the_demo_gateway(client, d)
    d.refresh_from_db()
    assert d.state == State.PROCESSING
    assert d.payment_requests.get().payments.get().state == PaymentState.PAID

    d = dossier_services.forward(d, p.specialist, now=f.vn(2025, 10, 9, 10))
    signed = signing_services.sign_and_approve(d, p.leader, now=f.vn(2025, 10, 10, 9))
    d.refresh_from_db()
    assert d.state == State.DECIDED and signed.attachment.kind == AttachmentKind.RESULT
    d = dossier_services.deliver(
        d, p.receptionist, method=DeliveryMethod.ONLINE, now=f.vn(2025, 10, 10, 10)
    )
    assert d.state == State.RETURNED and d.delivery_method == DeliveryMethod.ONLINE

    # The applicant downloads the signed result from "My dossiers".
    page = client.get(f"/ho-so/{d.public_id}/").content.decode()
    download = f"/ho-so/{d.public_id}/tep/{signed.attachment.pk}/"
    assert download in page
    response = client.get(download)
    pdf = b"".join(response.streaming_content) if response.streaming else response.content
    assert pdf.startswith(b"%PDF-")
    client.logout()

    # Anyone verifies it: the page, the API and poppler agree.
    html = client.post(
        "/xac-thuc/", {"file": SimpleUploadedFile("ket-qua.pdf", pdf, "application/pdf")}
    ).content.decode()
    assert d.code in html and p.justice.name in html
    report = client.post(
        "/api/v1/verify", {"file": SimpleUploadedFile("ket-qua.pdf", pdf, "application/pdf")}
    ).json()
    assert report["valid"] and report["unchanged"] and report["trusted"]
    assert report["record"]["dossier"] == d.code
    path = tmp_path / "ket-qua.pdf"
    path.write_bytes(pdf)
    assert "Signature is Valid." in pki.pdfsig(path)

    # Each step reached the applicant, by email and by SMS, and was marked sent.
    kinds = {Kind.RECEIVED, Kind.PAID, Kind.RESULT_READY}
    messages = Message.objects.filter(dossier=d, kind__in=kinds)
    assert {(m.kind, m.channel) for m in messages} == {
        (k, c) for k in kinds for c in ("email", "sms")
    }
    assert all(m.state == MessageState.SENT for m in messages)
    emailed = [m for m in mail.outbox if d.code in m.body]
    assert len(emailed) >= 3 and all(m.to == [d.applicant_email] for m in emailed)
    sms = [line for line in read_lines(tmp_path / "sms.jsonl") if d.code in line["text"]]
    assert len(sms) >= 3
    assert first_broken_link(Event.objects.filter(dossier=d).order_by("seq")) is None
