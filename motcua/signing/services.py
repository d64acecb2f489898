"""Signing results: render or take the result PDF, sign it with the agency's key (PAdES, visible
stamp with a QR code to the verification page), attach it to the dossier and approve — one flow,
`sign_and_approve`. The two-step flow for a leader's own device (USB token of the government CA)
is `prepare_external` then `complete_external`. See docs/signing.md.

Signing happens before the database transaction (a token may take a second); the attachment, the
SignedDocument row and the approval are then written in one transaction through the dossiers'
services, which check that the signer is the leader at the dossier's current step. A failure in
that transaction removes the stored file again.
"""

from __future__ import annotations

import base64
import hashlib
import io
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.template.loader import render_to_string, select_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.stamp.static import StaticStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from motcua.agencies.selectors import full_name
from motcua.common.models import record
from motcua.documents.pdf import render_pdf
from motcua.dossiers import services as dossier_services
from motcua.dossiers import uploads
from motcua.dossiers.errors import ActionDenied, ActionInvalid
from motcua.dossiers.lifecycle import Action, check
from motcua.dossiers.models import Attachment, AttachmentKind, Dossier
from motcua.worktime.deadlines import VN_TZ

from . import conf
from .aio import run as _run
from .models import (
    ExternalSigningRequest,
    KeyKind,
    RequestState,
    SignedDocument,
    SigningKey,
    load_certificate,
    new_token,
)

FIELD_NAME = "KetQuaGiaiQuyet"
MD_ALGORITHM = "sha256"
# The stamp: 90 × 30 mm (255 × 85 pt), bottom right of the last page, 15 mm from the edges.
STAMP_WIDTH, STAMP_HEIGHT, STAMP_MARGIN = 255, 85, 42
TEMPLATE_SOURCE = "template"


# --- small helpers --------------------------------------------------------------------------------


def verification_path(token: str) -> str:
    return reverse("signing:verify-token", kwargs={"token": token})


def verification_url(token: str) -> str:
    return settings.MOTCUA_BASE_URL.rstrip("/") + verification_path(token)


def vn_time(at: datetime) -> str:
    return timezone.localtime(at, VN_TZ).strftime("%d/%m/%Y %H:%M")


def signing_key_for(agency) -> SigningKey:
    key = SigningKey.objects.filter(agency=agency, is_active=True).first()
    if key is None:
        raise ActionInvalid(
            "no_signing_key",
            _("Cơ quan chưa được cấu hình khóa ký số; liên hệ quản trị hệ thống."),
        )
    return key


def may_approve(dossier: Dossier, user, *, now: datetime | None = None) -> bool:
    """Whether `user` may approve the dossier now (read-only; the lifecycle's own check)."""
    return any(
        check(Action.APPROVE, facts, kind).ok
        for kind, facts in dossier_services.facts_for(dossier, user, now=now)
    )


def _require_approver(dossier: Dossier, user, *, now=None) -> None:
    """Fail before the (slow) signing if the lifecycle would refuse the approval anyway."""
    if not may_approve(dossier, user, now=now):
        raise ActionDenied(
            "not_signing_leader",
            _("Chỉ lãnh đạo cơ quan đang giải quyết hồ sơ, ở bước ký duyệt, mới được ký kết quả."),
        )


def _check_version(dossier: Dossier, expected_version: int | None) -> None:
    if expected_version is not None and dossier.version != expected_version:
        from motcua.dossiers.errors import DossierConflict

        raise DossierConflict(state=dossier.state, version=dossier.version)


# --- the document to sign -------------------------------------------------------------------------


def render_result(dossier: Dossier, *, signer_name: str, agency, now: datetime) -> bytes:
    """The result rendered from the procedure's template (`signing/results/<code>.html`, else
    the generic decision `signing/result.html`)."""
    template = select_template(
        [f"signing/results/{dossier.procedure.code}.html", "signing/result.html"]
    )
    context = {
        "dossier": dossier,
        "agency": agency,
        "issuer_parent": agency.parent.name if agency.parent_id else "",
        "procedure_name": dossier.procedure_version.name,
        "signer_name": signer_name,
        "date": timezone.localtime(now, VN_TZ),
    }
    return render_pdf(template.template.name, context)


