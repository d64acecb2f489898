"""The pure deadline arithmetic: examples on the default week, properties, and a reference oracle."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from motcua.worktime.deadlines import (
    VN_TZ,
    WorkCalendar,
    add_working_days,
    add_working_hours,
    add_working_time,
    clock_start,
    end_of_working_day,
    is_working_day,
    next_working_start,
    sessions_error,
    working_time_between,
)

WEEK = WorkCalendar()  # Monday–Friday, 07:30–11:30 and 13:00–17:00, no holidays
PROPS = settings(max_examples=100, deadline=None, database=None)  # no .hypothesis/ in the tree

# 2025-01-23 is a Thursday.
THU = date(2025, 1, 23)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), VN_TZ)


# --- examples on the default week ---------------------------------------------------------------


def test_one_day_from_the_opening_ends_at_the_close_of_the_same_day():
    assert add_working_days(WEEK, at(THU, 7, 30), 1) == at(THU, 17)


def test_one_day_from_thursday_morning_is_friday_same_time():
    assert add_working_days(WEEK, at(THU, 9), 1) == at(THU + timedelta(1), 9)


def test_friday_afternoon_plus_one_day_is_monday_afternoon():
    assert add_working_days(WEEK, at(date(2025, 1, 24), 14), 1) == at(date(2025, 1, 27), 14)


def test_half_day_is_four_hours_across_lunch():
    assert add_working_days(WEEK, at(THU, 9), "0.5") == at(THU, 14, 30)
    assert add_working_days(WEEK, at(THU, 9), Decimal("0.5")) == at(THU, 14, 30)
    assert add_working_hours(WEEK, at(THU, 9), 4) == at(THU, 14, 30)


def test_fractions_are_exact():
    # A third of a day is 160 minutes; a float tenth of an hour is 6 minutes, not 5.99…
    assert add_working_days(WEEK, at(THU, 7, 30), Fraction(1, 3)) == at(THU, 10, 10)
    assert add_working_hours(WEEK, at(THU, 7, 30), 0.1) == at(THU, 7, 36)
    three_tenths = add_working_hours(WEEK, add_working_hours(WEEK, at(THU, 7, 30), 0.1), 0.2)
    assert three_tenths == add_working_hours(WEEK, at(THU, 7, 30), 0.3) == at(THU, 7, 48)


def test_received_outside_working_time_counts_from_the_next_start():
    saturday = datetime(2025, 1, 25, 10, tzinfo=VN_TZ)
    assert add_working_days(WEEK, saturday, 1) == at(date(2025, 1, 27), 17)
    evening = at(THU, 18)
    assert add_working_hours(WEEK, evening, 1) == at(THU + timedelta(1), 8, 30)
    lunch = at(THU, 12)
    assert add_working_hours(WEEK, lunch, 1) == at(THU, 14)


def test_due_lands_at_session_end_not_next_session_start():
    assert add_working_hours(WEEK, at(THU, 7, 30), 4) == at(THU, 11, 30)
    assert add_working_hours(WEEK, at(THU, 13), 4) == at(THU, 17)


def test_zero_amount_settles_on_working_time():
    assert add_working_hours(WEEK, at(THU, 17), 0) == at(THU, 17)
    assert add_working_hours(WEEK, at(THU, 17, 1), 0) == at(THU + timedelta(1), 7, 30)
    assert add_working_hours(WEEK, at(THU, 12), 0) == at(THU, 13)


def test_next_working_start():
    inside = datetime(2025, 1, 23, 2, 15, 7, 123, tzinfo=UTC)  # 09:15:07 in Hanoi
    assert next_working_start(WEEK, inside) == inside
    assert next_working_start(WEEK, inside).tzinfo == VN_TZ
    assert next_working_start(WEEK, at(THU, 11, 30)) == at(THU, 13)
    assert next_working_start(WEEK, at(THU, 17)) == at(THU + timedelta(1), 7, 30)
    assert next_working_start(WEEK, at(THU, 6)) == at(THU, 7, 30)
    assert next_working_start(WEEK, at(date(2025, 1, 24), 17)) == at(date(2025, 1, 27), 7, 30)


def test_inputs_in_other_zones_and_output_in_hanoi():
    start = datetime(2025, 1, 23, 2, 0, tzinfo=UTC)  # 09:00 in Hanoi
    due = add_working_days(WEEK, start, 1)
    assert due == at(THU + timedelta(1), 9)
    assert due.utcoffset() == timedelta(hours=7)
    paris = datetime(2025, 1, 23, 3, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert add_working_days(WEEK, paris, 1) == due


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        add_working_days(WEEK, datetime(2025, 1, 23, 9), 1)


@pytest.mark.parametrize("bad", [-1, "-0.5", "abc", float("nan"), Decimal("Infinity"), True])
def test_bad_amounts_are_refused(bad):
    with pytest.raises((ValueError, TypeError)):
        add_working_days(WEEK, at(THU, 9), bad)


def test_cutoff_moves_late_receipts_to_the_next_working_day():
    cutoff = time(15)
    assert add_working_days(WEEK, at(THU, 15, 30), 1, cutoff=cutoff) == at(THU + timedelta(1), 17)
    assert add_working_days(WEEK, at(THU, 15, 30), 1) == at(THU + timedelta(1), 15, 30)
    # At 15:00 sharp the receipt is not after the cut-off.
    assert add_working_days(WEEK, at(THU, 15), 1, cutoff=cutoff) == at(THU + timedelta(1), 15)
    assert clock_start(WEEK, at(THU, 15, 1), cutoff) == at(THU + timedelta(1), 7, 30)
    assert clock_start(WEEK, at(THU, 14), cutoff) == at(THU, 14)
    # On a non-working day the cut-off changes nothing: Monday 07:30 either way.
    sunday = datetime(2025, 1, 26, 16, tzinfo=VN_TZ)
    assert add_working_days(WEEK, sunday, 1, cutoff=cutoff) == at(date(2025, 1, 27), 17)


def test_pause_moves_the_due_time_by_the_paused_working_time():
    start = at(date(2025, 1, 6), 8)  # Monday
    assert add_working_days(WEEK, start, 5) == at(date(2025, 1, 13), 8)
    # Paused Tuesday 10:00 → Thursday 10:00: two working days.
    pause = (at(date(2025, 1, 7), 10), at(date(2025, 1, 9), 10))
    assert add_working_days(WEEK, start, 5, pauses=[pause]) == at(date(2025, 1, 15), 8)
    # A pause over a weekend stops nothing.
    weekend = (datetime(2025, 1, 11, tzinfo=VN_TZ), datetime(2025, 1, 13, tzinfo=VN_TZ))
    assert add_working_days(WEEK, start, 5, pauses=[weekend]) == at(date(2025, 1, 13), 8)
    # Overlapping pauses count once.
    assert add_working_days(WEEK, start, 5, pauses=[pause, pause]) == at(date(2025, 1, 15), 8)


def test_due_exactly_at_a_pause_start_stays_there():
    pause = (at(THU, 9, 30), at(THU, 10, 30))
    assert add_working_hours(WEEK, at(THU, 7, 30), 2, pauses=[pause]) == at(THU, 9, 30)
    assert add_working_hours(WEEK, at(THU, 7, 30), "2.5", pauses=[pause]) == at(THU, 11)


def test_receipt_inside_a_pause_counts_from_its_end():
    start = at(THU, 9)
    pause = (at(THU, 8), at(THU, 10))
    assert add_working_hours(WEEK, start, 1, pauses=[pause]) == at(THU, 11)


def test_pause_ending_before_it_begins_is_refused():
    with pytest.raises(ValueError):
        add_working_hours(WEEK, at(THU, 9), 1, pauses=[(at(THU, 10), at(THU, 9))])


def test_working_time_between():
    assert working_time_between(WEEK, at(THU, 9), at(THU + timedelta(1), 9)) == timedelta(hours=8)
    assert working_time_between(WEEK, at(THU, 11), at(THU, 14)) == timedelta(hours=1, minutes=30)
    assert working_time_between(WEEK, at(THU, 14), at(THU, 11)) == -timedelta(hours=1, minutes=30)
    friday_noon, monday_noon = at(date(2025, 1, 24), 12), at(date(2025, 1, 27), 12)
    assert working_time_between(WEEK, friday_noon, monday_noon) == timedelta(hours=8)
    pause = (at(date(2025, 1, 24), 13), at(date(2025, 1, 24), 15))
    assert working_time_between(WEEK, friday_noon, monday_noon, [pause]) == timedelta(hours=6)


def test_calendar_with_holidays_and_a_make_up_saturday():
    cal = WorkCalendar(days_off={date(2025, 1, 24)}, extra_working_days={date(2025, 1, 25)})
    assert not is_working_day(cal, date(2025, 1, 24))
    assert is_working_day(cal, date(2025, 1, 25))
    assert not is_working_day(cal, date(2025, 1, 26))
    assert add_working_days(cal, at(THU, 9), 1) == at(date(2025, 1, 25), 9)


def test_agency_sessions_change_the_day_length():
    cal = WorkCalendar(sessions=((time(7), time(11, 30)), (time(13, 30), time(17))))
    assert cal.day_length == timedelta(hours=8)
    short = WorkCalendar(sessions=((time(8), time(11, 30)),))
    assert short.day_length == timedelta(hours=3, minutes=30)
    assert add_working_days(short, at(THU, 8), "0.5") == at(THU, 9, 45)


def test_end_of_working_day():
    assert end_of_working_day(WEEK, at(THU, 9)) == at(THU, 17)
    assert end_of_working_day(WEEK, at(THU, 17)) == at(THU + timedelta(1), 17)
    assert end_of_working_day(WEEK, at(THU, 15, 30), cutoff=time(15)) == at(THU + timedelta(1), 17)
    assert end_of_working_day(WEEK, datetime(2025, 1, 25, 9, tzinfo=VN_TZ)) == at(
        date(2025, 1, 27), 17
    )


@pytest.mark.parametrize(
    ("sessions", "problem"),
    [
        ([], "empty"),
        ([(time(9), time(9))], "empty_session"),
        ([(time(13), time(17)), (time(7, 30), time(11, 30))], "not_ordered"),
        ([(time(7, 30), time(12)), (time(11, 30), time(17))], "overlap"),
        ([(time(7, 30), time(11, 30)), (time(11, 30), time(17))], None),
    ],
)
def test_sessions_error(sessions, problem):
    assert sessions_error(sessions) == problem


def test_invalid_calendars_are_refused():
    with pytest.raises(ValueError):
        WorkCalendar(weekdays=frozenset())
    with pytest.raises(ValueError):
        WorkCalendar(weekdays={0, 1})
    with pytest.raises(ValueError):
        WorkCalendar(sessions=((time(13), time(17)), (time(7), time(11))))
    with pytest.raises(ValueError):
        WorkCalendar(days_off={date(2025, 4, 26)}, extra_working_days={date(2025, 4, 26)})


def test_far_deadlines_skip_whole_days_exactly():
    # Whole days are skipped in bulk: the result must still hold exactly 1000 working days.
    cal = WorkCalendar(days_off={date(2025, 1, 1) + timedelta(d) for d in range(0, 3000, 11)})
    start = at(THU, 9)
    due = add_working_days(cal, start, 1000)
    assert due > at(date(2028, 1, 1), 0)
    assert working_time_between(cal, start, due) == timedelta(hours=8000)


def test_overflow_beyond_year_9999():
    with pytest.raises((OverflowError, ValueError)):
        add_working_days(WEEK, at(THU, 9), 10**7)


# --- properties ---------------------------------------------------------------------------------

ZONES = [VN_TZ, UTC, ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York")]
ORIGIN = datetime(2024, 12, 1, tzinfo=VN_TZ)
SPAN_DAYS = 420  # starts and exceptions fall in December 2024 – January 2026


@st.composite
def calendars(draw):
    weekdays = draw(st.sets(st.integers(1, 7), min_size=1))
    # Up to three disjoint sessions on a minute grid, sometimes touching.
    count = draw(st.integers(1, 3))
    points = sorted(
        draw(st.sets(st.integers(0, 24 * 60 - 1), min_size=2 * count, max_size=2 * count))
    )
    bounds = [time(m // 60, m % 60) for m in points]
    sessions = [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2)]
    if len(sessions) > 1 and draw(st.booleans()):
        sessions[1] = (sessions[0][1], sessions[1][1])  # touching sessions
    days = st.integers(0, SPAN_DAYS).map(lambda d: ORIGIN.date() + timedelta(d))
    days_off = draw(st.sets(days, max_size=80))
    extra = draw(st.sets(days, max_size=20)) - days_off
    return WorkCalendar(
        weekdays=weekdays, sessions=tuple(sessions), days_off=days_off, extra_working_days=extra
    )


@st.composite
def instants(draw):
    minutes = draw(st.integers(0, SPAN_DAYS * 24 * 60))
    seconds = draw(st.sampled_from([0, 0, 0, 17]))
    instant = ORIGIN + timedelta(minutes=minutes, seconds=seconds)
    return instant.astimezone(draw(st.sampled_from(ZONES)))


def amounts(cal: WorkCalendar):
    """Hours on a minute grid, up to 40 of the calendar's working days; often whole sessions."""
    day_minutes = cal.day_length // timedelta(minutes=1)
    session_ends, total = [], 0
    for s, e in cal.sessions:
        total += (e.hour * 60 + e.minute) - (s.hour * 60 + s.minute)
        session_ends.append(total)
    whole_sessions = st.builds(
        lambda days, end: days * day_minutes + end,
        st.integers(0, 39),
        st.sampled_from(session_ends),
    )
    return st.one_of(st.integers(0, 40 * day_minutes), whole_sessions).map(
        lambda m: Fraction(m, 60)
    )


