"""Model invariants and the admin pages (Vietnamese, edits become the administrator's)."""

from datetime import date, time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from motcua.worktime.models import (
    CalendarDay,
    DayKind,
    DaySource,
    DeletedCalendarDay,
    ExtraSession,
    WorkSchedule,
    validate_sessions,
    validate_weekdays,
)

pytestmark = pytest.mark.django_db


def test_validate_sessions_in_vietnamese():
    validate_sessions([(time(7, 30), time(11, 30)), (time(13), time(17))])
    with pytest.raises(ValidationError, match="chồng lên nhau"):
        validate_sessions([(time(7, 30), time(12)), (time(11), time(17))])
    with pytest.raises(ValidationError, match="thứ tự"):
        validate_sessions([(time(13), time(17)), (time(7, 30), time(11, 30))])
    with pytest.raises(ValidationError, match="ít nhất một buổi"):
        validate_sessions([])


@pytest.mark.parametrize("value", ["", "0", "8", "1123", "12345678", "1,2"])
def test_validate_weekdays_rejects(value):
    with pytest.raises(ValidationError):
        validate_weekdays(value)


def test_validate_weekdays_accepts():
    validate_weekdays("12345")
    validate_weekdays("7")


def test_only_one_default_schedule():
    WorkSchedule.objects.create(agency=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkSchedule.objects.create(agency=None)


def test_extra_session_needs_a_date_or_a_weekday(center):
    with pytest.raises(ValidationError) as error:
        ExtraSession(agency=center, name="x", start=time(8), end=time(7)).full_clean()
    assert {"date", "end"} <= set(error.value.message_dict)
    with pytest.raises(IntegrityError), transaction.atomic():
        ExtraSession.objects.create(
            agency=center, name="x", date=date(2025, 3, 9), weekday=7, start=time(8), end=time(9)
        )


@pytest.fixture
def staff(admin_client):
    return admin_client


def test_calendar_changelist_by_year(staff, seeded):
    url = reverse("admin:worktime_calendarday_changelist")
    response = staff.get(url, {"year": "2026", "kind__exact": "working_day"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Làm bù cho ngày nghỉ 31/08/2026" in body
    assert "Làm bù cho ngày nghỉ 02/05/2025" not in body


def test_admin_edit_sets_source_admin(staff, seeded):
    row = CalendarDay.objects.get(date=date(2026, 11, 24))
    url = reverse("admin:worktime_calendarday_change", args=[row.pk])
    response = staff.post(
        url,
        {
            "date": "2026-11-24",
            "kind": DayKind.DAY_OFF,
            "name": row.name,
            "confirmed": "on",
            "note": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row.refresh_from_db()
    assert (row.confirmed, row.source) == (True, DaySource.ADMIN)


def test_admin_delete_action_records_the_deletion(staff, seeded):
    row = CalendarDay.objects.get(date=date(2026, 11, 24))
    url = reverse("admin:worktime_calendarday_changelist")
    response = staff.post(url, {"action": "delete_days", "_selected_action": [row.pk]})
    assert response.status_code == 302
    assert not CalendarDay.objects.filter(pk=row.pk).exists()
    assert DeletedCalendarDay.objects.filter(date=date(2026, 11, 24)).exists()


def _schedule_form(sessions):
    data = {
        "agency": "",
        "weekdays": ["1", "2", "3", "4", "5"],
        "note": "",
        "sessions-TOTAL_FORMS": str(len(sessions)),
        "sessions-INITIAL_FORMS": "0",
        "sessions-MIN_NUM_FORMS": "1",
        "sessions-MAX_NUM_FORMS": "1000",
    }
    for i, (start, end) in enumerate(sessions):
        data[f"sessions-{i}-start"] = start
        data[f"sessions-{i}-end"] = end
    return data


def test_admin_schedule_rejects_overlapping_sessions(staff):
    url = reverse("admin:worktime_workschedule_add")
    response = staff.post(url, _schedule_form([("07:30", "12:00"), ("11:00", "17:00")]))
    assert response.status_code == 200
    assert "không được chồng lên nhau" in response.content.decode()
    assert not WorkSchedule.objects.exists()


def test_admin_schedule_saves_weekdays_and_sessions(staff):
    url = reverse("admin:worktime_workschedule_add")
    data = _schedule_form([("13:30", "17:00"), ("07:00", "11:30")])
    data["weekdays"] = ["6", "1", "2"]
    response = staff.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    schedule = WorkSchedule.objects.get()
    assert schedule.weekdays == "126"
    assert [str(s) for s in schedule.sessions.all()] == ["07:00–11:30", "13:30–17:00"]


def test_admin_pages_render(staff, seeded, center):
    ExtraSession.objects.create(
        agency=center, name="Chủ nhật vì dân", weekday=7, start=time(7, 30), end=time(11, 30)
    )
    for name in ["workschedule", "calendarday", "extrasession", "deletedcalendarday"]:
        assert staff.get(reverse(f"admin:worktime_{name}_changelist")).status_code == 200
    assert staff.get(reverse("admin:worktime_extrasession_add")).status_code == 200
    assert staff.get(reverse("admin:worktime_workschedule_add")).status_code == 200