def checked_pdf(uploaded_file) -> tuple[bytes, str]:
    """An uploaded result: a PDF by its content, readable, not encrypted. (bytes, name)."""
    checked = uploads.check_upload(uploaded_file)
    if checked.content_type != uploads.PDF:
        raise ActionInvalid("not_pdf", _("Kết quả phải là tệp PDF."), field="file")
    uploaded_file.seek(0)
    data = uploaded_file.read()
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            raise ActionInvalid(
                "pdf_encrypted", _("Tệp PDF đang được đặt mật khẩu, không thể ký."), field="file"
            )
        _last_page_box(reader)
    except (PdfError, KeyError, ValueError, IndexError, TypeError):
        raise ActionInvalid("pdf_unreadable", _("Không đọc được tệp PDF."), field="file") from None
    return data, checked.original_name


def _source_pdf(dossier, source, *, signer_name, agency, now) -> tuple[bytes, str]:
    if source is None or source == TEMPLATE_SOURCE:
        name = f"ket-qua-{(dossier.code or 'ho-so').replace('.', '-')}.pdf"
        return render_result(dossier, signer_name=signer_name, agency=agency, now=now), name
    return checked_pdf(source)


def _last_page_box(reader: PdfFileReader) -> tuple[int, tuple[float, float, float, float]]:
    pages = int(reader.root["/Pages"]["/Count"])
    if pages < 1:
        raise ValueError("no pages")
    node = reader.find_page_for_modification(pages - 1)[0].get_object()
    box = None
    while box is None and node is not None:  # /MediaBox is inheritable from the page tree
        box = node.get("/MediaBox")
        node = node.get("/Parent")
    x1, y1, x2, y2 = (float(v) for v in (box or (0, 0, 595.28, 841.89)))  # A4 if none
    return pages - 1, (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))


def _stamp_box(reader: PdfFileReader) -> tuple[int, tuple[int, int, int, int]]:
    index, (x1, y1, x2, _y2) = _last_page_box(reader)
    right = int(x2 - STAMP_MARGIN)
    bottom = int(y1 + 28)
    return index, (right - STAMP_WIDTH, bottom, right, bottom + STAMP_HEIGHT)


def render_stamp(*, signer_name: str, agency_name: str, at: datetime, url: str) -> bytes:
    """The visible stamp as a one-page PDF (WeasyPrint: full Vietnamese text; QR by segno)."""
    from motcua.documents.qr import qr_data_uri

    context = {
        "signer_name": signer_name,
        "agency_name": agency_name,
        "time": vn_time(at),
        "qr": qr_data_uri(url, kind="png", scale=6, border=4),
    }
    html = render_to_string("signing/stamp.html", context)
    from weasyprint import HTML

    from motcua.documents.pdf import StaticOnlyFetcher, _base_url

    return HTML(string=html, base_url=_base_url(), url_fetcher=StaticOnlyFetcher()).write_pdf()


@contextmanager
def _stamp_style(**stamp) -> Iterator[StaticStampStyle]:
    # pyHanko imports the stamp page from a file, lazily while signing: keep it until done.
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(render_stamp(**stamp))
        handle.flush()
        yield StaticStampStyle.from_pdf_file(handle.name, border_width=0)


def _pdf_signer(signer, reader: PdfFileReader, style, *, reason: str) -> signers.PdfSigner:
    page, box = _stamp_box(reader)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm=MD_ALGORITHM,
        reason=reason,
        location=conf.signature_location() or None,
    )
    spec = fields.SigFieldSpec(FIELD_NAME, on_page=page, box=box)
    return signers.PdfSigner(meta, signer, stamp_style=style, new_field_spec=spec)


