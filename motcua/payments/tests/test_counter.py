"""Payment at the counter: the receipt number, the receipt PDF (text and QR read back), the
back-office panel and forms, and who may do what."""

import subprocess

import pytest
from django.urls import reverse

from motcua.dossiers.chain import first_broken_link
from motcua.dossiers.errors import ActionDenied, ActionInvalid
from motcua.dossiers.lifecycle import State
from motcua.dossiers.models import Event
from motcua.dossiers.tests import factories as f
from motcua.payments import services
from motcua.payments.models import Payment, PaymentMethod, PaymentState, RequestStatus

NOW = f.vn(2025, 10, 9, 9)


@pytest.fixture
def awaiting(p, fees):
    d = f.dossier_in(p, "processing", step=1)
    services.request_fees(d, p.specialist, exemptions=["nguoi-co-cong"], now=NOW)
    d.refresh_from_db()
    return d


def test_counter_payment_resumes_processing_and_records_the_receipt(p, awaiting):
    d = awaiting
    payment = services.record_counter_payment(
        d, p.receptionist, receipt_number=" 0001234 ", now=f.vn(2025, 10, 9, 10)
    )
    d.refresh_from_db()
    assert d.state == State.PROCESSING and d.paused_since is None
    assert payment.method == PaymentMethod.COUNTER and payment.state == PaymentState.PAID
    assert payment.receipt_number == "0001234" and payment.amount == 133_500 and payment.applied
    assert payment.agency == p.center and payment.competent_agency == p.justice
    assert payment.request.status == RequestStatus.PAID
    event = d.events.get(action="pay")
    assert event.data["receipt_number"] == "0001234" and event.data["amount"] == 133_500
    assert first_broken_link(Event.objects.filter(dossier=d).order_by("seq")) is None


def test_receipt_number_is_required_and_unique_per_collecting_agency(p, awaiting, fees):
    with pytest.raises(ActionInvalid) as info:
        services.record_counter_payment(awaiting, p.receptionist, receipt_number="  ")
    assert info.value.code == "receipt_number_required"
    services.record_counter_payment(awaiting, p.receptionist, receipt_number="77", now=NOW)
    other = f.dossier_in(p, "processing", step=1)
    services.request_fees(other, p.specialist, now=NOW)
    with pytest.raises(ActionInvalid) as info:
        services.record_counter_payment(other, p.receptionist, receipt_number="77", now=NOW)
    assert info.value.code == "receipt_number_used"
    other.refresh_from_db()
    assert other.state == State.AWAITING_PAYMENT


def test_a_specialist_cannot_collect_and_nothing_changes(p, awaiting):
    with pytest.raises(ActionDenied):
        services.record_counter_payment(awaiting, p.specialist, receipt_number="1", now=NOW)
    assert not Payment.objects.exists()
    awaiting.refresh_from_db()
    assert awaiting.state == State.AWAITING_PAYMENT


def _pdf_text(tmp_path, content: bytes) -> str:
    path = tmp_path / "receipt.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def _qr(tmp_path, content: bytes) -> str:
    path = tmp_path / "receipt.pdf"
    path.write_bytes(content)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(path), str(tmp_path / "page")], check=True)
    page = sorted(tmp_path.glob("page*.png"))[0]
    out = subprocess.run(["zbarimg", "-q", "--raw", str(page)], capture_output=True, text=True)
    return out.stdout.strip()


def test_receipt_pdf_over_http_has_the_dossier_code_lines_and_a_tracking_qr(
    p, awaiting, client, tmp_path, settings
):
    payment = services.record_counter_payment(
        awaiting, p.receptionist, receipt_number="0009876", now=NOW
    )
    client.login(username="tiepnhan", password=f.PASSWORD)
    response = client.get(reverse("payments:receipt", args=[payment.order_id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(tmp_path, response.content)
    assert "BIÊN LAI THU PHÍ, LỆ PHÍ" in text
    assert awaiting.code in text and "0009876" in text
    assert "133.500" in text and "100.000" in text and "giảm 50%" in text
    expected = settings.MOTCUA_BASE_URL + reverse("dossiers:tracking-dossier", args=[awaiting.code])
    assert _qr(tmp_path, response.content) == expected
    # The applicant may download it too; someone else's citizen may not.
    client.logout()
    client.login(username="congdan", password=f.PASSWORD)
    assert client.get(reverse("payments:receipt", args=[payment.order_id])).status_code == 200
    client.logout()
    client.login(username="congdan2", password=f.PASSWORD)
    assert client.get(reverse("payments:receipt", args=[payment.order_id])).status_code == 404


def test_back_office_panel_request_and_collect_forms(p, fees, client):
    d = f.dossier_in(p, "processing", step=1)
    page = reverse("backoffice:dossier", args=[d.code])
    client.login(username="chuyenvien", password=f.PASSWORD)
    html = client.get(page).content.decode()
    assert "Yêu cầu nộp phí, lệ phí" in html and "Người thuộc hộ nghèo" in html
    response = client.post(
        reverse("payments:request-fees", args=[d.code]), {"exemptions": ["nguoi-co-cong"]}
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.state == State.AWAITING_PAYMENT
    client.logout()
    client.login(username="tiepnhan", password=f.PASSWORD)
    html = client.get(page).content.decode()
    assert "Chờ thực hiện nghĩa vụ tài chính" in html and "Thu tiền tại quầy" in html
    assert "133.500" in html
    client.post(reverse("payments:counter", args=[d.code]), {"receipt_number": "BL-1"})
    d.refresh_from_db()
    assert d.state == State.PROCESSING
    html = client.get(page).content.decode()
    assert (
        "BL-1" in html
        and reverse("payments:receipt", args=[Payment.objects.get().order_id]) in html
    )


def test_officer_of_another_agency_gets_404_on_the_forms(p, awaiting, client):
    client.login(username="tiepnhan.caoxanh", password=f.PASSWORD)
    response = client.post(
        reverse("payments:counter", args=[awaiting.code]), {"receipt_number": "X"}
    )
    assert response.status_code == 404
    awaiting.refresh_from_db()
    assert awaiting.state == State.AWAITING_PAYMENT


def test_portal_panel_shows_the_amount_and_the_online_button(p, awaiting, client):
    client.login(username="congdan", password=f.PASSWORD)
    html = client.get(reverse("portal:dossier", args=[awaiting.public_id])).content.decode()
    assert "Chờ thực hiện nghĩa vụ tài chính" in html
    assert "133.500" in html and "Thanh toán trực tuyến" in html
    assert reverse("payments:start-online", args=[awaiting.public_id]) in html
