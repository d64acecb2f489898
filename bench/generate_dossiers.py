"""Load N dossiers with realistic histories into a database of our own, for benchmarks.

    .venv/bin/python bench/generate_dossiers.py --count 1000000 [--seed 1]
        [--database-url postgres://postgres@127.0.0.1:5432/motcua_bench_dossiers]
        [--start 2024-01-01] [--end 2026-11-20] [--truncate] [--keep-indexes] [--jobs 2]

The target database is created if missing (PostgreSQL), migrated, and given the demo province
and catalog (motcua.demo.load_demo) if no procedure has a competent agency yet. The dossier
tables must be empty (or pass --truncate). DATABASE_URL is never read: the default target is
the bench database above (or BENCH_DATABASE_URL), so a slip cannot fill a working database.

What is generated, deterministically for a seed (on the same base database):

- receipts on every day from --start to --end, growing ~15 % a year, fewer on days off (online
  submissions, and counter receipts at the province center's Sunday session);
- procedures drawn from the catalog with a realistic skew (certified copies, civil status,
  residence and land dominate), their current version, the competent agency and the receiving
  center routed as motcua/dossiers/routing.py does;
- channels: ~60 % online overall (growing by year), counter, a little postal; online dossiers
  belong to applicant accounts (`bench.citizen.N`, unusable passwords);
- the life of each dossier up to the end of --end, action by action as dossiers/services.py
  records it: the same state changes, event data (effects, forms and national codes come from
  lifecycle.apply itself), hash chain (chain.py), control-sheet records with their cumulative
  due times, pauses that move the due time by the paused working time, apologies (form 04 only
  while a working day is left), the return step after the decision, per-agency daily code
  sequences; refusals, withdrawals, stops, denials, supplements at reception and during
  processing, payments, send-backs, dossiers stuck at a step for weeks (overdue while open),
  results never collected, drafts;
- due times with worktime.deadlines on the competent agency's calendar (15:00 cut-offs); the
  regime is nd61_2018 for receipts before 01/07/2025.

Generation is per day, each day with its own random stream, so the data does not depend on the
chunking. PostgreSQL: COPY, one transaction per chunk of days; elsewhere (SQLite, tests):
executemany. Code calls `generate()` (tests/bench/test_generate_dossiers.py does).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import sys
import time as clock
import uuid
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Pure modules (no Django state): imported once, used in the hot loops.
from motcua.dossiers.chain import canonical_time, compute_hash, event_payload  # noqa: E402
from motcua.worktime.deadlines import (  # noqa: E402
    VN_TZ,
    add_working_days,
    add_working_hours,
    add_working_time,
    clock_start,
    is_working_day,
    working_time_between,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/motcua_bench_dossiers"
DEFAULT_START = date(2024, 1, 1)
DEFAULT_END = date(2026, 11, 20)
CHUNK_DOSSIERS = 10_000  # one transaction per chunk of days of about this many dossiers

YEARLY_GROWTH = 1.15
DAY_OFF_WEIGHT = 0.12  # online submissions and Sunday sessions only
# Share of dossiers filed online, for procedures offered (full, partial) online, by year.
ONLINE_SHARE = {2024: (0.76, 0.62), 2025: (0.88, 0.75), 2026: (0.95, 0.86)}
POSTAL_SHARE = 0.03  # of the dossiers that are not online
DOSSIERS_PER_CITIZEN = 20  # applicant accounts: count / this (at least 50)
# Relative volume per field (others weigh 1): what a province's counters actually see.
FIELD_WEIGHTS = {
    "Chứng thực": 14.0,
    "Hộ tịch": 9.0,
    "Cư trú": 7.0,
    "Đất đai": 5.0,
    "Thành lập và hoạt động của hộ kinh doanh": 2.0,
    "Thành lập và hoạt động doanh nghiệp": 2.0,
    "Đường bộ": 2.0,
    "Lý lịch tư pháp": 2.0,
    "Bảo trợ xã hội": 1.5,
    "Hoạt động xây dựng": 1.5,
}
ENTERPRISE_FIELDS = {
    "Thành lập và hoạt động doanh nghiệp",
    "Công thương",
    "Du lịch",
    "Dược phẩm",
    "An toàn thực phẩm",
    "Khám bệnh, chữa bệnh",
}
PAYMENT_FIELDS = {"Đất đai"}  # financial obligations (land use fees) requested while processing
CENTERS = {"service_center", "commune_center"}

# Bench staff per agency kind: (receptionists, specialists, leaders).
STAFF = {
    "service_center": (6, 0, 2),
    "commune_center": (3, 0, 1),
    "department": (2, 5, 2),
    "commune_committee": (1, 3, 2),
    "vertical_agency": (3, 4, 2),
    "province_committee": (0, 2, 2),
}

FAMILY = [
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Hoàng", 5),
    ("Vũ", 4),
    ("Phan", 4),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 2),
    ("Hồ", 1.5),
    ("Ngô", 1.5),
    ("Dương", 1),
    ("Lý", 0.5),
    ("Đinh", 1),
    ("Trịnh", 1),
    ("Lương", 1),
    ("Mai", 0.5),
    ("Tạ", 0.3),
    ("Vương", 0.3),
]
FAMILY_NAMES = [name for name, _ in FAMILY]
FAMILY_CUM = list(accumulate(weight for _, weight in FAMILY))
MIDDLE = {
    0: ["Văn", "Đức", "Minh", "Quang", "Hữu", "Thành", "Công", "Xuân", "Ngọc", "Duy"],
    1: ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Phương", "Hồng", "Khánh"],
}
GIVEN = {
    0: [
        "Hùng",
        "Dũng",
        "Nam",
        "Long",
        "Tuấn",
        "Hải",
        "Sơn",
        "Thắng",
        "Phong",
        "Quân",
        "Huy",
        "Khoa",
        "Trung",
        "Bình",
        "Cường",
        "Đạt",
        "Hiếu",
        "Kiên",
        "Lâm",
        "Tùng",
    ],
    1: [
        "Lan",
        "Hương",
        "Mai",
        "Hà",
        "Linh",
        "Trang",
        "Hoa",
        "Ngọc",
        "Thảo",
        "Yến",
        "Nhung",
        "Oanh",
        "Vy",
        "Anh",
        "Chi",
        "Dung",
        "Giang",
        "Hạnh",
        "Loan",
        "Phương",
    ],
}
STREETS = [
    "Trần Hưng Đạo",
    "Lê Thánh Tông",
    "Nguyễn Văn Cừ",
    "Cao Thắng",
    "Hạ Long",
    "Lý Thường Kiệt",
    "Bạch Đằng",
    "Trần Phú",
    "Hoàng Quốc Việt",
    "Vân Đồn",
    "Kênh Liêm",
    "Giếng Đồn",
    "Cái Dăm",
    "Nguyễn Du",
    "Hùng Vương",
]
COMPANY_WORDS = [
    "Minh Phát",
    "Hoàng Gia",
    "An Bình",
    "Thành Đạt",
    "Việt Hưng",
    "Phúc Lộc",
    "Hạ Long Xanh",
    "Vịnh Bắc",
    "Đông Bắc",
    "Quảng Ninh",
    "Tân Tiến",
    "Hải Đăng",
]
COMPANY_TRADES = [
    "Thương mại",
    "Xây dựng",
    "Dịch vụ",
    "Vận tải",
    "Du lịch",
    "Thực phẩm",
    "Đầu tư",
    "Kỹ thuật",
]
BIRTH_PROVINCES = ["022"] * 14 + ["001", "031", "030", "033", "036", "038", "040", "079"]
REFUSAL_REASONS = [
    "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan",
    "Người nộp không bổ sung hồ sơ theo yêu cầu trong thời hạn",
    "Giấy tờ trong hồ sơ không hợp lệ",
    "Thủ tục không áp dụng cho trường hợp của người nộp",
]
STOP_REASONS = [
    "Người nộp không bổ sung hồ sơ theo yêu cầu",
    "Theo đề nghị của người nộp hồ sơ",
    "Có tranh chấp đang được cơ quan có thẩm quyền giải quyết",
]
DENY_REASONS = [
    "Không đủ điều kiện theo quy định",
    "Thông tin kê khai không khớp với cơ sở dữ liệu",
    "Đối tượng không thuộc phạm vi áp dụng của thủ tục",
]
WITHDRAW_REASONS = ["Không còn nhu cầu", "Nộp nhầm thủ tục", "Sẽ nộp lại hồ sơ khác", ""]
SEND_BACK_REASONS = ["Cần kiểm tra lại thông tin trong hồ sơ", "Dự thảo kết quả còn sai sót"]
EXTEND_REASONS = [
    "Cần xác minh thêm thông tin với cơ quan liên quan",
    "Chờ ý kiến của cơ quan phối hợp",
    "Khối lượng hồ sơ tăng đột biến",
]
PAYMENT_ITEM = "Tiền sử dụng đất, lệ phí trước bạ"
# Hour weights for online submissions (0..23): office hours and evenings.
ONLINE_HOURS_CUM = list(
    accumulate([1, 0.5, 0.3, 0.2, 0.2, 0.5, 2, 5, 9, 10, 10, 8, 5, 6, 8, 9, 8, 6, 5, 6, 7, 6, 4, 2])
)
US_PER_HOUR = 3_600_000_000


class _Cut(Exception):
    """The next action would happen after the end of the dataset: the story stops there."""


def _hours(value) -> timedelta:
    """Hours (Decimal, int or float) as a timedelta, to the microsecond."""
    if isinstance(value, float):
        return timedelta(microseconds=round(value * US_PER_HOUR))
    return timedelta(microseconds=int(Decimal(value) * US_PER_HOUR))


_iso = canonical_time  # datetimes in event data, as services._jsonable writes them


def _regime_for(at) -> str:
    from motcua.dossiers.regimes import regime_for

    return regime_for(at).value


# --- the world: agencies, staff, applicants, procedures, calendars -----------------------------------


@dataclass
class Agency:
    id: int
    e_id: str
    kind: str
    name: str
    parent_id: int | None
    unit_id: int | None


@dataclass
class StepDef:
    name: str
    role: str
    agency_kind: str
    hours: Decimal


@dataclass
class Proc:
    id: int
    code: str
    field: str
    version_id: int
    online: str
    in_days: bool
    time_value: Decimal
    budget: timedelta  # the legal time limit as working time
    cutoff: time | None
    steps: list[StepDef]
    cumulative: list[timedelta]  # working time from the clock start to the end of each step
    decision_steps: int  # routing.processing_count: a last receptionist step is the return step
    receiving_kinds: list[str]
    deciding_kind: str
    agency_ids: list[int]
    documents: list[str]
    abolished_on: date | None
    weight: float = 1.0


@dataclass
class Citizen:
    user_id: int
    name: str
    id_number: str


@dataclass
class World:
    seed: int
    as_of: datetime
    agencies: dict[int, Agency]
    province_center: Agency | None
    procs: list[Proc]
    communes: list[tuple[int | None, str]]  # (unit id, inline name) of the province's communes
    province_name: str
    staff: dict[tuple[int, str], list[tuple[int, str]]]  # (agency, role) -> [(user id, name)]
    citizens: list[Citizen]
    calendars: dict[int, object]
    default_calendar: object
    cum_all: list[float] = field(default_factory=list)
    procs_online: list[Proc] = field(default_factory=list)
    cum_online: list[float] = field(default_factory=list)
    procs_center: list[Proc] = field(default_factory=list)
    cum_center: list[float] = field(default_factory=list)
    _routes: dict = field(default_factory=dict)
    _reception: dict = field(default_factory=dict)
    _meta: dict = field(default_factory=dict)

    def calendar(self, agency_id: int):
        return self.calendars.get(agency_id, self.default_calendar)

    def officer(self, rng: random.Random, agency_id: int, role: str) -> tuple[int, str]:
        pool = self.staff.get((agency_id, role)) or self.staff.get((agency_id, "leader"))
        if not pool:  # ensure_bench_staff gives every agency every role; be lenient anyway
            pool = next(iter(self.staff.values()))
        return pool[int(rng.random() * len(pool))]

    def counter_periods(self, agency: Agency, day: date) -> list[tuple[datetime, datetime]]:
        """When `agency` receives at the counter on `day` (working and extra sessions)."""
        key = (agency.id, day)
        periods = self._reception.get(key)
        if periods is None:
            from motcua.worktime.selectors import reception_hours

            cal = self.calendar(agency.id)
            if is_working_day(cal, day):  # the sessions; a query only for days off
                periods = [
                    (datetime.combine(day, s, cal.tz), datetime.combine(day, e, cal.tz))
                    for s, e in cal.sessions
                ]
            else:
                periods = [(p.start, p.end) for p in reception_hours(agency.id, day)]
            self._reception[key] = periods
        return periods

    # -- routing, as motcua/dossiers/routing.py does it ----------------------------------------

    def default_center(self, competent: Agency) -> Agency | None:
        if competent.kind == "commune_committee":
            own = sorted(
                (
                    a
                    for a in self.agencies.values()
                    if a.kind in CENTERS
                    and (
                        a.parent_id == competent.id
                        or (competent.unit_id and a.unit_id == competent.unit_id)
                    )
                ),
                key=lambda a: (a.parent_id != competent.id, a.e_id),
            )
            if own:
                return own[0]
        if competent.kind in CENTERS:
            return competent
        return self.province_center

    def _ancestor_of_kind(self, agency: Agency, kind: str) -> Agency | None:
        node, seen = self.agencies.get(agency.parent_id), set()
        while node is not None and node.id not in seen:
            if node.kind == kind:
                return node
            seen.add(node.id)
            node = self.agencies.get(node.parent_id)
        return None

    def route(self, proc: Proc, receiving: Agency, competent: Agency) -> list[Agency]:
        """The agency of each step (routing.step_agency along a straight run of forwards)."""
        key = (proc.id, receiving.id, competent.id)
        found = self._routes.get(key)
        if found is not None:
            return found
        found, current = [], receiving
        last = len(proc.steps) - 1
        for index, step in enumerate(proc.steps):
            is_return = index == last and proc.decision_steps < len(proc.steps)
            if (index == 0 and step.role == "receptionist") or is_return:
                agency = receiving
            elif step.agency_kind in CENTERS:
                agency = (
                    receiving
                    if receiving.kind in CENTERS
                    else (self.default_center(competent) or competent)
                )
            elif current.kind == step.agency_kind:
                agency = current
            elif competent.kind == step.agency_kind:
                agency = competent
            else:
                listed = sorted(
                    (
                        self.agencies[i]
                        for i in proc.agency_ids
                        if self.agencies[i].kind == step.agency_kind
                    ),
                    key=lambda a: a.e_id,
                )
                agency = (
                    (listed[0] if listed else None)
                    or self._ancestor_of_kind(competent, step.agency_kind)
                    or competent
                )
            found.append(agency)
            current = agency
        self._routes[key] = found
        return found

    # -- what lifecycle.apply says about an action (memoised) ------------------------------------

    def meta(self, action, kind, state, previous_state, paused, channel, received, regime):
        """{"effects", "forms", "national_codes"[, "via"]} of the transition, from the lifecycle."""
        key = (action, kind, state, previous_state, paused, channel, received, regime)
        found = self._meta.get(key)
        if found is None:
            found = _transition_meta(*key)
            self._meta[key] = found
        return found


def _transition_meta(action, kind, state, previous_state, paused, channel, received, regime):
    """Ask lifecycle.apply for the effects of `action` from a state like this one."""
    from motcua.dossiers.lifecycle import FORM_EFFECTS, DossierFacts
    from motcua.dossiers.lifecycle import apply as lifecycle_apply

    # A day inside the regime: only the forms issued depend on it.
    now = (
        datetime(2025, 1, 6, 9, tzinfo=VN_TZ)
        if regime == "nd61_2018"
        else datetime(2025, 9, 8, 9, tzinfo=VN_TZ)
    )
    step_index = {"forward": 0, "send_back": 1, "approve": 2}.get(action, 1)
    facts = DossierFacts(
        state=state,
        now=now,
        channel=channel,
        step_index=step_index if received else 0,
        steps=3,
        previous_state=previous_state or None,
        paused=paused,
        due_at=now + timedelta(days=60),
        received_at=now if received else None,
        regime=regime if received else None,
        agency="1",
        is_current_step_officer=True,
        actor_in_step_agency=True,
        working_time_until_due=timedelta(days=20),
    )
    fields = {
        "request_supplement": {"items": ["x"]},
        "refuse": {"reason": "x"},
        "assign": {"officer": 1},
        "send_back": {"reason": "x"},
        "deny": {"reason": "x"},
        "stop": {"reason": "x"},
        "deliver": {"method": "online"},
        "extend": {"reason": "x", "new_due_at": now + timedelta(days=90)},
    }.get(action, {})
    t = lifecycle_apply(action, facts, kind, **fields)
    meta = {
        "effects": [str(e) for e in t.effects],
        "forms": [str(FORM_EFFECTS[e]) for e in t.effects if e in FORM_EFFECTS],
        "national_codes": list(t.national_codes),
    }
    if t.via:
        meta["via"] = [str(s) for s in t.via]
    return meta


def _vn_name(rng: random.Random) -> tuple[str, int]:
    sex = 0 if rng.random() < 0.5 else 1
    family = FAMILY_NAMES[bisect_right(FAMILY_CUM, rng.random() * FAMILY_CUM[-1])]
    middle = MIDDLE[sex][int(rng.random() * len(MIDDLE[sex]))]
    given = GIVEN[sex][int(rng.random() * len(GIVEN[sex]))]
    return f"{family} {middle} {given}", sex


def _personal_id(rng: random.Random, sex: int) -> str:
    """A 12-digit personal ID of the right shape: province, century and sex, year, six digits."""
    year = 1950 + int(rng.random() * 56)
    century = (0 if year < 2000 else 2) + sex
    province = BIRTH_PROVINCES[int(rng.random() * len(BIRTH_PROVINCES))]
    return f"{province}{century}{year % 100:02d}{int(rng.random() * 1e6):06d}"


def ensure_bench_staff(seed: int = 0) -> int:
    """Receptionists, specialists and leaders for every active agency (idempotent); accounts
    with unusable passwords, there to act in histories and own worklists."""
    from django.contrib.auth import get_user_model

    from motcua.agencies.models import Agency as AgencyModel
    from motcua.agencies.models import Counter as CounterModel
    from motcua.agencies.models import Membership
    from motcua.agencies.services import grant_role

    user_model = get_user_model()
    created = 0
    existing = set(
        Membership.objects.filter(is_active=True).values_list("agency_id", "role", "user__username")
    )
    for agency in AgencyModel.objects.filter(is_active=True).order_by("e_id"):
        counts = STAFF.get(agency.kind, (1, 1, 1))
        counter = CounterModel.objects.filter(center=agency).order_by("number").first()
        for role, n in zip(("receptionist", "specialist", "leader"), counts, strict=True):
            for i in range(1, n + 1):
                username = f"bench.{agency.e_id.lower()}.{role}.{i}"
                if (agency.id, role, username) in existing:
                    continue
                name, _sex = _vn_name(random.Random(f"{seed}:{username}"))
                family, given = name.rsplit(" ", 1)
                user, was_created = user_model.objects.get_or_create(
                    username=username, defaults={"last_name": family, "first_name": given}
                )
                if was_created:
                    user.set_unusable_password()
                    user.save(update_fields=["password"])
                    created += 1
                grant_role(user, agency, role, counter=counter if role == "receptionist" else None)
    return created


def ensure_bench_citizens(count: int, seed: int = 0) -> list[Citizen]:
    """`count` applicant accounts `bench.citizen.NNNNNNN` (idempotent, bulk-created)."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    names = [f"bench.citizen.{i:07d}" for i in range(1, count + 1)]
    have = set(
        user_model.objects.filter(username__startswith="bench.citizen.").values_list(
            "username", flat=True
        )
    )
    missing = []
    for username in names:
        if username in have:
            continue
        name, _sex = _vn_name(random.Random(f"{seed}:{username}"))
        family, given = name.rsplit(" ", 1)
        missing.append(
            user_model(
                username=username, last_name=family, first_name=given, password="!bench-citizen"
            )
        )
    user_model.objects.bulk_create(missing, batch_size=5000)
    citizens = []
    rows = (
        user_model.objects.filter(username__in=names)
        if count <= 5000
        else (user_model.objects.filter(username__startswith="bench.citizen."))
    )
    for user_id, username, last, first in rows.order_by("username").values_list(
        "id", "username", "last_name", "first_name"
    )[:count]:
        rng = random.Random(f"{seed}:{username}:id")
        _name, sex = _vn_name(random.Random(f"{seed}:{username}"))
        citizens.append(Citizen(user_id, f"{last} {first}".strip(), _personal_id(rng, sex)))
    return citizens


