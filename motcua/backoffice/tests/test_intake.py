"""Counter intake: pick the procedure by typing, fill the applicant, tick the documents, then
accept (receipt, form 01), ask for supplements (form 02) or refuse (form 03)."""

import re

import pytest
from django.urls import reverse

from motcua.dossiers.models import Attachment, Dossier, Event, Pause
from motcua.dossiers.tests import factories as f

from .conftest import no_inline_code, unlabelled_controls

pytestmark = pytest.mark.django_db
INTAKE = reverse("backoffice:intake")


def post_data(p, op="accept", **overrides):
    docs = list(p.procedure.current_version.documents.order_by("position"))
    data = {
        "procedure": p.procedure.code,
        "idempotency_key": "",
        "applicant_kind": "citizen",
        "applicant_name": "Nguyễn Văn An",
        "applicant_id_number": "022090123456",
        "applicant_phone": "0912 345 678",
        "applicant_address": "Tổ 5, khu 3",
        "documents": [str(d.pk) for d in docs],
        "op": op,
    }
    data.update(overrides)
    return data


def test_the_intake_page_starts_in_the_procedure_box(p, as_user):
    html = as_user(p.receptionist).get(INTAKE).content.decode()
    box = re.search(r'<input id="procedure-q"[^>]*>', html, re.S).group(0)
    assert "autofocus" in box and 'role="combobox"' in box
    assert 'hx-get="/can-bo/tiep-nhan/thu-tuc/"' in box
    assert "backoffice/backoffice.js" in html and no_inline_code(html)


def test_suggestions_come_from_the_catalog_search_without_diacritics(p, as_user):
    client = as_user(p.receptionist)
    url = reverse("backoffice:procedure-suggestions")
    html = client.get(url, {"thu_tuc": "ly lich tu phap"}).content.decode()
    assert f'data-code="{p.procedure.code}"' in html and 'role="option"' in html
    assert "<html" not in html
    assert client.get(url, {"thu_tuc": ""}).content.decode().strip() == ""


def test_typing_a_code_or_the_only_match_picks_the_procedure(p, as_user):
    client = as_user(p.receptionist)
    for typed in (p.procedure.code, "ly lich"):
        html = client.get(INTAKE, {"thu_tuc": typed}).content.decode()
        assert "Cấp Phiếu lý lịch tư pháp" in html and 'name="applicant_name"' in html
        # The checklist shows each required document with original/copy and copies.
        assert "Bản sao căn cước" in html and "1 bản" in html
        name = re.search(r'<input[^>]*name="applicant_name"[^>]*>', html).group(0)
        assert "autofocus" in name
        assert unlabelled_controls(html) == []


def test_several_matches_offer_a_choice_and_none_says_so(p, as_user):
    f.make_procedure("Cấp Phiếu lý lịch tư pháp số 2", agencies=[p.justice])
    client = as_user(p.receptionist)
    html = client.get(INTAKE, {"thu_tuc": "phieu ly lich"}).content.decode()
    assert html.count('type="radio" name="thu_tuc"') == 2 and "checked autofocus" in html
    html = client.get(INTAKE, {"thu_tuc": "xyzxyz"}).content.decode()
    assert "Không tìm thấy thủ tục nào" in html


def test_accept_creates_the_dossier_with_its_code_and_offers_the_receipt(p, as_user):
    client = as_user(p.receptionist)
    docs = list(p.procedure.current_version.documents.order_by("position"))
    scan = f.pdf_file("to-khai.pdf")
    data = post_data(p, **{f"file_{docs[0].pk}": scan})
    response = client.post(INTAKE, data)
    assert response.status_code == 302
    d = Dossier.objects.get()
    assert d.state == "processing" and d.channel == "counter"
    assert re.fullmatch(r"H22\.40-\d{6}-0001", d.code)
    assert response["Location"] == reverse("backoffice:intake-result", args=[d.code])
    accepted = Event.objects.get(dossier=d, action="accept")
    assert sorted(accepted.data["checklist"]) == sorted(doc.pk for doc in docs)
    attachment = Attachment.objects.get(dossier=d)
    assert attachment.digitised and attachment.document_id == docs[0].pk
    assert accepted.data["attachments"] == [attachment.pk]

    html = client.get(response["Location"]).content.decode()
    receipt = reverse("backoffice:dossier-form", args=[d.code, "receipt"])
    link = re.search(rf'<a[^>]*href="{re.escape(receipt)}"[^>]*>', html).group(0)
    assert 'target="_blank"' in link and "autofocus" in link
    assert "Mẫu số 01" in html and f"Đã tiếp nhận hồ sơ {d.code}" in html
    pdf = client.get(receipt)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"].startswith("inline;")


def test_supplement_lists_the_unticked_documents_and_the_free_text(p, as_user):
    client = as_user(p.receptionist)
    docs = list(p.procedure.current_version.documents.order_by("position"))
    data = post_data(
        p, "supplement", documents=[str(docs[0].pk)], supplement_items="Ảnh 4x6\n\nGiấy ủy quyền"
    )
    response = client.post(INTAKE, data)
    assert response.status_code == 302
    d = Dossier.objects.get()
    assert d.state == "supplementing" and d.code and d.received_at is None
    assert Pause.objects.get(dossier=d).items == [docs[1].name, "Ảnh 4x6", "Giấy ủy quyền"]
    html = client.get(response["Location"]).content.decode()
    slip = reverse("backoffice:dossier-form", args=[d.code, "supplement_request"])
    assert slip in html and "Mẫu số 02" in html
    assert client.get(slip).content.startswith(b"%PDF")


