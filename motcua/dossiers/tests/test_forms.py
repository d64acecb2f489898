"""The printed forms, read back from the PDF: text with pdftotext, the QR code with zbarimg."""

import subprocess
import time
import unicodedata
from datetime import date, timedelta

import pytest

from motcua.dossiers import forms
from motcua.dossiers.models import Dossier
from motcua.dossiers.regimes import FormKind, Regime
from motcua.dossiers.tests import form_fixtures as ff

pytestmark = pytest.mark.django_db

BASE = "https://dichvucong.quangninh.example"


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.MOTCUA_BASE_URL = BASE


def pdf_text(pdf: bytes) -> str:
    """The PDF's text, NFC, with runs of whitespace (line breaks of wrapped text) as one space."""
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(unicodedata.normalize("NFC", out.stdout.decode()).split())


def qr_content(pdf: bytes, tmp_path) -> str:
    """What a phone reads from the first page printed at 100 dpi ("" if there is no QR code)."""
    subprocess.run(
        ["pdftoppm", "-r", "100", "-png", "-f", "1", "-l", "1", "-", str(tmp_path / "page")],
        input=pdf,
        check=True,
    )
    image = next(tmp_path.glob("page*.png"))
    out = subprocess.run(["zbarimg", "-q", "--raw", str(image)], capture_output=True)
    return out.stdout.decode().strip()


def page_size(pdf: bytes) -> str:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout
    return next(line for line in info.decode().splitlines() if line.startswith("Page size"))


def url_with_secret(d: Dossier) -> str:
    return f"{BASE}/tra-cuu/{d.code}/?secret=ABCDE23456"


def test_receipt_carries_the_appointment_the_secret_and_a_qr_code_that_opens_the_dossier(tmp_path):
    d = ff.dossier(received_at=ff.vn(2025, 10, 8, 9, 15))
    d.applicant_email = "nhung@example.vn"
    d.save()
    pdf = forms.render_form(d, FormKind.RECEIPT)
    text = pdf_text(pdf)

    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH" in text
    assert "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH" in text
    assert "Quảng Ninh, ngày 08 tháng 10 năm 2025" in text
    assert "Mẫu số 01 — Thông tư số 03/2025/TT-VPCP" in text
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert f"Mã hồ sơ: {d.code}" in text
    assert "Nguyễn Thị Hồng Nhung" in text and "022190001234" in text
    assert "nhung@example.vn" in text
    assert "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam" in text
    # Documents received, with originals/copies and their number.
    assert "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp Bản chính 01" in text
    assert "Bản chụp Căn cước công dân Bản sao 02" in text
    assert "10 ngày làm việc" in text
    # Times in Vietnam (stored in UTC: 02:15 there), 24-hour, dd/mm/yyyy.
    assert "Thời gian nhận hồ sơ: 09 giờ 15 phút, ngày 08/10/2025" in text
    assert "Thời gian trả kết quả giải quyết hồ sơ: 09 giờ 15 phút, ngày 22/10/2025" in text
    assert "Tầng 1, Tháp A, Trung tâm hành chính tỉnh" in text
    assert "Mã tra cứu: ABCDE-23456" in text
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in text and "Trần Văn Bình" in text
    assert qr_content(pdf, tmp_path) == url_with_secret(d)
    # Subset fonts and a vector QR code: a receipt stays small.
    assert pdf.startswith(b"%PDF-") and len(pdf) < 80_000
    assert "595.276 x 841.89 pts (A4)" in page_size(pdf)


def test_the_receipt_qr_code_opens_the_dossier_s_tracking_page(client, tmp_path):
    d = ff.dossier()
    url = qr_content(forms.render_form(d, FormKind.RECEIPT), tmp_path)
    assert url.startswith(BASE)
    response = client.get(url.removeprefix(BASE))
    assert response.status_code == 200
    assert f"Hồ sơ {d.code}" in response.content.decode()


def test_receipt_due_time_is_shown_in_vietnam_time_across_midnight_utc():
    # 23:30 in Hanoi is 16:30 UTC: the date must not fall back a day.
    d = ff.dossier(received_at=ff.vn(2025, 10, 8, 23, 30), due_days=1)
    text = pdf_text(forms.render_form(d, FormKind.RECEIPT))
    assert "23 giờ 30 phút, ngày 08/10/2025" in text
    assert "23 giờ 30 phút, ngày 09/10/2025" in text


