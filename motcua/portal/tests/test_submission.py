"""Online submission: step 1 creates the draft, step 2 uploads, step 3 submits; the receipt."""

import os
import re

import pytest

from motcua.dossiers import codes
from motcua.dossiers.lifecycle import Action, State
from motcua.dossiers.models import Attachment, Dossier, Event
from motcua.dossiers.tests import factories as f

from .helpers import assert_strict_csp_ok, fake, pdf, png

pytestmark = pytest.mark.django_db

APPLICANT = {
    "kind": "citizen",
    "name": "Hoàng Văn Nam",
    "id_number": "022090123456",
    "phone": "0912 345 678",
    "email": "nam@example.vn",
    "address": "Tổ 5, khu 3",
    "commune": "06652",
}


def apply_url(p):
    return f"/nop-ho-so/{p.procedure.code}/"


def documents_of(p):
    first, second = p.procedure.current_version.documents.order_by("position")
    return first, second


def start(client, p, **overrides):
    """Step 1: returns the response (a redirect to step 2 on success)."""
    return client.post(apply_url(p), {**APPLICANT, "token": "", **overrides})


def the_draft(p) -> Dossier:
    return Dossier.objects.get(applicant_user=p.citizen)


def test_submission_requires_login(client, p):
    response = client.get(apply_url(p))
    assert response.status_code == 302
    assert response["Location"] == f"/dang-nhap/?next=/nop-ho-so/{p.procedure.code}/"


def test_happy_path_with_real_files(citizen_client, p):
    client = citizen_client
    page = client.get(apply_url(p))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Bước 1: Thông tin người nộp hồ sơ" in html
    # Pre-filled from the account, in Vietnamese order.
    assert 'value="Hoàng Văn Nam"' in html
    assert '<option value="06652">Phường Hà Tu</option>' in html

    response = start(client, p)
    draft = the_draft(p)
    assert response.status_code == 302
    assert response["Location"] == f"/ho-so/{draft.public_id}/giay-to/"
    assert (draft.state, draft.channel, draft.code) == (State.DRAFT, "online", None)
    assert draft.applicant_phone == "0912345678"
    assert draft.applicant_commune.code == "06652"

    step2 = client.get(response["Location"]).content.decode()
    # Accepted types, size and the camera shortcut are shown before choosing a file.
    assert "Nhận tệp PDF, JPEG, PNG, DOCX, XLSX, tối đa 20,0\xa0MB mỗi tệp" in step2
    first, second = documents_of(p)
    assert f'name="file-{first.pk}" multiple accept=".docx,.jpeg,.jpg,.pdf,.png,.xlsx,' in step2
    assert f'name="camera-{second.pk}" accept="image/jpeg,image/png" capture="environment"' in step2

    uploaded = client.post(
        f"/ho-so/{draft.public_id}/giay-to/",
        {
            f"file-{first.pk}": [pdf("don.pdf"), pdf("don-trang-2.pdf")],
            f"camera-{second.pk}": png("can-cuoc.png"),
            "next": "1",
        },
    )
    assert uploaded.status_code == 302
    assert uploaded["Location"] == f"/ho-so/{draft.public_id}/xem-lai/"
    files = Attachment.objects.filter(dossier=draft).order_by("id")
    assert [(a.original_name, a.content_type, a.document_id) for a in files] == [
        ("don.pdf", "application/pdf", first.pk),
        ("don-trang-2.pdf", "application/pdf", first.pk),
        ("can-cuoc.png", "image/png", second.pk),
    ]

    review = client.get(uploaded["Location"]).content.decode()
    assert "Bước 3: Xem lại và nộp hồ sơ" in review
    assert "don.pdf, don-trang-2.pdf" in review and "can-cuoc.png" in review
    assert "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh" in review
    # Without the declaration nothing is submitted, and the error says why.
    refused = client.post(uploaded["Location"], {})
    assert "Vui lòng đánh dấu ô cam đoan trước khi nộp hồ sơ." in refused.content.decode()
    assert the_draft(p).state == State.DRAFT

    submitted = client.post(uploaded["Location"], {"confirm": "on"})
    draft.refresh_from_db()
    assert submitted.status_code == 302
    assert submitted["Location"] == f"/ho-so/{draft.public_id}/bien-nhan/"
    assert draft.state == State.SUBMITTED
    assert draft.code.startswith("H22.40-")
    event = Event.objects.get(dossier=draft, action=Action.SUBMIT)
    assert sorted(event.data["attachments"]) == sorted(a.pk for a in files)

    receipt = client.get(submitted["Location"])
    html = receipt.content.decode()
    assert "no-store" in receipt["Cache-Control"] and "private" in receipt["Cache-Control"]
    assert receipt["Referrer-Policy"] == "no-referrer"
    assert f'<strong class="code" id="receipt-code">{draft.code}</strong>' in html
    secret = codes.display_secret(draft.tracking_secret)
    assert f'<strong class="code" id="receipt-secret">{secret}</strong>' in html
    assert 'src="data:image/svg+xml' in html
    assert f'href="/tra-cuu/{draft.code}/?secret={draft.tracking_secret}"' in html
    # Form 01 is issued at acceptance: not offered yet, and said so.
    assert "bieu-mau/receipt" not in html
    assert "Mẫu 01) có ngày hẹn trả được cấp khi cán bộ tiếp nhận hồ sơ" in html
    assert_strict_csp_ok(receipt)

    # Once accepted, the receipt page links form 01, which is a real PDF.
    f.staff_for(p, draft, "receptionist")
    from motcua.dossiers import services

    services.accept(draft, p.receptionist)
    html = client.get(submitted["Location"]).content.decode()
    assert f'href="/ho-so/{draft.public_id}/bieu-mau/receipt/"' in html
    form01 = client.get(f"/ho-so/{draft.public_id}/bieu-mau/receipt/")
    assert form01["Content-Type"] == "application/pdf"
    assert form01.content.startswith(b"%PDF-")
    assert f'filename="01-{draft.code}.pdf"' in form01["Content-Disposition"]


