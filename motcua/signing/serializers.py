from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class VerifyUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The signed PDF to verify.")


class SignatureSerializer(serializers.Serializer):
    field = serializers.CharField()
    intact = serializers.BooleanField()
    valid = serializers.BooleanField()
    covers_whole_file = serializers.BooleanField()
    trusted = serializers.BooleanField()
    signer = serializers.CharField()
    issuer = serializers.CharField()
    serial = serializers.CharField()
    signed_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField()


class PublicRecordSerializer(serializers.Serializer):
    dossier = serializers.CharField()
    procedure = serializers.CharField()
    agency = serializers.CharField()
    agency_e_id = serializers.CharField()
    signer = serializers.CharField()
    signed_at = serializers.DateTimeField()
    sha256 = serializers.CharField()
    certificate_serial = serializers.CharField()


class VerifyReportSerializer(serializers.Serializer):
    sha256 = serializers.CharField()
    readable = serializers.BooleanField()
    signed = serializers.BooleanField()
    valid = serializers.BooleanField(help_text="Every signature intact and the file unchanged.")
    unchanged = serializers.BooleanField()
    trusted = serializers.BooleanField(help_text="Valid, and each chain ends at a trust root.")
    signatures = SignatureSerializer(many=True)
    record = PublicRecordSerializer(allow_null=True)


class SigningRequestCreateSerializer(serializers.Serializer):
    dossier = serializers.CharField(help_text="Dossier code, or its public id.")
    certificate = serializers.CharField(
        help_text="The signer's certificate from the device: PEM, or DER in base64."
    )
    file = serializers.FileField(
        required=False, help_text="A result PDF to sign; without it the procedure's template."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    expected_version = serializers.IntegerField(required=False, allow_null=True, default=None)


class SigningRequestSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    dossier = serializers.CharField()
    digest = serializers.CharField(
        help_text="Base64 SHA-256 digest of the DER-encoded CMS signed attributes: the device "
        "signs it (RSA PKCS#1 v1.5 with a SHA-256 DigestInfo, or ECDSA)."
    )
    digest_algorithm = serializers.CharField()
    signature_algorithm = serializers.CharField()
    to_be_signed = serializers.CharField(
        help_text="Base64 DER signed attributes (for devices that hash themselves)."
    )
    expires_at = serializers.DateTimeField()


class SignatureUploadSerializer(serializers.Serializer):
    signature = serializers.CharField(help_text=str(_("Chữ ký (base64) do thiết bị trả về.")))


class SignedDocumentSerializer(serializers.Serializer):
    dossier = serializers.CharField(source="dossier.code")
    attachment = serializers.IntegerField(source="attachment_id")
    sha256 = serializers.CharField()
    signer = serializers.CharField(source="signer_name")
    signed_at = serializers.DateTimeField()
    verification_url = serializers.SerializerMethodField()

    def get_verification_url(self, obj) -> str:
        from .services import verification_url

        return verification_url(obj.token)