def starts(cal: WorkCalendar):
    """Any instant, or often exactly a session start or end (where off-by-one errors hide)."""
    bounds = [t for session in cal.sessions for t in session]
    edges = st.builds(
        lambda d, t: datetime.combine(ORIGIN.date() + timedelta(d), t, VN_TZ),
        st.integers(0, SPAN_DAYS),
        st.sampled_from(bounds),
    )
    return st.one_of(instants(), edges)


def td(hours: Fraction) -> timedelta:
    return timedelta(minutes=int(hours * 60))


@st.composite
def pause_lists(draw):
    result = []
    for _ in range(draw(st.integers(0, 3))):
        begin = draw(instants())
        length = timedelta(minutes=draw(st.integers(0, 30 * 24 * 60)))
        result.append((begin, begin + length))
    return result


def in_session(cal: WorkCalendar, instant: datetime, closed: bool = True) -> bool:
    local = instant.astimezone(cal.tz)
    if not is_working_day(cal, local.date()):
        return False
    now = local.time()
    return any(s <= now <= e if closed else s <= now < e for s, e in cal.sessions)


def reference_add(cal, start, amount: timedelta, pauses=()):
    """Day by day, session by session, minus pauses: slow and obvious."""
    tz = cal.tz
    t = start.astimezone(tz)
    pauses = [(b.astimezone(tz), e.astimezone(tz)) for b, e in pauses]
    remaining = amount
    day = t.date()
    while True:
        working = day in cal.extra_working_days or (
            day.isoweekday() in cal.weekdays and day not in cal.days_off
        )
        if working:
            for s, e in cal.sessions:
                pieces = [(max(datetime.combine(day, s, tz), t), datetime.combine(day, e, tz))]
                for pb, pe in pauses:
                    pieces = [
                        part
                        for lo, hi in pieces
                        for part in ((lo, min(hi, pb)), (max(lo, pe), hi))
                        if part[0] < part[1]
                    ]
                for lo, hi in sorted(pieces):
                    if hi <= lo:
                        continue
                    if remaining <= hi - lo:
                        return lo + remaining
                    remaining -= hi - lo
        day += timedelta(days=1)