def load_world(seed: int, count: int, as_of: datetime) -> World:
    from django.conf import settings

    from motcua.agencies.models import AdministrativeUnit, Membership, UnitLevel
    from motcua.agencies.models import Agency as AgencyModel
    from motcua.catalog.models import Procedure, ProcedureStatus, TimeUnit
    from motcua.worktime.selectors import get_work_calendar

    agencies = {
        a.id: Agency(a.id, a.e_id, a.kind, a.name, a.parent_id, a.unit_id)
        for a in AgencyModel.objects.filter(is_active=True).order_by("e_id")
    }
    staff: dict[tuple[int, str], list[tuple[int, str]]] = defaultdict(list)
    memberships = (
        Membership.objects.filter(
            is_active=True,
            user__is_active=True,
            role__in=["receptionist", "specialist", "leader"],
        )
        .select_related("user")
        .order_by("user__username")
    )
    for m in memberships:
        full = f"{m.user.last_name} {m.user.first_name}".strip() or m.user.username
        staff[(m.agency_id, m.role)].append((m.user_id, full))

    procs: list[Proc] = []
    procedures = (
        Procedure.objects.filter(current_version__isnull=False)
        .exclude(status=ProcedureStatus.SUSPENDED)
        .select_related("current_version__field")
        .prefetch_related(
            "agencies",
            "current_version__steps",
            "current_version__documents",
        )
        .order_by("code")
    )
    for procedure in procedures:
        version = procedure.current_version
        agency_ids = sorted(a.id for a in procedure.agencies.all() if a.id in agencies)
        steps = [
            StepDef(s.name, s.role, s.agency_kind, s.working_hours)
            for s in sorted(version.steps.all(), key=lambda s: s.position)
        ]
        if not agency_ids or not steps:
            continue  # nobody can receive it: no dossiers
        decision_steps = (
            len(steps) - 1 if len(steps) >= 2 and steps[-1].role == "receptionist" else len(steps)
        )
        procs.append(
            Proc(
                id=procedure.id,
                code=procedure.code,
                field=version.field.name,
                version_id=version.id,
                online=version.online,
                in_days=version.time_unit == TimeUnit.WORKING_DAYS,
                time_value=version.time_value,
                budget=_hours(version.processing_hours),
                cutoff=version.cutoff_time,
                steps=steps,
                cumulative=[_hours(h) for h in accumulate(s.hours for s in steps)],
                decision_steps=decision_steps,
                receiving_kinds=list(version.receiving_agency_kinds or []),
                deciding_kind=version.deciding_agency_kind,
                agency_ids=agency_ids,
                documents=[
                    d.name for d in sorted(version.documents.all(), key=lambda d: d.position)
                ],
                abolished_on=procedure.abolished_on,
            )
        )
    if not procs:
        raise SystemExit("no procedure has steps and competent agencies: load the demo first")

    # A skewed popularity: field weight x Zipf over a seeded order within the field.
    rng = random.Random(seed)
    by_field: dict[str, list[Proc]] = defaultdict(list)
    for proc in procs:
        by_field[proc.field].append(proc)
    for name in sorted(by_field):
        members = by_field[name]
        rng.shuffle(members)
        norm = sum(1 / (rank + 1) ** 1.1 for rank in range(len(members)))
        for rank, proc in enumerate(members):
            proc.weight = (
                FIELD_WEIGHTS.get(name, 1.0) * len(members) ** 0.5 / ((rank + 1) ** 1.1 * norm)
            )

    province = AdministrativeUnit.objects.filter(
        code=f"{settings.MOTCUA_PROVINCE_CODE:02d}", level=UnitLevel.PROVINCE
    ).first()
    communes = []
    if province is not None:
        communes = [
            (u.id, u.inline_name)
            for u in province.communes.filter(valid_until__isnull=True).order_by("code")
        ]
    centers = sorted(
        (a for a in agencies.values() if a.kind == "service_center"), key=lambda a: a.e_id
    )
    world = World(
        seed=seed,
        as_of=as_of,
        agencies=agencies,
        province_center=centers[0] if centers else None,
        procs=procs,
        communes=communes or [(None, "")],
        province_name=province.inline_name if province else "",
        staff=dict(staff),
        citizens=ensure_bench_citizens(max(50, count // DOSSIERS_PER_CITIZEN), seed),
        calendars={agency_id: get_work_calendar(agency_id) for agency_id in agencies},
        default_calendar=get_work_calendar(None),
    )
    world.cum_all = list(accumulate(p.weight for p in procs))
    world.procs_online = [p for p in procs if p.online != "none"]
    world.cum_online = list(accumulate(p.weight for p in world.procs_online))
    world.procs_center = [p for p in procs if "service_center" in p.receiving_kinds]
    world.cum_center = list(accumulate(p.weight for p in world.procs_center))
    return world


# --- the plan: how many dossiers each day ----------------------------------------------------------


def plan_days(count: int, start: date, end: date, calendar) -> list[tuple[date, int]]:
    """Dossiers per day (largest remainder: the exact total, no randomness)."""
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    weights = []
    for day in days:
        weight = YEARLY_GROWTH ** ((day - start).days / 365.25)
        if not is_working_day(calendar, day):
            weight *= DAY_OFF_WEIGHT
        weights.append(weight)
    total = sum(weights)
    raw = [count * w / total for w in weights]
    counts = [int(r) for r in raw]
    by_fraction = sorted(range(len(days)), key=lambda i: (counts[i] - raw[i], i))
    for i in by_fraction[: count - sum(counts)]:
        counts[i] += 1
    return list(zip(days, counts, strict=True))


# --- one day's dossiers ----------------------------------------------------------------------------


@dataclass
class Birth:
    at: datetime  # online: submission; counter and postal: receipt
    proc: Proc
    receiving: Agency
    competent: Agency
    channel: str
    draft: bool = False  # an online draft never submitted
    refused_at_counter: bool = False
    code: str | None = None
    dossier_id: int = 0


@dataclass
class Rows:
    """What one chunk writes, per table (tuples in the column order of COLUMNS)."""

    dossiers: list = field(default_factory=list)
    events: list = field(default_factory=list)
    steps: list = field(default_factory=list)
    pauses: list = field(default_factory=list)
    apologies: list = field(default_factory=list)
    sequences: list = field(default_factory=list)


def _pick(rng: random.Random, items: list, cum: list[float]):
    return items[bisect_right(cum, rng.random() * cum[-1])]


def _competent_and_receiving(world: World, rng: random.Random, proc: Proc) -> tuple[Agency, Agency]:
    ids = proc.agency_ids
    preferred = [i for i in ids if world.agencies[i].kind == proc.deciding_kind] or ids
    competent = world.agencies[preferred[int(rng.random() * len(preferred))]]
    kinds = proc.receiving_kinds or ["service_center"]
    kind = kinds[int(rng.random() * len(kinds))]
    receiving = None
    if kind == competent.kind:
        receiving = competent
    elif kind == "commune_center":
        receiving = (
            world.default_center(competent) if competent.kind == "commune_committee" else None
        )
        if receiving is None or receiving.kind != "commune_center":
            centers = [a for a in world.agencies.values() if a.kind == "commune_center"]
            receiving = centers[int(rng.random() * len(centers))] if centers else None
    elif kind == "service_center":
        receiving = world.province_center
    return competent, receiving or world.default_center(competent) or competent


def _counter_instant(rng: random.Random, periods) -> datetime:
    lengths = [(e - s).total_seconds() for s, e in periods]
    x = rng.random() * sum(lengths)
    for (s, _e), length in zip(periods, lengths, strict=True):
        if x < length:
            return s + timedelta(seconds=int(x), microseconds=int(rng.random() * 1e6))
        x -= length
    return periods[-1][0]


def births_of_day(world: World, day: date, n: int, first_id: int):
    """The dossiers born on `day` (submitted online or received), with ids and codes in time
    order, and each receiving agency's last sequence number of the day."""
    from motcua.dossiers.codes import format_code

    rng = random.Random(world.seed * 1_000_003 + day.toordinal())
    working = is_working_day(world.default_calendar, day)
    center = world.province_center
    center_open = center is not None and bool(world.counter_periods(center, day))
    year = min(max(day.year, min(ONLINE_SHARE)), max(ONLINE_SHARE))
    shares = ONLINE_SHARE[year]
    tz = world.default_calendar.tz
    births: list[Birth] = []
    for _ in range(n):
        channel = None
        if working:
            proc = _pick(rng, world.procs, world.cum_all)
            while proc.abolished_on and day >= proc.abolished_on:
                proc = _pick(rng, world.procs, world.cum_all)
        elif center_open and world.procs_center and rng.random() < 0.25:
            proc = _pick(rng, world.procs_center, world.cum_center)  # the Sunday session
            channel = "counter"
        else:
            proc = _pick(rng, world.procs_online, world.cum_online)
            channel = "online"
        competent, receiving = _competent_and_receiving(world, rng, proc)
        if channel == "counter":
            receiving = center
        elif channel is None:
            share = shares[0] if proc.online == "full" else shares[1]
            if proc.online != "none" and rng.random() < share:
                channel = "online"
            else:
                channel = "postal" if rng.random() < POSTAL_SHARE else "counter"
        if channel == "online":
            hour = bisect_right(ONLINE_HOURS_CUM, rng.random() * ONLINE_HOURS_CUM[-1])
            at = datetime.combine(day, time(hour), tz) + timedelta(
                seconds=int(rng.random() * 3600), microseconds=int(rng.random() * 1e6)
            )
        else:
            periods = world.counter_periods(receiving, day) or [
                (datetime.combine(day, time(8), tz), datetime.combine(day, time(11), tz))
            ]
            at = _counter_instant(rng, periods)
        birth = Birth(at, proc, receiving, competent, channel)
        if channel == "online":
            birth.draft = rng.random() < 0.008
        else:
            birth.refused_at_counter = rng.random() < 0.01
        births.append(birth)
    births.sort(key=lambda b: b.at)
    sequences: Counter = Counter()
    for i, birth in enumerate(births):
        birth.dossier_id = first_id + i
        # Issued at submission (online) or acceptance (counter): not for drafts, nor for counter
        # dossiers refused at once (refuse issues no code).
        if not birth.draft and not birth.refused_at_counter:
            sequences[birth.receiving.id] += 1
            birth.code = format_code(birth.receiving.e_id, day, sequences[birth.receiving.id])
    return births, sequences


class Life:
    """One dossier from its birth to world.as_of, recorded as dossiers/services.py records it."""

    def __init__(
        self, world: World, rng: random.Random, birth: Birth, rows: Rows, citizen: Citizen | None
    ):
        self.w, self.rng, self.b, self.rows = world, rng, birth, rows
        self.proc = birth.proc
        self.cal = world.calendar(birth.competent.id)
        self.id = birth.dossier_id
        self.route = world.route(birth.proc, birth.receiving, birth.competent)
        self.citizen = citizen
        self.user = (citizen.user_id, citizen.name) if citizen else None
        self.created = birth.at - timedelta(
            minutes=rng.uniform(2, 40 if birth.channel == "online" else 10)
        )
        self.regime = _regime_for(self.created)  # provisional until the receipt
        self.state, self.previous_state = "draft", ""
        self.step_index = 0
        self.events: list = []
        self.prev_hash = ""
        self.current_agency = None if birth.channel == "online" else birth.receiving.id
        self.current_officer: tuple[int, str] | None = None
        self.records: list[list] = []
        self.open_pause: list | None = None
        self.closed_pauses: list[tuple[datetime, datetime]] = []
        self.due = self.clock = None
        self.received_at = self.submitted_at = self.decided_at = None
        self.returned_at = self.ended_at = self.paused_since = None
        self.supplements = self.reception_supplements = 0
        self.extended = False
        self.extension = timedelta(0)
        self.result_kind = self.result_note = self.delivery_method = self.delivered_to = ""
        self.updated = self.created

    # -- recording, as services._Operation.finish and append_event do -------------------------

    def emit(self, action, at, kind, actor, agency_id, to_state, to_step, data):
        """Append one event; _Cut if it would happen after the end. Call before changing state.

        `to_step` is the step index after the action (None before the receipt)."""
        if at > self.w.as_of:
            raise _Cut
        received = self.received_at is not None
        regime = self.regime if received else _regime_for(at)
        data = {
            **self.w.meta(
                action,
                kind,
                self.state,
                self.previous_state,
                self.paused_since is not None,
                self.b.channel,
                received,
                regime,
            ),
            **data,
        }
        actor_id, actor_name = actor if actor else (None, "")
        from_step = min(self.step_index, self.proc.decision_steps - 1) if received else None
        seq = len(self.events) + 1
        payload = event_payload(
            dossier_id=self.id,
            seq=seq,
            at=at,
            action=action,
            actor_id=actor_id,
            role=kind,
            agency_id=agency_id,
            from_state=self.state,
            to_state=to_state,
            from_step=from_step,
            to_step=to_step,
            note="",
            data=data,
        )
        digest = compute_hash(self.prev_hash, payload)
        self.events.append(
            (
                self.id,
                seq,
                at,
                action,
                actor_id,
                actor_name,
                kind,
                agency_id,
                self.state,
                to_state,
                from_step,
                to_step,
                "",
                data,
                self.prev_hash,
                digest,
            )
        )
        self.prev_hash = digest
        self.state, self.updated = to_state, at

    def add(self, start: datetime, amount: timedelta) -> datetime:
        return add_working_time(self.cal, start, amount)

    def staff(self, agency_id: int, role: str) -> tuple[int, str]:
        return self.w.officer(self.rng, agency_id, role)

    def step_due(self, index: int) -> datetime:
        """services._step_due: the cumulative durations from the clock start, minus pauses,
        plus the apology's extra working time once extended."""
        due = add_working_time(
            self.cal, self.clock, self.proc.cumulative[index], self.closed_pauses
        )
        if self.extended:
            due = add_working_time(self.cal, due, self.extension)
        return due

    def start_record(self, index: int, agency_id: int, officer, at: datetime) -> None:
        self.records.append(
            [
                self.id,
                index,
                self.proc.steps[index].name[:255],
                self.proc.steps[index].role,
                agency_id,
                officer[0] if officer else None,
                at,
                self.step_due(index),
                None,
                "",
                "",
            ]
        )

    def close_record(self, at: datetime, actor, handed_to: str = "", note: str = "") -> None:
        if self.records and self.records[-1][8] is None:
            record = self.records[-1]
            record[5] = record[5] or (actor[0] if actor else None)
            record[8], record[9], record[10] = at, handed_to[:255], note

    def end_pause(self, at: datetime) -> tuple[datetime, datetime] | None:
        pause, self.open_pause = self.open_pause, None
        if pause is None:
            return None
        pause[3] = at
        if pause[2] >= (self.received_at or pause[2] + timedelta(1)):
            self.closed_pauses.append((pause[2], at))  # services._clock_pauses
        return pause[2], at

    def resume_clock(self, pause) -> dict:
        """services._resume_clock: the due time (and the open step's) move by the paused time."""
        self.paused_since = None
        if pause is None or self.due is None:
            return {}
        paused = working_time_between(self.cal, pause[0], pause[1])
        if paused > timedelta(0):
            self.due = add_working_time(self.cal, self.due, paused)
            if self.records and self.records[-1][8] is None:
                self.records[-1][7] = add_working_time(self.cal, self.records[-1][7], paused)
        return {"paused_seconds": int(paused.total_seconds()), "due_at": _iso(self.due)}

    def end(self, at: datetime, actor, reason: str) -> None:
        """services._end: a final state before a decision."""
        self.ended_at = at
        self.previous_state = ""
        self.paused_since = None
        self.current_officer = None
        self.end_pause(at)
        self.close_record(at, actor, note=reason)

    # -- the actions ------------------------------------------------------------------------------

    def submit(self, at):
        b = self.b
        self.emit(
            "submit",
            at,
            "applicant",
            self.user,
            None,
            "submitted",
            None,
            {"code": b.code, "attachments": []},
        )
        self.submitted_at = at
        self.current_agency = b.receiving.id

    def accept(self, at, clerk):
        b, proc = self.b, self.proc
        clock = clock_start(self.cal, at, proc.cutoff)
        if proc.in_days:
            due = add_working_days(self.cal, clock, proc.time_value)
        else:
            due = add_working_hours(self.cal, clock, proc.time_value)
        regime = _regime_for(at)
        self.emit(
            "accept",
            at,
            "receptionist",
            clerk,
            b.receiving.id,
            "processing",
            0,
            {
                "code": b.code,
                "received_at": _iso(at),
                "due_at": _iso(due),
                "regime": regime,
                "checklist": [],
                "attachments": [],
            },
        )
        self.received_at, self.regime, self.clock, self.due = at, regime, clock, due
        agency = self.route[0]
        officer = (
            clerk
            if (agency.id == b.receiving.id and proc.steps[0].role == "receptionist")
            else None
        )
        self.step_index = 0
        self.current_agency, self.current_officer = agency.id, officer
        self.start_record(0, agency.id, officer, at)

    def request_supplement(self, at, actor, agency_id, items):
        processing = self.state == "processing"
        self.emit(
            "request_supplement",
            at,
            "receptionist" if not processing else self.proc.steps[self.step_index].role,
            actor,
            agency_id,
            "supplementing",
            self.step_index if self.received_at else None,
            {"items": items},
        )
        self.previous_state = "processing" if processing else "submitted"
        if processing:
            self.supplements += 1
            self.paused_since = at
        else:
            self.reception_supplements += 1
        self.open_pause = [self.id, "supplement", at, None, items]
        self.rows.pauses.append(self.open_pause)

    def supplement(self, at, actor, agency_id):
        kind = "applicant" if actor is self.user else "receptionist"
        back_to = self.previous_state
        step = self.step_index if self.received_at else None
        # The due time moves only if the clock was stopped; the event carries the new one.
        probe = list(self.open_pause) if self.open_pause else None
        data: dict = {"attachments": []}
        if back_to == "processing" and probe is not None:
            paused = working_time_between(self.cal, probe[2], at)
            due = (
                add_working_time(self.cal, self.due, paused) if paused > timedelta(0) else self.due
            )
            data.update(paused_seconds=int(paused.total_seconds()), due_at=_iso(due))
        self.emit("supplement", at, kind, actor, agency_id, back_to, step, data)
        pause = self.end_pause(at)
        if back_to == "processing":
            self.resume_clock(pause)
        self.previous_state = ""

    def refuse(self, at, clerk, reason):
        self.emit(
            "refuse",
            at,
            "receptionist",
            clerk,
            self.b.receiving.id,
            "refused",
            None,
            {"reason": reason},
        )
        self.end(at, clerk, reason)

    def forward(self, at, actor, officer):
        index = self.step_index + 1
        agency = self.route[index]
        self.emit(
            "forward",
            at,
            self.proc.steps[self.step_index].role,
            actor,
            self.current_agency,
            "processing",
            index,
            {"agency": agency.id, "officer": officer[0] if officer else None},
        )
        self.hand_over(at, actor, index, agency.id, officer)

    def hand_over(self, at, actor, index, agency_id, officer, note=""):
        agency_name = self.w.agencies[agency_id].name
        self.close_record(at, actor, handed_to=officer[1] if officer else agency_name, note=note)
        self.step_index = index
        self.current_agency, self.current_officer = agency_id, officer
        self.start_record(index, agency_id, officer, at)

    def send_back(self, at, actor, reason):
        index = self.step_index - 1
        before = next(r for r in reversed(self.records) if r[1] == index)
        agency_id = before[4]
        officer = (before[5], self._name_of(before[5], agency_id)) if before[5] else None
        self.emit(
            "send_back",
            at,
            self.proc.steps[self.step_index].role,
            actor,
            self.current_agency,
            "processing",
            index,
            {"reason": reason, "agency": agency_id, "officer": before[5]},
        )
        self.hand_over(at, actor, index, agency_id, officer, note=reason)

    def _name_of(self, user_id: int, agency_id: int) -> str:
        for role in ("receptionist", "specialist", "leader"):
            for pk, name in self.w.staff.get((agency_id, role), ()):
                if pk == user_id:
                    return name
        return ""

    def assign(self, at, leader, officer):
        self.emit(
            "assign",
            at,
            "leader",
            leader,
            self.current_agency,
            "processing",
            self.step_index,
            {"officer": officer[0], "officer_name": officer[1]},
        )
        self.current_officer = officer
        if self.records and self.records[-1][8] is None:
            self.records[-1][5] = officer[0]

    def request_payment(self, at, actor, amount):
        lines = [{"name": PAYMENT_ITEM, "amount": amount}]
        self.emit(
            "request_payment",
            at,
            self.proc.steps[self.step_index].role,
            actor,
            self.current_agency,
            "awaiting_payment",
            self.step_index,
            {"amount": amount, "items": lines},
        )
        self.open_pause = [self.id, "payment", at, None, lines]
        self.rows.pauses.append(self.open_pause)
        self.paused_since = at

    def pay(self, at, actor, agency_id, amount):
        kind = "applicant" if actor is self.user else "receptionist"
        paused = working_time_between(self.cal, self.open_pause[2], at)
        due = add_working_time(self.cal, self.due, paused) if paused > timedelta(0) else self.due
        self.emit(
            "pay",
            at,
            kind,
            actor,
            agency_id,
            "processing",
            self.step_index,
            {
                "amount": amount,
                "receipt_number": "",
                "attachments": [],
                "paused_seconds": int(paused.total_seconds()),
                "due_at": _iso(due),
            },
        )
        self.resume_clock(self.end_pause(at))

    def extend(self, at, actor, new_due, reason):
        self.emit(
            "extend",
            at,
            self.proc.steps[self.step_index].role,
            actor,
            self.current_agency,
            "processing",
            self.step_index,
            {"reason": reason, "previous_due_at": _iso(self.due), "due_at": _iso(new_due)},
        )
        self.rows.apologies.append((self.id, reason, self.due, new_due, at, actor[0]))
        # services.extend: the open step and the steps to come move by the extra working time.
        self.extension = working_time_between(self.cal, self.due, new_due)
        if self.records and self.records[-1][8] is None:
            self.records[-1][7] = add_working_time(self.cal, self.records[-1][7], self.extension)
        self.due, self.extended = new_due, True

    def decide(self, at, leader, action, reason=""):
        """approve / deny (services._decide): the open step closes; the return step opens."""
        result = "approved" if action == "approve" else "denied"
        data = {"result": result, "attachments": []}
        if action == "deny":
            data["reason"] = reason
        self.emit(
            action, at, "leader", leader, self.current_agency, "decided", self.step_index, data
        )
        self.decided_at, self.result_kind, self.result_note = at, result, reason
        last = len(self.proc.steps) - 1
        returning = self.proc.decision_steps < len(self.proc.steps)
        agency = self.route[last] if returning else None
        self.close_record(at, leader, handed_to=agency.name if agency else "")
        self.current_officer = None
        if agency is not None:
            self.current_agency = agency.id
            self.start_record(last, agency.id, None, at)

    def deliver(self, at, clerk, method, recipient):
        self.emit(
            "deliver",
            at,
            "receptionist",
            clerk,
            self.b.receiving.id,
            "returned",
            self.step_index,
            {"method": method, "delivered_to": recipient},
        )
        self.returned_at, self.delivery_method, self.delivered_to = at, method, recipient
        self.current_officer = None
        self.close_record(at, clerk, handed_to=recipient)

    def stop(self, at, clerk, reason):
        self.emit(
            "stop",
            at,
            "receptionist",
            clerk,
            self.b.receiving.id,
            "stopped",
            self.step_index,
            {"reason": reason},
        )
        self.end(at, clerk, reason)

    def withdraw(self, at, reason):
        step = self.step_index if self.received_at else None
        self.emit(
            "withdraw", at, "applicant", self.user, None, "withdrawn", step, {"reason": reason}
        )
        self.end(at, self.user, reason)

    # -- the story --------------------------------------------------------------------------------

    def run(self) -> None:
        try:
            self._story()
        except _Cut:
            pass

    def _story(self) -> None:
        b, rng = self.b, self.rng
        if b.channel == "online":
            if b.draft:
                return
            self.submit(b.at)
            if not self._reception(b.at):
                return
        else:
            clerk = self.staff(b.receiving.id, "receptionist")
            if b.refused_at_counter:
                self.refuse(b.at, clerk, REFUSAL_REASONS[int(rng.random() * 3)])
                return
            self.accept(b.at, clerk)
        self._processing()

    def _reception(self, submitted: datetime) -> bool:
        """An online dossier in the center's queue until accepted; False if it ends there."""
        b, rng = self.b, self.rng
        r = rng.random()
        delay = (
            rng.uniform(0.1, 4.0)
            if r < 0.85
            else rng.uniform(4, 24)
            if r < 0.98
            else (rng.uniform(24, 60))
        )
        at = self.add(submitted, _hours(delay))
        clerk = self.staff(b.receiving.id, "receptionist")
        fate = rng.random()
        if fate < 0.003:
            withdraw_at = submitted + timedelta(hours=rng.uniform(0.5, 30))
            if withdraw_at < at:
                self.withdraw(withdraw_at, WITHDRAW_REASONS[int(rng.random() * 4)])
                return False
        if fate < 0.033:
            self.refuse(at, clerk, REFUSAL_REASONS[int(rng.random() * len(REFUSAL_REASONS))])
            return False
        if fate < 0.083:
            self.request_supplement(at, clerk, b.receiving.id, self._missing_items())
            if rng.random() < 0.2:  # never supplemented: refused after the waiting time
                late = self.add(
                    (at + timedelta(days=rng.uniform(15, 30))).replace(hour=6),
                    timedelta(minutes=30),
                )
                self.refuse(late, clerk, REFUSAL_REASONS[1])
                return False
            back = at + timedelta(days=rng.uniform(0.5, 10))
            self.supplement(back, self.user, None)
            at = self.add(back, _hours(rng.uniform(0.2, 8)))
        self.accept(at, clerk)
        return True

    def _missing_items(self) -> list[str]:
        docs = self.proc.documents or ["Giấy tờ tùy thân"]
        count = 1 if len(docs) == 1 or self.rng.random() < 0.7 else 2
        first = int(self.rng.random() * len(docs))
        return [f"Bổ sung: {docs[(first + i) % len(docs)][:200]}" for i in range(count)]

    def _processing(self) -> None:
        b, rng, proc = self.b, self.rng, self.proc
        steps = proc.steps
        decision = proc.decision_steps - 1  # approve (or deny) here
        # How long the work takes, as a share of the legal time (> 1: late).
        r = rng.random()
        if r < 0.55:
            factor = rng.uniform(0.15, 0.7)
        elif r < 0.90:
            factor = rng.uniform(0.7, 0.97)
        elif r < 0.955:
            factor = rng.uniform(0.97, 1.0)
        else:
            factor = rng.uniform(1.03, 2.5)
        noise = [rng.uniform(0.6, 1.4) for _ in range(decision + 1)]
        weights = [float(steps[k].hours) * noise[k] for k in range(decision + 1)]
        total = sum(weights) or 1.0
        budget_h = proc.budget.total_seconds() / 3600
        work = [_hours(budget_h * factor * w / total) for w in weights]

        workers = [k for k in range(decision + 1) if steps[k].role != "receptionist"] or [decision]
        first_work = workers[0]
        specialists = [k for k in range(decision + 1) if steps[k].role == "specialist"]
        leaders = [k for k in range(1, decision) if steps[k].role == "leader"]
        online = b.channel == "online"
        event = rng.random()
        stall = int(rng.random() * (decision + 1)) if event < 0.004 else None  # stuck for weeks
        withdraw = int(rng.random() * (decision + 1)) if online and 0.004 <= event < 0.011 else None
        stop = first_work if 0.011 <= event < 0.014 else None
        deny = decision if 0.014 <= event < 0.03 else None
        # Only receptionists and specialists may ask for supplements (lifecycle RULES).
        supplement = specialists[0] if specialists and rng.random() < 0.06 else None
        payment = workers[-1] if proc.field in PAYMENT_FIELDS and rng.random() < 0.3 else None
        send_back = leaders[-1] if leaders and rng.random() < 0.02 else None
        apologise = rng.random() < 0.65

        t = self.received_at
        k, redo = 0, False  # redo: the step again after a send-back (shorter, no one-off events)
        while True:
            if self.current_officer is None:  # the leader of the step's agency assigns it
                t = self.add(t, _hours(rng.uniform(0.05, 1.0)))
                boss = self.staff(self.current_agency, "leader")
                self.assign(t, boss, self.staff(self.current_agency, steps[k].role))
            if k >= 1 and apologise and not self.extended:
                self._maybe_extend(t, sum(work[k:], timedelta()))
            if k == stall:
                # Nobody acts for weeks: open and overdue in the meantime, then late.
                stall = None
                t = self.add(t, self.cal.day_length * rng.uniform(10, 120))
            todo = work[k] * (0.3 if redo else 1.0)
            if k == withdraw:
                self.withdraw(
                    self.add(t, todo * rng.random()), WITHDRAW_REASONS[int(rng.random() * 4)]
                )
                return
            if k == supplement:
                supplement = None
                t, todo = self._supplement(t, todo)
            if k == payment:
                payment = None
                t, todo = self._payment(t, todo)
            if k == stop:
                self.stop(
                    self.add(t, todo * rng.random()),
                    self.staff(b.receiving.id, "receptionist"),
                    STOP_REASONS[int(rng.random() * len(STOP_REASONS))],
                )
                return
            done = self.add(t, todo)
            if k == decision or k == deny:
                leader = self.staff(self.current_agency, "leader")
                if k == deny:
                    self.decide(
                        done, leader, "deny", DENY_REASONS[int(rng.random() * len(DENY_REASONS))]
                    )
                else:
                    self.decide(done, leader, "approve")
                self._deliver(done)
                return
            if k == send_back:
                send_back = None
                self.send_back(done, self.current_officer, SEND_BACK_REASONS[int(rng.random() * 2)])
                t, k, redo = done, k - 1, True
                continue
            # Usually forwarded to a named officer; else the next step's leader assigns it.
            nxt = (
                self.staff(self.route[k + 1].id, steps[k + 1].role) if rng.random() < 0.7 else None
            )
            self.forward(done, self.current_officer, nxt)
            t, k, redo = done, k + 1, False

    def _maybe_extend(self, t: datetime, remaining: timedelta) -> None:
        """Form 04 when the rest of the work will not fit, if a working day is still left."""
        left = working_time_between(self.cal, t, self.due)
        if remaining <= left or left < self.cal.day_length:
            return
        new_due = self.add(t, remaining * self.rng.uniform(1.05, 1.3) + _hours(4))
        reason = EXTEND_REASONS[int(self.rng.random() * len(EXTEND_REASONS))]
        self.extend(t, self.current_officer, new_due, reason)

    def _supplement(self, t: datetime, todo: timedelta) -> tuple[datetime, timedelta]:
        rng, b = self.rng, self.b
        split = rng.uniform(0.1, 0.6)
        at = self.add(t, todo * split)
        self.request_supplement(
            at, self.current_officer, self.current_agency, self._missing_items()
        )
        clerk = self.staff(b.receiving.id, "receptionist")
        if rng.random() < 0.1:  # never came back: stopped after the waiting time
            late = self.add(at + timedelta(days=rng.uniform(30, 60)), _hours(0.5))
            self.stop(late, clerk, STOP_REASONS[0])
            raise _Cut
        back = at + timedelta(days=rng.uniform(1, 15))
        if b.channel == "online":
            self.supplement(back, self.user, None)
        else:  # at the counter, in working time
            back = self.add(back, timedelta())
            self.supplement(back, clerk, b.receiving.id)
        return back, todo * (1 - split)

    def _payment(self, t: datetime, todo: timedelta) -> tuple[datetime, timedelta]:
        rng, b = self.rng, self.b
        split = rng.uniform(0.5, 0.9)
        at = self.add(t, todo * split)
        amount = int(rng.uniform(2, 200)) * 1_000_000
        self.request_payment(at, self.current_officer, amount)
        paid = at + timedelta(days=rng.uniform(1, 10))
        if b.channel == "online":
            self.pay(paid, self.user, None, amount)
        else:  # at the cashier of the receiving center
            paid = self.add(paid, timedelta())
            self.pay(paid, self.staff(b.receiving.id, "receptionist"), b.receiving.id, amount)
        return paid, todo * (1 - split)

    def _deliver(self, decided: datetime) -> None:
        rng, b = self.rng, self.b
        r = rng.random()
        if r < 0.005:
            return  # never collected: stays decided
        if b.channel == "online":
            method = "online" if r < 0.62 else "counter" if r < 0.87 else "post"
        else:
            method = "counter" if r < 0.85 else "post"
        if method == "online":
            at = self.add(decided, _hours(rng.uniform(0.01, 2)))
        elif method == "post":
            at = self.add(decided, _hours(rng.uniform(4, 24)))
        else:
            at = self.add(decided, _hours(rng.expovariate(1 / 12)))
        recipient = self.applicant_name if method == "counter" else ""
        self.deliver(at, self.staff(b.receiving.id, "receptionist"), method, recipient)


def _applicant(world: World, rng: random.Random, proc: Proc, citizen: Citizen | None) -> dict:
    commune_id, commune_name = world.communes[int(rng.random() * len(world.communes))]
    address = f"Số {1 + int(rng.random() * 300)} đường {STREETS[int(rng.random() * len(STREETS))]}"
    address = ", ".join(x for x in (address, commune_name, world.province_name) if x)
    phone = f"0{'398'[int(rng.random() * 3)]}{int(rng.random() * 1e8):08d}"
    rep = ("", "", "")
    if proc.field in ENTERPRISE_FIELDS and rng.random() < 0.7:
        words = COMPANY_WORDS[int(rng.random() * len(COMPANY_WORDS))]
        trade = COMPANY_TRADES[int(rng.random() * len(COMPANY_TRADES))]
        form = "Công ty TNHH" if rng.random() < 0.7 else "Công ty cổ phần"
        kind, name, id_number = (
            "enterprise",
            f"{form} {trade} {words}",
            (f"57{int(rng.random() * 1e8):08d}"),
        )
        if citizen is not None:  # the account holder files for the company
            rep = (citizen.name, citizen.id_number, phone)
        else:
            rep_name, sex = _vn_name(rng)
            rep = (rep_name, _personal_id(rng, sex), phone)
    elif citizen is not None:
        kind, name, id_number = "citizen", citizen.name, citizen.id_number
    else:
        kind = "citizen"
        name, sex = _vn_name(rng)
        id_number = _personal_id(rng, sex)
        if rng.random() < 0.08:
            rep_name, rep_sex = _vn_name(rng)
            rep = (rep_name, _personal_id(rng, rep_sex), f"09{int(rng.random() * 1e8):08d}")
    email = ""
    if citizen is not None and rng.random() < 0.4:
        from motcua.common.text import fold

        email = f"{fold(name).replace(' ', '.')[:30]}{int(rng.random() * 100)}@example.vn"
    return {
        "kind": kind,
        "name": name,
        "id_number": id_number,
        "phone": phone,
        "email": email,
        "address": address[:500],
        "commune": commune_id,
        "rep": rep,
    }


def generate_day(world: World, day: date, n: int, first_id: int, rows: Rows) -> None:
    """Every dossier born on `day`, appended to `rows` (no I/O)."""
    from motcua.common.text import fold
    from motcua.dossiers.codes import SECRET_ALPHABET

    births, sequences = births_of_day(world, day, n, first_id)
    for agency_id, last in sorted(sequences.items()):
        rows.sequences.append((agency_id, day, last))
    rng = random.Random(world.seed * 7_919 + day.toordinal() * 104_729 + 1)
    for b in births:
        online = b.channel == "online"
        citizen = world.citizens[int(rng.random() * len(world.citizens))] if online else None
        applicant = _applicant(world, rng, b.proc, citizen)
        life = Life(world, rng, b, rows, citizen)
        life.applicant_name = applicant["name"]
        life.run()
        rows.events.extend(life.events)
        rows.steps.extend(life.records)
        rep_name, rep_id, rep_phone = applicant["rep"]
        creator = life.user if online else (life.events[0][4:6] if life.events else None)
        rows.dossiers.append(
            (
                b.dossier_id,
                uuid.UUID(int=rng.getrandbits(128), version=4),
                b.code,
                "".join(rng.choices(SECRET_ALPHABET, k=10)),
                b.proc.id,
                b.proc.version_id,
                life.regime,
                b.channel,
                applicant["kind"],
                applicant["name"],
                applicant["id_number"],
                applicant["phone"],
                applicant["email"],
                applicant["address"],
                applicant["commune"],
                rep_name,
                rep_id,
                rep_phone,
                citizen.user_id if citizen else None,
                b.receiving.id,
                b.competent.id,
                life.current_agency,
                life.state,
                life.previous_state,
                life.step_index,
                life.current_officer[0] if life.current_officer else None,
                life.supplements,
                life.reception_supplements,
                life.extended,
                life.paused_since,
                life.created,
                life.submitted_at,
                life.received_at,
                life.due,
                life.decided_at,
                life.returned_at,
                life.ended_at,
                life.result_kind,
                life.result_note,
                life.delivery_method,
                life.delivered_to,
                creator[0] if creator else None,
                life.updated,
                len(life.events),
                fold(f"{b.code or ''} {applicant['name']} {applicant['id_number']}")[:600],
            )
        )


# --- writing ---------------------------------------------------------------------------------------

COLUMNS = {
    "dossiers_dossier": (
        "id",
        "public_id",
        "code",
        "tracking_secret",
        "procedure_id",
        "procedure_version_id",
        "regime",
        "channel",
        "applicant_kind",
        "applicant_name",
        "applicant_id_number",
        "applicant_phone",
        "applicant_email",
        "applicant_address",
        "applicant_commune_id",
        "representative_name",
        "representative_id_number",
        "representative_phone",
        "applicant_user_id",
        "receiving_agency_id",
        "competent_agency_id",
        "current_agency_id",
        "state",
        "previous_state",
        "step_index",
        "current_officer_id",
        "supplement_requests",
        "reception_supplement_requests",
        "extended",
        "paused_since",
        "created_at",
        "submitted_at",
        "received_at",
        "due_at",
        "decided_at",
        "returned_at",
        "ended_at",
        "result_kind",
        "result_note",
        "delivery_method",
        "delivered_to",
        "created_by_id",
        "updated_at",
        "version",
        "search_folded",
    ),
    "dossiers_event": (
        "dossier_id",
        "seq",
        "at",
        "action",
        "actor_id",
        "actor_name",
        "role",
        "agency_id",
        "from_state",
        "to_state",
        "from_step",
        "to_step",
        "note",
        "data",
        "prev_hash",
        "hash",
    ),
    "dossiers_steprecord": (
        "dossier_id",
        "index",
        "name",
        "role",
        "agency_id",
        "officer_id",
        "started_at",
        "due_at",
        "finished_at",
        "handed_to",
        "note",
    ),
    "dossiers_pause": ("dossier_id", "kind", "started_at", "ended_at", "items"),
    "dossiers_apology": (
        "dossier_id",
        "reason",
        "previous_due_at",
        "new_due_at",
        "created_at",
        "created_by_id",
    ),
    "dossiers_codesequence": ("agency_id", "day", "last"),
}
ROW_LISTS = {
    "dossiers_dossier": "dossiers",
    "dossiers_event": "events",
    "dossiers_steprecord": "steps",
    "dossiers_pause": "pauses",
    "dossiers_apology": "apologies",
    "dossiers_codesequence": "sequences",
}
JSON_COLUMNS = {("dossiers_event", "data"), ("dossiers_pause", "items")}


def _models() -> dict:
    from motcua.dossiers import models as m

    return {
        "dossiers_dossier": m.Dossier,
        "dossiers_event": m.Event,
        "dossiers_steprecord": m.StepRecord,
        "dossiers_pause": m.Pause,
        "dossiers_apology": m.Apology,
        "dossiers_codesequence": m.CodeSequence,
    }


def _extra_columns(say: Callable[[str], None]) -> dict[str, list[tuple[str, object]]]:
    """Columns added to the models since COLUMNS was written: filled with their default."""
    extra: dict[str, list[tuple[str, object]]] = {}
    for table, model in _models().items():
        known = set(COLUMNS[table]) | {"id"}
        for f in model._meta.concrete_fields:
            if f.column not in known:
                default = f.get_default()
                extra.setdefault(table, []).append((f.column, default))
                say(f"note: {table}.{f.column} is not generated; written as {default!r}")
    return extra


class Writer:
    """COPY on PostgreSQL; executemany with the model fields' conversions elsewhere."""

    def __init__(self, connection, say: Callable[[str], None]):
        self.connection = connection
        self.extra = _extra_columns(say)
        self.postgres = connection.vendor == "postgresql"
        models = _models()
        self.fields = {
            table: [
                {f.column: f for f in models[table]._meta.concrete_fields}[c]
                for c in self.columns(table)
            ]
            for table in COLUMNS
        }

    def columns(self, table: str) -> tuple[str, ...]:
        return COLUMNS[table] + tuple(c for c, _ in self.extra.get(table, ()))

    def write(self, rows: Rows) -> None:
        with self.connection.cursor() as cursor:
            for table, attr in ROW_LISTS.items():
                data = getattr(rows, attr)
                if data:
                    (self._copy if self.postgres else self._insert)(cursor, table, data)

    def _copy(self, cursor, table: str, data: list) -> None:
        columns = self.columns(table)
        json_at = [i for i, c in enumerate(columns) if (table, c) in JSON_COLUMNS]
        tail = [value for _c, value in self.extra.get(table, ())]
        dumps = json.dumps
        sql = f"COPY {table} ({', '.join(_quote(c) for c in columns)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            write = copy.write_row
            if json_at or tail:
                for row in data:
                    row = [*row, *tail]
                    for i in json_at:
                        row[i] = dumps(row[i], ensure_ascii=False)
                    write(row)
            else:
                for row in data:
                    write(row)

    def _insert(self, cursor, table: str, data: list) -> None:
        columns = self.columns(table)
        fields = self.fields[table]
        tail = tuple(value for _c, value in self.extra.get(table, ()))
        prepared = [
            [
                None if v is None else f.get_db_prep_save(v, self.connection)
                for f, v in zip(fields, (*row, *tail), strict=True)
            ]
            for row in data
        ]
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(_quote(c) for c in columns)}) VALUES ({marks})",
            prepared,
        )


