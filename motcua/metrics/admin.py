"""Read-only views of the roll-ups (they are derived data: change them with rebuild-metrics)."""

from django.contrib import admin

from .models import DailyRollup, MonthlyRollup, Target


class RollupAdmin(admin.ModelAdmin):
    list_display = [
        "day",
        "competent_agency",
        "receiving_agency",
        "procedure",
        "channel",
        "received",
        "decided",
        "resolved_late",
    ]
    list_filter = ["channel"]
    date_hierarchy = "day"
    list_select_related = ["competent_agency", "receiving_agency", "procedure"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(DailyRollup, RollupAdmin)
admin.site.register(MonthlyRollup, RollupAdmin)


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    """Province-wide defaults (no agency) and per-agency targets, with their validity."""

    list_display = ["indicator", "agency", "value", "valid_from", "valid_until", "note"]
    list_filter = ["indicator", ("agency", admin.EmptyFieldListFilter)]
    search_fields = ["agency__name", "agency__e_id", "note"]
    autocomplete_fields = ["agency"]
    list_select_related = ["agency"]