def test_supplement_request_lists_every_item_of_the_request(tmp_path):
    d = ff.dossier()
    items = ["Bản sao Giấy khai sinh có chứng thực", "Tờ khai có chữ ký của người yêu cầu"]
    ff.request_supplement(d, ff.vn(2025, 10, 9, 14, 0), items)
    pdf = forms.render_form(d, FormKind.SUPPLEMENT_REQUEST)
    text = pdf_text(pdf)
    assert "Mẫu số 02" in text
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "1. Bản sao Giấy khai sinh có chứng thực" in text
    assert "2. Tờ khai có chữ ký của người yêu cầu" in text
    assert "14 giờ 00 phút, ngày 09/10/2025" in text
    assert "Quảng Ninh, ngày 09 tháng 10 năm 2025" in text
    assert "SỞ TƯ PHÁP" in text  # issued by the agency that asked, not the center
    assert "tạm dừng" in text
    assert qr_content(pdf, tmp_path) == url_with_secret(d)


def test_supplement_request_at_reception_takes_its_items_from_the_event():
    # A request at reception pauses no clock: no Pause row, the items are in the event.
    d = ff.dossier(accepted=False)
    ff.add_event(
        d,
        "request_supplement",
        ff.vn(2025, 10, 8, 10, 0),
        agency=d.receiving_agency,
        to_state="supplementing",
        data={"items": ["Ảnh 4x6 chụp trong 6 tháng"]},
    )
    assert forms.available_forms(d) == [FormKind.SUPPLEMENT_REQUEST]
    text = pdf_text(forms.render_form(d, FormKind.SUPPLEMENT_REQUEST))
    assert "1. Ảnh 4x6 chụp trong 6 tháng" in text
    assert "tạm dừng" not in text


def test_refusal_gives_each_reason(tmp_path):
    d = ff.dossier(accepted=False)
    ff.refuse(
        d,
        ff.vn(2025, 10, 8, 10, 30),
        "Hồ sơ không thuộc thẩm quyền tiếp nhận\nThiếu tờ khai theo mẫu",
        officer_user=ff.officer("tn2", "Phạm Quốc Huy"),
    )
    pdf = forms.render_form(d, FormKind.REFUSAL)
    text = pdf_text(pdf)
    assert "Mẫu số 03" in text
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert "1. Hồ sơ không thuộc thẩm quyền tiếp nhận" in text
    assert "2. Thiếu tờ khai theo mẫu" in text
    assert "Phạm Quốc Huy" in text
    assert qr_content(pdf, tmp_path) == url_with_secret(d)


def test_apology_gives_the_reason_and_the_new_date():
    d = ff.dossier(received_at=ff.vn(2025, 10, 8, 9, 15))
    ff.extend(
        d,
        ff.vn(2025, 10, 20, 15, 0),
        "Cần xác minh thông tin tại địa phương",
        ff.vn(2025, 10, 29, 16, 0),
    )
    text = pdf_text(forms.render_form(d, FormKind.APOLOGY))
    assert "Mẫu số 04" in text
    assert "VĂN BẢN XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert "Cần xác minh thông tin tại địa phương" in text
    assert "09 giờ 15 phút, ngày 22/10/2025" in text  # the previous appointment
    assert "16 giờ 00 phút, ngày 29/10/2025" in text  # the new one
    assert "Quảng Ninh, ngày 20 tháng 10 năm 2025" in text  # dated by the action


def test_stop_notice_gives_the_reason():
    d = ff.dossier()
    ff.stop(d, ff.vn(2025, 10, 13, 8, 0), "Người nộp hồ sơ đề nghị dừng giải quyết")
    text = pdf_text(forms.render_form(d, FormKind.STOP_NOTICE))
    assert "Mẫu số 05 — Thông tư số 03/2025/TT-VPCP" in text
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text
    assert "1. Người nộp hồ sơ đề nghị dừng giải quyết" in text
    assert "08 giờ 00 phút, ngày 13/10/2025" in text


