from django.contrib import admin

from .models import ExternalSigningRequest, SignedDocument, SigningKey, TrustRoot


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    list_display = ("agency", "kind", "label", "is_active", "created_at")
    list_filter = ("kind", "is_active")
    search_fields = ("agency__name", "agency__e_id", "label")
    autocomplete_fields = ("agency",)


@admin.register(TrustRoot)
class TrustRootAdmin(admin.ModelAdmin):
    list_display = ("name", "fingerprint", "is_active", "added_at")
    list_filter = ("is_active",)
    readonly_fields = ("fingerprint",)


@admin.register(SignedDocument)
class SignedDocumentAdmin(admin.ModelAdmin):
    list_display = ("dossier", "agency", "signer_name", "signed_at", "key_kind")
    list_filter = ("key_kind",)
    search_fields = ("dossier__code", "sha256", "token", "cert_serial")
    readonly_fields = [f.name for f in SignedDocument._meta.fields]

    def has_add_permission(self, request):
        return False  # only the signing services create them

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExternalSigningRequest)
class ExternalSigningRequestAdmin(admin.ModelAdmin):
    list_display = ("public_id", "dossier", "leader", "state", "created_at", "expires_at")
    list_filter = ("state",)
    exclude = ("prepared_pdf", "document_digest", "signed_attrs", "certificate_der")
    readonly_fields = (
        "public_id",
        "dossier",
        "agency",
        "leader",
        "state",
        "expected_version",
        "note",
        "original_name",
        "token",
        "reserved_start",
        "reserved_end",
        "signed_at",
        "expires_at",
        "completed_at",
        "signed_document",
    )

    def has_add_permission(self, request):
        return False
