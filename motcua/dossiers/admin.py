"""Read-only admin pages for dossiers: look, never edit. A dossier's state changes only through
the services (back office, API), which write its event log."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import Attachment, Dossier, Event, StepRecord, Submission


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class EventInline(ReadOnlyInline):
    model = Event
    fields = (
        "seq",
        "at",
        "action",
        "actor_name",
        "role",
        "agency",
        "from_state",
        "to_state",
        "note",
        "hash",
    )
    ordering = ("seq",)
    verbose_name_plural = _("nhật ký sự kiện")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agency")


class StepRecordInline(ReadOnlyInline):
    model = StepRecord
    fields = (
        "index",
        "name",
        "agency",
        "officer",
        "started_at",
        "due_at",
        "finished_at",
        "on_time",
        "handed_to",
    )
    ordering = ("started_at", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agency", "officer")

    @admin.display(boolean=True, description=_("đúng hạn"))
    def on_time(self, obj):
        return obj.on_time


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = (
        "original_name",
        "kind",
        "document",
        "content_type",
        "size",
        "sha256",
        "digitised",
        "uploaded_at",
    )
    ordering = ("id",)


@admin.register(Dossier)
class DossierAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "code",
        "procedure_name",
        "applicant_name",
        "state",
        "due_at",
        "current_agency",
        "received_at",
    )
    list_filter = ("state", "channel", "regime")
    list_select_related = ("procedure", "current_agency")
    search_fields = ("code",)
    search_help_text = _("Tìm theo mã hồ sơ, tên hoặc số định danh người nộp (có hoặc không dấu).")
    date_hierarchy = "received_at"
    inlines = (EventInline, StepRecordInline, AttachmentInline)
    exclude = ("tracking_secret", "search_folded")
    show_full_result_count = False

    @admin.display(description=_("thủ tục"), ordering="procedure__name")
    def procedure_name(self, obj):
        return obj.procedure.name

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in self.exclude]

    def get_queryset(self, request):
        # Managers see their scope; a superuser sees everything.
        return selectors.dossiers_visible_to(request.user)

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return selectors.filter_dossiers(queryset, search=search_term), False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    """Online intake rows, read-only: only the intake worker changes them."""

    list_display = ["id", "user", "state", "dossier", "attempts", "created_at", "processed_at"]
    list_filter = ["state"]
    search_fields = ["id", "user__username", "dossier__code"]
    list_select_related = ["user", "dossier"]
    readonly_fields = [f.name for f in Submission._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