def test_control_sheet_has_every_hand_over_with_officers_and_timing(tmp_path):
    d = ff.dossier(received_at=ff.vn(2025, 10, 8, 9, 15))
    specialist = ff.officer("cv1", "Lê Thị Mai")
    ff.add_step(
        d,
        1,
        "Thẩm định hồ sơ",
        d.competent_agency,
        ff.vn(2025, 10, 8, 11, 15),
        hours=16,
        finished_at=ff.vn(2025, 10, 15, 8, 0),
        officer_user=specialist,
        handed_to="Hoàng Văn Nam",
    )
    ff.add_step(
        d,
        2,
        "Phê duyệt",
        d.competent_agency,
        ff.vn(2025, 10, 15, 8, 0),
        officer_user=ff.officer("ld1", "Hoàng Văn Nam"),
    )
    pdf = forms.render_form(d, FormKind.CONTROL_SHEET)
    text = pdf_text(pdf)
    assert "Mẫu số 06" in text
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    # Table cells come back from pdftotext line by line: check what each cell holds, and the
    # row associations on the form's data.
    for fragment in (
        "Nhận: Trần Văn Bình",
        "Giao cho: Lê Thị Mai",
        "Nhận: Lê Thị Mai",
        "Giao cho: Hoàng Văn Nam",
        "Nhận: Hoàng Văn Nam",
        "Hạn: 13:15 08/10/2025",
        "Giao: 11:15 08/10/2025",
        "Giao: 08:00 15/10/2025",
        "Thẩm định hồ sơ",
        "Phê duyệt",
    ):
        assert fragment in text
    assert text.index("Tiếp nhận hồ sơ") < text.index("Đúng hạn") < text.index("Thẩm định hồ sơ")
    assert text.index("Thẩm định hồ sơ") < text.index("Trễ hạn") < text.index("Phê duyệt")
    steps = forms.form_context(d, FormKind.CONTROL_SHEET)["steps"]
    assert [(s["name"], s["agency"], s["officer"], s["handed_to"], s["result"]) for s in steps] == [
        (
            "Tiếp nhận hồ sơ",
            "Trung tâm Phục vụ hành chính công tỉnh",
            "Trần Văn Bình",
            "Lê Thị Mai",
            "Đúng hạn",
        ),
        ("Thẩm định hồ sơ", "Sở Tư pháp", "Lê Thị Mai", "Hoàng Văn Nam", "Trễ hạn"),
        ("Phê duyệt", "Sở Tư pháp", "Hoàng Văn Nam", "", "Đang xử lý"),
    ]
    assert steps[0]["started_at"] == "09:15 08/10/2025"
    # The control sheet travels between agencies: its QR code holds no secret.
    assert qr_content(pdf, tmp_path) == f"{BASE}/tra-cuu/{d.code}/"
    assert "ABCDE" not in text


def test_a_dossier_received_on_30_june_2025_keeps_the_tt_01_2018_numbering():
    d = ff.dossier(received_at=ff.vn(2025, 6, 30, 16, 0))
    ff.stop(d, ff.vn(2025, 7, 2, 9, 0), "Theo đề nghị của người nộp")
    assert d.regime == Regime.ND61_2018
    # No stop notice under TT 01/2018; the control sheet is form 05 there.
    assert forms.available_forms(d) == [FormKind.RECEIPT, FormKind.CONTROL_SHEET]
    with pytest.raises(forms.FormNotAvailable):
        forms.render_form(d, FormKind.STOP_NOTICE)
    sheet = pdf_text(forms.render_form(d, FormKind.CONTROL_SHEET))
    assert "Mẫu số 05 — Thông tư số 01/2018/TT-VPCP" in sheet
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in sheet
    receipt = pdf_text(forms.render_form(d, FormKind.RECEIPT))
    assert "Mẫu số 01 — Thông tư số 01/2018/TT-VPCP" in receipt
    assert forms.form_filename(d, FormKind.CONTROL_SHEET) == f"05-{d.code}.pdf"


