"""Deadlines on the real 2024–2026 civil-service calendars, as seeded into the database."""

from datetime import date, time

import pytest

from motcua.worktime.deadlines import (
    add_working_days,
    clock_start,
    is_working_day,
    working_time_between,
)
from motcua.worktime.models import ExtraSession, Weekday
from motcua.worktime.selectors import get_work_calendar, is_open_for_reception

from .helpers import vn

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("received", "days", "due", "why"),
    [
        (vn(2025, 1, 24, 9), 1, vn(2025, 2, 3, 9), "Tet 2025: 27–31/01 off"),
        (vn(2025, 1, 23, 9), 2, vn(2025, 2, 3, 9), "Tet 2025 from Thursday"),
        (vn(2026, 2, 13, 9), 1, vn(2026, 2, 23, 9), "Tet 2026: break 14–22/02"),
        # 4 h on Thursday afternoon + 8 h on Friday + 4 h on Monday morning: the earliest instant
        # with that working time is the end of Monday's morning session, not 13:00.
        (vn(2026, 2, 12, 13), 2, vn(2026, 2, 23, 11, 30), "Tet 2026 from Thursday afternoon"),
        (vn(2025, 4, 29, 9), 1, vn(2025, 5, 5, 9), "30/4, 1/5 and swapped 2/5 in 2025"),
        (vn(2026, 4, 29, 9), 1, vn(2026, 5, 4, 9), "30/4 and 1/5 in 2026"),
        (vn(2025, 8, 29, 9), 1, vn(2025, 9, 3, 9), "National Day 2025: 01–02/09"),
        (vn(2026, 8, 28, 9), 1, vn(2026, 9, 3, 9), "National Day 2026: 31/08–02/09"),
        (vn(2025, 4, 25, 9), 1, vn(2025, 4, 26, 9), "make-up Saturday 26/04/2025"),
        (vn(2026, 8, 21, 9), 1, vn(2026, 8, 22, 9), "make-up Saturday 22/08/2026"),
        (vn(2026, 8, 22, 9), 1, vn(2026, 8, 24, 9), "from the make-up Saturday to Monday"),
        (vn(2025, 4, 4, 9), 1, vn(2025, 4, 8, 9), "Hung Kings 07/04/2025"),
        (vn(2026, 4, 24, 9), 1, vn(2026, 4, 28, 9), "Hung Kings 2026 observed on Monday 27/04"),
        (vn(2025, 12, 31, 9), 1, vn(2026, 1, 2, 9), "New Year 2026"),
        (vn(2024, 5, 3, 9), 1, vn(2024, 5, 4, 9), "make-up Saturday 04/05/2024"),
        (vn(2024, 4, 26, 9), 1, vn(2024, 5, 2, 9), "29/04 swapped, 30/04–01/05 in 2024"),
        (vn(2025, 1, 2, 7, 30), 15, vn(2025, 1, 22, 17), "fifteen days in January 2025"),
        (vn(2025, 1, 20, 7, 30), 10, vn(2025, 2, 7, 17), "ten days across Tet 2025"),
    ],
)
def test_due_dates_on_the_official_calendar(vn_calendar, received, days, due, why):
    assert add_working_days(vn_calendar, received, days) == due, why


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 1, 27), False),
        (date(2025, 2, 3), True),
        (date(2025, 4, 7), False),
        (date(2025, 4, 26), True),
        (date(2025, 5, 2), False),
        (date(2025, 9, 1), False),
        (date(2025, 9, 3), True),
        *[(date(2026, 2, d), False) for d in range(14, 23)],
        (date(2026, 2, 23), True),
        (date(2026, 4, 27), False),
        (date(2026, 8, 22), True),
        (date(2026, 8, 29), False),
        (date(2026, 8, 31), False),
        (date(2026, 9, 2), False),
        (date(2026, 11, 24), False),  # Vietnam Culture Day: unconfirmed, but off until deleted
    ],
)
def test_working_days_of_2025_and_2026(vn_calendar, day, working):
    assert is_working_day(vn_calendar, day) is working


def test_tet_2026_has_no_working_time(vn_calendar):
    assert (
        working_time_between(
            vn_calendar, vn(2026, 2, 13, 17), vn(2026, 2, 23, 7, 30)
        ).total_seconds()
        == 0
    )


def test_cutoff_on_the_real_calendar(vn_calendar):
    # Thursday 23/01/2025 after 15:00, with Tet ahead: the clock starts on Friday 24/01.
    cutoff = time(15)
    assert add_working_days(vn_calendar, vn(2025, 1, 23, 15, 30), 1, cutoff=cutoff) == vn(
        2025, 1, 24, 17
    )
    assert add_working_days(vn_calendar, vn(2025, 1, 23, 15, 30), 1) == vn(2025, 1, 24, 15, 30)
    # Friday 24/01/2025 after 15:00: the next working day is Monday 03/02.
    late_friday = vn(2025, 1, 24, 15, 30)
    assert clock_start(vn_calendar, late_friday, cutoff) == vn(2025, 2, 3, 7, 30)
    assert add_working_days(vn_calendar, late_friday, 1, cutoff=cutoff) == vn(2025, 2, 3, 17)


def test_supplement_pause_over_tet(vn_calendar):
    # Received Wed 22/01/2025 09:00, 3 days; paused Thu 23/01 09:00 → Mon 03/02 09:00, which is
    # two working days (Thursday–Friday, then Tet).
    received = vn(2025, 1, 22, 9)
    assert add_working_days(vn_calendar, received, 3) == vn(2025, 2, 3, 9)
    pause = (vn(2025, 1, 23, 9), vn(2025, 2, 3, 9))
    assert add_working_days(vn_calendar, received, 3, pauses=[pause]) == vn(2025, 2, 5, 9)


def test_sunday_extra_session_receipt_counts_from_monday(seeded, center):
    ExtraSession.objects.create(
        agency=center,
        name="Chủ nhật vì dân",
        weekday=Weekday.SUNDAY,
        start=time(7, 30),
        end=time(11, 30),
    )
    sunday = vn(2025, 3, 9, 8)
    assert is_open_for_reception(center, sunday)
    calendar = get_work_calendar(center)
    assert not is_working_day(calendar, sunday.date())
    assert clock_start(calendar, sunday) == vn(2025, 3, 10, 7, 30)
    assert add_working_days(calendar, sunday, 1) == vn(2025, 3, 10, 17)
    assert add_working_days(calendar, sunday, "0.5") == vn(2025, 3, 10, 11, 30)
