"""Models of the signing app: agencies' signing keys, trust roots, signed results and external
(USB-token) signing requests. See docs/signing.md."""

from __future__ import annotations

import hashlib
import secrets

from cryptography import x509
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Agency
from motcua.dossiers.models import Attachment, Dossier


def new_token() -> str:
    """The random part of a verification link (/xac-thuc/<token>/): 128 bits, URL-safe."""
    return secrets.token_urlsafe(16)


class KeyKind(models.TextChoices):
    PKCS12 = "pkcs12", _("Tệp PKCS#12 (thử nghiệm, trình diễn)")
    PKCS11 = "pkcs11", _("Thiết bị PKCS#11 (HSM, token)")
    EXTERNAL = "external", _("Ký bằng thiết bị của lãnh đạo (USB token)")


class SigningKey(models.Model):
    """How an agency signs. Secrets stay outside the database: `secret` names the setting or
    environment variable holding the PKCS#12 passphrase or the token's user PIN."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="signing_keys"
    )
    kind = models.CharField(_("loại khóa"), max_length=10, choices=KeyKind.choices)
    label = models.CharField(_("tên gọi"), max_length=200, blank=True)
    pkcs12_path = models.CharField(_("đường dẫn tệp PKCS#12"), max_length=500, blank=True)
    secret = models.CharField(
        _("tên biến cấu hình chứa mật khẩu/PIN"),
        max_length=100,
        blank=True,
        help_text=_("Tên biến môi trường hoặc thiết lập, không phải mật khẩu."),
    )
    pkcs11_module = models.CharField(_("thư viện PKCS#11"), max_length=500, blank=True)
    token_label = models.CharField(_("nhãn token"), max_length=100, blank=True)
    key_label = models.CharField(_("nhãn khóa"), max_length=100, blank=True)
    is_active = models.BooleanField(_("đang dùng"), default=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("khóa ký số")
        verbose_name_plural = _("khóa ký số")
        constraints = [
            models.UniqueConstraint(
                fields=["agency"], condition=Q(is_active=True), name="signing_one_active_key"
            )
        ]

    def __str__(self):
        return f"{self.agency} — {self.get_kind_display()}"

    def clean(self):
        if self.kind == KeyKind.PKCS12 and not self.pkcs12_path:
            raise ValidationError({"pkcs12_path": _("Cần đường dẫn tệp PKCS#12.")})
        if self.kind == KeyKind.PKCS11 and not (
            self.pkcs11_module and self.token_label and self.key_label
        ):
            raise ValidationError(_("Khóa PKCS#11 cần thư viện, nhãn token và nhãn khóa."))
        if self.kind in (KeyKind.PKCS12, KeyKind.PKCS11) and not self.secret:
            raise ValidationError({"secret": _("Cần tên biến chứa mật khẩu hoặc PIN.")})


def load_certificate(data: bytes | str) -> x509.Certificate:
    """A certificate from PEM or DER bytes (ValueError if neither)."""
    raw = data.encode() if isinstance(data, str) else bytes(data)
    if b"-----BEGIN CERTIFICATE-----" in raw:
        return x509.load_pem_x509_certificate(raw)
    return x509.load_der_x509_certificate(raw)


class TrustRoot(models.Model):
    """A CA certificate the administrator trusts for verifying signed results (the government
    CA's roots in production; the demo CA in the demo)."""

    name = models.CharField(_("tên"), max_length=200)
    certificate_pem = models.TextField(_("chứng thư (PEM)"))
    fingerprint = models.CharField(
        _("dấu vân tay SHA-256"), max_length=64, unique=True, editable=False
    )
    is_active = models.BooleanField(_("đang tin cậy"), default=True)
    added_at = models.DateTimeField(_("thêm lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("chứng thư gốc tin cậy")
        verbose_name_plural = _("chứng thư gốc tin cậy")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.fingerprint:
            self.fingerprint = self.certificate().fingerprint(_sha256()).hex()
        super().save(*args, **kwargs)

    def certificate(self) -> x509.Certificate:
        return load_certificate(self.certificate_pem)

    def clean(self):
        try:
            cert = self.certificate()
        except ValueError:
            raise ValidationError(
                {"certificate_pem": _("Không đọc được chứng thư (cần định dạng PEM).")}
            ) from None
        self.fingerprint = cert.fingerprint(_sha256()).hex()


def _sha256():
    from cryptography.hazmat.primitives import hashes

    return hashes.SHA256()


class SignedDocument(models.Model):
    """A result that the system signed (or embedded a device's signature into)."""

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.PROTECT, related_name="signed_documents"
    )
    attachment = models.OneToOneField(
        Attachment,
        verbose_name=_("tệp kết quả"),
        on_delete=models.PROTECT,
        related_name="signed_document",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan ký"), on_delete=models.PROTECT, related_name="+"
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ký"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signer_name = models.CharField(_("họ tên người ký"), max_length=255)
    signed_at = models.DateTimeField(_("ký lúc"))
    key_kind = models.CharField(_("loại khóa"), max_length=10, choices=KeyKind.choices)
    sha256 = models.CharField(_("mã băm SHA-256 của tệp"), max_length=64, db_index=True)
    signature_sha256 = models.CharField(
        _("mã băm SHA-256 của chữ ký"), max_length=64, db_index=True
    )
    token = models.CharField(
        _("mã xác thực"), max_length=32, unique=True, default=new_token, editable=False
    )
    cert_subject = models.CharField(_("chủ thể chứng thư"), max_length=500)
    cert_issuer = models.CharField(_("tổ chức cấp chứng thư"), max_length=500)
    cert_serial = models.CharField(_("số hiệu chứng thư"), max_length=100)

    class Meta:
        verbose_name = _("kết quả đã ký số")
        verbose_name_plural = _("kết quả đã ký số")
        ordering = ["-signed_at", "-id"]

    def __str__(self):
        return f"{self.dossier.code} — {self.signer_name}"


def digest_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class RequestState(models.TextChoices):
    PENDING = "pending", _("Chờ chữ ký từ thiết bị")
    COMPLETED = "completed", _("Đã ký")
    FAILED = "failed", _("Chữ ký không hợp lệ")
    EXPIRED = "expired", _("Hết hạn")


class ExternalSigningRequest(models.Model):
    """The first half of a signature made on the leader's own device: the document is prepared
    (stamp, placeholder) and its digest waits for the device's signature."""

    public_id = models.UUIDField(unique=True, editable=False)
    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan ký"), on_delete=models.PROTECT, related_name="+"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lãnh đạo"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField(
        _("trạng thái"), max_length=10, choices=RequestState.choices, default=RequestState.PENDING
    )
    expected_version = models.PositiveIntegerField(null=True, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    prepared_pdf = models.BinaryField(_("tài liệu đã chuẩn bị"))
    reserved_start = models.PositiveBigIntegerField()
    reserved_end = models.PositiveBigIntegerField()
    document_digest = models.BinaryField()
    signed_attrs = models.BinaryField()
    certificate_der = models.BinaryField()
    signed_at = models.DateTimeField(_("thời điểm ký"))
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    completed_at = models.DateTimeField(_("hoàn tất lúc"), null=True, blank=True)
    signed_document = models.OneToOneField(
        SignedDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("yêu cầu ký bằng thiết bị")
        verbose_name_plural = _("yêu cầu ký bằng thiết bị")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.dossier.code} — {self.get_state_display()}"
