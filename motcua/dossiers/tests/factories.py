"""Shared test factories for dossiers: a small demo-like province, its staff, procedures with an
internal process, and dossiers in any state — built by running the real services, so a dossier
from here has its code, due time, control sheet and event chain like a real one.

Use in a test module:

    from . import factories as f

    @pytest.fixture
    def p(db):
        yield from f.province_fixture()

    def test_something(p):
        dossier = f.dossier_in(p, "processing", step=1)

`province_fixture` clears the in-process work-calendar cache before and after (the database
is rolled back between tests, the cache is not). Times default to Wednesday 08/10/2025 09:00 in
Vietnam (a working day under NĐ 118/2025); pass `now=` to travel in time.
"""

from __future__ import annotations

import hashlib
import io
import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.agencies.models import (
    AdministrativeUnit,
    Agency,
    AgencyKind,
    Counter,
    Role,
    UnitLevel,
)
from motcua.agencies.services import grant_role
from motcua.catalog.models import (
    Field,
    Level,
    OnlineLevel,
    Procedure,
    ProcedureVersion,
    RequiredDocument,
    Step,
    TimeUnit,
)
from motcua.dossiers import services
from motcua.dossiers.lifecycle import Channel, DeliveryMethod, State
from motcua.worktime import selectors as worktime_selectors
from motcua.worktime.deadlines import VN_TZ


def vn(*args) -> datetime:
    """An instant in Vietnam: vn(2026, 2, 12, 9) is 12/02/2026 09:00 +07:00."""
    return datetime(*args, tzinfo=VN_TZ)


T0 = vn(2025, 10, 8, 9)  # Wednesday, a working day
GAP = timedelta(minutes=30)
PASSWORD = "pw"

# (name, role, agency kind, working hours): reception at the center, appraisal by a specialist
# of the department, signing by its leader, return at the center — 5 working days in all.
PROVINCE_STEPS = (
    (
        "Tiếp nhận hồ sơ, cấp giấy tiếp nhận và hẹn trả kết quả",
        Role.RECEPTIONIST,
        AgencyKind.SERVICE_CENTER,
        4,
    ),
    ("Chuyên viên thẩm định hồ sơ", Role.SPECIALIST, AgencyKind.DEPARTMENT, 28),
    ("Lãnh đạo Sở ký duyệt", Role.LEADER, AgencyKind.DEPARTMENT, 4),
    ("Trả kết quả", Role.RECEPTIONIST, AgencyKind.SERVICE_CENTER, 4),
)
# The same shape at a commune: 1 working day.
COMMUNE_STEPS = (
    ("Tiếp nhận hồ sơ", Role.RECEPTIONIST, AgencyKind.COMMUNE_CENTER, 1),
    (
        "Công chức tư pháp – hộ tịch kiểm tra hồ sơ",
        Role.SPECIALIST,
        AgencyKind.COMMUNE_COMMITTEE,
        4,
    ),
    ("Chủ tịch UBND xã ký", Role.LEADER, AgencyKind.COMMUNE_COMMITTEE, 2),
    ("Trả kết quả", Role.RECEPTIONIST, AgencyKind.COMMUNE_CENTER, 1),
)

_ids = itertools.count(1)
User = get_user_model()

