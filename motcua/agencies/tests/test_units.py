import datetime
import io

import pytest
from django.core.management import call_command

from motcua.agencies.models import AdministrativeUnit, UnitLevel
from motcua.agencies.services import UNITS_VALID_FROM, load_units
from motcua.agencies.units import full_name

pytestmark = pytest.mark.django_db


def snapshot():
    return list(
        AdministrativeUnit.objects.order_by("code").values_list(
            "code", "name", "division_type", "level", "province__code", "valid_until"
        )
    )


def test_full_name_prefixes_the_division_type_once():
    assert full_name("Quảng Ninh", "Tỉnh") == "Tỉnh Quảng Ninh"
    assert full_name("Thành phố Hà Nội", "Thành phố") == "Thành phố Hà Nội"
    assert full_name("thành phố  Huế", "Thành phố") == "Thành phố Huế"
    assert full_name("Phường Hoàn Kiếm", "Phường") == "Phường Hoàn Kiếm"
    # A name that merely starts like the type still gets it.
    assert full_name("Xã Đàn", "Phường") == "Phường Xã Đàn"


def test_load_units_loads_34_provinces_and_3321_communes():
    counts = load_units()
    assert counts == {
        "provinces": 34,
        "communes": 3321,
        "created": 3355,
        "updated": 0,
        "retired": 0,
    }
    assert AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE).count() == 34
    assert AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE).count() == 3321
    assert not AdministrativeUnit.objects.filter(
        level=UnitLevel.COMMUNE, province__isnull=True
    ).exists()

    quang_ninh = AdministrativeUnit.objects.get(code="22")
    assert (quang_ninh.name, quang_ninh.division_type) == ("Tỉnh Quảng Ninh", "Tỉnh")
    assert quang_ninh.valid_from == UNITS_VALID_FROM
    ha_noi = AdministrativeUnit.objects.get(code="01")
    assert (ha_noi.name, ha_noi.division_type) == ("Thành phố Hà Nội", "Thành phố")
    hoan_kiem = AdministrativeUnit.objects.get(code="00070")
    assert (hoan_kiem.name, hoan_kiem.division_type) == ("Phường Hoàn Kiếm", "Phường")
    assert hoan_kiem.province == ha_noi
    assert hoan_kiem.name_folded == "phuong hoan kiem"
    assert AdministrativeUnit.objects.filter(division_type="Đặc khu").count() == 13
    assert set(AdministrativeUnit.objects.values_list("division_type", flat=True)) == {
        "Tỉnh",
        "Thành phố",
        "Xã",
        "Phường",
        "Đặc khu",
    }
    assert all(
        len(code) == 2
        for code in ha_noi.__class__.objects.filter(level=UnitLevel.PROVINCE).values_list(
            "code", flat=True
        )
    )
    assert all(
        len(code) == 5
        for code in AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE).values_list(
            "code", flat=True
        )
    )


def test_load_units_is_idempotent():
    load_units()
    before = snapshot()
    counts = load_units()
    assert counts["created"] == counts["updated"] == counts["retired"] == 0
    assert snapshot() == before


def test_load_units_updates_renames_and_keeps_retired_units():
    load_units()
    AdministrativeUnit.objects.filter(code="00070").update(name="Phường Cũ", division_type="Xã")
    gone = AdministrativeUnit.objects.create(
        code="99999",
        name="Xã Đã Sáp Nhập",
        division_type="Xã",
        level=UnitLevel.COMMUNE,
        province=AdministrativeUnit.objects.get(code="22"),
    )
    counts = load_units(today=datetime.date(2026, 1, 5))
    assert (counts["created"], counts["updated"], counts["retired"]) == (0, 1, 1)
    unit = AdministrativeUnit.objects.get(code="00070")
    assert (unit.name, unit.division_type, unit.name_folded) == (
        "Phường Hoàn Kiếm",
        "Phường",
        "phuong hoan kiem",
    )
    gone.refresh_from_db()
    assert gone.valid_until == datetime.date(2026, 1, 5)
    # Retired once: a later run does not move its end date.
    assert load_units(today=datetime.date(2026, 2, 1))["retired"] == 0
    gone.refresh_from_db()
    assert gone.valid_until == datetime.date(2026, 1, 5)


def test_load_units_reinstates_a_unit_back_in_the_list():
    load_units()
    AdministrativeUnit.objects.filter(code="22").update(valid_until=datetime.date(2025, 12, 31))
    assert load_units()["updated"] == 1
    assert AdministrativeUnit.objects.get(code="22").valid_until is None


def test_load_units_command_prints_the_counts():
    stdout = io.StringIO()
    call_command("load_units", stdout=stdout)
    out = stdout.getvalue()
    assert "34 tỉnh, thành phố" in out
    assert "3.321 xã, phường, đặc khu" in out
    assert "thêm mới 3.355" in out