def test_draft_is_resumed_from_my_dossiers(citizen_client, p):
    client = citizen_client
    start(client, p)
    draft = the_draft(p)
    first, _second = documents_of(p)
    client.post(f"/ho-so/{draft.public_id}/giay-to/", {f"file-{first.pk}": pdf()})
    client.logout()

    client.force_login(p.citizen)
    mine = client.get("/ho-so/").content.decode()
    assert "Hồ sơ nháp" in mine and "Chưa nộp" in mine
    assert f'href="/ho-so/{draft.public_id}/giay-to/">Tiếp tục nộp hồ sơ</a>' in mine
    step2 = client.get(f"/ho-so/{draft.public_id}/giay-to/").content.decode()
    assert "don-de-nghi.pdf" in step2
    # The procedure page's button also leads back to the draft rather than a blank form.
    step1 = client.get(apply_url(p)).content.decode()
    assert f'href="/ho-so/{draft.public_id}/giay-to/">Tiếp tục hồ sơ nháp tạo lúc' in step1
    # Step 1 of the draft shows what was saved, and a correction is saved in place.
    edit = client.get(f"/ho-so/{draft.public_id}/nguoi-nop/").content.decode()
    assert 'value="022090123456"' in edit
    changed = client.post(
        f"/ho-so/{draft.public_id}/nguoi-nop/",
        {
            **APPLICANT,
            "address": "Số 9 phố Mới",
            "rep_name": "Lê Thị Hoa",
            "rep_phone": "0987654321",
        },
    )
    assert changed["Location"] == f"/ho-so/{draft.public_id}/giay-to/"
    draft.refresh_from_db()
    assert (draft.applicant_address, draft.representative_name) == ("Số 9 phố Mới", "Lê Thị Hoa")
    assert Dossier.objects.filter(applicant_user=p.citizen).count() == 1