def test_refusal_needs_a_reason_then_issues_form_03(p, as_user):
    client = as_user(p.receptionist)
    response = client.post(INTAKE, post_data(p, "refuse"))
    assert response.status_code == 400 and not Dossier.objects.exists()
    html = response.content.decode()
    field = re.search(r'<div class="bo-field has-error">\s*<label for="id_refusal_reason">', html)
    assert field and "Phải nêu lý do." in html
    # What was typed is kept.
    assert 'value="Nguyễn Văn An"' in html
    response = client.post(INTAKE, post_data(p, "refuse", refusal_reason="Không thuộc thẩm quyền"))
    d = Dossier.objects.get()
    assert d.state == "refused" and d.code
    html = client.get(response["Location"]).content.decode()
    assert reverse("backoffice:dossier-form", args=[d.code, "refusal"]) in html


def test_errors_are_shown_next_to_the_fields_and_the_input_is_kept(p, as_user):
    client = as_user(p.receptionist)
    response = client.post(INTAKE, post_data(p, applicant_id_number="123", applicant_phone="12"))
    assert response.status_code == 400 and not Dossier.objects.exists()
    html = response.content.decode()
    id_field = re.search(r'<input[^>]*name="applicant_id_number"[^>]*>', html).group(0)
    assert (
        'aria-invalid="true"' in id_field and 'value="123"' in id_field and "autofocus" in id_field
    )
    assert 'id="id_applicant_id_number_error"' in html
    assert re.search(r'<input[^>]*name="applicant_phone"[^>]*aria-invalid="true"', html)
    # The ticked documents stay ticked.
    assert len(re.findall(r'<input type="checkbox" name="documents"[^>]* checked>', html)) == 2


def test_check_and_enter_never_file_a_dossier(p, as_user):
    client = as_user(p.receptionist)
    response = client.post(INTAKE, post_data(p, "check"))
    assert response.status_code == 200 and not Dossier.objects.exists()
    assert "Thông tin bắt buộc đã đủ" in response.content.decode()
    # Enter presses the first submit button of the form: the check.
    html = response.content.decode()
    form = html[html.index('class="bo-intake"') :]
    first = re.search(r'<button type="submit" name="op" value="(\w+)"', form).group(1)
    assert first == "check"


def test_a_scanned_id_card_fills_the_applicant(p, as_user):
    scan = "022090123456|123456789|Trần Thị Bích|01011990|Nữ|Tổ 1, Phường Hà Tu|01012021"
    data = post_data(p, "check", applicant_id_number=scan, applicant_name="", applicant_address="")
    html = as_user(p.receptionist).post(INTAKE, data).content.decode()
    assert 'value="Trần Thị Bích"' in html and 'value="022090123456"' in html
    assert 'value="Tổ 1, Phường Hà Tu"' in html and "thẻ căn cước" in html


def test_sending_the_form_twice_files_one_dossier(p, as_user):
    client = as_user(p.receptionist)
    data = post_data(p, idempotency_key="5f1c0c6e8d0a4a51")
    first = client.post(INTAKE, data)
    second = client.post(INTAKE, data)
    assert Dossier.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_a_bad_scan_is_refused_next_to_its_document_and_nothing_is_filed(p, as_user):
    doc = p.procedure.current_version.documents.order_by("position").first()
    bad = f.pdf_file("virus.exe", b"MZ\x90\x00 not a document")
    response = as_user(p.receptionist).post(INTAKE, post_data(p, **{f"file_{doc.pk}": bad}))
    assert response.status_code == 400
    assert not Dossier.objects.exists() and not Attachment.objects.exists()
    html = response.content.decode()
    assert "Có tệp quét không hợp lệ" in html
    file_box = html[html.index(f'id="file-{doc.pk}"') :]
    assert re.match(r'[^<]*>\s*<p class="error">[^<]+</p>', file_box)


def test_a_commune_procedure_asks_for_the_applicants_commune(p, as_user):
    client = as_user(p.receptionist)
    html = client.get(INTAKE, {"thu_tuc": p.commune_procedure.code}).content.decode()
    select = re.search(r'<select name="applicant_commune".*?</select>', html, re.S).group(0)
    assert "Phường Hà Tu" in select and "Phường Cao Xanh" in select
    data = post_data(p, procedure=p.commune_procedure.code, documents=[])
    response = client.post(INTAKE, data)
    assert response.status_code == 400
    assert re.search(
        r'<select name="applicant_commune"[^>]*aria-invalid="true"', response.content.decode()
    )
    # The territorial rule: the province center receives it for the commune that decides.
    response = client.post(INTAKE, {**data, "applicant_commune": "06658"})
    d = Dossier.objects.get()
    assert response.status_code == 302
    assert (d.receiving_agency, d.competent_agency) == (p.center, p.other_commune_committee)


def test_a_receptionist_of_two_centers_chooses_where_it_is_received(p, as_user):
    from motcua.agencies.services import grant_role

    grant_role(p.receptionist, p.commune_center, "receptionist")
    client = as_user(p.receptionist)
    response = client.post(INTAKE, post_data(p))
    assert response.status_code == 400 and not Dossier.objects.exists()
    assert 'name="receiving_agency"' in response.content.decode()
    client.post(INTAKE, post_data(p, receiving_agency=str(p.commune_center.pk)))
    assert Dossier.objects.get().receiving_agency == p.commune_center