def _quote(name: str) -> str:
    return f'"{name}"'


# --- indexes: kept, or dropped and rebuilt ----------------------------------------------------------


PENDING_TABLE = "bench_pending_index_ddl"


def _drop_indexes(connection) -> list[str]:
    """Drop the secondary indexes, unique and foreign-key constraints of the dossier tables
    (primary keys stay); return the DDL that rebuilds them, in a valid order.

    The DDL is also kept in a table of the same database until the rebuild is done, so that a
    run killed in between is repaired by the next one (restore_pending_indexes)."""
    tables = list(COLUMNS)
    rebuild: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype
            FROM pg_constraint
            WHERE conrelid::regclass::text = ANY(%s) AND contype IN ('f', 'u')
            ORDER BY contype DESC, conname
            """,
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = ANY(%s) AND i.schemaname = current_schema()
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            ORDER BY i.indexname
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        for table, name, _definition, _kind in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for table, name, definition, kind in constraints:
            if kind == "u":
                rebuild.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        rebuild += [definition for _name, definition in indexes]
        for table, name, definition, kind in constraints:
            if kind == "f":
                rebuild.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(f"CREATE TABLE {PENDING_TABLE} (position int PRIMARY KEY, ddl text)")
        for position, statement in enumerate(rebuild):
            cursor.execute(f"INSERT INTO {PENDING_TABLE} VALUES (%s, %s)", [position, statement])
    return rebuild


def restore_pending_indexes(connection, say: Callable[[str], None]) -> None:
    """Rebuild what an interrupted run dropped (PostgreSQL; nothing to do otherwise)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [PENDING_TABLE])
        if cursor.fetchone()[0] is None:
            return
        cursor.execute(f"SELECT ddl FROM {PENDING_TABLE} ORDER BY position")
        ddl = [row[0] for row in cursor.fetchall()]
    say(f"an earlier run was interrupted: rebuilding {len(ddl)} indexes and constraints")
    _rebuild_indexes(connection, ddl, say)


