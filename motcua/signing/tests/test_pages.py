"""The public verification page and API, the QR link page, the back-office signing page and
the panels on the applicant's and the officer's dossier pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.dossiers.models import Dossier
from motcua.signing import services
from motcua.signing.models import SignedDocument

from .test_sign import _bytes, flip_signed_byte


@pytest.fixture
def signed(p, key, at_signing):
    return services.sign_and_approve(at_signing, p.leader)


def _pdf(data: bytes, name: str = "ket-qua.pdf"):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_api_verify_reports_the_record_without_applicant_data(api_client, signed):
    response = api_client.post("/api/v1/verify", {"file": _pdf(_bytes(signed))}, format="multipart")
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] and body["trusted"] and body["unchanged"]
    assert body["record"]["dossier"] == signed.dossier.code
    assert body["record"]["agency"] == "Sở Tư pháp"
    assert body["record"]["signer"] == "Phạm Thị Thu Hà"
    text = response.content.decode()
    assert signed.dossier.applicant_name not in text
    assert signed.dossier.applicant_id_number not in text


def test_api_verify_says_invalid_for_a_changed_file(api_client, signed):
    changed = flip_signed_byte(_bytes(signed))
    body = api_client.post("/api/v1/verify", {"file": _pdf(changed)}, format="multipart").json()
    assert body["signed"] and not body["valid"] and not body["trusted"]
    assert body["signatures"][0]["intact"] is False


def test_api_verify_unsigned_and_broken_files(api_client, db):
    from motcua.documents.pdf import render_pdf

    plain = render_pdf(
        "signing/stamp.html", {"signer_name": "A", "agency_name": "B", "time": "", "qr": ""}
    )
    body = api_client.post("/api/v1/verify", {"file": _pdf(plain)}, format="multipart").json()
    assert body["readable"] and not body["signed"] and not body["valid"]
    body = api_client.post("/api/v1/verify", {"file": _pdf(b"garbage")}, format="multipart").json()
    assert not body["readable"] and not body["valid"]
    missing = api_client.post("/api/v1/verify", {}, format="multipart")
    assert missing.status_code == 400 and missing.json()["code"] == "file_required"


def test_api_verify_is_throttled(api_client, db, settings):
    from django.core.cache import cache

    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"public_lookup": "2/min"},
    }
    codes = [
        api_client.post("/api/v1/verify", {"file": _pdf(b"x")}, format="multipart").status_code
        for _ in range(3)
    ]
    cache.clear()
    assert codes == [200, 200, 429]


def test_verify_page_upload_shows_the_result(client, signed):
    response = client.post("/xac-thuc/", {"file": _pdf(_bytes(signed))})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Chữ ký hợp lệ" in html and signed.dossier.code in html
    assert signed.dossier.applicant_name not in html
    changed = client.post("/xac-thuc/", {"file": _pdf(flip_signed_byte(_bytes(signed)))})
    assert "Chữ ký không hợp lệ" in changed.content.decode()


def test_verify_page_is_rate_limited(client, db, settings):
    from django.core.cache import cache

    cache.clear()
    settings.MOTCUA_VERIFY_PAGE_RATE = "1/min"
    assert client.post("/xac-thuc/", {"file": _pdf(b"x")}).status_code == 200
    limited = client.post("/xac-thuc/", {"file": _pdf(b"x")})
    cache.clear()
    assert limited.status_code == 429 and "Retry-After" in limited


def test_qr_link_page_shows_the_record_and_compares_a_file(client, signed):
    url = f"/xac-thuc/{signed.token}/"
    html = client.get(url).content.decode()
    assert signed.dossier.code in html and "Phạm Thị Thu Hà" in html and "Sở Tư pháp" in html
    assert signed.dossier.applicant_name not in html
    same = client.post(url, {"file": _pdf(_bytes(signed))}).content.decode()
    assert "Tệp trùng khớp với văn bản đã phát hành." in same
    other = client.post(url, {"file": _pdf(flip_signed_byte(_bytes(signed)))}).content.decode()
    assert "Tệp không trùng khớp" in other
    assert client.get("/xac-thuc/khong-co/").status_code == 404


def test_applicant_downloads_the_signed_result_from_my_dossiers(client, p, signed):
    client.force_login(p.citizen)
    page = client.get(f"/ho-so/{signed.dossier.public_id}/").content.decode()
    assert f"/xac-thuc/{signed.token}/" in page
    download = client.get(f"/ho-so/{signed.dossier.public_id}/tep/{signed.attachment_id}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == _bytes(signed)


def test_backoffice_panel_and_sign_page(client, p, key, at_signing):
    from motcua.dossiers.tests import factories as f

    client.force_login(p.leader)
    page = client.get(f"/can-bo/ho-so/{at_signing.code}/").content.decode()
    assert f"/can-bo/ky-so/{at_signing.code}/" in page
    form = client.get(f"/can-bo/ky-so/{at_signing.code}/")
    assert form.status_code == 200
    done = client.post(
        f"/can-bo/ky-so/{at_signing.code}/",
        {"source": "template", "note": "Đồng ý", "version": at_signing.version},
    )
    assert done.status_code == 302
    assert Dossier.objects.get(pk=at_signing.pk).state == "decided"
    document = SignedDocument.objects.get()
    page = client.get(f"/can-bo/ho-so/{at_signing.code}/").content.decode()
    assert f"/xac-thuc/{document.token}/" in page
    # a specialist sees no sign button and may not open the page
    client.force_login(p.specialist)
    other = f.dossier_in(p, "processing", step=2)
    assert client.get(f"/can-bo/ky-so/{other.code}/").status_code == 403


def test_sign_page_upload_without_a_file_is_an_error(client, p, key, at_signing):
    client.force_login(p.leader)
    response = client.post(
        f"/can-bo/ky-so/{at_signing.code}/", {"source": "upload", "version": at_signing.version}
    )
    assert response.status_code == 200 and "Hãy chọn tệp PDF kết quả." in response.content.decode()
    assert Dossier.objects.get(pk=at_signing.pk).state == "processing"
