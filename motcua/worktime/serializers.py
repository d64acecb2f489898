"""Response shapes of the worktime API (for the OpenAPI schema and the output)."""

from rest_framework import serializers


class DueDateSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="The receipt instant, in Asia/Ho_Chi_Minh.")
    counts_from = serializers.DateTimeField(
        help_text="When the clock starts: the next working start (after the cutoff: the next day)."
    )
    due_at = serializers.DateTimeField(help_text="The due time (ISO 8601, +07:00).")
    due_date = serializers.DateField(
        help_text="The date of the due time, as on the appointment slip."
    )


class SessionSerializer(serializers.Serializer):
    start = serializers.TimeField(format="%H:%M")
    end = serializers.TimeField(format="%H:%M")


class CalendarDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(
        choices=["day_off", "working_day"],
        help_text="day_off: a weekday off; working_day: a make-up working day (e.g. a Saturday).",
    )
    name = serializers.CharField()
    confirmed = serializers.BooleanField(help_text="False: announced but not yet confirmed in law.")


class CalendarSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=7),
        help_text="Working weekdays, ISO numbering (1 = Monday … 7 = Sunday).",
    )
    sessions = SessionSerializer(many=True)
    working_day_hours = serializers.DecimalField(max_digits=4, decimal_places=2)
    days = CalendarDaySerializer(many=True)