def _rebuild_indexes(connection, ddl: list[str], say: Callable[[str], None]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for statement in ddl:
            started = clock.perf_counter()
            cursor.execute(statement)
            say(f"  {clock.perf_counter() - started:6.1f} s  {statement[:100]}")
        cursor.execute(f"DROP TABLE IF EXISTS {PENDING_TABLE}")


# --- the entry point ---------------------------------------------------------------------------------


@dataclass
class Stats:
    dossiers: int = 0
    rows: Counter = field(default_factory=Counter)
    states: Counter = field(default_factory=Counter)
    channels: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    setup_seconds: float = 0.0
    generate_seconds: float = 0.0
    write_seconds: float = 0.0
    index_seconds: float = 0.0
    analyze_seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def dossier_tables_empty() -> bool:
    from motcua.dossiers.models import CodeSequence, Dossier, Event

    return not (Dossier.objects.exists() or Event.objects.exists() or CodeSequence.objects.exists())


def truncate(connection) -> None:
    from motcua.dossiers import models as m

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                # CASCADE: what other apps keep about dossiers (payments, outbox) goes too;
                # the roll-ups are derived from the events, so they are emptied with them.
                "TRUNCATE dossiers_event, dossiers_steprecord, dossiers_pause, dossiers_apology, "
                "dossiers_attachment, dossiers_codesequence, dossiers_dossier, "
                "metrics_dailyrollup, metrics_monthlyrollup RESTART IDENTITY CASCADE"
            )
        return
    for model in (
        m.Event,
        m.StepRecord,
        m.Pause,
        m.Apology,
        m.Attachment,
        m.CodeSequence,
        m.Dossier,
    ):
        model.objects.all()._raw_delete(model.objects.db)


