"""Seeding the calendar table, and administrators' edits surviving re-seeding."""

import os
import subprocess
import sys
from datetime import date, time

import pytest
from django.core.management import CommandError, call_command

from motcua.worktime import services
from motcua.worktime.models import (
    CalendarDay,
    DayKind,
    DaySource,
    DeletedCalendarDay,
    ExtraSession,
    Weekday,
    WorkSchedule,
)

pytestmark = pytest.mark.django_db


def day(d: date) -> CalendarDay:
    return CalendarDay.objects.get(date=d)


def test_seed_writes_official_days_and_make_up_saturdays(seeded):
    tet = day(date(2025, 1, 27))
    assert (tet.kind, tet.source, tet.confirmed) == (DayKind.DAY_OFF, DaySource.OFFICIAL, True)
    assert tet.name == "Tết Nguyên đán"
    saturday = day(date(2026, 8, 22))
    assert (saturday.kind, saturday.source) == (DayKind.WORKING_DAY, DaySource.OFFICIAL)
    assert "31/08/2026" in saturday.name
    assert day(date(2024, 5, 4)).kind == DayKind.WORKING_DAY
    # Weekend holidays come from the package and stay there (they change nothing Mon–Fri).
    assert day(date(2025, 2, 1)).source == DaySource.PACKAGE
    # Every weekday of the official tables is off, from the official source.
    for year in (2024, 2025, 2026):
        official = CalendarDay.objects.filter(date__year=year, source=DaySource.OFFICIAL)
        assert official.filter(kind=DayKind.WORKING_DAY).count() == 1
    assert (
        CalendarDay.objects.filter(date__year=2026, kind=DayKind.DAY_OFF, confirmed=True)
        .filter(
            date__week_day__in=[2, 3, 4, 5, 6]  # Django: 1 = Sunday
        )
        .count()
        == 12
    )


def test_culture_day_is_an_unconfirmed_day_off(seeded):
    culture = day(date(2026, 11, 24))
    assert culture.kind == DayKind.DAY_OFF
    assert culture.confirmed is False
    assert "chưa được xác nhận" in culture.note


def test_a_year_without_official_schedule_comes_from_the_package(db):
    report = services.seed_calendar([2027])
    rows = CalendarDay.objects.filter(date__year=2027)
    assert set(rows.values_list("source", flat=True)) == {DaySource.PACKAGE}
    assert rows.filter(date=date(2027, 2, 8), kind=DayKind.DAY_OFF).exists()  # Tet 2027
    assert day(date(2027, 11, 24)).confirmed is False
    assert len(report.created) == rows.count()


def test_seeding_is_idempotent(seeded):
    assert seeded.created and not seeded.updated
    count = CalendarDay.objects.count()
    again = services.seed_calendar([2024, 2025, 2026])
    assert (again.created, again.updated, again.removed) == ([], [], [])
    assert len(again.unchanged) == count
    assert CalendarDay.objects.count() == count
    assert WorkSchedule.objects.filter(agency__isnull=True).count() == 1


def test_official_wins_over_the_package_and_restores_its_rows(db):
    CalendarDay.objects.create(
        date=date(2025, 4, 7), kind=DayKind.DAY_OFF, name="sai", source=DaySource.PACKAGE
    )
    CalendarDay.objects.create(
        date=date(2025, 5, 2), kind=DayKind.WORKING_DAY, name="sai", source=DaySource.OFFICIAL
    )
    report = services.seed_calendar([2025])
    assert {date(2025, 4, 7), date(2025, 5, 2)} <= set(report.updated)
    hung_kings = day(date(2025, 4, 7))
    assert (hung_kings.source, hung_kings.name) == (DaySource.OFFICIAL, "Giỗ Tổ Hùng Vương")
    assert day(date(2025, 5, 2)).kind == DayKind.DAY_OFF


