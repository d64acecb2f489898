from django.urls import path

from . import api

urlpatterns = [
    path("worktime/due-date", api.DueDateView.as_view(), name="worktime-due-date"),
    path("worktime/calendar", api.CalendarView.as_view(), name="worktime-calendar"),
]
