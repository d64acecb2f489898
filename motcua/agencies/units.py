"""The official list of administrative units, read from the `vietnam-provinces` package.

A pure module (no database): services.load_units() writes these rows. The package names
provinces without their division type ("Quảng Ninh") except the centrally-run cities
("Thành phố Hà Nội"); communes carry it ("Phường Hoàn Kiếm"). We store full official names.
"""

from dataclasses import dataclass

from vietnam_provinces import Province, VietNamDivisionType, Ward

from .models import UnitLevel

# The package's division types, as written at the start of an official name.
DIVISION_LABELS = {
    VietNamDivisionType.TINH: "Tỉnh",
    VietNamDivisionType.THANH_PHO_TRUNG_UONG: "Thành phố",
    VietNamDivisionType.XA: "Xã",
    VietNamDivisionType.PHUONG: "Phường",
    VietNamDivisionType.DAC_KHU: "Đặc khu",
}


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    division_type: str
    level: str
    codename: str
    province_code: str | None = None


def province_code(code: int) -> str:
    return f"{int(code):02d}"


def commune_code(code: int) -> str:
    return f"{int(code):05d}"


def full_name(name: str, division_type: str) -> str:
    """Prefix the division type unless the name already starts with it."""
    name = " ".join(name.split())
    if name.casefold().startswith(division_type.casefold() + " "):
        return division_type + name[len(division_type) :]
    return f"{division_type} {name}"


def official_units() -> tuple[list[UnitRow], list[UnitRow]]:
    """(provinces, communes) of the two-level local government, sorted by code."""
    provinces = [
        UnitRow(
            code=province_code(p.code),
            name=full_name(p.name, DIVISION_LABELS[p.division_type]),
            division_type=DIVISION_LABELS[p.division_type],
            level=UnitLevel.PROVINCE.value,
            codename=p.codename,
        )
        for p in Province.iter_all()
    ]
    communes = [
        UnitRow(
            code=commune_code(w.code),
            name=full_name(w.name, DIVISION_LABELS[w.division_type]),
            division_type=DIVISION_LABELS[w.division_type],
            level=UnitLevel.COMMUNE.value,
            codename=w.codename,
            province_code=province_code(w.province_code),
        )
        for w in Ward.iter_all()
    ]
    return sorted(provinces, key=lambda r: r.code), sorted(communes, key=lambda r: r.code)


def province_phone_code(code: int) -> int | None:
    """The telephone area code of a province (used for demo hotlines)."""
    try:
        return Province.from_code(int(code)).phone_code
    except (KeyError, ValueError):
        return None
