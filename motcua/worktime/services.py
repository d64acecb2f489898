"""Writes: seeding the calendar table, administrators' edits, the default schedule."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time

import holidays
from django.db import transaction

from .deadlines import DEFAULT_SESSIONS
from .models import (
    CalendarDay,
    DayKind,
    DaySource,
    DeletedCalendarDay,
    ExtraSession,
    Weekday,
    WorkSchedule,
    WorkSession,
)
from .official import OFFICIAL_SCHEDULES, UNSURE_DAYS_OFF
from .selectors import invalidate_cache

_FIELDS = ("kind", "name", "source", "confirmed", "note")


@dataclass
class SeedReport:
    years: list[int]
    created: list[date] = field(default_factory=list)
    updated: list[date] = field(default_factory=list)
    unchanged: list[date] = field(default_factory=list)
    removed: list[date] = field(default_factory=list)
    kept_admin: list[date] = field(default_factory=list)
    kept_deleted: list[date] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Rows in the table for these years after seeding."""
        return len(self.created) + len(self.updated) + len(self.unchanged) + len(self.kept_admin)

    def __str__(self) -> str:  # summaries print the number of special days
        return str(self.total)


def _package_days(year: int) -> dict[date, dict]:
    """What the `holidays` package computes for a year: days off and make-up working days."""
    vn = holidays.VN(years=year, categories=("public",), language="vi")
    days = {
        day: {"kind": DayKind.DAY_OFF, "name": str(name), "source": DaySource.PACKAGE}
        for day, name in vn.items()
    }
    # weekend_workdays lists every year the package knows, whatever `years` was.
    for worked in sorted(d for d in vn.weekend_workdays if d.year == year):
        stamp = f"{worked:%d/%m/%Y}"
        swapped = [d for d, name in vn.items() if stamp in name]
        name = f"Làm bù cho ngày nghỉ {swapped[0]:%d/%m/%Y}" if swapped else "Ngày làm việc bù"
        days[worked] = {"kind": DayKind.WORKING_DAY, "name": name, "source": DaySource.PACKAGE}
    return days


def planned_days(year: int) -> dict[date, dict]:
    """The rows `seed_calendar` wants for a year: the package's, then the official schedule's."""
    if not holidays.VN.start_year <= year <= holidays.VN.end_year:
        raise ValueError(f"year {year} is outside {holidays.VN.start_year}–{holidays.VN.end_year}")
    days = _package_days(year)
    official = OFFICIAL_SCHEDULES.get(year)
    for day, row in days.items():
        row.setdefault("confirmed", True)
        row.setdefault("note", "")
        unsure = UNSURE_DAYS_OFF.get((day.month, day.day))
        if unsure and row["kind"] == DayKind.DAY_OFF:
            row.update(confirmed=False, note=unsure)
        elif official and (row["kind"] == DayKind.WORKING_DAY or day.isoweekday() <= 5):
            # The year is announced and this weekday change is not in it: flag, don't guess.
            row.update(
                confirmed=False,
                note=f"Không có trong lịch nghỉ chính thức năm {year}; quản trị viên kiểm tra.",
            )
    if official:
        days_off, working_days = official
        note = f"Lịch nghỉ chính thức của cán bộ, công chức, viên chức năm {year}."
        for kind, rows in ((DayKind.DAY_OFF, days_off), (DayKind.WORKING_DAY, working_days)):
            for day, name in rows:
                days[day] = {
                    "kind": kind,
                    "name": name,
                    "source": DaySource.OFFICIAL,
                    "confirmed": True,
                    "note": note,
                }
    return days


