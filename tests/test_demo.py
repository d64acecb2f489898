"""`motcua demo` loads a usable province: units, calendar, agencies, users, catalog; twice is once."""

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from motcua.agencies.models import AdministrativeUnit, Agency, AgencyKind
from motcua.catalog.models import Procedure, ProcedureStatus
from motcua.worktime.models import CalendarDay, ExtraSession

pytestmark = pytest.mark.django_db


def run_demo() -> str:
    out = io.StringIO()
    call_command("demo", "--no-migrate", stdout=out)
    return out.getvalue()


def test_demo_loads_a_province_and_prints_logins(settings):
    output = run_demo()
    assert AdministrativeUnit.objects.filter(level="province").count() == 34
    assert AdministrativeUnit.objects.filter(level="commune").count() == 3321
    center = Agency.objects.get(kind=AgencyKind.SERVICE_CENTER)
    assert "Quảng Ninh" in center.name
    assert Agency.objects.filter(kind=AgencyKind.DEPARTMENT).count() == 3
    assert Agency.objects.filter(kind=AgencyKind.COMMUNE_COMMITTEE).count() >= 3
    # The official 2026 schedule: Tết 16–20/02 off, Saturday 22/08 worked.
    assert CalendarDay.objects.filter(date="2026-02-16", kind="day_off").exists()
    assert CalendarDay.objects.filter(date="2026-08-22", kind="working_day").exists()
    assert ExtraSession.objects.filter(agency=center, name="Chủ nhật vì dân").exists()
    assert Procedure.objects.count() >= 120
    assert (
        Procedure.objects.filter(status=ProcedureStatus.ACTIVE, agencies__isnull=True).count() == 0
    )
    # The demo specialist and leader (Sở Tư pháp) have procedures of their own to work on.
    assert (
        Procedure.objects.filter(status=ProcedureStatus.ACTIVE, agencies__name="Sở Tư pháp").count()
        >= 3
    )
    for username in ("admin", "tiepnhan", "chuyenvien", "lanhdao", "quanly", "congdan"):
        assert f"  {username} " in output
        assert authenticate(username=username, password=settings.MOTCUA_DEMO_PASSWORD)
    assert "mật khẩu: demo" in output


def test_demo_is_idempotent():
    run_demo()
    counts = (Agency.objects.count(), Procedure.objects.count(), CalendarDay.objects.count())
    second = run_demo()
    assert (
        Agency.objects.count(),
        Procedure.objects.count(),
        CalendarDay.objects.count(),
    ) == counts
    assert "0 mới" in second
