"""Signing with the agency's PKCS#12 key: the real flow (render, sign, attach, approve), checked
with poppler's pdfsig, pdftoppm + zbarimg and our verifier."""

import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.common.models import AuditEntry
from motcua.dossiers.errors import ActionDenied, ActionInvalid, DossierConflict
from motcua.dossiers.models import Attachment, AttachmentKind, Dossier
from motcua.dossiers.tests import factories as f
from motcua.signing import services
from motcua.signing.models import SignedDocument
from motcua.signing.verify import verify_pdf

from . import pki


def _bytes(document: SignedDocument) -> bytes:
    with document.attachment.file.open("rb") as handle:
        return handle.read()


def flip_signed_byte(data: bytes) -> bytes:
    """One byte changed inside the signed content (a stream of the first page), not in the
    signature's own hole."""
    at = data.index(b"stream", 200) + 40
    changed = bytearray(data)
    changed[at] ^= 0x01
    return bytes(changed)


def test_sign_and_approve_attaches_a_valid_trusted_result(p, key, at_signing, tmp_path, nssdir):
    document = services.sign_and_approve(at_signing, p.leader, note="Đồng ý")
    d = Dossier.objects.get(pk=at_signing.pk)
    assert d.state == "decided"
    attachment = document.attachment
    assert attachment.kind == AttachmentKind.RESULT and attachment.dossier_id == d.pk
    assert document.signer_name == "Phạm Thị Thu Hà"
    assert document.agency == p.justice
    assert "Sở Tư pháp tỉnh Quảng Ninh" in document.cert_subject
    data = _bytes(document)
    assert attachment.sha256 == document.sha256
    # the approval event lists the signed result
    event = d.events.order_by("-seq").first()
    assert event.action == "approve" and event.data["attachments"] == [attachment.pk]
    path = tmp_path / "signed.pdf"
    path.write_bytes(data)
    plain = pki.pdfsig(path)
    assert "Signature is Valid." in plain
    assert "Total document signed" in plain
    trusted = pki.pdfsig(path, nssdir)
    assert "Certificate is Trusted." in trusted
    report = verify_pdf(data)
    assert report.valid and report.trusted and report.unchanged
    assert report.record == document
    assert report.signatures[0].signer == "Sở Tư pháp tỉnh Quảng Ninh"
    assert AuditEntry.objects.filter(action="signing.sign", object_id=str(d.pk)).exists()
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert at_signing.code in text and "QUYẾT ĐỊNH" in text


def test_a_changed_byte_is_invalid_for_us_and_for_pdfsig(p, key, at_signing, tmp_path):
    document = services.sign_and_approve(at_signing, p.leader)
    changed = flip_signed_byte(_bytes(document))
    path = tmp_path / "changed.pdf"
    path.write_bytes(changed)
    out = pki.pdfsig(path)
    assert "Signature is Valid." not in out
    assert "Digest Mismatch" in out or "Invalid" in out
    report = verify_pdf(changed)
    assert not report.valid and not report.trusted
    assert not report.signatures[0].intact
    # the signature itself is untouched: we still tell which dossier it claims to be
    assert report.record == document


def test_the_stamp_qr_code_opens_the_verification_page(p, key, at_signing, tmp_path):
    document = services.sign_and_approve(at_signing, p.leader)
    path = tmp_path / "signed.pdf"
    path.write_bytes(_bytes(document))
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    decoded = subprocess.run(
        ["zbarimg", "-q", "--raw", *map(str, pages)], capture_output=True, text=True
    ).stdout.split()
    assert services.verification_url(document.token) in decoded
    assert decoded[0].endswith(f"/xac-thuc/{document.token}/")
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "Ký bởi: Phạm Thị Thu Hà" in text
    assert "Cơ quan: Sở Tư pháp" in text


def test_an_uploaded_pdf_is_signed(p, key, at_signing, tmp_path):
    from motcua.documents.pdf import render_pdf

    pdf = render_pdf(
        "signing/result.html",
        {
            "dossier": at_signing,
            "agency": p.justice,
            "procedure_name": "Giấy phép thử",
            "signer_name": "X",
        },
    )
    upload = SimpleUploadedFile("giay-phep.pdf", pdf, content_type="application/pdf")
    document = services.sign_and_approve(at_signing, p.leader, source=upload)
    assert document.attachment.original_name == "giay-phep.pdf"
    path = tmp_path / "s.pdf"
    path.write_bytes(_bytes(document))
    assert "Signature is Valid." in pki.pdfsig(path)


def test_a_non_pdf_upload_is_refused_and_nothing_changes(p, key, at_signing):
    upload = SimpleUploadedFile("a.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 40)
    with pytest.raises(ActionInvalid) as caught:
        services.sign_and_approve(at_signing, p.leader, source=upload)
    assert caught.value.code == "not_pdf"
    assert Dossier.objects.get(pk=at_signing.pk).state == "processing"
    assert not Attachment.objects.filter(kind=AttachmentKind.RESULT).exists()


def test_only_the_leader_at_the_signing_step_may_sign(p, key, at_signing):
    for someone in (p.specialist, p.construction_leader, p.citizen):
        with pytest.raises(ActionDenied):
            services.sign_and_approve(at_signing, someone)
    appraisal = f.dossier_in(p, "processing", step=1)
    with pytest.raises(ActionDenied):
        services.sign_and_approve(appraisal, p.leader)
    assert not SignedDocument.objects.exists()


def test_a_stale_version_changes_nothing(p, key, at_signing, settings):
    with pytest.raises(DossierConflict):
        services.sign_and_approve(at_signing, p.leader, expected_version=at_signing.version - 1)
    assert not SignedDocument.objects.exists()


def test_a_failed_approval_leaves_no_file_behind(p, key, at_signing, monkeypatch, settings):
    from pathlib import Path

    from motcua.dossiers import services as dossier_services

    def refuse(*args, **kwargs):
        raise DossierConflict(state="processing", version=99)

    monkeypatch.setattr(dossier_services, "approve", refuse)
    with pytest.raises(DossierConflict):
        services.sign_and_approve(at_signing, p.leader)
    assert not Attachment.objects.filter(kind=AttachmentKind.RESULT).exists()
    media = Path(settings.MEDIA_ROOT)
    assert not [x for x in media.rglob("*") if x.is_file()]


def test_no_key_or_missing_passphrase_is_a_clear_error(p, key, at_signing, settings):
    del settings.MOTCUA_TEST_SIGNING_PASSPHRASE
    with pytest.raises(ActionInvalid) as caught:
        services.sign_and_approve(at_signing, p.leader)
    assert caught.value.code == "signing_secret_missing"
    key.is_active = False
    key.save()
    with pytest.raises(ActionInvalid) as caught:
        services.sign_and_approve(at_signing, p.leader)
    assert caught.value.code == "no_signing_key"
    assert Dossier.objects.get(pk=at_signing.pk).state == "processing"


def test_a_signed_file_is_not_signed_again(p, key, at_signing):
    document = services.sign_and_approve(at_signing, p.leader)
    other = f.dossier_in(p, "processing", step=2)
    upload = SimpleUploadedFile("lai.pdf", _bytes(document), content_type="application/pdf")
    with pytest.raises(ActionInvalid) as caught:
        services.sign_and_approve(other, p.leader, source=upload)
    assert caught.value.code == "already_signed"