@transaction.atomic
def seed_calendar(years: Iterable[int]) -> SeedReport:
    """Fill the calendar table for `years` from the package and the official schedules.

    Idempotent. Rows edited by an administrator (source admin) and dates an administrator deleted
    are left alone; rows an earlier seed wrote but no longer planned are removed.
    """
    years = sorted(set(years))
    report = SeedReport(years=years)
    planned: dict[date, dict] = {}
    for year in years:
        planned.update(planned_days(year))
    existing = {row.date: row for row in CalendarDay.objects.filter(date__year__in=years)}
    deleted = set(
        DeletedCalendarDay.objects.filter(date__year__in=years).values_list("date", flat=True)
    )
    to_create = []
    for day, values in sorted(planned.items()):
        row = existing.pop(day, None)
        if row is not None and row.source == DaySource.ADMIN:
            report.kept_admin.append(day)
        elif day in deleted:
            report.kept_deleted.append(day)
        elif row is None:
            to_create.append(CalendarDay(date=day, **values))
            report.created.append(day)
        elif any(getattr(row, name) != values[name] for name in _FIELDS):
            for name in _FIELDS:
                setattr(row, name, values[name])
            row.save()
            report.updated.append(day)
        else:
            report.unchanged.append(day)
    CalendarDay.objects.bulk_create(to_create)
    stale = [row for row in existing.values() if row.source != DaySource.ADMIN]
    report.removed = sorted(row.date for row in stale)
    CalendarDay.objects.filter(pk__in=[row.pk for row in stale]).delete()
    report.kept_admin.extend(row.date for row in existing.values() if row.source == DaySource.ADMIN)
    ensure_default_schedule()
    invalidate_cache()
    transaction.on_commit(invalidate_cache)  # readers that loaded mid-transaction
    return report


def parse_years(text: str) -> list[int]:
    """`2024-2027`, `2024,2026` or `2026` → a list of years."""
    years: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = re.fullmatch(r"(\d{4})(?:\s*-\s*(\d{4}))?", part)
        if not match:
            raise ValueError(f"not a year or a range of years: {part!r}")
        first = int(match[1])
        last = int(match[2] or first)
        if last < first:
            raise ValueError(f"empty range of years: {part!r}")
        years.update(range(first, last + 1))
    if not years:
        raise ValueError("no year given")
    return sorted(years)


def ensure_default_schedule() -> WorkSchedule:
    """The province's default schedule (Monday–Friday, 07:30–11:30 and 13:00–17:00) exists."""
    schedule = WorkSchedule.objects.filter(agency__isnull=True).first()
    if schedule is None:
        schedule = WorkSchedule.objects.create(agency=None, weekdays="12345")
        WorkSession.objects.bulk_create(
            WorkSession(schedule=schedule, start=start, end=end) for start, end in DEFAULT_SESSIONS
        )
        invalidate_cache()
    return schedule


@transaction.atomic
def save_calendar_day(day: CalendarDay) -> CalendarDay:
    """An administrator creates or edits a day: it becomes theirs, re-seeding won't touch it."""
    day.source = DaySource.ADMIN
    day.full_clean()
    day.save()
    DeletedCalendarDay.objects.filter(date=day.date).delete()
    return day


@transaction.atomic
def confirm_calendar_days(days: Iterable[CalendarDay]) -> int:
    """An administrator confirms unsure days (e.g. Vietnam Culture Day)."""
    count = 0
    for day in days:
        day.confirmed = True
        save_calendar_day(day)
        count += 1
    return count


@transaction.atomic
def delete_calendar_days(days: Iterable[CalendarDay]) -> int:
    """An administrator deletes days; re-seeding will not bring them back."""
    count = 0
    for day in days:
        DeletedCalendarDay.objects.update_or_create(date=day.date, defaults={"name": day.name})
        day.delete()
        count += 1
    return count


def _time(value: time | str) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


@transaction.atomic
def ensure_weekly_extra_session(
    agency, name: str, *, weekday: Weekday, start: time | str, end: time | str
) -> ExtraSession:
    """A weekly extra reception session of an agency exists and is active (idempotent by name).

    `weekday` must be a `Weekday` (ISO numbering: Weekday.SUNDAY == 7): a bare int is refused,
    because Python's `date.weekday()` numbers Sunday 6 and the two are easily mixed up.
    """
    if not isinstance(weekday, Weekday):
        raise TypeError("weekday must be a Weekday member (ISO numbering: Weekday.SUNDAY == 7)")
    session, _created = ExtraSession.objects.update_or_create(
        agency=agency,
        name=name,
        date=None,
        defaults={
            "weekday": weekday,
            "start": _time(start),
            "end": _time(end),
            "active": True,
        },
    )
    session.full_clean()
    return session