def test_the_apology_title_follows_the_regime():
    old = ff.dossier(received_at=ff.vn(2025, 6, 30, 9, 0))
    ff.extend(old, ff.vn(2025, 7, 8, 9, 0), "Chờ kết quả xác minh", ff.vn(2025, 7, 20, 9, 0))
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in pdf_text(
        forms.render_form(old, FormKind.APOLOGY)
    )


def test_without_a_stored_regime_the_receipt_date_in_vietnam_decides():
    # 01/07/2025 05:00 in Hanoi is still 30/06 in UTC: the new rules apply.
    d = ff.dossier(received_at=ff.vn(2025, 7, 1, 5, 0))
    Dossier.objects.filter(pk=d.pk).update(regime="")
    d.refresh_from_db()
    assert forms.dossier_regime(d) == Regime.ND118_2025
    assert forms.form_filename(d, FormKind.CONTROL_SHEET) == f"06-{d.code}.pdf"
    d.received_at = ff.vn(2025, 6, 30, 23, 59)
    assert forms.dossier_regime(d) == Regime.ND61_2018


def test_available_forms_are_those_issued():
    d = ff.dossier()
    assert forms.available_forms(d) == [FormKind.RECEIPT, FormKind.CONTROL_SHEET]
    with pytest.raises(forms.FormNotAvailable):
        forms.render_form(d, FormKind.SUPPLEMENT_REQUEST)
    with pytest.raises(forms.FormNotAvailable):
        forms.render_form(d, FormKind.APOLOGY)
    ff.request_supplement(d, ff.vn(2025, 10, 9), ["Bản sao sổ hộ khẩu"])
    ff.extend(d, ff.vn(2025, 10, 20), "Chờ xác minh", ff.vn(2025, 11, 5))
    assert forms.available_forms(d) == [
        FormKind.RECEIPT,
        FormKind.SUPPLEMENT_REQUEST,
        FormKind.APOLOGY,
        FormKind.CONTROL_SHEET,
    ]
    refused = ff.refuse(ff.dossier(accepted=False), ff.vn(2025, 10, 8, 10), "Sai thẩm quyền")
    assert forms.available_forms(refused) == [FormKind.REFUSAL]
    with pytest.raises(forms.FormNotAvailable):
        forms.render_form(refused, FormKind.RECEIPT)
    with pytest.raises(forms.FormNotAvailable):
        forms.render_form(d, FormKind.REGISTER)  # per agency and period: render_register


def test_every_available_form_renders_and_counters_alone_issue_nothing():
    d = ff.dossier()
    # Counters without the rows a form is built from (e.g. imported data) list no form.
    Dossier.objects.filter(pk=d.pk).update(supplement_requests=1, extended=True)
    d.refresh_from_db()
    assert forms.available_forms(d) == [FormKind.RECEIPT, FormKind.CONTROL_SHEET]
    ff.request_supplement(d, ff.vn(2025, 10, 9), ["Bản sao sổ hộ khẩu"])
    ff.extend(d, ff.vn(2025, 10, 20), "Chờ xác minh", ff.vn(2025, 11, 5))
    ff.stop(d, ff.vn(2025, 10, 25), "Theo đề nghị của người nộp")
    kinds = forms.available_forms(d)
    assert len(kinds) == 5
    for kind in kinds:
        assert forms.render_form(d, kind).startswith(b"%PDF-")


def test_file_names_carry_the_number_and_the_code():
    d = ff.dossier(received_at=ff.vn(2025, 10, 8, 9, 0), code_seq=975)
    assert forms.form_filename(d, FormKind.RECEIPT) == "01-H22.40-251008-0975.pdf"
    assert forms.form_filename(d, FormKind.CONTROL_SHEET) == "06-H22.40-251008-0975.pdf"


def test_a_refusal_without_a_code_prints_a_dash_and_no_qr_code(tmp_path):
    # A counter dossier refused before reception may never have been given a code.
    d = ff.dossier(accepted=False)
    Dossier.objects.filter(pk=d.pk).update(code=None)
    d.refresh_from_db()
    ff.refuse(d, ff.vn(2025, 10, 8, 10), "Sai thẩm quyền")
    pdf = forms.render_form(d, FormKind.REFUSAL)
    assert "Mã hồ sơ: —" in pdf_text(pdf)
    assert qr_content(pdf, tmp_path) == ""
    assert forms.form_filename(d, FormKind.REFUSAL) == f"03-{d.public_id}.pdf"