def chunks(plan: list[tuple[date, int]], size: int) -> Iterable[list[tuple[date, int, int]]]:
    """Runs of consecutive days of about `size` dossiers, with each day's first dossier id."""
    group: list[tuple[date, int, int]] = []
    in_group, next_id = 0, 1
    for day, n in plan:
        group.append((day, n, next_id))
        next_id += n
        in_group += n
        if in_group >= size:
            yield group
            group, in_group = [], 0
    if group:
        yield group


def as_of_for(end: date) -> datetime:
    """The dataset's "now": the end of the last day, Vietnam time."""
    return datetime.combine(end, time(23, 59, 59), VN_TZ)


def prepare_world(count: int, seed: int, end: date) -> World:
    ensure_bench_staff(seed)
    return load_world(seed, count, as_of_for(end))


def _chunk(world: World, writer: Writer, group: list[tuple[date, int, int]]) -> dict:
    """Generate and write one run of days in one transaction; return its counts and timings."""
    from django.db import transaction

    t0 = clock.perf_counter()
    rows = Rows()
    for day, n, first_id in group:
        if n:
            generate_day(world, day, n, first_id, rows)
    t1 = clock.perf_counter()
    with transaction.atomic():
        writer.write(rows)
    return {
        "last_day": group[-1][0],
        "dossiers": len(rows.dossiers),
        "rows": Counter({table: len(getattr(rows, attr)) for table, attr in ROW_LISTS.items()}),
        "states": Counter(row[22] for row in rows.dossiers),
        "channels": Counter(row[7] for row in rows.dossiers),
        "generate": t1 - t0,
        "write": clock.perf_counter() - t1,
    }


