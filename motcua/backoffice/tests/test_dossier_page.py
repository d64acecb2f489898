"""The dossier page: facts, documents with previews, timeline, control sheet, forms, and the
actions the user may take now, each posted through the services with the version read."""

import re

import pytest
from django.urls import reverse

from motcua.dossiers import services
from motcua.dossiers.models import Attachment, Dossier
from motcua.dossiers.tests import factories as f

from .conftest import no_inline_code, unlabelled_controls

pytestmark = pytest.mark.django_db


def page(d):
    return reverse("backoffice:dossier", args=[d.code])


def act(d):
    return reverse("backoffice:dossier-action", args=[d.code])


def action_names(html: str) -> list[str]:
    return re.findall(r'<input type="hidden" name="action" value="(\w+)">', html)


@pytest.fixture
def appraisal(p):
    """At the appraisal step (specialist of Sở Tư pháp), with a scanned PDF and a photo."""
    d = f.new_dossier(p, channel="counter", now=f.T0)
    docs = list(d.procedure_version.documents.order_by("position"))
    pdf = services.add_attachment(
        d, p.receptionist, document=docs[0].pk, uploaded_file=f.pdf_file(), digitised=True
    )
    png = services.add_attachment(
        d,
        p.receptionist,
        document=docs[1].pk,
        uploaded_file=f.pdf_file("anh.png", f.PNG_BYTES),
        digitised=True,
    )
    d = services.accept(d, p.receptionist, checklist=[docs[0].pk], attachments=[pdf.pk], now=f.T0)
    d = f.advance(p, d, 1, f.Clock(f.T0 + f.GAP))
    d.pdf, d.png = pdf, png
    return d


def test_the_page_shows_applicant_documents_timeline_sheet_and_forms(p, as_user, appraisal):
    d = appraisal
    response = as_user(p.specialist).get(page(d))
    html = response.content.decode()
    assert response.status_code == 200 and no_inline_code(html)
    assert "Nguyễn Văn An" in html and "022090123456" in html and "Tổ 5, khu 3" in html
    # Documents with the acceptance tick, and inline previews of the files.
    assert "Đơn đề nghị (theo mẫu)" in html and "Đã nhận" in html
    preview = reverse("backoffice:attachment", args=[d.code, d.pdf.pk])
    assert re.search(rf'<iframe src="{re.escape(preview)}" title="Xem trước to-khai.pdf"', html)
    image = reverse("backoffice:attachment", args=[d.code, d.png.pk])
    assert f'<img src="{image}" alt="anh.png"' in html
    # Timeline: who, when, action, from → to.
    assert "Tiếp nhận hồ sơ" in html and "Nguyễn Thị Lan" in html
    assert "08/10/2025 09:00" in html and "Chưa nộp → Đang xử lý" in html
    # Control sheet: step, agency, officer, on time / late.
    assert "Chuyên viên thẩm định hồ sơ" in html and "Sở Tư pháp" in html and "Đúng hạn" in html
    # Printable forms: the receipt and the control sheet.
    assert reverse("backoffice:dossier-form", args=[d.code, "receipt"]) in html
    assert "Mẫu số 06" in html
    assert unlabelled_controls(html) == []


def test_each_user_sees_the_actions_allowed_now(p, as_user, appraisal):
    d = appraisal
    specialist = action_names(as_user(p.specialist).get(page(d)).content.decode())
    # No extension: received in October 2025, the dossier is long past its due time.
    # The action that moves the dossier on comes first.
    assert specialist == [
        "forward",
        "request_supplement",
        "send_back",
        "transfer",
        "request_payment",
    ]
    leader = action_names(as_user(p.leader).get(page(d)).content.decode())
    assert "assign" in leader and "deny" in leader and "forward" not in leader
    manager = as_user(p.manager).get(page(d)).content.decode()
    assert action_names(manager) == [] and "Bạn không có thao tác nào" in manager


def test_assign_offers_the_agency_staff_and_posts_through_the_service(p, as_user, appraisal):
    d = appraisal
    client = as_user(p.leader)
    html = client.get(page(d)).content.decode()
    select = re.search(r'<select name="assign-officer".*?</select>', html, re.S).group(0)
    assert "Võ Thị Thảo" in select and "Lê Văn Hùng" in select and "Đinh Văn Khoa" not in select
    data = {"action": "assign", "expected_version": d.version, "assign-officer": p.specialist2.pk}
    response = client.post(act(d), data)
    assert response.status_code == 302 and response["Location"] == page(d)
    assert Dossier.objects.get(pk=d.pk).current_officer == p.specialist2
    assert "Đã thực hiện: Phân công xử lý." in client.get(page(d)).content.decode()