# Smallest valid files of each accepted type (checked by content).
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def pdf_file(name: str = "to-khai.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def office_file(name: str, parts: dict[str, bytes]) -> SimpleUploadedFile:
    """A zip with the given parts (DOCX: `word/document.xml`, XLSX: `xl/workbook.xml`)."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        for part, data in parts.items():
            archive.writestr(part, data)
    return SimpleUploadedFile(name, buffer.getvalue())


def personal_id(n: int | None = None) -> str:
    """A valid 12-digit personal ID (Quảng Ninh birth registration, male, born 1990)."""
    return f"022090{(n if n is not None else next(_ids)) % 1_000_000:06d}"


def applicant_data(**overrides) -> dict:
    data = {
        "kind": "citizen",
        "name": "Nguyễn Văn An",
        "id_number": "022090123456",
        "phone": "0912 345 678",
        "email": "an@example.vn",
        "address": "Tổ 5, khu 3",
    }
    data.update(overrides)
    return data


def make_user(username: str, last_name: str = "", first_name: str = "", roles=()) -> User:
    """A user with active memberships: `roles` are (agency, role) or (agency, role, counter)."""
    user = User.objects.create_user(
        username=username, password=PASSWORD, last_name=last_name, first_name=first_name
    )
    for agency, role, *counter in roles:
        grant_role(user, agency, role, counter[0] if counter else None)
    return user


def make_procedure(
    name: str,
    *,
    agencies,
    steps=PROVINCE_STEPS,
    code: str | None = None,
    level: str = Level.PROVINCE,
    time_value: Decimal | int = 5,
    time_unit: str = TimeUnit.WORKING_DAYS,
    cutoff_time=None,
    online: str = OnlineLevel.FULL,
    deciding_kind: str = AgencyKind.DEPARTMENT,
    documents=("Đơn đề nghị (theo mẫu)", "Bản sao căn cước"),
) -> Procedure:
    """A published procedure with one version, its documents and internal process."""
    field_obj = Field.objects.filter(name="Hộ tịch").first() or Field.objects.create(
        name="Hộ tịch", slug="ho-tich"
    )
    procedure = Procedure.objects.create(code=code or f"1.{990000 + next(_ids):06d}")
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=1,
        name=name,
        field=field_obj,
        levels=[level],
        receiving_agency_kinds=[
            AgencyKind.COMMUNE_CENTER if level == Level.COMMUNE else AgencyKind.SERVICE_CENTER
        ],
        deciding_agency_kind=deciding_kind,
        time_value=Decimal(time_value),
        time_unit=time_unit,
        cutoff_time=cutoff_time,
        online=online,
        content_hash=hashlib.sha256(f"{name}{next(_ids)}".encode()).hexdigest(),
    )
    for position, doc in enumerate(documents, start=1):
        RequiredDocument.objects.create(version=version, position=position, name=doc)
    for position, (step_name, role, kind, hours) in enumerate(steps, start=1):
        Step.objects.create(
            version=version,
            position=position,
            name=step_name,
            role=role,
            agency_kind=kind,
            working_hours=Decimal(hours),
        )
    procedure.current_version = version
    procedure.refresh_search_columns()
    procedure.save()
    procedure.agencies.set(agencies)
    return procedure


@dataclass
class Province:
    """The test province (Quảng Ninh, code 22): agencies, staff by role, procedures."""

    unit: AdministrativeUnit
    commune: AdministrativeUnit
    other_commune: AdministrativeUnit
    committee: Agency  # UBND tỉnh, H22
    center: Agency  # the province's service center, H22.40
    justice: Agency  # Sở Tư pháp, H22.13 — competent for `procedure`
    construction: Agency  # Sở Xây dựng, H22.16 — for transfers
    commune_committee: Agency  # UBND Phường Hà Tu, H22.06652
    commune_center: Agency  # its center, H22.06652.40
    other_commune_committee: Agency  # UBND Phường Cao Xanh, H22.06658
    other_commune_center: Agency
    counter: Counter
    receptionist: User  # center, counter 1
    receptionist2: User  # center, counter 2
    specialist: User  # Sở Tư pháp
    specialist2: User  # Sở Tư pháp
    leader: User  # Sở Tư pháp
    construction_specialist: User
    construction_leader: User
    commune_receptionist: User
    commune_specialist: User
    commune_leader: User
    other_commune_receptionist: User
    manager: User  # manager of UBND tỉnh (the whole tree)
    citizen: User
    other_citizen: User
    procedure: Procedure  # province level, Sở Tư pháp, full online, 5 working days
    commune_procedure: Procedure  # commune level, both commune committees, 1 working day
    extra: dict = field(default_factory=dict)

    def applicant(self, **overrides) -> dict:
        return applicant_data(**overrides)


def make_province() -> Province:
    unit = AdministrativeUnit.objects.create(
        code="22", name="Tỉnh Quảng Ninh", division_type="Tỉnh", level=UnitLevel.PROVINCE
    )
    commune, other = (
        AdministrativeUnit.objects.create(
            code=code, name=name, division_type="Phường", level=UnitLevel.COMMUNE, province=unit
        )
        for code, name in (("06652", "Phường Hà Tu"), ("06658", "Phường Cao Xanh"))
    )

    def agency(e_id, kind, name, parent=None, unit_=unit):
        return Agency.objects.create(e_id=e_id, kind=kind, name=name, parent=parent, unit=unit_)

    committee = agency("H22", AgencyKind.PROVINCE_COMMITTEE, "Ủy ban nhân dân tỉnh Quảng Ninh")
    center = agency(
        "H22.40",
        AgencyKind.SERVICE_CENTER,
        "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh",
        committee,
    )
    justice = agency("H22.13", AgencyKind.DEPARTMENT, "Sở Tư pháp", committee)
    construction = agency("H22.16", AgencyKind.DEPARTMENT, "Sở Xây dựng", committee)
    cc = agency(
        "H22.06652",
        AgencyKind.COMMUNE_COMMITTEE,
        "Ủy ban nhân dân Phường Hà Tu",
        committee,
        commune,
    )
    ccenter = agency(
        "H22.06652.40", AgencyKind.COMMUNE_CENTER, "Trung tâm phục vụ HCC Phường Hà Tu", cc, commune
    )
    occ = agency(
        "H22.06658",
        AgencyKind.COMMUNE_COMMITTEE,
        "Ủy ban nhân dân Phường Cao Xanh",
        committee,
        other,
    )
    occenter = agency(
        "H22.06658.40",
        AgencyKind.COMMUNE_CENTER,
        "Trung tâm phục vụ HCC Phường Cao Xanh",
        occ,
        other,
    )
    counter = Counter.objects.create(center=center, number=1, name="Tư pháp – hộ tịch")
    counter2 = Counter.objects.create(center=center, number=2, name="Tiếp nhận chung")
    people = dict(
        receptionist=("tiepnhan", "Nguyễn Thị", "Lan", [(center, Role.RECEPTIONIST, counter)]),
        receptionist2=("tiepnhan2", "Trần Văn", "Bình", [(center, Role.RECEPTIONIST, counter2)]),
        specialist=("chuyenvien", "Lê Văn", "Hùng", [(justice, Role.SPECIALIST)]),
        specialist2=("chuyenvien2", "Võ Thị", "Thảo", [(justice, Role.SPECIALIST)]),
        leader=("lanhdao", "Phạm Thị Thu", "Hà", [(justice, Role.LEADER)]),
        construction_specialist=(
            "chuyenvien.sxd",
            "Đinh Văn",
            "Khoa",
            [(construction, Role.SPECIALIST)],
        ),
        construction_leader=("lanhdao.sxd", "Mai Thị", "Hoa", [(construction, Role.LEADER)]),
        commune_receptionist=("tiepnhan.hatu", "Đỗ Thị", "Mai", [(ccenter, Role.RECEPTIONIST)]),
        commune_specialist=("chuyenvien.hatu", "Bùi Văn", "Long", [(cc, Role.SPECIALIST)]),
        commune_leader=("lanhdao.hatu", "Ngô Thị", "Hương", [(cc, Role.LEADER)]),
        other_commune_receptionist=(
            "tiepnhan.caoxanh",
            "Lý Thị",
            "Ngọc",
            [(occenter, Role.RECEPTIONIST)],
        ),
        manager=("quanly", "Vũ Đức", "Thắng", [(committee, Role.MANAGER)]),
        citizen=("congdan", "Hoàng Văn", "Nam", []),
        other_citizen=("congdan2", "Phan Thị", "Yến", []),
    )
    users = {key: make_user(u, ln, fn, roles) for key, (u, ln, fn, roles) in people.items()}
    procedure = make_procedure("Cấp Phiếu lý lịch tư pháp", agencies=[justice])
    commune_procedure = make_procedure(
        "Đăng ký khai sinh",
        agencies=[cc, occ],
        steps=COMMUNE_STEPS,
        level=Level.COMMUNE,
        time_value=1,
        deciding_kind=AgencyKind.COMMUNE_COMMITTEE,
    )
    return Province(
        unit=unit,
        commune=commune,
        other_commune=other,
        committee=committee,
        center=center,
        justice=justice,
        construction=construction,
        commune_committee=cc,
        commune_center=ccenter,
        other_commune_committee=occ,
        other_commune_center=occenter,
        counter=counter,
        procedure=procedure,
        commune_procedure=commune_procedure,
        **users,
    )


def province_fixture():
    """Generator for a pytest fixture: `yield from province_fixture()`."""
    worktime_selectors.clear_cache()
    try:
        yield make_province()
    finally:
        worktime_selectors.clear_cache()


def seed_calendar(*years: int) -> None:
    """The official civil-service calendar of those years (Tết, swapped days…) in the table."""
    from motcua.worktime.services import seed_calendar as seed

    seed(list(years) or [2025, 2026])


# --- dossiers in any state, by the real services -------------------------------------------------


class Clock:
    """Successive instants for a scenario: each `next()` is `gap` after the previous one."""

    def __init__(self, start: datetime = T0, gap: timedelta = GAP):
        self.now = start
        self.gap = gap
        self._first = True

    def next(self) -> datetime:
        if self._first:
            self._first = False
        else:
            self.now = self.now + self.gap
        return self.now


def new_dossier(
    p: Province,
    *,
    channel: str = Channel.ONLINE,
    procedure: Procedure | None = None,
    applicant_user=None,
    applicant: dict | None = None,
    receiving_agency=None,
    now: datetime = T0,
    **kw,
):
    """A draft: online by `applicant_user` (default the citizen), else entered by the
    receptionist of the receiving center (default the province center)."""
    procedure = procedure or p.procedure
    if channel == Channel.ONLINE:
        actor = applicant_user or p.citizen
    else:
        receiving_agency = receiving_agency or (
            p.commune_center if procedure == p.commune_procedure else p.center
        )
        actor = p.commune_receptionist if receiving_agency == p.commune_center else p.receptionist
        if receiving_agency == p.other_commune_center:
            actor = p.other_commune_receptionist
    return services.create_dossier(
        procedure_code=procedure.code,
        applicant=applicant or applicant_data(),
        channel=channel,
        actor=actor,
        receiving_agency=receiving_agency,
        now=now,
        **kw,
    )


def staff_for(p: Province, dossier, role: str) -> User:
    """The test officer holding `role` where the dossier now is (province or commune)."""
    commune = dossier.procedure_id == p.commune_procedure.pk
    return {
        (False, Role.RECEPTIONIST): p.receptionist,
        (False, Role.SPECIALIST): p.specialist,
        (False, Role.LEADER): p.leader,
        (True, Role.RECEPTIONIST): p.commune_receptionist,
        (True, Role.SPECIALIST): p.commune_specialist,
        (True, Role.LEADER): p.commune_leader,
    }[(commune, role)]


def dossier_in(
    p: Province,
    state: str,
    *,
    step: int = 1,
    channel: str = Channel.ONLINE,
    procedure: Procedure | None = None,
    at_reception: bool = False,
    result: str = "approved",
    now: datetime = T0,
    gap: timedelta = GAP,
    **create_kw,
):
    """A dossier brought to `state` by the real services, one action every `gap` from `now`.

    - draft, submitted (online only), refused, withdrawn (online: withdrawn after submission);
    - processing at `step` (0 reception, 1 appraisal by the specialist, 2 signing);
    - supplementing: during processing at step 1 (by the specialist), or `at_reception=True`
      (online, by the receptionist before accepting);
    - awaiting_payment (requested at step 1); stopped (at step `step`);
    - decided (`result` approved or denied) and returned.
    """
    state = State(state)
    online_only = {State.SUBMITTED, State.WITHDRAWN} | (
        {State.SUPPLEMENTING} if at_reception else set()
    )
    if channel != Channel.ONLINE and state in online_only:
        # A counter dossier is a draft until accepted or refused; it has no applicant account.
        raise ValueError(f"a {channel} dossier cannot be brought to {state} here")
    clock = Clock(now, gap)
    d = new_dossier(p, channel=channel, procedure=procedure, now=clock.next(), **create_kw)
    if state == State.DRAFT:
        return d
    applicant = d.applicant_user
    receptionist = staff_for(p, d, Role.RECEPTIONIST)
    if channel == Channel.ONLINE:
        d = services.submit(d, applicant, now=clock.next())
    if state == State.SUBMITTED:
        return d
    if state == State.SUPPLEMENTING and at_reception:
        return services.request_supplement(
            d, receptionist, items=["Bản sao căn cước còn hiệu lực"], now=clock.next()
        )
    if state == State.REFUSED:
        return services.refuse(
            d, receptionist, reason="Hồ sơ không thuộc thẩm quyền", now=clock.next()
        )
    if state == State.WITHDRAWN and channel == Channel.ONLINE:
        return services.withdraw(d, applicant, reason="Không còn nhu cầu", now=clock.next())
    d = services.accept(d, receptionist, now=clock.next())
    target = {
        State.PROCESSING: step,
        State.STOPPED: step,
        State.SUPPLEMENTING: 1,
        State.AWAITING_PAYMENT: 1,
        State.DECIDED: 2,
        State.RETURNED: 2,
    }[state]
    d = advance(p, d, target, clock)
    if state in (State.PROCESSING,):
        return d
    specialist = staff_for(p, d, Role.SPECIALIST)
    leader = staff_for(p, d, Role.LEADER)
    if state == State.SUPPLEMENTING:
        return services.request_supplement(
            d, specialist, items=["Giấy xác nhận cư trú"], now=clock.next()
        )
    if state == State.AWAITING_PAYMENT:
        return services.request_payment(
            d,
            specialist,
            amount=200_000,
            items=[{"name": "Phí", "amount": 200_000}],
            now=clock.next(),
        )
    if state == State.STOPPED:
        return services.stop(d, receptionist, reason="Theo đề nghị của người nộp", now=clock.next())
    if result == "denied":
        d = services.deny(d, leader, reason="Không đủ điều kiện", now=clock.next())
    else:
        d = services.approve(d, leader, now=clock.next())
    if state == State.DECIDED:
        return d
    return services.deliver(
        d,
        receptionist,
        method=DeliveryMethod.COUNTER,
        delivered_to="Nguyễn Văn An",
        now=clock.next(),
    )


def advance(p: Province, d, target: int, clock: Clock):
    """Forward a processing dossier from its step to `target`, naming the next officer."""
    while d.step_index < target:
        officer = d.current_officer
        nxt = d.step_index + 1
        role = d.procedure_version.steps.order_by("position")[nxt].role
        d = services.forward(d, officer, officer=staff_for(p, d, role), now=clock.next())
    return d