# A worker process's world and writer: the world is built once in the parent and inherited
# by fork; each worker opens its own database connection on first use.
_WORKER: dict = {}


def _worker_chunk(group) -> dict:
    from django.db import connection

    if "writer" not in _WORKER:
        _session_settings(connection)
        _WORKER["writer"] = Writer(connection, lambda _line: None)
    return _chunk(_WORKER["world"], _WORKER["writer"], group)


def _session_settings(connection) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # A bench load: a chunk's commit need not wait for the disk.
            cursor.execute("SET synchronous_commit = off")


def generate(
    count: int,
    seed: int = 1,
    start: date = DEFAULT_START,
    end: date = DEFAULT_END,
    chunk_size: int = CHUNK_DOSSIERS,
    rebuild_indexes: bool = True,
    jobs: int = 1,
    progress: Callable[[str], None] | None = None,
) -> Stats:
    """Generate `count` dossiers into the default database, whose dossier tables are empty.

    With `jobs` > 1 (PostgreSQL only), worker processes each generate and COPY whole chunks, so
    that Python's generation overlaps with PostgreSQL's ingestion. `rebuild_indexes` (PostgreSQL
    only): drop the secondary indexes and constraints while loading and rebuild them after,
    which measured faster at 1 M (docs/benchmarks.md).
    """
    from django.core.management.color import no_style
    from django.db import connection, connections, transaction

    say = progress or (lambda _line: None)
    restore_pending_indexes(connection, say)
    if not dossier_tables_empty():
        raise RuntimeError("the dossier tables are not empty (use --truncate)")
    started = clock.perf_counter()
    world = prepare_world(count, seed, end)
    plan = plan_days(count, start, end, world.default_calendar)
    writer = Writer(connection, say)
    stats = Stats(setup_seconds=clock.perf_counter() - started)
    say(
        f"setup (staff, {len(world.citizens):,} applicant accounts, catalog, calendars): "
        f"{stats.setup_seconds:.1f} s"
    )
    postgres = connection.vendor == "postgresql"
    jobs = max(1, jobs) if postgres else 1
    ddl: list[str] = []
    if rebuild_indexes and postgres and connection.in_atomic_block:
        # Inside a caller's transaction (tests): DDL on tables with pending trigger events is
        # refused, and the point of rebuilding (short chunk transactions) is lost anyway.
        rebuild_indexes = False
    if rebuild_indexes and postgres:
        with transaction.atomic():
            ddl = _drop_indexes(connection)
        say(f"dropped {len(ddl)} indexes and constraints of the dossier tables")

    def account(result: dict) -> None:
        stats.dossiers += result["dossiers"]
        stats.rows.update(result["rows"])
        stats.states.update(result["states"])
        stats.channels.update(result["channels"])
        stats.generate_seconds += result["generate"]
        stats.write_seconds += result["write"]
        elapsed = clock.perf_counter() - started
        say(
            f"{result['last_day']}  {stats.dossiers:>10,}/{count:,} dossiers  "
            f"{stats.total_rows:>12,} rows  {stats.total_rows / elapsed:>9,.0f} rows/s"
        )

    try:
        groups = list(chunks(plan, chunk_size))
        if jobs == 1:
            _session_settings(connection)
            for group in groups:
                account(_chunk(world, writer, group))
        else:
            connections.close_all()  # each worker opens its own connection
            _WORKER.clear()
            _WORKER["world"] = world
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                for result in pool.imap_unordered(_worker_chunk, groups):
                    account(result)
    finally:
        if ddl:
            t0 = clock.perf_counter()
            say("rebuilding indexes and constraints:")
            _rebuild_indexes(connection, ddl, say)
            stats.index_seconds = clock.perf_counter() - t0
    from motcua.dossiers import models as m

    statements = connection.ops.sequence_reset_sql(
        no_style(), [m.Dossier, m.Event, m.StepRecord, m.Pause, m.Apology, m.CodeSequence]
    )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        if postgres:
            t0 = clock.perf_counter()
            for table in COLUMNS:
                cursor.execute(f"ANALYZE {table}")
            stats.analyze_seconds = clock.perf_counter() - t0
            say(f"analyzed in {stats.analyze_seconds:.1f} s")
    stats.seconds = clock.perf_counter() - started
    return stats