def test_admin_rows_are_never_overwritten(seeded):
    row = day(date(2025, 9, 1))
    row.name = "Quốc khánh (sửa)"
    services.save_calendar_day(row)
    assert day(date(2025, 9, 1)).source == DaySource.ADMIN
    local = CalendarDay(date=date(2025, 6, 3), kind=DayKind.DAY_OFF, name="Ngày lễ địa phương")
    services.save_calendar_day(local)
    report = services.seed_calendar([2025])
    assert date(2025, 9, 1) in report.kept_admin
    assert date(2025, 6, 3) in report.kept_admin
    assert day(date(2025, 9, 1)).name == "Quốc khánh (sửa)"
    assert day(date(2025, 6, 3)).source == DaySource.ADMIN


def test_stale_seeded_rows_are_removed(seeded):
    CalendarDay.objects.create(
        date=date(2025, 6, 2), kind=DayKind.DAY_OFF, name="cũ", source=DaySource.PACKAGE
    )
    report = services.seed_calendar([2025])
    assert report.removed == [date(2025, 6, 2)]
    assert not CalendarDay.objects.filter(date=date(2025, 6, 2)).exists()


def test_deleted_days_do_not_come_back_until_the_marker_is_removed(seeded):
    services.delete_calendar_days(CalendarDay.objects.filter(date=date(2026, 11, 24)))
    assert DeletedCalendarDay.objects.filter(date=date(2026, 11, 24)).exists()
    report = services.seed_calendar([2026])
    assert report.kept_deleted == [date(2026, 11, 24)]
    assert not CalendarDay.objects.filter(date=date(2026, 11, 24)).exists()
    DeletedCalendarDay.objects.filter(date=date(2026, 11, 24)).delete()
    services.seed_calendar([2026])
    assert day(date(2026, 11, 24)).confirmed is False


def test_confirming_a_day_makes_it_the_administrators(seeded):
    assert services.confirm_calendar_days(CalendarDay.objects.filter(date=date(2026, 11, 24))) == 1
    culture = day(date(2026, 11, 24))
    assert (culture.confirmed, culture.source) == (True, DaySource.ADMIN)
    services.seed_calendar([2026])
    assert day(date(2026, 11, 24)).confirmed is True


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("2024-2027", [2024, 2025, 2026, 2027]),
        ("2026", [2026]),
        ("2025, 2027", [2025, 2027]),
        ("2024-2025,2027", [2024, 2025, 2027]),
    ],
)
def test_parse_years(text, years):
    assert services.parse_years(text) == years


@pytest.mark.parametrize("text", ["", "20x5", "2027-2024", "2024..2025"])
def test_parse_years_rejects(text):
    with pytest.raises(ValueError):
        services.parse_years(text)


def test_unsupported_year_is_refused(db):
    with pytest.raises(ValueError):
        services.seed_calendar([1800])


def test_command_seeds_and_reports(db, capsys):
    call_command("seed_calendar", years="2025-2026")
    out = capsys.readouterr().out
    assert "2025, 2026" in out
    assert CalendarDay.objects.filter(date__year=2026).exists()
    with pytest.raises(CommandError):
        call_command("seed_calendar", years="abc")


def test_cli_knows_the_hyphenated_command():
    # In a subprocess: the command closes the database connections when it ends.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "motcua.test_settings"}
    result = subprocess.run(
        [sys.executable, "-c", "from motcua.cli import main; main()", "seed-calendar", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "--years" in result.stdout


def test_seed_report_prints_the_number_of_rows(db):
    report = services.seed_calendar([2025])
    assert str(report) == str(CalendarDay.objects.filter(date__year=2025).count())


def test_ensure_weekly_extra_session_is_idempotent(center):
    first = services.ensure_weekly_extra_session(
        center, "Chủ nhật vì dân", weekday=Weekday.SUNDAY, start="07:30", end="11:00"
    )
    again = services.ensure_weekly_extra_session(
        center, "Chủ nhật vì dân", weekday=Weekday.SUNDAY, start=time(7, 30), end=time(11, 30)
    )
    assert again.pk == first.pk
    assert (again.weekday, again.start, again.end) == (7, time(7, 30), time(11, 30))
    assert ExtraSession.objects.count() == 1


def test_ensure_weekly_extra_session_refuses_a_bare_int(center):
    with pytest.raises(TypeError, match="ISO"):
        services.ensure_weekly_extra_session(center, "x", weekday=6, start="07:30", end="11:00")
