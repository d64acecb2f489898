"""Verifying a signed PDF: is each signature intact, does it cover the whole file (nothing
changed since), is the signer's certificate chain trusted (TrustRoot rows), who signed and when,
and — when the file or its signature is one we issued — which dossier and agency.

`verify_pdf(data)` reads the database only for the trust roots and the matching record; the
rest is pyHanko's validation with fetching disabled (no network call while serving a request).
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from .aio import run as _run
from .models import SignedDocument, TrustRoot

log = logging.getLogger(__name__)


@dataclass
class SignatureReport:
    field_name: str
    intact: bool = False  # the signed bytes hash to the signed digest
    valid: bool = False  # and the cryptographic signature checks out
    covers_whole_file: bool = False  # nothing was added after this signature
    trusted: bool = False  # the chain ends at an active TrustRoot
    signer: str = ""  # the certificate's common name
    signer_subject: str = ""
    issuer: str = ""
    serial: str = ""
    signed_at: datetime | None = None
    signature_sha256: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.covers_whole_file


@dataclass
class Report:
    sha256: str
    readable: bool = True
    signatures: list[SignatureReport] = field(default_factory=list)
    record: SignedDocument | None = None

    @property
    def signed(self) -> bool:
        return bool(self.signatures)

    @property
    def unchanged(self) -> bool:
        """Every signature is intact and valid, and the last one covers the whole file."""
        return (
            self.signed
            and all(s.intact and s.valid for s in self.signatures)
            and (self.signatures[-1].covers_whole_file)
        )

    @property
    def trusted(self) -> bool:
        return self.unchanged and all(s.trusted for s in self.signatures)

    @property
    def valid(self) -> bool:
        return self.unchanged

    def as_dict(self) -> dict:
        """The public answer (API): no applicant data, only what the QR page shows."""
        record = self.record
        return {
            "sha256": self.sha256,
            "readable": self.readable,
            "signed": self.signed,
            "valid": self.valid,
            "unchanged": self.unchanged,
            "trusted": self.trusted,
            "signatures": [
                {
                    "field": s.field_name,
                    "intact": s.intact,
                    "valid": s.valid,
                    "covers_whole_file": s.covers_whole_file,
                    "trusted": s.trusted,
                    "signer": s.signer,
                    "issuer": s.issuer,
                    "serial": s.serial,
                    "signed_at": s.signed_at.isoformat() if s.signed_at else None,
                    "error": s.error,
                }
                for s in self.signatures
            ],
            "record": public_record(record) if record else None,
        }


def public_record(document: SignedDocument) -> dict:
    """What anyone may learn about a signed result: dossier code, procedure, agency, signer,
    time — never the applicant."""
    return {
        "dossier": document.dossier.code,
        "procedure": document.dossier.procedure_version.name,
        "agency": document.agency.name,
        "agency_e_id": document.agency.e_id,
        "signer": document.signer_name,
        "signed_at": document.signed_at.isoformat(),
        "sha256": document.sha256,
        "certificate_serial": document.cert_serial,
    }


def trust_roots() -> list[asn1_x509.Certificate]:
    roots = []
    for root in TrustRoot.objects.filter(is_active=True):
        try:
            der = root.certificate().public_bytes(Encoding.DER)
        except ValueError:
            log.warning("trust root %s is not a readable certificate", root.pk)
            continue
        roots.append(asn1_x509.Certificate.load(der))
    return roots


def _context(roots) -> ValidationContext:
    # No fetching: a public request must not make the server call out (OCSP/CRL/AIA). Revocation
    # is therefore not checked here ("soft-fail"); see docs/signing.md.
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")


def _common_name(cert: asn1_x509.Certificate) -> str:
    native = cert.subject.native
    return str(native.get("common_name") or cert.subject.human_friendly)


def _check(embedded, roots) -> SignatureReport:
    report = SignatureReport(field_name=str(embedded.field_name))
    try:
        report.signature_sha256 = hashlib.sha256(embedded.pkcs7_content).hexdigest()
        cert = embedded.signer_cert
        report.signer = _common_name(cert)
        report.signer_subject = cert.subject.human_friendly
        report.issuer = cert.issuer.human_friendly
        report.serial = format(cert.serial_number, "X")
        report.signed_at = embedded.self_reported_timestamp
    except Exception as exc:  # a malformed CMS: report it, do not fail the page
        report.error = type(exc).__name__
        return report
    try:
        status = _run(
            async_validate_pdf_signature(embedded, signer_validation_context=_context(roots))
        )
    except Exception as exc:  # pyHanko raises many kinds on a damaged signature
        report.error = type(exc).__name__
        return report
    from pyhanko.sign.validation import SignatureCoverageLevel

    report.intact = bool(status.intact)
    report.valid = bool(status.valid)
    report.trusted = bool(status.trusted) and bool(roots)
    report.covers_whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if status.signer_reported_dt is not None:
        report.signed_at = status.signer_reported_dt
    return report


def _find_record(sha256: str, signature_digests: list[str]) -> SignedDocument | None:
    related = ("dossier__procedure_version", "agency")
    found = SignedDocument.objects.select_related(*related).filter(sha256=sha256).first()
    if found is None and signature_digests:
        found = (
            SignedDocument.objects.select_related(*related)
            .filter(signature_sha256__in=signature_digests)
            .first()
        )
    return found


def verify_pdf(data: bytes) -> Report:
    """The verification report of `data` (any bytes: a broken file gives readable=False)."""
    report = Report(sha256=hashlib.sha256(data).hexdigest())
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception:  # anything a damaged or hostile file makes the parser raise
        report.readable = False
        report.record = _find_record(report.sha256, [])
        return report
    roots = trust_roots() if embedded else []
    report.signatures = [_check(sig, roots) for sig in embedded]
    report.record = _find_record(
        report.sha256, [s.signature_sha256 for s in report.signatures if s.signature_sha256]
    )
    return report