# --- command line ------------------------------------------------------------------------------------


def _ensure_database(url: str) -> None:
    """Create the PostgreSQL database of `url` if it does not exist."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        return
    admin = dict(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
    )
    with psycopg.connect(**admin, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{config["NAME"]}"')
            print(f"created database {config['NAME']}")


def ensure_demo(say: Callable[[str], None] = print) -> None:
    """Migrate; load the demo province and catalog if no procedure has an agency yet."""
    from django.conf import settings
    from django.core.management import call_command

    from motcua.catalog.models import Procedure

    call_command("migrate", verbosity=0)
    if not Procedure.objects.filter(agencies__isnull=False).exists():
        from motcua.demo import load_demo

        started = clock.perf_counter()
        result = load_demo(settings.MOTCUA_DEMO_PASSWORD)
        for line in result["lines"]:
            say(f"  {line}")
        say(f"demo province and catalog loaded in {clock.perf_counter() - started:.1f} s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--start", type=date.fromisoformat, default=DEFAULT_START)
    parser.add_argument("--end", type=date.fromisoformat, default=DEFAULT_END)
    parser.add_argument("--chunk", type=int, default=CHUNK_DOSSIERS, help="dossiers per commit")
    parser.add_argument("--truncate", action="store_true", help="empty the dossier tables first")
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="PostgreSQL: worker processes generating and writing chunks (default: cores)",
    )
    parser.add_argument(
        "--keep-indexes",
        action="store_true",
        help="PostgreSQL: load into the indexed tables (default: drop secondary indexes and "
        "constraints, load, rebuild them, which is faster)",
    )
    args = parser.parse_args(argv)
    if args.end < args.start:
        parser.error("--end is before --start")

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("SECRET_KEY", "bench-" + os.urandom(16).hex())
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "motcua.settings"
    _ensure_database(args.database_url)
    import django

    django.setup()
    from django.db import connection

    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}; "
        f"{os.cpu_count()} cores; load {os.getloadavg()[0]:.2f}; seed {args.seed}; "
        f"{args.start} … {args.end}; jobs {args.jobs}"
    )
    ensure_demo()
    restore_pending_indexes(connection, print)
    if args.truncate:
        truncate(connection)
    elif not dossier_tables_empty():
        print("the dossier tables are not empty: pass --truncate to replace their content")
        return 2
    stats = generate(
        args.count,
        seed=args.seed,
        start=args.start,
        end=args.end,
        chunk_size=args.chunk,
        rebuild_indexes=not args.keep_indexes,
        jobs=args.jobs,
        progress=print,
    )
    print(
        f"done: {stats.dossiers:,} dossiers, {stats.total_rows:,} rows in {stats.seconds:.1f} s "
        f"({stats.total_rows / stats.seconds:,.0f} rows/s, "
        f"{stats.dossiers / stats.seconds:,.0f} dossiers/s); setup {stats.setup_seconds:.1f} s, "
        f"generate {stats.generate_seconds:.1f} s, write {stats.write_seconds:.1f} s"
        + (f", indexes {stats.index_seconds:.1f} s" if stats.index_seconds else "")
        + f", analyze {stats.analyze_seconds:.1f} s"
    )
    print("rows: " + ", ".join(f"{t} {n:,}" for t, n in stats.rows.items()))
    total = max(1, stats.dossiers)
    print("states: " + ", ".join(f"{s} {n / total:.1%}" for s, n in stats.states.most_common()))
    print("channels: " + ", ".join(f"{c} {n / total:.1%}" for c, n in stats.channels.most_common()))
    print(f"load average now: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
