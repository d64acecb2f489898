"""A demo province: its agencies, counters and staff accounts, built from the official units.

Everything here is fictitious except the administrative units (names and codes come from the
units table). Electronic identifiers follow the QĐ 20/2020 *shape* (`H22`, `H22.13`…) but are
demo codes: a real deployment takes them from the list its province published under QĐ 20/2020.
Addresses and telephone numbers are invented too. Idempotent: agencies are matched by e-ID,
counters by number, users by username; a second run updates them and creates nothing new.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from .models import AdministrativeUnit, Agency, AgencyKind, Counter, Role, UnitLevel
from .services import grant_role, load_units
from .units import province_code, province_phone_code

OPENING_HOURS = "Thứ Hai – Thứ Sáu: 07:30–11:30, 13:00–17:00"
COMMUNE_COUNT = 4
# Order in which commune-level division types are picked, for a varied demo.
COMMUNE_TYPE_ORDER = ("Phường", "Xã", "Đặc khu")

# Demo sub-codes under the province's level-1 code (invented, consistent with each other).
SERVICE_CENTER_CODE = "40"
POLICE_CODE = "70"
# Departments are named as inside the province ("Sở Tư pháp", under "UBND tỉnh …" in document
# headers); motcua/demo.py matches them by these names.
DEPARTMENTS = (  # (sub-code, name, short name)
    ("07", "Sở Tài chính", "STC"),
    ("13", "Sở Tư pháp", "STP"),
    ("16", "Sở Xây dựng", "SXD"),
)
# Counters of the province center: (number, name, sub-codes of the agencies served there).
PROVINCE_COUNTERS = (
    (1, "Tư pháp – hộ tịch, chứng thực", ("13",)),
    (2, "Xây dựng – quy hoạch, cấp phép", ("16",)),
    (3, "Tài chính – đầu tư, doanh nghiệp", ("07",)),
    (4, "Công an – cư trú, xuất nhập cảnh", (POLICE_CODE,)),
    (5, "Tiếp nhận chung", ("07", "13", "16", POLICE_CODE)),
    (6, "Trả kết quả", ("07", "13", "16", POLICE_CODE)),
)
COMMUNE_COUNTERS = ((1, "Tiếp nhận hồ sơ"), (2, "Trả kết quả"))

# The six accounts every demo has: (username, family and middle names, given name).
PEOPLE = {
    "admin": ("Trần Minh", "Quân"),
    "tiepnhan": ("Nguyễn Thị", "Lan"),
    "chuyenvien": ("Lê Văn", "Hùng"),
    "lanhdao": ("Phạm Thị Thu", "Hà"),
    "quanly": ("Vũ Đức", "Thắng"),
    "congdan": ("Hoàng Văn", "Nam"),
}
# Commune staff names, taken in turn.
COMMUNE_PEOPLE = (
    ("Đỗ Thị", "Mai"),
    ("Bùi Văn", "Long"),
    ("Ngô Thị", "Hương"),
    ("Đặng Quang", "Huy"),
    ("Lý Thị", "Ngọc"),
    ("Hồ Văn", "Tâm"),
)
CITIZEN_LABEL = "Công dân"


@dataclass
class _Context:
    province: AdministrativeUnit
    level1: str
    phone_code: int | None
    seat: AdministrativeUnit  # the commune where the province's offices are (demo)
    numbers: int = 0

    def hotline(self) -> str:
        self.numbers += 1
        area = f"0{self.phone_code}" if self.phone_code else "024"
        return f"{area} {3800000 + self.numbers:07d}"


def demo_communes(province: AdministrativeUnit, count: int = COMMUNE_COUNT) -> list:
    """`count` current communes of the province, mixing wards, communes and special zones."""
    by_type: dict[str, list[AdministrativeUnit]] = {}
    units = province.communes.filter(valid_until__isnull=True).order_by("code")
    for unit in units:
        by_type.setdefault(unit.division_type, []).append(unit)
    order = [t for t in COMMUNE_TYPE_ORDER if t in by_type] + sorted(
        t for t in by_type if t not in COMMUNE_TYPE_ORDER
    )
    picked: list[AdministrativeUnit] = []
    while len(picked) < count and any(by_type.values()):
        for division_type in order:
            if by_type[division_type] and len(picked) < count:
                picked.append(by_type[division_type].pop(0))
    return picked


def _upsert_agency(e_id: str, **fields) -> Agency:
    agency = Agency.objects.filter(e_id=e_id).first() or Agency(e_id=e_id)
    for name, value in fields.items():
        setattr(agency, name, value)
    agency.is_active = True
    agency.full_clean()
    agency.save()
    return agency


def _upsert_counter(center: Agency, number: int, name: str, served: list[Agency]) -> Counter:
    counter, _created = Counter.objects.update_or_create(
        center=center, number=number, defaults={"name": name, "is_active": True}
    )
    counter.served_agencies.set(served)
    return counter


def _upsert_user(username: str, names: tuple[str, str], password_hash: str, **flags):
    user, _created = get_user_model().objects.get_or_create(username=username)
    user.last_name, user.first_name = names
    user.password = password_hash
    user.is_active = True
    for name, value in flags.items():
        setattr(user, name, value)
    user.save()
    return user


def _province_unit(code: int) -> AdministrativeUnit:
    if not AdministrativeUnit.objects.exists():
        load_units()
    unit = AdministrativeUnit.objects.filter(
        code=province_code(code), level=UnitLevel.PROVINCE
    ).first()
    if unit is None:
        raise ImproperlyConfigured(f"MOTCUA_PROVINCE_CODE={code} is not one of the 34 provinces.")
    return unit


@transaction.atomic
def load_demo_province(password: str) -> dict:
    """Create or update the demo province of settings.MOTCUA_PROVINCE_CODE; returns
    {"province", "province_code", "agencies", "counters", "users": [(username, role, agency)]}."""
    if not password:
        raise ValueError("The demo accounts need a password.")
    province = _province_unit(settings.MOTCUA_PROVINCE_CODE)
    communes = demo_communes(province)
    ctx = _Context(
        province=province,
        level1=f"H{province.code}",
        phone_code=province_phone_code(province.code),
        seat=communes[0] if communes else province,
    )
    where = province.inline_name  # "tỉnh Quảng Ninh"

    def address(number: int, street: str, unit: AdministrativeUnit = ctx.seat) -> str:
        parts = [f"Số {number} đường {street}"]
        if unit != province:
            parts.append(unit.inline_name)
        return ", ".join([*parts, where])

    committee = _upsert_agency(
        ctx.level1,
        name=f"Ủy ban nhân dân {where}",
        short_name=f"UBND {where}",
        kind=AgencyKind.PROVINCE_COMMITTEE,
        parent=None,
        unit=province,
        address=address(1, "Hành Chính"),
        hotline=ctx.hotline(),
        opening_hours=OPENING_HOURS,
    )
    center = _upsert_agency(
        f"{ctx.level1}.{SERVICE_CENTER_CODE}",
        name=f"Trung tâm Phục vụ hành chính công {where}",
        short_name=f"Trung tâm PVHCC {where}",
        kind=AgencyKind.SERVICE_CENTER,
        parent=committee,
        unit=province,
        address=address(3, "Hành Chính"),
        hotline=ctx.hotline(),
        opening_hours=OPENING_HOURS,
    )
    served: dict[str, Agency] = {}
    for number, (sub_code, name, short_name) in enumerate(DEPARTMENTS, start=5):
        served[sub_code] = _upsert_agency(
            f"{ctx.level1}.{sub_code}",
            name=name,
            short_name=short_name,
            kind=AgencyKind.DEPARTMENT,
            parent=committee,
            unit=province,
            address=address(number, "Hành Chính"),
            hotline=ctx.hotline(),
            opening_hours=OPENING_HOURS,
        )
    # A vertical agency answers to its ministry, not to the province: it is a root of the tree,
    # outside the scope of the province's managers (they get a membership there if needed).
    served[POLICE_CODE] = _upsert_agency(
        f"{ctx.level1}.{POLICE_CODE}",
        name=f"Công an {where}",
        short_name=f"CA {where}",
        kind=AgencyKind.VERTICAL_AGENCY,
        parent=None,
        unit=province,
        address=address(9, "An Ninh"),
        hotline=ctx.hotline(),
        opening_hours=OPENING_HOURS,
    )
    counters = {
        number: _upsert_counter(center, number, name, [served[code] for code in codes])
        for number, name, codes in PROVINCE_COUNTERS
    }

    password_hash = make_password(password)  # one hash for every demo account: seconds saved
    users: list[tuple[str, str, str]] = []

    def person(username, names, agency, role, counter=None, **flags):
        user = _upsert_user(username, names, password_hash, **flags)
        grant_role(user, agency, role, counter=counter)
        users.append((username, str(Role(role).label), agency.name))
        return user

    person("admin", PEOPLE["admin"], committee, Role.ADMINISTRATOR, is_superuser=True)
    person(
        "tiepnhan", PEOPLE["tiepnhan"], center, Role.RECEPTIONIST, counters[1], is_superuser=False
    )
    justice = served["13"]
    person("chuyenvien", PEOPLE["chuyenvien"], justice, Role.SPECIALIST, is_superuser=False)
    person("lanhdao", PEOPLE["lanhdao"], justice, Role.LEADER, is_superuser=False)
    person("quanly", PEOPLE["quanly"], committee, Role.MANAGER, is_superuser=False)
    _upsert_user("congdan", PEOPLE["congdan"], password_hash, is_staff=False, is_superuser=False)
    users.append(("congdan", CITIZEN_LABEL, ""))

    agency_count = 2 + len(DEPARTMENTS) + 1
    counter_count = len(PROVINCE_COUNTERS)
    names = iter(COMMUNE_PEOPLE * (len(communes) or 1))
    for unit in communes:
        commune_where = unit.inline_name
        commune_committee = _upsert_agency(
            f"{ctx.level1}.{unit.code}",
            name=f"Ủy ban nhân dân {commune_where}",
            short_name=f"UBND {commune_where}",
            kind=AgencyKind.COMMUNE_COMMITTEE,
            parent=committee,
            unit=unit,
            address=address(1, "Trung Tâm", unit),
            hotline=ctx.hotline(),
            opening_hours=OPENING_HOURS,
        )
        commune_center = _upsert_agency(
            f"{ctx.level1}.{unit.code}.{SERVICE_CENTER_CODE}",
            name=f"Trung tâm Phục vụ hành chính công {commune_where}",
            short_name=f"Trung tâm PVHCC {commune_where}",
            kind=AgencyKind.COMMUNE_CENTER,
            parent=commune_committee,
            unit=unit,
            address=address(2, "Trung Tâm", unit),
            hotline=ctx.hotline(),
            opening_hours=OPENING_HOURS,
        )
        first_counter = None
        for number, name in COMMUNE_COUNTERS:
            counter = _upsert_counter(commune_center, number, name, [commune_committee])
            first_counter = first_counter or counter
        agency_count += 2
        counter_count += len(COMMUNE_COUNTERS)
        suffix = unit.codename or unit.code
        person(f"tiepnhan.{suffix}", next(names), commune_center, Role.RECEPTIONIST, first_counter)
        person(f"chuyenvien.{suffix}", next(names), commune_committee, Role.SPECIALIST)
        person(f"lanhdao.{suffix}", next(names), commune_committee, Role.LEADER)

    return {
        "province": province.name,
        "province_code": province.code,
        "agencies": agency_count,
        "counters": counter_count,
        "users": users,
    }
