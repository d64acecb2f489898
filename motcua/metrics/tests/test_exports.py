"""Exports: every dashboard table as CSV (UTF-8 with BOM) and Excel (Vietnamese headers, number
formats, frozen header); the periodic report as Excel and PDF (read back with openpyxl and
pdftotext); the management command."""

import csv
import io
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from motcua.dossiers.lifecycle import Channel
from motcua.dossiers.tests import factories as f
from motcua.metrics import exports

from .test_dashboard import OCTOBER

TABLE = "/can-bo/thong-ke/bang/{}/"
REPORT = "/can-bo/thong-ke/bao-cao/"


@pytest.fixture
def p(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    yield from f.province_fixture()


@pytest.fixture
def data(p):
    """October 2025: Sở Tư pháp receives three (two online, one at the counter; one decided
    late), Phường Hà Tu one online; a dossier received in September is still open."""
    f.dossier_in(p, "processing", now=f.vn(2025, 9, 30, 9))  # carried over into October
    f.dossier_in(p, "returned")
    f.dossier_in(p, "returned", channel=Channel.COUNTER, now=f.T0 + timedelta(days=1))
    f.dossier_in(p, "decided", now=f.T0 + timedelta(days=2), gap=timedelta(days=4))  # late
    f.dossier_in(
        p,
        "returned",
        procedure=p.commune_procedure,
        applicant=f.applicant_data(commune="06652"),
        now=f.T0 + timedelta(days=1),
    )
    return p


def download(client, user, url, params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    assert "attachment;" in response["Content-Disposition"]
    return response


def test_every_table_downloads_in_both_formats(client, data):
    for name in exports.TABLES:
        for fmt in ("csv", "xlsx"):
            download(client, data.manager, TABLE.format(name), {**OCTOBER, "format": fmt})
    client.force_login(data.manager)
    assert client.get(TABLE.format("nothing"), OCTOBER).status_code == 404
    assert client.get(TABLE.format("don-vi"), {**OCTOBER, "format": "doc"}).status_code == 400


def test_agency_table_as_csv_has_a_bom_vietnamese_headers_and_the_values(client, data):
    p = data
    response = download(client, p.manager, TABLE.format("don-vi"), {**OCTOBER, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:4] == ["Cơ quan", "Mã định danh", "Tiếp nhận", "Đã giải quyết"]
    by_code = {r[1]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    justice = by_code[p.justice.e_id]
    assert justice["Tiếp nhận"] == "3"
    assert justice["Đã giải quyết"] == "3"
    assert justice["Quá hạn"] == "1"
    assert by_code[p.commune_committee.e_id]["Tiếp nhận"] == "1"
    total = rows[-1]
    assert total[0] == "Tổng cộng" and total[2] == "4"


def test_agency_table_as_excel(client, data):
    p = data
    response = download(client, p.manager, TABLE.format("don-vi"), {**OCTOBER, "format": "xlsx"})
    ws = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in ws[1]]
    assert header[:3] == ["Cơ quan", "Mã định danh", "Tiếp nhận"]
    assert "Tỷ lệ đúng hạn (%)" in header
    assert ws.freeze_panes == "A2"
    assert all(c.font.b for c in ws[1])
    rows = {r[1]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    justice = rows[p.justice.e_id]
    assert justice[0] == p.justice.name
    assert justice[header.index("Tiếp nhận")] == 3
    assert justice[header.index("Tỷ lệ đúng hạn (%)")] == pytest.approx(66.67)
    received_cell = ws.cell(row=2, column=header.index("Tiếp nhận") + 1)
    assert received_cell.number_format == "#,##0"


def test_month_report_excel_has_the_totals(client, data):
    p = data
    response = download(client, p.manager, REPORT, {"period": "2025-10", "format": "xlsx"})
    assert response["Content-Disposition"].endswith('bao-cao-tthc-2025-10-01-2025-10-31.xlsx"')
    ws = load_workbook(io.BytesIO(response.content)).active
    cells = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    text = [str(v) for row in cells for v in row if v is not None]
    assert "BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in text
    assert any("Tháng 10/2025" in t for t in text)
    assert p.committee.name.upper() in text  # the reporting unit of a province manager
    assert "THỦ TRƯỞNG ĐƠN VỊ" in text
    header_row = next(r for r in cells if r[0] == "STT")
    totals = [r for r in cells if r[1] == "Tổng cộng"]
    assert len(totals) == 2  # per agency, per field
    col = {h: i for i, h in enumerate(header_row) if h}
    for total in totals:
        assert total[col["Kỳ trước chuyển qua"]] == 1
        assert total[col["Tiếp nhận trong kỳ"]] == 4
        assert total[col["Trong đó: trực tuyến"]] == 3
        assert total[col["Trong đó: trực tiếp"]] == 1
        assert total[col["Tổng số hồ sơ nhận giải quyết"]] == 5
        assert total[col["Đã giải quyết: tổng số"]] == 4
        assert total[col["Đã giải quyết: quá hạn"]] == 1
        # The September dossier, still open on 31/10 and past its due time.
        assert total[col["Đang giải quyết: tổng số"]] == 1
        assert total[col["Đang giải quyết: quá hạn"]] == 1
        assert total[col["Tỷ lệ giải quyết đúng hạn (%)"]] == 75
    agency_rows = {r[1]: r for r in cells if isinstance(r[0], int)}
    assert agency_rows[p.justice.name][col["Tiếp nhận trong kỳ"]] == 3
    assert agency_rows[p.justice.name][col["Kỳ trước chuyển qua"]] == 1


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) missing")
def test_month_report_pdf_has_the_totals(client, data, tmp_path):
    p = data
    response = download(client, p.manager, REPORT, {"period": "2025-10", "format": "pdf"})
    assert response.content.startswith(b"%PDF")
    path = tmp_path / "r.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in text
    assert "Tháng 10/2025" in text
    assert p.justice.name in text and "THỦ TRƯỞNG ĐƠN VỊ" in text
    total_lines = [line.split() for line in text.splitlines() if "Tổng cộng" in line]
    assert len(total_lines) == 2
    # Tổng cộng, carried 1, received 4, online 3, counter 1, postal 0, total 5, resolved 4…
    for words in total_lines:
        numbers = words[words.index("cộng") + 1 :]
        assert numbers == ["1", "4", "3", "1", "0", "5", "4", "3", "0", "1", "1", "0", "1", "75,00"]


def test_report_of_an_officer_covers_their_agency(client, data):
    p = data
    response = download(client, p.commune_specialist, REPORT, {"period": "2025-10"})
    ws = load_workbook(io.BytesIO(response.content)).active
    text = [str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    assert p.commune_committee.name.upper() in text
    assert p.justice.name not in text


def test_drilldown_list_exports(client, data):
    p = data
    params = {**OCTOBER, "indicator": "resolved_late", "format": "xlsx"}
    response = download(client, p.manager, "/can-bo/thong-ke/ho-so/", params)
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("Mã hồ sơ", "Thủ tục", "Người nộp")
    assert len(rows) == 2 and rows[1][0].startswith("H22")


def test_management_command_writes_the_month_report(data, tmp_path):
    out = tmp_path / "bao-cao.xlsx"
    call_command("metrics_report", period="2025-10", fmt="xlsx", output=str(out))
    ws = load_workbook(out).active
    totals = [r for r in ws.iter_rows(values_only=True) if r[1] == "Tổng cộng"]
    assert totals and totals[0][3] == 4  # STT, label, carried over, received
    pdf = tmp_path / "bao-cao.pdf"
    call_command("metrics_report", period="2025-Q4", fmt="pdf", output=str(pdf), agency="H22.13")
    assert pdf.read_bytes().startswith(b"%PDF")
