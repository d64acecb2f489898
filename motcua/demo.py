"""The demo province: units, calendar, agencies and users, the demo catalog, who handles what.

`motcua demo` (and `make demo`) call load_demo(); it is idempotent, so running it again only
brings the demo data back to its initial shape.
"""

from pathlib import Path

from django.db import transaction

DEMO_CATALOG = Path(__file__).resolve().parent / "catalog" / "data" / "demo_catalog.json"
CALENDAR_YEARS = range(2024, 2028)

# Which demo department handles the province-level procedures of each field (the rest go to
# Sở Tài chính, the demo's catch-all).
FIELD_DEPARTMENTS = {
    "Sở Tư pháp": (
        "hộ tịch",
        "chứng thực",
        "tư pháp",
        "lý lịch",
        "quốc tịch",
        "nuôi con",
        "luật sư",
        "công chứng",
    ),
    "Sở Xây dựng": ("xây dựng", "giao thông", "đường bộ", "nhà ở", "quy hoạch"),
}


def load_demo(password: str) -> dict:
    from motcua.agencies.demo import load_demo_province
    from motcua.agencies.services import load_units
    from motcua.catalog.services import import_catalog
    from motcua.worktime.services import seed_calendar

    lines = []
    units = load_units()
    lines.append(f"Đơn vị hành chính: {units['provinces']} tỉnh, {units['communes']} xã, phường")
    seeded = seed_calendar(list(CALENDAR_YEARS))
    lines.append(f"Lịch làm việc {CALENDAR_YEARS[0]}–{CALENDAR_YEARS[-1]}: {seeded} ngày đặc biệt")
    province = load_demo_province(password)
    report = import_catalog(DEMO_CATALOG)
    lines.append(
        f"Danh mục thủ tục: {report.total} thủ tục "
        f"({report.created} mới, {report.unchanged} không đổi)"
    )
    assigned = assign_demo_agencies()
    lines.append(f"Phân công cơ quan thực hiện: {assigned} thủ tục")
    sessions = add_demo_extra_sessions()
    if sessions:
        lines.append(f"Buổi phục vụ ngoài giờ: {sessions}")
    from motcua.signing.demo_keys import create_demo_keys

    lines.append(f"Khóa ký số trình diễn: {create_demo_keys()['created']} khóa mới")
    return {"lines": lines, "users": province["users"], "province": province["province"]}


def _department_for(field_name: str, departments: dict[str, object], default):
    lowered = field_name.lower()
    for department_name, keywords in FIELD_DEPARTMENTS.items():
        if any(keyword in lowered for keyword in keywords) and department_name in departments:
            return departments[department_name]
    return default


@transaction.atomic
def assign_demo_agencies() -> int:
    """Set each procedure's competent agencies in the demo province from its deciding kind."""
    from motcua.agencies.models import Agency, AgencyKind
    from motcua.catalog.models import Procedure

    by_kind: dict[str, list[Agency]] = {}
    for agency in Agency.objects.filter(is_active=True).order_by("e_id"):
        by_kind.setdefault(agency.kind, []).append(agency)
    departments = {a.name: a for a in by_kind.get(AgencyKind.DEPARTMENT, [])}
    fallback = departments.get("Sở Tài chính") or next(iter(departments.values()), None)
    count = 0
    for procedure in Procedure.objects.select_related("current_version", "field"):
        version = procedure.current_version
        if version is None:
            continue
        kind = version.deciding_agency_kind
        if kind == AgencyKind.DEPARTMENT:
            chosen = [_department_for(version.field.name, departments, fallback)]
        else:
            chosen = by_kind.get(kind, [])
        chosen = [agency for agency in chosen if agency is not None]
        if chosen:
            procedure.agencies.set(chosen)
            count += 1
    return count


def add_demo_extra_sessions() -> str:
    """'Chủ nhật vì dân': Sunday 07:30–11:00 at the province center (receiving and returning)."""
    from motcua.agencies.models import Agency, AgencyKind
    from motcua.worktime.models import Weekday
    from motcua.worktime.services import ensure_weekly_extra_session

    center = Agency.objects.filter(kind=AgencyKind.SERVICE_CENTER).order_by("e_id").first()
    if center is None:
        return ""
    ensure_weekly_extra_session(
        center, "Chủ nhật vì dân", weekday=Weekday.SUNDAY, start="07:30", end="11:00"
    )
    return f"Chủ nhật vì dân, 07:30–11:00, {center.name}"