def test_step1_errors_are_next_to_fields_and_keep_input(citizen_client, p):
    response = start(
        citizen_client, p, id_number="123", phone="12345", email="khong-phai-email", name=""
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert not Dossier.objects.exists()
    # Each message sits in the field's own error list, which the input points at.
    assert 'id="id_name_error"><li>Phải nhập họ tên người nộp hoặc tên tổ chức.</li>' in html
    assert (
        '<ul class="errorlist" id="id_id_number_error"><li>Số định danh cá nhân phải gồm đúng 12 chữ số.</li>'
        in html
    )
    assert '<ul class="errorlist" id="id_phone_error"><li>Số điện thoại không hợp lệ' in html
    assert (
        '<ul class="errorlist" id="id_email_error"><li>Địa chỉ thư điện tử không hợp lệ.</li>'
        in html
    )
    assert 'aria-invalid="true" aria-describedby="id_id_number_helptext id_id_number_error"' in html
    # What was typed is still there.
    for value in (
        'value="123"',
        'value="12345"',
        'value="khong-phai-email"',
        'value="Tổ 5, khu 3"',
    ):
        assert value in html
    assert '<option value="06652" selected>Phường Hà Tu</option>' in html
    assert "Vui lòng kiểm tra lại" in html


def test_tax_code_for_an_enterprise(citizen_client, p):
    bad = start(citizen_client, p, kind="enterprise", id_number="12345")
    assert "Mã số thuế phải gồm 10 chữ số" in bad.content.decode()
    good = start(citizen_client, p, kind="enterprise", id_number="0101234567-001", name="Công ty A")
    assert good.status_code == 302
    assert the_draft(p).applicant_id_number == "0101234567-001"


def test_the_same_step1_sent_twice_makes_one_draft(citizen_client, p):
    first = start(citizen_client, p, token="form-1")
    again = start(citizen_client, p, token="form-1")
    assert first["Location"] == again["Location"]
    assert Dossier.objects.count() == 1
    # The same form re-sent with other content: said so, a fresh token offered, nothing made.
    changed = start(citizen_client, p, token="form-1", address="Khác")
    html = changed.content.decode()
    assert "Biểu mẫu này đã được gửi trước đó với thông tin khác" in html
    assert 'name="token" value="form-1"' not in html
    assert Dossier.objects.count() == 1


def test_bad_file_is_refused_next_to_its_document_and_others_are_kept(citizen_client, p):
    client = citizen_client
    start(client, p)
    draft = the_draft(p)
    first, second = documents_of(p)
    response = client.post(
        f"/ho-so/{draft.public_id}/giay-to/",
        {
            f"file-{first.pk}": pdf("don.pdf"),
            f"file-{second.pk}": fake("can-cuoc.pdf"),
            "next": "1",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    # The good file is saved and listed; the bad one is named in its document's block.
    assert list(draft.attachments.values_list("original_name", flat=True)) == ["don.pdf"]
    block = re.search(
        rf'<fieldset class="document document-invalid" id="slot-{second.pk}">.*?</fieldset>',
        html,
        re.S,
    )
    assert block is not None
    assert "«can-cuoc.pdf»: Chỉ nhận tệp PDF, JPEG, PNG, DOCX hoặc XLSX" in block.group(0)
    assert f'aria-describedby="upload-rules slot-{second.pk}-error"' in block.group(0)
    assert "don.pdf" in re.search(rf'id="slot-{first.pk}">.*?</fieldset>', html, re.S).group(0)


def test_too_large_file_is_refused(citizen_client, p, settings):
    settings.MOTCUA_MAX_UPLOAD_BYTES = 100
    start(citizen_client, p)
    draft = the_draft(p)
    first, _second = documents_of(p)
    html = citizen_client.post(
        f"/ho-so/{draft.public_id}/giay-to/", {f"file-{first.pk}": pdf()}
    ).content.decode()
    assert "Tệp vượt quá dung lượng cho phép (100\xa0byte)" in html
    assert "tối đa 100\xa0byte mỗi tệp" in html
    assert not draft.attachments.exists()


def test_missing_required_document_blocks_review(citizen_client, p):
    client = citizen_client
    start(client, p)
    draft = the_draft(p)
    first, second = documents_of(p)
    response = client.post(
        f"/ho-so/{draft.public_id}/giay-to/", {f"file-{first.pk}": pdf(), "next": "1"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    block = re.search(rf'id="slot-{second.pk}">.*?</fieldset>', html, re.S).group(0)
    assert "Chưa có tệp cho giấy tờ bắt buộc này." in block
    # The review page refuses to submit too, even when asked directly.
    review = client.post(f"/ho-so/{draft.public_id}/xem-lai/", {"confirm": "on"})
    assert "Còn thiếu giấy tờ bắt buộc:" in review.content.decode()
    draft.refresh_from_db()
    assert draft.state == State.DRAFT


def test_remove_a_file_without_javascript(citizen_client, p, django_capture_on_commit_callbacks):
    client = citizen_client
    start(client, p)
    draft = the_draft(p)
    first, _second = documents_of(p)
    client.post(
        f"/ho-so/{draft.public_id}/giay-to/", {f"file-{first.pk}": [pdf("a.pdf"), pdf("b.pdf")]}
    )
    a = draft.attachments.get(original_name="a.pdf")
    stored = a.file.path
    # The "Xóa" button submits the step's form with remove=<id>; a file chosen meanwhile is kept.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/ho-so/{draft.public_id}/giay-to/",
            {"remove": str(a.pk), f"file-{first.pk}": pdf("c.pdf")},
        )
    assert response.status_code == 302
    names = sorted(draft.attachments.values_list("original_name", flat=True))
    assert names == ["b.pdf", "c.pdf"]
    assert not os.path.exists(stored)  # the stored file went with it


def test_remove_a_file_with_htmx_returns_the_block(citizen_client, p):
    client = citizen_client
    start(client, p)
    draft = the_draft(p)
    first, _second = documents_of(p)
    client.post(
        f"/ho-so/{draft.public_id}/giay-to/", {f"file-{first.pk}": [pdf("a.pdf"), pdf("b.pdf")]}
    )
    a = draft.attachments.get(original_name="a.pdf")
    html = client.get(f"/ho-so/{draft.public_id}/giay-to/").content.decode()
    assert (
        f'hx-post="/ho-so/{draft.public_id}/tep/{a.pk}/xoa/" hx-params="none" hx-target="#slot-{first.pk}"'
        in html
    )
    response = client.post(f"/ho-so/{draft.public_id}/tep/{a.pk}/xoa/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.startswith(f'<fieldset class="document" id="slot-{first.pk}">')
    assert "b.pdf" in fragment and "a.pdf" not in fragment
    assert "<html" not in fragment
    # Without htmx the same address redirects back to the step.
    b = draft.attachments.get(original_name="b.pdf")
    plain = client.post(f"/ho-so/{draft.public_id}/tep/{b.pk}/xoa/")
    assert plain["Location"] == f"/ho-so/{draft.public_id}/giay-to/"
    assert not draft.attachments.exists()


def test_procedure_not_online_has_no_form(citizen_client, p):
    version = p.procedure.current_version
    version.online = "none"
    version.save()
    p.procedure.refresh_search_columns()
    p.procedure.save()
    response = citizen_client.get(apply_url(p))
    assert response.status_code == 404
    assert "Thủ tục chưa nhận hồ sơ trực tuyến" in response.content.decode()
    assert start(citizen_client, p).status_code == 404
    assert not Dossier.objects.exists()
    assert citizen_client.get("/nop-ho-so/9.999999/").status_code == 404


def test_commune_procedure_needs_the_commune(citizen_client, p):
    url = f"/nop-ho-so/{p.commune_procedure.code}/"
    response = citizen_client.post(url, {**APPLICANT, "commune": ""})
    html = response.content.decode()
    assert re.search(r'id="id_commune_error"><li>Thủ tục do nhiều cơ quan giải quyết', html)
    response = citizen_client.post(url, {**APPLICANT, "commune": "06658"})
    draft = Dossier.objects.get()
    assert draft.competent_agency == p.other_commune_committee
    assert draft.receiving_agency == p.other_commune_center
    # Moving to the other ward re-routes the draft.
    citizen_client.post(f"/ho-so/{draft.public_id}/nguoi-nop/", {**APPLICANT, "commune": "06652"})
    draft.refresh_from_db()
    assert (draft.competent_agency, draft.receiving_agency) == (
        p.commune_committee,
        p.commune_center,
    )
