"""'Hồ sơ của tôi': the list, a dossier's page, supplements, withdrawal, downloads, privacy."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.dossiers import services
from motcua.dossiers.lifecycle import Action, State
from motcua.dossiers.models import Attachment, AttachmentKind, Event
from motcua.dossiers.tests import factories as f

from .helpers import assert_strict_csp_ok, fake, pdf, png, tiny_pdf

pytestmark = pytest.mark.django_db

OFFICERS = ("Nguyễn Thị Lan", "Lê Văn Hùng", "Phạm Thị Thu Hà", "Trần Văn Bình")


def test_list_shows_status_due_time_and_what_to_do(citizen_client, p):
    processing = f.dossier_in(p, "processing")
    supplementing = f.dossier_in(p, "supplementing")
    decided = f.dossier_in(p, "decided")
    draft = f.dossier_in(p, "draft")
    f.dossier_in(p, "processing", applicant_user=p.other_citizen)
    response = citizen_client.get("/ho-so/")
    html = response.content.decode()
    assert html.count('class="dossier-item"') == 4
    # Due date and time as dd/mm/yyyy HH:MM (Vietnam time).
    assert (
        f"Hẹn trả kết quả: <strong>{processing.due_at.astimezone(f.VN_TZ):%d/%m/%Y %H:%M}</strong>"
        in html
    )
    assert '<span class="status status-processing">Đang xử lý</span>' in html
    assert f'href="/ho-so/{supplementing.public_id}/bo-sung/">Bổ sung hồ sơ</a>' in html
    assert f'href="/ho-so/{decided.public_id}/#ket-qua">Nhận kết quả</a>' in html
    assert f'href="/ho-so/{draft.public_id}/giay-to/">Tiếp tục nộp hồ sơ</a>' in html
    assert processing.code in html
    assert_strict_csp_ok(response)


def test_overdue_dossier_is_flagged(citizen_client, p):
    late = f.dossier_in(p, "processing", now=f.vn(2025, 1, 6, 9))
    assert late.due_at.year == 2025
    html = citizen_client.get("/ho-so/").content.decode()
    assert '<span class="badge badge-late">Quá hạn</span>' in html


def test_detail_shows_the_public_timeline_without_officers(citizen_client, p):
    d = f.dossier_in(p, "processing", step=2)
    response = citizen_client.get(f"/ho-so/{d.public_id}/")
    html = response.content.decode()
    assert response.status_code == 200
    timeline = re.search(r'<ol class="timeline">.*?</ol>', html, re.S).group(0)
    labels = re.findall(r"<strong>([^<]+)</strong>", timeline)
    assert labels == ["Nộp hồ sơ trực tuyến", "Tiếp nhận hồ sơ", "Chuyển xử lý", "Chuyển xử lý"]
    assert "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh" in timeline
    assert "Sở Tư pháp" in timeline
    assert not any(name in html for name in OFFICERS)
    secret = "-".join(d.tracking_secret[i : i + 5] for i in (0, 5))
    assert f"<dd>{secret} " in html
    assert f"<dd><strong>{d.due_at.astimezone(f.VN_TZ):%d/%m/%Y %H:%M}</strong>" in html
    # The receipt (form 01) is issued: the applicant downloads it; the control sheet is not theirs.
    assert f'href="/ho-so/{d.public_id}/bieu-mau/receipt/">Mẫu 01: Giấy tiếp nhận' in html
    assert "control_sheet" not in html
    assert citizen_client.get(f"/ho-so/{d.public_id}/bieu-mau/control_sheet/").status_code == 404
    assert f'href="/ho-so/{d.public_id}/rut/">Rút hồ sơ</a>' in html
    assert "no-store" in response["Cache-Control"]
    assert_strict_csp_ok(response)


def test_supplement_round_trip(citizen_client, p):
    d = f.dossier_in(p, "supplementing")
    due_before = d.due_at
    detail = citizen_client.get(f"/ho-so/{d.public_id}/").content.decode()
    assert "Việc cần làm: Bổ sung hồ sơ" in detail
    assert "<li>Giấy xác nhận cư trú</li>" in detail
    assert f'href="/ho-so/{d.public_id}/bo-sung/">Bổ sung hồ sơ</a>' in detail

    page = citizen_client.get(f"/ho-so/{d.public_id}/bo-sung/").content.decode()
    assert "<li>Giấy xác nhận cư trú</li>" in page
    first = d.procedure_version.documents.order_by("position").first()
    # Sending nothing is refused; a refused file is reported and the note is kept.
    empty = citizen_client.post(f"/ho-so/{d.public_id}/bo-sung/", {"send": "1"}).content.decode()
    assert "Vui lòng tải lên giấy tờ bổ sung hoặc ghi chú trước khi gửi." in empty
    bad = citizen_client.post(
        f"/ho-so/{d.public_id}/bo-sung/",
        {
            "file-other": [fake("xac-nhan.pdf"), png("xac-nhan.png")],
            "note": "Gửi bổ sung",
            "send": "1",
        },
    ).content.decode()
    assert "«xac-nhan.pdf»: Chỉ nhận tệp PDF" in bad
    assert ">\nGửi bổ sung</textarea>" in bad
    d.refresh_from_db()
    assert d.state == State.SUPPLEMENTING
    assert "xac-nhan.png" in bad  # the good file is saved and listed

    sent = citizen_client.post(
        f"/ho-so/{d.public_id}/bo-sung/",
        {f"file-{first.pk}": pdf("don-moi.pdf"), "note": "Gửi bổ sung", "send": "1"},
    )
    assert sent["Location"] == f"/ho-so/{d.public_id}/"
    d.refresh_from_db()
    assert d.state == State.PROCESSING
    assert d.due_at > due_before  # the clock was paused
    event = Event.objects.get(dossier=d, action=Action.SUPPLEMENT)
    files = Attachment.objects.filter(dossier=d, kind=AttachmentKind.SUPPLEMENT).order_by("id")
    assert [a.original_name for a in files] == ["xac-nhan.png", "don-moi.pdf"]
    assert sorted(event.data["attachments"]) == [a.pk for a in files]
    assert event.note == "Gửi bổ sung"
    after = citizen_client.get(f"/ho-so/{d.public_id}/").content.decode()
    assert "Đã gửi hồ sơ bổ sung." in after
    assert "Mẫu 02: Phiếu yêu cầu bổ sung" in after
    # No longer waiting: the supplement page sends back to the dossier.
    assert (
        citizen_client.get(f"/ho-so/{d.public_id}/bo-sung/")["Location"] == f"/ho-so/{d.public_id}/"
    )


def test_supplement_asked_at_reception(citizen_client, p):
    d = f.dossier_in(p, "supplementing", at_reception=True)
    html = citizen_client.get(f"/ho-so/{d.public_id}/bo-sung/").content.decode()
    assert "<li>Bản sao căn cước còn hiệu lực</li>" in html
    citizen_client.post(f"/ho-so/{d.public_id}/bo-sung/", {"file-other": pdf(), "send": "1"})
    d.refresh_from_db()
    assert d.state == State.SUBMITTED


def test_withdraw_with_confirmation(citizen_client, p):
    d = f.dossier_in(p, "processing")
    page = citizen_client.get(f"/ho-so/{d.public_id}/rut/").content.decode()
    assert "Xác nhận rút hồ sơ" in page
    unconfirmed = citizen_client.post(f"/ho-so/{d.public_id}/rut/", {"reason": "Đổi ý"})
    assert "Vui lòng đánh dấu ô xác nhận để rút hồ sơ." in unconfirmed.content.decode()
    assert ">\nĐổi ý</textarea>" in unconfirmed.content.decode()
    d.refresh_from_db()
    assert d.state == State.PROCESSING
    done = citizen_client.post(f"/ho-so/{d.public_id}/rut/", {"reason": "Đổi ý", "confirm": "on"})
    assert done["Location"] == f"/ho-so/{d.public_id}/"
    d.refresh_from_db()
    assert (d.state, d.ended_at is not None) == (State.WITHDRAWN, True)
    html = citizen_client.get(done["Location"]).content.decode()
    assert "Đã rút hồ sơ." in html and "<li>Đổi ý</li>" in html
    assert f"/ho-so/{d.public_id}/rut/" not in html
    # Withdrawing again: not offered, and a direct request changes nothing.
    again = citizen_client.post(f"/ho-so/{d.public_id}/rut/", {"confirm": "on"})
    assert again["Location"] == f"/ho-so/{d.public_id}/"
    assert Event.objects.filter(dossier=d, action=Action.WITHDRAW).count() == 1


def test_decided_dossier_offers_the_result(citizen_client, p):
    d = f.dossier_in(p, "processing", step=2)
    result = services.add_attachment(
        d,
        p.leader,
        uploaded_file=SimpleUploadedFile("ket-qua.pdf", tiny_pdf()),
        kind=AttachmentKind.RESULT,
    )
    internal = services.add_attachment(
        d, p.leader, uploaded_file=SimpleUploadedFile("to-trinh.pdf", tiny_pdf()), kind="internal"
    )
    # Before the decision the result is not downloadable.
    assert citizen_client.get(f"/ho-so/{d.public_id}/tep/{result.pk}/").status_code == 404
    services.approve(d, p.leader, attachments=[result])
    html = citizen_client.get(f"/ho-so/{d.public_id}/").content.decode()
    assert "Việc cần làm: Nhận kết quả" in html
    assert f'href="/ho-so/{d.public_id}/tep/{result.pk}/">ket-qua.pdf</a>' in html
    assert "to-trinh.pdf" not in html
    download = citizen_client.get(f"/ho-so/{d.public_id}/tep/{result.pk}/")
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == tiny_pdf()
    assert citizen_client.get(f"/ho-so/{d.public_id}/tep/{internal.pk}/").status_code == 404


def test_stopped_dossier_offers_the_stop_notice(citizen_client, p):
    d = f.dossier_in(p, "stopped")
    html = citizen_client.get(f"/ho-so/{d.public_id}/").content.decode()
    assert f'href="/ho-so/{d.public_id}/bieu-mau/stop_notice/">Mẫu 05: Thông báo dừng' in html
    response = citizen_client.get(f"/ho-so/{d.public_id}/bieu-mau/stop_notice/")
    assert response.content.startswith(b"%PDF-")


def test_awaiting_payment_shows_the_amount_and_leads_to_the_payment(citizen_client, p):
    d = f.dossier_in(p, "awaiting_payment")
    html = citizen_client.get(f"/ho-so/{d.public_id}/").content.decode()
    assert "Việc cần làm: Thực hiện nghĩa vụ tài chính" in html
    assert "<li>Phí: 200.000 đồng</li>" in html
    assert 'href="#phi-le-phi">Xem khoản phải nộp và thanh toán' in html
    assert 'id="phi-le-phi"' in html


def test_another_applicant_gets_404_everywhere(client, p):
    d = f.dossier_in(p, "supplementing")
    draft = f.dossier_in(p, "draft")
    mine = services.add_attachment(draft, p.citizen, uploaded_file=pdf())
    client.force_login(p.other_citizen)
    pages = [
        f"/ho-so/{d.public_id}/",
        f"/ho-so/{d.public_id}/bien-nhan/",
        f"/ho-so/{d.public_id}/bo-sung/",
        f"/ho-so/{d.public_id}/rut/",
        f"/ho-so/{d.public_id}/bieu-mau/receipt/",
        f"/ho-so/{draft.public_id}/giay-to/",
        f"/ho-so/{draft.public_id}/nguoi-nop/",
        f"/ho-so/{draft.public_id}/xem-lai/",
        f"/ho-so/{draft.public_id}/tep/{mine.pk}/",
    ]
    for url in pages:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/ho-so/{draft.public_id}/tep/{mine.pk}/xoa/").status_code == 404
    assert client.post(f"/ho-so/{d.public_id}/rut/", {"confirm": "on"}).status_code == 404
    assert Attachment.objects.filter(pk=mine.pk).exists()
    assert d.code not in client.get("/ho-so/").content.decode()
    # An officer who can see the dossier at work still has no portal pages for it.
    client.force_login(p.specialist)
    assert client.get(f"/ho-so/{d.public_id}/").status_code == 404
    assert client.get("/ho-so/").content.decode().count('class="dossier-item"') == 0