def _writer(data: bytes) -> tuple[IncrementalPdfFileWriter, PdfFileReader]:
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    existing = {name for name, *_rest in fields.enumerate_sig_fields(writer.prev)}
    if FIELD_NAME in existing:
        raise ActionInvalid(
            "already_signed", _("Tệp này đã được ký kết quả; không ký lại."), field="file"
        )
    return writer, writer.prev


# --- keys -----------------------------------------------------------------------------------------


@contextmanager
def open_signer(key: SigningKey) -> Iterator[signers.Signer]:
    """A pyHanko signer for the agency's key (PKCS#12 file or PKCS#11 token)."""
    secret = conf.secret(key.secret)
    if key.kind in (KeyKind.PKCS12, KeyKind.PKCS11) and secret is None:
        raise ActionInvalid(
            "signing_secret_missing",
            _("Chưa cấu hình mật khẩu hoặc mã PIN của khóa ký số; liên hệ quản trị hệ thống."),
        )
    if key.kind == KeyKind.PKCS12:
        try:
            signer = signers.SimpleSigner.load_pkcs12(key.pkcs12_path, passphrase=secret.encode())
        except (OSError, ValueError):
            signer = None
        if signer is None:
            raise ActionInvalid(
                "signing_key_unavailable",
                _("Không mở được khóa ký số của cơ quan; liên hệ quản trị hệ thống."),
            )
        yield signer
        return
    if key.kind == KeyKind.PKCS11:
        from pkcs11 import PKCS11Error
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign import pkcs11 as hanko_pkcs11

        try:
            session = hanko_pkcs11.open_pkcs11_session(
                key.pkcs11_module,
                token_criteria=TokenCriteria(label=key.token_label),
                user_pin=secret,
            )
        except (PKCS11Error, OSError, RuntimeError, ValueError) as exc:
            raise ActionInvalid(
                "signing_key_unavailable",
                _("Không kết nối được thiết bị ký số của cơ quan; liên hệ quản trị hệ thống."),
            ) from exc
        try:
            yield hanko_pkcs11.PKCS11Signer(
                session, key_label=key.key_label, cert_label=key.key_label
            )
        finally:
            session.close()
        return
    raise ActionInvalid(
        "external_key",
        _("Cơ quan này ký bằng thiết bị của lãnh đạo: dùng chức năng ký bằng USB token."),
    )


def sign_pdf(data: bytes, signer, *, signer_name: str, agency_name: str, token: str, at) -> bytes:
    """Sign `data` (PAdES, SHA-256) with a visible stamp that links to /xac-thuc/<token>/."""
    writer, reader = _writer(data)
    stamp = dict(
        signer_name=signer_name, agency_name=agency_name, at=at, url=verification_url(token)
    )
    with _stamp_style(**stamp) as style:
        pdf_signer = _pdf_signer(signer, reader, style, reason=str(_("Phê duyệt kết quả")))
        return _run(pdf_signer.async_sign_pdf(writer)).getvalue()


# --- recording the result -------------------------------------------------------------------------


def _cert_facts(cert: asn1_x509.Certificate) -> dict:
    return {
        "cert_subject": cert.subject.human_friendly[:500],
        "cert_issuer": cert.issuer.human_friendly[:500],
        "cert_serial": format(cert.serial_number, "X")[:100],
    }


def signature_contents(data: bytes) -> bytes:
    """The DER bytes of the (last) signature's CMS in a signed PDF."""
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    sigs = reader.embedded_signatures
    if not sigs:
        raise ValueError("no signature")
    return sigs[-1].pkcs7_content


