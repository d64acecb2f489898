"""Refunds (who, how much, audited), the reconciliation report (page, CSV, Excel, command) and
the API's permissions."""

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from motcua.common.models import AuditEntry
from motcua.dossiers.errors import ActionDenied, ActionInvalid
from motcua.dossiers.tests import factories as f
from motcua.payments import reports, services
from motcua.payments.models import PaymentState

NOW = f.vn(2025, 10, 9, 9)


@pytest.fixture
def paid(p, fees):
    """Two dossiers paid on 09/10/2025 (counter 250.000, online 133.500), one on 10/10."""
    out = []
    for exemptions, method, when in (
        ([], "counter", f.vn(2025, 10, 9, 9)),
        (["nguoi-co-cong"], "online", f.vn(2025, 10, 9, 15)),
        ([], "counter", f.vn(2025, 10, 10, 8)),
    ):
        d = f.dossier_in(p, "processing", step=1)
        services.request_fees(d, p.specialist, exemptions=exemptions, now=when)
        if method == "counter":
            payment = services.record_counter_payment(
                d, p.receptionist, receipt_number=f"BL{len(out)}", now=when
            )
        else:
            from .test_online import vnp_callback

            payment, _ = services.start_online_payment(
                d, p.citizen, "vnpay", return_url="http://x/"
            )
            services.handle_callback("vnpay", vnp_callback(payment), now=when)
            payment.refresh_from_db()
        out.append(payment)
    return out


def test_refund_by_a_leader_partial_then_full_and_audited(p, paid):
    payment = paid[0]
    services.refund(payment, p.leader, amount=50_000, reason="Thu thừa", now=NOW)
    payment.refresh_from_db()
    assert payment.state == PaymentState.PARTIALLY_REFUNDED and payment.refundable == 200_000
    with pytest.raises(ActionInvalid) as info:
        services.refund(payment, p.leader, amount=200_001, reason="x")
    assert info.value.code == "refund_too_large"
    services.refund(payment, p.leader, amount=200_000, reason="Dừng giải quyết", now=NOW)
    payment.refresh_from_db()
    assert payment.state == PaymentState.REFUNDED and payment.refunded_amount == 250_000
    entries = AuditEntry.objects.filter(action="payments.refund", object_id=str(payment.pk))
    assert entries.count() == 2 and entries.first().actor == p.leader


@pytest.mark.parametrize("who", ["receptionist", "specialist", "commune_leader", "citizen"])
def test_refund_needs_a_leader_of_the_agencies(p, paid, who):
    with pytest.raises(ActionDenied):
        services.refund(paid[0], getattr(p, who), amount=1, reason="x")
    paid[0].refresh_from_db()
    assert paid[0].refunded_amount == 0


def test_refund_form_over_http(p, paid, client):
    client.login(username="lanhdao", password=f.PASSWORD)
    response = client.post(
        reverse("payments:refund", args=[paid[1].order_id]),
        {"amount": "133.500", "reason": "Hồ sơ bị dừng"},
    )
    assert response.status_code == 302
    paid[1].refresh_from_db()
    assert paid[1].state == PaymentState.REFUNDED


def test_reconciliation_summary_per_day_and_agency(p, paid):
    services.refund(paid[0], p.leader, amount=50_000, reason="Thu thừa", now=f.vn(2025, 10, 10, 9))
    rows = reports.summary(
        p.receptionist, f.vn(2025, 10, 9, 0).date(), f.vn(2025, 10, 10, 0).date()
    )
    assert [(r.day.day, r.agency.e_id, r.count, r.counter, r.online, r.refunds) for r in rows] == [
        (9, "H22.40", 2, 250_000, 133_500, 0),
        (10, "H22.40", 1, 250_000, 0, 50_000),
    ]


def test_reconciliation_page_csv_and_excel(p, paid, client):
    client.login(username="tiepnhan", password=f.PASSWORD)
    url = reverse("payments:reconciliation")
    page = client.get(url, {"tu": "2025-10-09", "den": "2025-10-10"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Đối soát thu phí, lệ phí" in html and "383.500" in html
    response = client.get(url, {"tu": "09/10/2025", "den": "09/10/2025", "dinh_dang": "csv"})
    assert response["Content-Disposition"].endswith('doi-soat-20251009-20251009.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Ngày", "Mã đơn vị", "Đơn vị thu"]
    assert rows[1] == [
        "09/10/2025",
        "H22.40",
        "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh",
        "2",
        "250000",
        "133500",
        "0",
        "383500",
        "0",
        "383500",
    ]
    detail = client.get(url, {"tu": "2025-10-09", "dinh_dang": "csv-chi-tiet"})
    lines = list(csv.reader(io.StringIO(detail.content.decode("utf-8-sig"))))
    assert len(lines) == 3 and lines[1][8] == "BL0" and lines[2][5] == "vnpay"
    xlsx = client.get(url, {"tu": "2025-10-09", "den": "2025-10-10", "dinh_dang": "xlsx"})
    book = load_workbook(io.BytesIO(xlsx.content))
    summary, details = book["Tổng hợp"], book["Chi tiết"]
    assert [c.value for c in summary[2]][:4] == ["Ngày", "Mã đơn vị", "Đơn vị thu", "Số giao dịch"]
    assert [c.value for c in summary[3]][7] == 383_500
    assert details.max_row == 4


def test_reconciliation_is_scoped_to_the_officers_agencies(p, paid, client):
    client.login(username="tiepnhan.caoxanh", password=f.PASSWORD)
    url = reverse("payments:reconciliation")
    response = client.get(url, {"tu": "2025-10-09", "den": "2025-10-10", "dinh_dang": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1  # headers only
    client.logout()
    client.login(username="congdan", password=f.PASSWORD)
    assert client.get(url).status_code == 403


def test_reconciliation_command(p, paid, tmp_path):
    out = io.StringIO()
    call_command(
        "payments_reconciliation", "--from", "2025-10-09", "--to", "2025-10-10", stdout=out
    )
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert len(rows) == 3 and rows[1][7] == "383500"
    target = tmp_path / "doi-soat.xlsx"
    call_command(
        "payments_reconciliation",
        "--from",
        "2025-10-09",
        "--format",
        "xlsx",
        "--output",
        str(target),
        "--agency",
        "H22.40",
        stdout=io.StringIO(),
    )
    assert load_workbook(target)["Chi tiết"].max_row == 3


def test_api_dossier_payments_permissions(p, paid, api_client):
    d = paid[0].dossier
    url = f"/api/v1/dossiers/{d.code}/payments"
    api_client.force_authenticate(p.citizen)
    body = api_client.get(url).json()
    assert body["dossier"] == d.code and body["payments"][0]["receipt_number"] == "BL0"
    api_client.force_authenticate(p.specialist)
    assert api_client.get(url).status_code == 200
    api_client.force_authenticate(p.other_commune_receptionist)
    response = api_client.get(url)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    api_client.force_authenticate(p.other_citizen)
    assert api_client.get(url).status_code == 404
    api_client.force_authenticate(None)
    assert api_client.get(url).status_code in (401, 403)


def test_back_office_menu_links_the_report(p, client):
    client.login(username="chuyenvien", password=f.PASSWORD)
    html = client.get(reverse("backoffice:worklist")).content.decode()
    assert reverse("payments:reconciliation") in html and "Đối soát thu phí" in html
