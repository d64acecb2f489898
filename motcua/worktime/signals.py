"""Clear the cached WorkCalendars when the calendar or a schedule changes."""

from django.db.models.signals import post_delete, post_save

from .models import CalendarDay, WorkSchedule, WorkSession
from .selectors import invalidate_cache


def _changed(sender, **kwargs):
    invalidate_cache()


def connect() -> None:
    for model in (CalendarDay, WorkSchedule, WorkSession):
        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(_changed, sender=model, dispatch_uid=f"worktime-{name}-{model.__name__}")