def _record_result(
    dossier: Dossier,
    leader,
    *,
    signed: bytes,
    name: str,
    agency,
    token: str,
    cert: asn1_x509.Certificate,
    kind: str,
    at: datetime,
    note: str,
    expected_version: int | None,
    now: datetime | None,
) -> SignedDocument:
    """Attach, record and approve in one transaction (the dossier services check the leader)."""
    attachment = None
    try:
        with transaction.atomic():
            attachment = dossier_services.add_attachment(
                dossier,
                leader,
                uploaded_file=SimpleUploadedFile(name, signed, content_type="application/pdf"),
                kind=AttachmentKind.RESULT,
            )
            document = SignedDocument.objects.create(
                dossier=dossier,
                attachment=attachment,
                agency=agency,
                signer=leader,
                signer_name=full_name(leader),
                signed_at=at,
                key_kind=kind,
                sha256=hashlib.sha256(signed).hexdigest(),
                signature_sha256=hashlib.sha256(signature_contents(signed)).hexdigest(),
                token=token,
                **_cert_facts(cert),
            )
            dossier_services.approve(
                dossier,
                leader,
                note=note,
                attachments=[attachment.pk],
                expected_version=expected_version,
                now=now,
            )
            record(
                leader,
                "signing.sign",
                "dossier",
                dossier.pk,
                f"Ký số kết quả hồ sơ {dossier.code}",
                attachment=attachment.pk,
                signed_document=document.pk,
                key_kind=kind,
                sha256=document.sha256,
            )
    except Exception:
        if attachment is not None and attachment.file.name:
            attachment.file.storage.delete(attachment.file.name)
        raise
    return document


def sign_and_approve(
    dossier: Dossier,
    leader,
    *,
    source=TEMPLATE_SOURCE,
    note: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> SignedDocument:
    """The leader approves the dossier with a signed result: the procedure's result template
    (`source="template"`) or an uploaded PDF (`source=<UploadedFile>`), signed with the agency's
    key, attached as the result, and the dossier approved — or nothing changes."""
    dossier_services._require_user(leader)
    dossier = Dossier.objects.select_related(
        "procedure_version", "procedure", "current_agency"
    ).get(pk=dossier.pk)
    _require_approver(dossier, leader, now=now)
    _check_version(dossier, expected_version)
    agency = dossier.current_agency
    key = signing_key_for(agency)
    at = timezone.now()
    signer_name = full_name(leader)
    data, name = _source_pdf(dossier, source, signer_name=signer_name, agency=agency, now=at)
    token = new_token()
    with open_signer(key) as signer:
        signed = sign_pdf(
            data, signer, signer_name=signer_name, agency_name=agency.name, token=token, at=at
        )
        cert = signer.signing_cert
    return _record_result(
        dossier,
        leader,
        signed=signed,
        name=name,
        agency=agency,
        token=token,
        cert=cert,
        kind=key.kind,
        at=at,
        note=note,
        expected_version=expected_version,
        now=now,
    )


# --- the external (device) flow -------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    request: ExternalSigningRequest
    digest: bytes  # SHA-256 of the DER signed attributes: what the device signs
    signature_algorithm: str  # "rsa_pkcs1v15" or "ecdsa"

    @property
    def digest_b64(self) -> str:
        return base64.b64encode(self.digest).decode()


def _device_certificate(data) -> tuple[asn1_x509.Certificate, x509.Certificate]:
    try:
        if isinstance(data, str) and "BEGIN CERTIFICATE" not in data:
            data = base64.b64decode(data, validate=True)
        cert = load_certificate(data)
    except (ValueError, TypeError):
        raise ActionInvalid(
            "invalid_certificate",
            _("Không đọc được chứng thư số của thiết bị (PEM hoặc DER mã hóa base64)."),
            field="certificate",
        ) from None
    if not isinstance(cert.public_key(), rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise ActionInvalid(
            "unsupported_key",
            _("Chỉ hỗ trợ khóa RSA hoặc ECDSA."),
            field="certificate",
        )
    from cryptography.hazmat.primitives.serialization import Encoding

    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER)), cert