@PROPS
@given(calendars(), st.data())
def test_matches_the_reference_implementation(cal, data):
    start = data.draw(starts(cal))
    h = data.draw(amounts(cal))
    assume(h > 0)
    assert add_working_hours(cal, start, h) == reference_add(cal, start, td(h))


@PROPS
@given(calendars(), st.data(), pause_lists())
def test_matches_the_reference_with_pauses(cal, data, pauses):
    start = data.draw(starts(cal))
    h = data.draw(amounts(cal))
    assume(h > 0)
    expected = reference_add(cal, start, td(h), pauses)
    assert add_working_hours(cal, start, h, pauses=pauses) == expected


@PROPS
@given(calendars(), st.data())
def test_monotonic(cal, data):
    s1, s2 = data.draw(starts(cal)), data.draw(starts(cal))
    h = data.draw(amounts(cal))
    s1, s2 = sorted([s1, s2])
    assert add_working_hours(cal, s1, h) <= add_working_hours(cal, s2, h)


@PROPS
@given(calendars(), st.data())
def test_additive(cal, data):
    start = data.draw(starts(cal))
    a, b = data.draw(amounts(cal)), data.draw(amounts(cal))
    once = add_working_hours(cal, start, a + b)
    assert add_working_hours(cal, add_working_hours(cal, start, a), b) == once


