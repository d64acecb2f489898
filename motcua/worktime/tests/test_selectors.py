"""The WorkCalendar of an agency from the database, its cache, and reception hours."""

from datetime import date, time

import pytest
from django.core.cache import cache

from motcua.agencies.models import Agency, AgencyKind
from motcua.worktime import selectors
from motcua.worktime.deadlines import DEFAULT_SESSIONS, add_working_days
from motcua.worktime.models import (
    CalendarDay,
    DayKind,
    DaySource,
    ExtraSession,
    Weekday,
    WorkSchedule,
    WorkSession,
)
from motcua.worktime.selectors import (
    get_work_calendar,
    is_open_for_reception,
    reception_hours,
)

from .helpers import vn

pytestmark = pytest.mark.django_db


def schedule(agency, weekdays, *sessions):
    row = WorkSchedule.objects.create(agency=agency, weekdays=weekdays)
    for start, end in sessions:
        WorkSession.objects.create(schedule=row, start=start, end=end)
    return row


def test_without_any_schedule_the_built_in_default_applies():
    calendar = get_work_calendar()
    assert calendar.weekdays == {1, 2, 3, 4, 5}
    assert calendar.sessions == DEFAULT_SESSIONS


def test_agency_schedule_and_fallback_to_the_province_default(center):
    other = Agency.objects.create(name="Sở Tư pháp", kind=AgencyKind.DEPARTMENT, e_id="H22.13")
    schedule(None, "12345", (time(7), time(11)), (time(13), time(17)))
    schedule(center, "123456", (time(7), time(11, 30)), (time(13, 30), time(17)))
    assert get_work_calendar(center).sessions == ((time(7), time(11, 30)), (time(13, 30), time(17)))
    assert get_work_calendar(center).weekdays == {1, 2, 3, 4, 5, 6}
    assert get_work_calendar(center.pk) is get_work_calendar(center)
    assert get_work_calendar(other).sessions == ((time(7), time(11)), (time(13), time(17)))
    assert get_work_calendar(other).weekdays == {1, 2, 3, 4, 5}
    # Saturday counts for the center: Friday 09:00 + 1 day → Saturday 09:00.
    assert add_working_days(get_work_calendar(center), vn(2025, 3, 7, 9), 1) == vn(2025, 3, 8, 9)


def test_calendar_is_cached_and_invalidated_on_change(seeded, django_assert_num_queries):
    first = get_work_calendar()
    with django_assert_num_queries(0):
        assert get_work_calendar() is first
    assert date(2025, 6, 2) not in first.days_off
    CalendarDay.objects.create(
        date=date(2025, 6, 2), kind=DayKind.DAY_OFF, name="Nghỉ đột xuất", source=DaySource.ADMIN
    )
    assert date(2025, 6, 2) in get_work_calendar().days_off
    CalendarDay.objects.filter(date=date(2025, 6, 2)).delete()
    assert date(2025, 6, 2) not in get_work_calendar().days_off


def test_schedule_changes_invalidate_the_cache(seeded):
    assert get_work_calendar().weekdays == {1, 2, 3, 4, 5}
    default = WorkSchedule.objects.get(agency__isnull=True)
    default.weekdays = "123456"
    default.save()
    assert get_work_calendar().weekdays == {1, 2, 3, 4, 5, 6}
    session = default.sessions.order_by("start").first()
    session.start = time(7)
    session.save()
    assert get_work_calendar().sessions[0] == (time(7), time(11, 30))


def test_other_processes_notice_the_version_change(seeded, monkeypatch, django_assert_num_queries):
    first = get_work_calendar()
    monkeypatch.setattr(selectors, "VERSION_CHECK_SECONDS", 0.0)
    with django_assert_num_queries(0):
        assert get_work_calendar() is first
    cache.set(selectors.VERSION_KEY, "changed-elsewhere", None)  # another process saved something
    assert get_work_calendar() is not first


@pytest.fixture
def sunday_session(center):
    return ExtraSession.objects.create(
        agency=center,
        name="Chủ nhật vì dân",
        weekday=Weekday.SUNDAY,
        start=time(7, 30),
        end=time(11, 30),
    )


def test_reception_hours_of_a_working_day(seeded, center):
    periods = reception_hours(center, date(2025, 3, 10))
    assert [(p.start, p.end, p.is_working_time) for p in periods] == [
        (vn(2025, 3, 10, 7, 30), vn(2025, 3, 10, 11, 30), True),
        (vn(2025, 3, 10, 13), vn(2025, 3, 10, 17), True),
    ]
    assert reception_hours(center, date(2025, 1, 28)) == []  # Tet


def test_reception_hours_with_extra_sessions(seeded, center, sunday_session):
    periods = reception_hours(center, date(2025, 3, 9))
    assert [(p.name, p.start, p.end, p.is_working_time) for p in periods] == [
        ("Chủ nhật vì dân", vn(2025, 3, 9, 7, 30), vn(2025, 3, 9, 11, 30), False)
    ]
    # Another agency has no Sunday session; the province default has none either.
    other = Agency.objects.create(name="Sở Tư pháp", kind=AgencyKind.DEPARTMENT, e_id="H22.13")
    assert reception_hours(other, date(2025, 3, 9)) == []
    assert reception_hours(None, date(2025, 3, 9)) == []


def test_weekly_sessions_skip_holidays_dated_sessions_do_not(seeded, center, sunday_session):
    hung_kings_sunday = date(2026, 4, 26)  # a Sunday in the calendar table
    assert reception_hours(center, hung_kings_sunday) == []
    ExtraSession.objects.create(
        agency=center,
        name="Tiếp nhận đặc biệt",
        date=hung_kings_sunday,
        start=time(8),
        end=time(10),
    )
    assert [p.name for p in reception_hours(center, hung_kings_sunday)] == ["Tiếp nhận đặc biệt"]


def test_extra_session_validity_and_activity(seeded, center, sunday_session):
    sunday_session.valid_from = date(2025, 4, 1)
    sunday_session.save()
    assert reception_hours(center, date(2025, 3, 30)) == []
    assert len(reception_hours(center, date(2025, 4, 6))) == 1
    sunday_session.valid_until = date(2025, 4, 30)
    sunday_session.save()
    assert reception_hours(center, date(2025, 5, 4)) == []
    sunday_session.valid_until = None
    sunday_session.active = False
    sunday_session.save()
    assert reception_hours(center, date(2025, 4, 6)) == []


def test_is_open_for_reception(seeded, center, sunday_session):
    assert is_open_for_reception(center, vn(2025, 3, 9, 8))
    assert is_open_for_reception(center, vn(2025, 3, 9, 7, 30))
    assert not is_open_for_reception(center, vn(2025, 3, 9, 11, 30))
    assert not is_open_for_reception(center, vn(2025, 3, 9, 13))
    assert is_open_for_reception(center, vn(2025, 3, 10, 8))
    assert not is_open_for_reception(center, vn(2025, 3, 10, 12))
    assert not is_open_for_reception(center, vn(2025, 3, 8, 8))  # Saturday
    assert not is_open_for_reception(center, vn(2025, 1, 28, 9))  # Tet
    assert is_open_for_reception(center, vn(2025, 4, 26, 9))  # make-up Saturday
    with pytest.raises(ValueError):
        is_open_for_reception(center, vn(2025, 3, 9, 8).replace(tzinfo=None))


def test_calendar_days_of_a_year(seeded):
    days = list(selectors.calendar_days(2025))
    assert days == sorted(days, key=lambda d: d.date)
    assert {d.date.year for d in days} == {2025}
    assert date(2025, 4, 26) in {d.date for d in days}