def test_register_lists_the_agency_s_dossiers_of_the_period_by_vietnam_dates():
    inside_first = ff.dossier(received_at=ff.vn(2025, 10, 1, 0, 30), applicant_name="Vũ Thị Lan")
    inside_last = ff.dossier(received_at=ff.vn(2025, 10, 31, 23, 0), applicant_name="Đỗ Minh Khoa")
    ff.decide(inside_last, ff.vn(2025, 11, 3, 10, 0))
    ff.dossier(received_at=ff.vn(2025, 9, 30, 23, 30), applicant_name="Ngoài Kỳ Trước")
    ff.dossier(received_at=ff.vn(2025, 11, 1, 7, 30), applicant_name="Ngoài Kỳ Sau")
    center = inside_first.receiving_agency
    pdf = forms.render_register(center, date(2025, 10, 1), date(2025, 10, 31))
    text = pdf_text(pdf)
    assert "Mẫu số 07" in text and "SỔ THEO DÕI HỒ SƠ" in text
    assert "Từ ngày 01/10/2025 đến ngày 31/10/2025" in text
    assert inside_first.code in text and inside_last.code in text
    assert "Vũ Thị Lan" in text and "Đỗ Minh Khoa" in text
    assert "Ngoài Kỳ" not in text
    assert "03/11/2025" in text and "(Trước hạn)" in text
    rows = forms.register_context(center, date(2025, 10, 1), date(2025, 10, 31))["rows"]
    assert [(r["code"], r["received_date"], r["decided_at"], r["result"]) for r in rows] == [
        (inside_first.code, "01/10/2025", "", "Đang xử lý"),
        (inside_last.code, "31/10/2025", "03/11/2025", "Giải quyết (Trước hạn)"),
    ]
    assert "841.89 x 595.276 pts (A4)" in page_size(pdf)  # landscape
    assert forms.register_filename(center, date(2025, 10, 1), date(2025, 10, 31)) == (
        "07-H22.40-20251001-20251031.pdf"
    )


def test_register_of_june_2025_is_form_06_and_another_agency_s_dossiers_stay_out():
    ff.dossier(received_at=ff.vn(2025, 6, 10, 9, 0), applicant_name="Bùi Văn Tâm")
    _committee, center, _justice = ff.province()
    other = type(center).objects.create(e_id="H22.41", name="Trung tâm khác", kind=center.kind)
    text = pdf_text(forms.render_register(center, date(2025, 6, 1), date(2025, 6, 30)))
    assert "Mẫu số 06 — Thông tư số 01/2018/TT-VPCP" in text
    assert "Bùi Văn Tâm" in text
    empty = pdf_text(forms.render_register(other, date(2025, 6, 1), date(2025, 6, 30)))
    assert "Bùi Văn Tâm" not in empty and "Không có hồ sơ nào trong kỳ." in empty
    with pytest.raises(ValueError):
        forms.render_register(center, date(2025, 7, 1), date(2025, 6, 30))


def test_rendering_stays_fast():
    d = ff.dossier()
    forms.render_form(d, FormKind.RECEIPT)  # the first render loads the fonts
    started = time.perf_counter()
    for kind in (FormKind.RECEIPT, FormKind.CONTROL_SHEET):
        forms.render_form(d, kind)
    # ~100 ms a page on the team's machines; a large embedded font or image would blow this.
    assert (time.perf_counter() - started) / 2 < 1.0


def test_step_due_dates_use_the_outcome_rule_in_vietnam_dates():
    # Finished on the due date before the due time: on time; the next morning: late.
    d = ff.dossier(received_at=ff.vn(2025, 10, 8, 9, 0))
    step = ff.add_step(
        d,
        1,
        "Thẩm định",
        d.competent_agency,
        ff.vn(2025, 10, 8, 9, 0),
        hours=8,
        finished_at=ff.vn(2025, 10, 8, 16, 0),
    )
    assert forms._step_result(step) == "Đúng hạn"
    step.finished_at = step.due_at + timedelta(hours=15)
    assert forms._step_result(step) == "Trễ hạn"
