"""Read-only admin list of the outbox: what was sent to whom, and what failed."""

from django.contrib import admin

from .models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "channel", "recipient", "dossier", "state", "attempts")
    list_filter = ("state", "channel", "kind")
    search_fields = ("recipient", "dossier__code", "uuid")
    date_hierarchy = "created_at"
    list_select_related = ("dossier",)
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
