from django.contrib import admin

from .models import (
    Exemption,
    ExemptionCategory,
    FeeRule,
    GatewayCallback,
    Payment,
    PaymentRequest,
    Refund,
)


@admin.register(ExemptionCategory)
class ExemptionCategoryAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "position", "is_active"]
    list_editable = ["position", "is_active"]
    search_fields = ["label", "code"]


@admin.register(Exemption)
class ExemptionAdmin(admin.ModelAdmin):
    list_display = ["fee", "category", "percent"]
    list_filter = ["category"]
    search_fields = ["fee__name", "fee__version__procedure__code"]
    autocomplete_fields = ["category"]
    raw_id_fields = ["fee"]


@admin.register(FeeRule)
class FeeRuleAdmin(admin.ModelAdmin):
    list_display = ["fee", "timing"]
    list_filter = ["timing"]
    raw_id_fields = ["fee"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money records change only through the services (audited): read here, never edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PaymentInline(admin.TabularInline):
    model = Payment
    fields = ["order_id", "method", "gateway", "amount", "state", "receipt_number", "paid_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(PaymentRequest)
class PaymentRequestAdmin(ReadOnlyAdmin):
    list_display = ["dossier", "amount", "status", "timing", "created_at"]
    list_filter = ["status", "timing"]
    search_fields = ["dossier__code"]
    inlines = [PaymentInline]


class RefundInline(admin.TabularInline):
    model = Refund
    fields = ["amount", "reason", "reference", "created_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "order_id",
        "dossier",
        "method",
        "gateway",
        "amount",
        "state",
        "applied",
        "refunded_amount",
        "paid_at",
    ]
    list_filter = ["state", "method", "gateway", "applied"]
    search_fields = ["order_id", "receipt_number", "gateway_txn", "dossier__code"]
    date_hierarchy = "created_at"
    inlines = [RefundInline]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["payment", "amount", "reason", "created_by", "created_at"]
    search_fields = ["payment__order_id", "payment__dossier__code"]


@admin.register(GatewayCallback)
class GatewayCallbackAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "gateway", "channel", "order_id", "outcome", "reason"]
    list_filter = ["gateway", "outcome", "reason", "channel"]
    search_fields = ["order_id"]
    date_hierarchy = "received_at"
