"""Read-only views of the roll-ups (they are derived data: change them with rebuild-metrics)."""

from django.contrib import admin

from .models import DailyRollup, MonthlyRollup


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
