"""Admin for the working week, the calendar table and the extra reception sessions."""

from django import forms
from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import (
    CalendarDay,
    DeletedCalendarDay,
    ExtraSession,
    Weekday,
    WorkSchedule,
    WorkSession,
    validate_sessions,
)


class WorkSessionFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        sessions = sorted(
            (form.cleaned_data["start"], form.cleaned_data["end"])
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        )
        validate_sessions(sessions)


class WorkSessionInline(admin.TabularInline):
    model = WorkSession
    formset = WorkSessionFormSet
    extra = 0
    min_num = 1


class WorkScheduleForm(forms.ModelForm):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("ngày làm việc trong tuần"),
        choices=Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WorkSchedule
        fields = ["agency", "weekdays", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["weekdays"] = [int(c) for c in self.instance.weekdays or ""]

    def clean_weekdays(self):
        return "".join(str(day) for day in sorted(set(self.cleaned_data["weekdays"])))


@admin.register(WorkSchedule)
class WorkScheduleAdmin(admin.ModelAdmin):
    form = WorkScheduleForm
    inlines = [WorkSessionInline]
    list_display = ["__str__", "weekdays_display", "sessions_display", "updated_at"]
    raw_id_fields = ["agency"]
    list_select_related = ["agency"]

    @admin.display(description=_("ngày làm việc"))
    def weekdays_display(self, obj):
        return ", ".join(str(Weekday(int(c)).label) for c in obj.weekdays)

    @admin.display(description=_("buổi làm việc"))
    def sessions_display(self, obj):
        return "; ".join(str(s) for s in obj.sessions.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("sessions")


class YearFilter(admin.SimpleListFilter):
    title = _("năm")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = CalendarDay.objects.dates("date", "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in years]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(date__year=int(self.value()))
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name", "source", "confirmed"]
    list_filter = [YearFilter, "kind", "source", "confirmed"]
    date_hierarchy = "date"
    search_fields = ["name", "note"]
    readonly_fields = ["source", "updated_at"]
    fields = ["date", "kind", "name", "confirmed", "note", "source", "updated_at"]
    actions = ["confirm_days", "delete_days"]

    @admin.display(description=_("thứ"))
    def weekday(self, obj):
        return Weekday(obj.date.isoweekday()).label

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deletions go through the service (delete_days)
        return actions

    def save_model(self, request, obj, form, change):
        services.save_calendar_day(obj)

    def delete_model(self, request, obj):
        services.delete_calendar_days([obj])

    def delete_queryset(self, request, queryset):
        services.delete_calendar_days(queryset)

    @admin.action(description=_("Xác nhận các ngày đã chọn"), permissions=["change"])
    def confirm_days(self, request, queryset):
        count = services.confirm_calendar_days(queryset)
        self.message_user(
            request,
            ngettext("Đã xác nhận %(count)d ngày.", "Đã xác nhận %(count)d ngày.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Xóa các ngày đã chọn (không nạp lại khi chạy seed-calendar)"),
        permissions=["delete"],
    )
    def delete_days(self, request, queryset):
        count = services.delete_calendar_days(queryset)
        self.message_user(
            request,
            ngettext("Đã xóa %(count)d ngày.", "Đã xóa %(count)d ngày.", count) % {"count": count},
            messages.SUCCESS,
        )


@admin.register(DeletedCalendarDay)
class DeletedCalendarDayAdmin(admin.ModelAdmin):
    """Deleting a row here lets `seed-calendar` bring the date back."""

    list_display = ["date", "name", "deleted_at"]
    date_hierarchy = "date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ExtraSession)
class ExtraSessionAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "agency",
        "date",
        "weekday",
        "start",
        "end",
        "valid_from",
        "valid_until",
        "active",
    ]
    list_filter = ["active", "weekday"]
    search_fields = ["name", "agency__name", "agency__e_id"]
    raw_id_fields = ["agency"]
    list_select_related = ["agency"]