def test_a_stale_version_shows_the_conflict_and_changes_nothing(p, as_user, appraisal):
    d = appraisal
    client = as_user(p.specialist)
    seen = d.version
    services.assign(d, p.leader, officer=p.specialist)  # someone acts in between
    data = {"action": "forward", "expected_version": seen, "forward-note": "Đủ điều kiện"}
    response = client.post(act(d), data)
    html = response.content.decode()
    assert response.status_code == 409
    assert (
        "Hồ sơ vừa được người khác cập nhật" in html and "Trạng thái hiện tại: Đang xử lý" in html
    )
    current = Dossier.objects.get(pk=d.pk)
    assert current.step_index == 1 and current.version == seen + 1
    # The page now carries the current version, and the officer's note is kept for a retry.
    assert f'name="expected_version" value="{current.version}"' in html
    assert "Đủ điều kiện" in html


def test_a_service_refusal_is_shown_next_to_the_field(p, as_user, appraisal):
    d = appraisal
    data = {"action": "send_back", "expected_version": d.version, "send_back-reason": "  "}
    response = as_user(p.specialist).post(act(d), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(
        r'<label for="id_send_back-reason">[^<]+</label>\s*<ul class="errorlist" id="id_send_back-reason_error"><li>Phải nêu lý do.</li>',
        html,
    )
    assert Dossier.objects.get(pk=d.pk).version == d.version


def test_someone_who_may_not_act_gets_the_message(p, as_user, appraisal):
    d = appraisal
    data = {"action": "forward", "expected_version": d.version}
    response = as_user(p.specialist2).post(act(d), data)
    assert response.status_code == 403
    assert "Chỉ cán bộ được phân công xử lý bước hiện tại" in response.content.decode()


def test_forward_then_approve_with_a_result_file(p, as_user, appraisal):
    d = appraisal
    data = {"action": "forward", "expected_version": d.version, "forward-officer": p.leader.pk}
    assert as_user(p.specialist).post(act(d), data).status_code == 302
    d = Dossier.objects.get(pk=d.pk)
    assert (d.step_index, d.current_officer) == (2, p.leader)
    client = as_user(p.leader)
    data = {
        "action": "approve",
        "expected_version": d.version,
        "approve-note": "Đồng ý",
        "approve-result_file": f.pdf_file("ket-qua.pdf"),
    }
    assert client.post(act(d), data).status_code == 302
    d = Dossier.objects.get(pk=d.pk)
    assert d.state == "decided" and d.result_note == "Đồng ý"
    result = Attachment.objects.get(dossier=d, kind="result")
    assert result.original_name == "ket-qua.pdf"
    assert d.events.get(action="approve").data["attachments"] == [result.pk]


def test_the_preview_is_inline_same_origin_and_permission_checked(p, as_user, appraisal):
    d = appraisal
    url = reverse("backoffice:attachment", args=[d.code, d.pdf.pk])
    response = as_user(p.specialist).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
    # The dossier page itself stays unframeable.
    assert as_user(p.specialist).get(page(d))["X-Frame-Options"] == "DENY"
    # An officer of another agency, and an attachment of another dossier: 404.
    assert as_user(p.commune_specialist).get(url).status_code == 404
    other = f.dossier_in(p, "processing", step=1)
    wrong = reverse("backoffice:attachment", args=[other.code, d.pdf.pk])
    assert as_user(p.specialist).get(wrong).status_code == 404


def test_forms_not_issued_are_404(p, as_user, appraisal):
    client = as_user(p.specialist)
    assert (
        client.get(reverse("backoffice:dossier-form", args=[appraisal.code, "refusal"])).status_code
        == 404
    )
    assert (
        client.get(reverse("backoffice:dossier-form", args=[appraisal.code, "nope"])).status_code
        == 404
    )


def test_the_dossier_page_costs_a_bounded_number_of_queries(
    p, as_user, appraisal, django_assert_max_num_queries
):
    client = as_user(p.specialist)
    client.get(page(appraisal))
    with django_assert_max_num_queries(30):
        client.get(page(appraisal))


def test_extend_reads_the_new_due_time_in_vietnam(p, as_user):
    from datetime import timedelta

    from django.utils import timezone

    from motcua.worktime.deadlines import VN_TZ

    d = f.dossier_in(p, "processing", step=1, now=timezone.now())
    new_due = timezone.localtime(d.due_at, VN_TZ) + timedelta(days=3)
    data = {
        "action": "extend",
        "expected_version": d.version,
        "extend-reason": "Cần xác minh thêm",
        "extend-new_due_at": new_due.strftime("%d/%m/%Y %H:%M"),
    }
    response = as_user(p.specialist).post(act(d), data)
    assert response.status_code == 302
    d = Dossier.objects.get(pk=d.pk)
    assert d.extended and d.due_at == new_due.replace(second=0, microsecond=0)
    assert d.apology.reason == "Cần xác minh thêm"