def prepare_external(
    dossier: Dossier,
    leader,
    *,
    certificate,
    source=TEMPLATE_SOURCE,
    note: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Prepared:
    """Step 1: the document with its stamp and an empty signature, and the digest the device
    must sign. The certificate comes first because PAdES signs a reference to it."""
    dossier_services._require_user(leader)
    dossier = Dossier.objects.select_related(
        "procedure_version", "procedure", "current_agency"
    ).get(pk=dossier.pk)
    _require_approver(dossier, leader, now=now)
    _check_version(dossier, expected_version)
    asn1_cert, crypto_cert = _device_certificate(certificate)
    agency = dossier.current_agency
    at = timezone.now()
    signer_name = full_name(leader)
    data, name = _source_pdf(dossier, source, signer_name=signer_name, agency=agency, now=at)
    token = new_token()
    external = signers.ExternalSigner(
        signing_cert=asn1_cert,
        cert_registry=SimpleCertificateStore.from_certs([asn1_cert]),
        signature_value=1024,  # placeholder size for the estimate
    )
    writer, reader = _writer(data)
    stamp = dict(
        signer_name=signer_name, agency_name=agency.name, at=at, url=verification_url(token)
    )
    with _stamp_style(**stamp) as style:
        pdf_signer = _pdf_signer(external, reader, style, reason=str(_("Phê duyệt kết quả")))
        prepared, _tbs, output = _run(
            pdf_signer.async_digest_doc_for_signing(writer, bytes_reserved=16384)
        )
    attrs = _run(
        external.signed_attrs(
            prepared.document_digest,
            MD_ALGORITHM,
            attr_settings=PdfCMSSignedAttributes(signing_time=at),
            use_pades=True,
        )
    )
    signed_attrs = attrs.dump()
    with transaction.atomic():
        request = ExternalSigningRequest.objects.create(
            public_id=uuid.uuid4(),
            dossier=dossier,
            agency=agency,
            leader=leader,
            expected_version=expected_version,
            note=note,
            original_name=name,
            token=token,
            prepared_pdf=output.getvalue(),
            reserved_start=prepared.reserved_region_start,
            reserved_end=prepared.reserved_region_end,
            document_digest=prepared.document_digest,
            signed_attrs=signed_attrs,
            certificate_der=asn1_cert.dump(),
            signed_at=at,
            expires_at=at + timedelta(minutes=conf.request_ttl_minutes()),
        )
        record(
            leader,
            "signing.external_prepared",
            "dossier",
            dossier.pk,
            f"Chuẩn bị ký số bằng thiết bị cho hồ sơ {dossier.code}",
            request=str(request.public_id),
            certificate_serial=format(asn1_cert.serial_number, "X"),
        )
    ecdsa = isinstance(crypto_cert.public_key(), ec.EllipticCurvePublicKey)
    algorithm = "ecdsa" if ecdsa else "rsa_pkcs1v15"
    return Prepared(request, hashlib.sha256(signed_attrs).digest(), algorithm)


def _verify_raw(cert: x509.Certificate, signature: bytes, data: bytes) -> bool:
    key = cert.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except Exception:  # InvalidSignature, or garbage the key cannot even parse
        return False
    return True


def complete_external(
    request: ExternalSigningRequest,
    leader,
    *,
    signature: str | bytes,
    now: datetime | None = None,
) -> SignedDocument:
    """Step 2: embed the device's signature (raw, base64, over the signed attributes), check it,
    attach the signed result and approve. A wrong signature changes nothing but the request's
    state; a request is used once and expires."""
    dossier_services._require_user(leader)
    with transaction.atomic():
        req = ExternalSigningRequest.objects.select_for_update().get(pk=request.pk)
        if req.leader_id != leader.pk:
            raise ActionDenied("not_request_owner", _("Yêu cầu ký này không phải của bạn."))
        if req.state != RequestState.PENDING:
            raise ActionInvalid(
                "request_not_pending", _("Yêu cầu ký này đã được xử lý."), field="request"
            )
        if timezone.now() > req.expires_at:
            raise ActionInvalid(
                "request_expired",
                _("Yêu cầu ký đã hết hạn; hãy tạo yêu cầu mới."),
                field="request",
            )
        try:
            raw = (
                base64.b64decode(signature, validate=True)
                if isinstance(signature, str)
                else (bytes(signature))
            )
        except ValueError:
            raw = b""
        asn1_cert = asn1_x509.Certificate.load(bytes(req.certificate_der))
        crypto_cert = x509.load_der_x509_certificate(bytes(req.certificate_der))
        if not raw or not _verify_raw(crypto_cert, raw, bytes(req.signed_attrs)):
            req.state = RequestState.FAILED
            req.completed_at = timezone.now()
            req.save(update_fields=["state", "completed_at"])
            record(
                leader,
                "signing.external_failed",
                "dossier",
                req.dossier_id,
                "",
                request=str(req.public_id),
            )
            failed = True
        else:
            failed = False
    if failed:
        raise ActionInvalid(
            "invalid_signature",
            _("Chữ ký từ thiết bị không khớp với chứng thư số và tài liệu."),
            field="signature",
        )
    from asn1crypto import cms

    external = signers.ExternalSigner(
        signing_cert=asn1_cert,
        cert_registry=SimpleCertificateStore.from_certs([asn1_cert]),
        signature_value=raw,
    )
    attrs = cms.CMSAttributes.load(bytes(req.signed_attrs))
    content = _run(external.async_sign_prescribed_attributes(MD_ALGORITHM, attrs))
    output = io.BytesIO(bytes(req.prepared_pdf))
    prepared = PreparedByteRangeDigest(
        document_digest=bytes(req.document_digest),
        reserved_region_start=req.reserved_start,
        reserved_region_end=req.reserved_end,
    )
    PdfTBSDocument.finish_signing(output, prepared, content)
    signed = output.getvalue()
    from .verify import verify_pdf

    if not verify_pdf(signed).unchanged:  # belt and braces: never attach a broken signature
        raise ActionInvalid(
            "invalid_signature",
            _("Chữ ký từ thiết bị không khớp với chứng thư số và tài liệu."),
            field="signature",
        )
    with transaction.atomic():
        req = ExternalSigningRequest.objects.select_for_update().get(pk=request.pk)
        if req.state != RequestState.PENDING:  # a concurrent completion won
            raise ActionInvalid(
                "request_not_pending", _("Yêu cầu ký này đã được xử lý."), field="request"
            )
        dossier = Dossier.objects.get(pk=req.dossier_id)
        document = _record_result(
            dossier,
            leader,
            signed=signed,
            name=req.original_name,
            agency=req.agency,
            token=req.token,
            cert=asn1_cert,
            kind=KeyKind.EXTERNAL,
            at=req.signed_at,
            note=req.note,
            expected_version=req.expected_version,
            now=now,
        )
        req.state = RequestState.COMPLETED
        req.completed_at = timezone.now()
        req.signed_document = document
        req.prepared_pdf = b""  # the signed file is the attachment now
        req.save(update_fields=["state", "completed_at", "signed_document", "prepared_pdf"])
    return document


# --- reuse ----------------------------------------------------------------------------------------


def reusable_results(applicant_id_number: str):
    """Earlier signed results of the same applicant (by ID number), newest first: what
    `dossiers.services.add_attachment(reused_from=...)` can take for a new dossier."""
    return (
        Attachment.objects.filter(
            kind=AttachmentKind.RESULT,
            dossier__applicant_id_number=applicant_id_number,
            signed_document__isnull=False,
        )
        .select_related("dossier", "signed_document")
        .order_by("-signed_document__signed_at", "-pk")
    )


def purge_expired_requests(now: datetime | None = None) -> int:
    """Mark pending requests past their expiry as expired and drop the prepared PDFs of every
    finished request (run periodically: `motcua signing-purge-requests`)."""
    now = now or timezone.now()
    with transaction.atomic():
        expired = ExternalSigningRequest.objects.filter(
            state=RequestState.PENDING, expires_at__lt=now
        ).update(state=RequestState.EXPIRED, prepared_pdf=b"")
        ExternalSigningRequest.objects.exclude(state=RequestState.PENDING).exclude(
            prepared_pdf=b""
        ).update(prepared_pdf=b"")
        if expired:
            record(None, "signing.purge", "signing_request", "", f"{expired} yêu cầu hết hạn")
    return expired