@PROPS
@given(calendars(), st.data())
def test_working_time_between_inverts_add(cal, data):
    start = data.draw(starts(cal))
    h = data.draw(amounts(cal))
    start = next_working_start(cal, start)
    due = add_working_hours(cal, start, h)
    assert working_time_between(cal, start, due) == td(h)


@PROPS
@given(calendars(), st.data())
def test_due_is_working_time_and_never_a_session_start(cal, data):
    start = data.draw(starts(cal))
    h = data.draw(amounts(cal))
    due = add_working_hours(cal, start, h)
    assert due.tzinfo is cal.tz
    assert in_session(cal, due)
    if h > 0:
        # Landing exactly on a session's start would mean the previous end was meant.
        day_starts = [s for s, _ in cal.sessions]
        ends = [e for _, e in cal.sessions]
        assert due.time() not in day_starts or due.time() in ends


@PROPS
@given(calendars(), st.data(), pause_lists())
def test_pauses_shift_the_due_time_exactly(cal, data, pauses):
    start = data.draw(starts(cal))
    h = data.draw(amounts(cal))
    due = add_working_hours(cal, start, h, pauses=pauses)
    assert due >= add_working_hours(cal, start, h)
    counted = working_time_between(cal, start, due, pauses)
    assert counted == td(h)
    # The same, computed by hand: working time minus the working time inside the (merged) pauses.
    merged = []
    for begin, end in sorted((max(b, start), min(e, due)) for b, e in pauses):
        if begin >= end:
            continue
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    paused = sum((working_time_between(cal, b, e) for b, e in merged), timedelta())
    assert working_time_between(cal, start, due) - paused == td(h)


@PROPS
@given(calendars(), st.data())
def test_next_working_start_is_the_first_working_instant(cal, data):
    instant = data.draw(starts(cal))
    begin = next_working_start(cal, instant)
    assert begin >= instant
    assert in_session(cal, begin, closed=False)
    assert working_time_between(cal, instant, begin) == timedelta(0)


@PROPS
@given(calendars(), st.data(), st.integers(0, 30), st.sampled_from([None, time(15), time(11)]))
def test_days_are_multiples_of_the_day_length(cal, data, days, cutoff):
    start = data.draw(starts(cal))
    due = add_working_days(cal, start, days, cutoff=cutoff)
    begin = clock_start(cal, start, cutoff)
    assert working_time_between(cal, begin, due) == cal.day_length * days
    if cutoff is None:
        assert due == add_working_time(cal, start, cal.day_length * days)
