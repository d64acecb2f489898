"""Reads: the WorkCalendar of an agency (cached in-process), reception hours, a year's calendar.

The cache holds one WorkCalendar per agency. Saving or deleting a schedule, session or calendar day
clears it in this process at once (signals.py) and bumps a version key in Django's cache, which
the other processes check every few seconds.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import date, datetime, time
from time import monotonic
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from .deadlines import (
    DEFAULT_SESSIONS,
    DEFAULT_WEEKDAYS,
    VN_TZ,
    WorkCalendar,
    is_working_day,
)
from .models import CalendarDay, DayKind, ExtraSession, WorkSchedule

logger = logging.getLogger(__name__)

VERSION_KEY = "motcua:worktime:calendar-version"
#: How often (seconds) a process checks whether another process changed the calendar.
VERSION_CHECK_SECONDS = 5.0

_lock = threading.Lock()
_calendars: dict[int | None, WorkCalendar] = {}
_days: tuple[frozenset[date], frozenset[date]] | None = None
_version: str | None = None
_checked_at = 0.0
# Bumped on every clear, so that a calendar built from data read before the clear is not stored.
_generation = 0


def clear_cache() -> None:
    """Forget the cached calendars in this process (tests call it between cases)."""
    global _days, _checked_at, _generation
    with _lock:
        _calendars.clear()
        _days = None
        _checked_at = 0.0
        _generation += 1


def invalidate_cache() -> None:
    """The calendar or a schedule changed: clear here and tell the other processes."""
    clear_cache()
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    except Exception:  # a cache outage must not break a save; other processes catch up on restart
        logger.warning("worktime: could not publish the calendar version", exc_info=True)


def _check_version() -> None:
    global _version, _checked_at, _days, _generation
    now = monotonic()
    if now - _checked_at < VERSION_CHECK_SECONDS:
        return
    try:
        version = cache.get(VERSION_KEY)
    except Exception:
        logger.warning("worktime: could not read the calendar version", exc_info=True)
        return
    with _lock:
        if version != _version:
            _calendars.clear()
            _days = None
            _generation += 1
            _version = version
        _checked_at = now


def _calendar_days() -> tuple[frozenset[date], frozenset[date]]:
    global _days
    days = _days
    if days is None:
        generation = _generation
        off, extra = set(), set()
        for day, kind in CalendarDay.objects.values_list("date", "kind"):
            (off if kind == DayKind.DAY_OFF else extra).add(day)
        days = (frozenset(off), frozenset(extra))
        with _lock:
            if generation == _generation:
                _days = days
    return days


def _agency_id(agency) -> int | None:
    if agency is None or isinstance(agency, int):
        return agency
    return agency.pk


def get_schedule(agency=None) -> tuple[frozenset[int], tuple[tuple[time, time], ...]]:
    """The agency's working week and sessions: its own schedule, else the province default."""
    agency_id = _agency_id(agency)
    schedules = WorkSchedule.objects.prefetch_related("sessions")
    schedule = None
    if agency_id is not None:
        schedule = schedules.filter(agency_id=agency_id).first()
    if schedule is None:
        schedule = schedules.filter(agency__isnull=True).first()
    if schedule is None:
        return DEFAULT_WEEKDAYS, DEFAULT_SESSIONS
    sessions = tuple(sorted((s.start, s.end) for s in schedule.sessions.all()))
    if not sessions:
        logger.warning("worktime: schedule %s has no sessions; using the default", schedule.pk)
        sessions = DEFAULT_SESSIONS
    return schedule.weekday_numbers, sessions


def get_work_calendar(agency=None) -> WorkCalendar:
    """The WorkCalendar for counting an agency's deadlines (an Agency, its id, or None)."""
    _check_version()
    agency_id = _agency_id(agency)
    calendar = _calendars.get(agency_id)
    if calendar is None:
        generation = _generation
        weekdays, sessions = get_schedule(agency_id)
        off, extra = _calendar_days()
        calendar = WorkCalendar(
            weekdays=weekdays, sessions=sessions, days_off=off, extra_working_days=extra, tz=VN_TZ
        )
        with _lock:
            if generation == _generation:
                _calendars[agency_id] = calendar
    return calendar


class ReceptionPeriod(NamedTuple):
    start: datetime
    end: datetime
    name: str
    is_working_time: bool


def _extra_sessions_on(agency, day: date) -> QuerySet[ExtraSession]:
    return ExtraSession.objects.filter(
        Q(date=day) | Q(weekday=day.isoweekday()),
        Q(valid_from__isnull=True) | Q(valid_from__lte=day),
        Q(valid_until__isnull=True) | Q(valid_until__gte=day),
        agency_id=_agency_id(agency),
        active=True,
    )


def reception_hours(agency, day: date) -> list[ReceptionPeriod]:
    """When dossiers can be received and returned on `day`: working sessions and extra sessions.

    A weekly extra session does not run on a day off of the calendar (Tet, National Day…); one set
    for a specific date does.
    """
    calendar = get_work_calendar(agency)
    tz = calendar.tz
    periods = []
    if is_working_day(calendar, day):
        for start, end in calendar.sessions:
            periods.append(
                ReceptionPeriod(
                    datetime.combine(day, start, tz),
                    datetime.combine(day, end, tz),
                    _("Giờ hành chính"),
                    True,
                )
            )
    if agency is not None:
        holiday = day in calendar.days_off
        for extra in _extra_sessions_on(agency, day):
            if extra.date is None and holiday:
                continue
            periods.append(
                ReceptionPeriod(
                    datetime.combine(day, extra.start, tz),
                    datetime.combine(day, extra.end, tz),
                    extra.name,
                    False,
                )
            )
    periods.sort(key=lambda p: (p.start, p.end))
    return periods


def is_open_for_reception(agency, instant: datetime) -> bool:
    """True if the agency receives dossiers at `instant` (aware), in a working or extra session."""
    if instant.tzinfo is None:
        raise ValueError("expected an aware datetime")
    local = instant.astimezone(VN_TZ)
    return any(p.start <= local < p.end for p in reception_hours(agency, local.date()))


def calendar_days(year: int) -> QuerySet[CalendarDay]:
    """The days off and make-up working days of a year, in date order."""
    return CalendarDay.objects.filter(date__year=year).order_by("date")
