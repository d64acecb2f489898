"""Reads of the metrics app: indicator values, the QĐ 766 index, extra sessions, drill-down.

Stable API for dashboards and exports (all dates are local days in Asia/Ho_Chi_Minh, inclusive):

- `indicator_values(start, end, *, agencies, procedure, field, group_by, now)` → {"from", "to",
  "group_by", "reference_time", "definitions", "total", "rows"}; each row has its `group`
  (key and label), the summed `counters` and the `indicators` ({code: {value, numerator,
  denominator, flag}}).
- `index_values(start, end, *, agencies, group_by, now)` → the QĐ 766 index per group with
  groups, points, thresholds, total out of 100 and a `rank` (best first).
- `extra_sessions(start, end, *, agencies)` → dossiers per extra session vs per normal day.
- `dossiers_behind(code, start, end, ...)` → the Dossier queryset behind a number.

`agencies` is a set of agency ids the caller may see (None: all); a roll-up row belongs to an
agency set when its competent agency **or** its receiving agency is in it (an officer of a
center sees what the center received, a department what it decides). Scope the set with
`scope_for(user, agency_code)` first. `group_by` "agency" groups by the competent agency,
"commune" by the competent agency's administrative unit.

Flows (received, resolved, …) come from the daily roll-ups; the open dossiers (not yet due /
overdue) are a snapshot read from the dossiers table at the reference time `now`, with the
(state, due_at) indexes: it is given when the period contains today, and flagged
`snapshot_not_applicable` for a past period (the history of due times is not kept).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from motcua.agencies.models import AdministrativeUnit, Agency
from motcua.agencies.selectors import agency_by_e_id, agency_scope, descendant_ids
from motcua.catalog.models import Fee, Field, OnlineLevel, Procedure, RequiredDocument
from motcua.dossiers.lifecycle import Action, Channel, State
from motcua.dossiers.models import (
    OPEN_RECEIVED_STATES,
    Attachment,
    AttachmentKind,
    Dossier,
    Event,
)
from motcua.dossiers.regimes import local_date
from motcua.worktime.deadlines import VN_TZ, is_working_day
from motcua.worktime.models import ExtraSession
from motcua.worktime.selectors import get_work_calendar

from . import conf
from .indicators import COUNTERS, SNAPSHOT_COUNTERS, Value, definitions, evaluate, rate, score_index
from .models import DailyRollup, MonthlyRollup

GROUPS = ("agency", "procedure", "month", "day", "field", "commune")
INDEX_GROUPS = (None, "agency", "commune", "month", "field")
_ROLLUP_KEY = {
    "agency": "competent_agency_id",
    "procedure": "procedure_id",
    "month": "month",
    "day": "day",
    "field": "procedure__field_id",
    "commune": "competent_agency__unit_id",
}
# The same grouping on the dossiers table (snapshot); months and days: see _snapshot_group.
_DOSSIER_KEY = {
    "agency": "competent_agency_id",
    "procedure": "procedure_id",
    "field": "procedure__field_id",
    "commune": "competent_agency__unit_id",
}


# --- page memo -----------------------------------------------------------------------------------

# One dashboard page reads the same counters for several tables (the total, the groupings, the
# two rankings): inside `memoized()`, each read is done once and the others are derived from it.
_MEMO: ContextVar[dict | None] = ContextVar("metrics_memo", default=None)


@contextmanager
def memoized():
    """Within the block (one page), identical reads are computed once and derivable ones (the
    total from the months, communes from agencies, fields from procedures, every snapshot
    grouping from one query) are derived. Nested blocks share the outer memo."""
    token = _MEMO.set({}) if _MEMO.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _MEMO.reset(token)


def _cached(key: tuple, compute: Callable):
    memo = _MEMO.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _filters_key(agencies=None, procedure=None, field=None) -> tuple:
    return (None if agencies is None else frozenset(agencies), procedure, field)


def _copy(grouped: dict) -> dict:
    """Callers update the counter dicts they get: hand out copies of the memoized ones."""
    return {k: dict(v) for k, v in grouped.items()}


def _agency_units() -> dict[int, int | None]:
    return _cached(
        ("agency_units",), lambda: dict(Agency.objects.values_list("pk", "unit_id").order_by())
    )


def _procedure_fields() -> dict[int, int | None]:
    return _cached(
        ("procedure_fields",),
        lambda: dict(Procedure.objects.values_list("pk", "field_id").order_by()),
    )


def _regroup(grouped: dict, mapping: dict | None) -> dict:
    """Sum groups into coarser ones (mapping: key → new key; None: everything into None)."""
    out: dict = {}
    for key, row in grouped.items():
        target = out.setdefault(None if mapping is None else mapping.get(key), {})
        for name, value in row.items():
            target[name] = target.get(name, 0) + value
    return out


# --- scope ----------------------------------------------------------------------------------------


class UnknownAgency(LookupError):
    pass


def scope_for(user, agency_code: str | None = None) -> set[int] | None:
    """The agency ids `user` may see indicators of, narrowed to `agency_code` and the agencies
    below it; None means every agency (a superuser without a filter). An unknown code, or one
    outside the user's scope, raises UnknownAgency (the caller answers 404-like)."""
    everything = bool(user and user.is_active and user.is_superuser)
    scope = None if everything else agency_scope(user)
    if agency_code:
        agency = agency_by_e_id(agency_code)
        if agency is None:
            raise UnknownAgency(agency_code)
        wanted = descendant_ids([agency.pk])
        if scope is not None and agency.pk not in scope:
            raise UnknownAgency(agency_code)
        return wanted if scope is None else wanted & scope
    return scope


def _covers_every_agency(ids: set[int]) -> bool:
    """A scope with every agency (the province's managers) filters nothing: without the IN
    lists the roll-up and snapshot queries can use their indexes and plain scans."""
    if not ids or (_MEMO.get() is None and len(ids) < 50):  # not worth a query per call
        return False
    return len(ids) >= _cached(("agency_count",), Agency.objects.count)


def _agency_q(agencies: Iterable[int] | None, prefix: str = "") -> Q:
    if agencies is None:
        return Q()
    ids = list(agencies)
    if _covers_every_agency(set(ids)):
        return Q()
    return Q(**{f"{prefix}competent_agency_id__in": ids}) | Q(
        **{f"{prefix}receiving_agency_id__in": ids}
    )


# --- roll-ups -------------------------------------------------------------------------------------


def rollups(
    start: date,
    end: date,
    *,
    agencies: Iterable[int] | None = None,
    procedure: int | None = None,
    field: int | None = None,
    model=DailyRollup,
) -> QuerySet:
    """The roll-up rows of `model` (DailyRollup, or MonthlyRollup whose `day` is the month's
    first day) with start <= day <= end, under the filters."""
    rows = model.objects.filter(day__gte=start, day__lte=end).filter(_agency_q(agencies))
    if procedure is not None:
        rows = rows.filter(procedure_id=procedure)
    if field is not None:
        rows = rows.filter(procedure__field_id=field)
    return rows.order_by()


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def segments(start: date, end: date) -> list[tuple[type, date, date]]:
    """How to read start..end: whole months from MonthlyRollup, the other days from
    DailyRollup (a year is 12 monthly reads instead of 365 daily ones)."""
    first = start if start.day == 1 else _next_month(start)
    months_end = first
    while _next_month(months_end) - timedelta(days=1) <= end:
        months_end = _next_month(months_end)
    if months_end == first:  # no whole month inside
        return [(DailyRollup, start, end)]
    out = []
    if start < first:
        out.append((DailyRollup, start, first - timedelta(days=1)))
    out.append((MonthlyRollup, first, months_end - timedelta(days=1)))
    if months_end <= end:
        out.append((DailyRollup, months_end, end))
    return out


def _add_into(target: dict, row: dict) -> None:
    for name in COUNTERS:
        target[name] = target.get(name, 0) + int(row.get(name) or 0)


# Under memoized(), two reads of the roll-ups serve the whole page: one grouped by month and
# channel, one by competent agency and procedure; every grouping (and the total) is summed from
# one of them in Python (both are small: months × channels, agency × procedure pairs).
_BASE_OF = {
    None: "month",
    "month": "month",
    "channel": "month",
    "agency": "pairs",
    "procedure": "pairs",
    "field": "pairs",
    "commune": "pairs",
}
_BASE_KEYS = {"month": ("month", "channel"), "pairs": ("competent_agency_id", "procedure_id")}


def _base(start: date, end: date, which: str, filters: dict) -> dict[tuple, list[int]]:
    def compute():
        keys = _BASE_KEYS[which]
        sums = {name: Sum(name) for name in COUNTERS}
        out: dict[tuple, list[int]] = {}
        for model, low, high in segments(start, end):
            rows = rollups(low, high, model=model, **filters)
            if which == "month":
                rows = rows.annotate(month=TruncMonth("day"))
            for row in rows.values(*keys).annotate(**sums).values_list(*keys, *COUNTERS):
                key = tuple(k.date() if isinstance(k, datetime) else k for k in row[:2])
                values = [int(v or 0) for v in row[2:]]
                if key in out:
                    out[key] = [a + b for a, b in zip(out[key], values, strict=True)]
                else:
                    out[key] = values
        return out

    return _cached(("base", which, start, end, _filters_key(**filters)), compute)


def _from_base(start: date, end: date, group_by: str | None, filters: dict) -> dict:
    base = _base(start, end, _BASE_OF[group_by], filters)
    pick = {
        None: lambda k: None,
        "month": lambda k: k[0],
        "channel": lambda k: k[1],
        "agency": lambda k: k[0],
        "procedure": lambda k: k[1],
        "field": lambda k: _procedure_fields().get(k[1]),
        "commune": lambda k: _agency_units().get(k[0]),
    }[group_by]
    sums: dict = {}
    for key, values in base.items():
        target = pick(key)
        if target in sums:
            sums[target] = [a + b for a, b in zip(sums[target], values, strict=True)]
        else:
            sums[target] = list(values)
    out = {k: dict(zip(COUNTERS, v, strict=True)) for k, v in sums.items()}
    if group_by is None:
        out.setdefault(None, {name: 0 for name in COUNTERS})
    return out


def received_per_channel(start: date, end: date, **filters) -> dict | None:
    """Under memoized(): {channel: received} from the page's month × channel read; else None
    (dashboard_data then reads it itself)."""
    if _MEMO.get() is None:
        return None
    grouped = _cached(
        ("counters", start, end, "channel", _filters_key(**filters)),
        lambda: _from_base(start, end, "channel", filters),
    )
    return {channel: row["received"] for channel, row in grouped.items()}


def counters(start: date, end: date, *, group_by: str | None = None, **filters) -> dict:
    """Summed counters: {group key: {counter: int}} (key None without grouping)."""
    if group_by is not None and group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {GROUPS}")
    if _MEMO.get() is None:
        return _counters(start, end, group_by=group_by, **filters)
    key = ("counters", start, end, group_by, _filters_key(**filters))

    def compute():
        if group_by in _BASE_OF:
            return _from_base(start, end, group_by, filters)
        return _counters(start, end, group_by=group_by, **filters)

    return _copy(_cached(key, compute))


def _counters(start: date, end: date, *, group_by: str | None = None, **filters) -> dict:
    sums = {name: Sum(name) for name in COUNTERS}
    parts = [(DailyRollup, start, end)] if group_by == "day" else segments(start, end)
    out: dict = {}
    for model, low, high in parts:
        rows = rollups(low, high, model=model, **filters)
        if group_by is None:
            _add_into(out.setdefault(None, {}), rows.aggregate(**sums))
            continue
        if group_by == "month":
            rows = rows.annotate(month=TruncMonth("day"))
        key = _ROLLUP_KEY[group_by]
        for row in rows.values(key).annotate(**sums):
            k = row.pop(key)
            if isinstance(k, datetime):
                k = k.date()
            _add_into(out.setdefault(k, {}), row)
    if group_by is None:
        out.setdefault(None, {})
        _add_into(out[None], {})
    return out


def _total(grouped: dict) -> dict:
    """The groups partition the rows: their sum is the total (no second scan)."""
    total = {name: 0 for name in COUNTERS}
    for row in grouped.values():
        _add_into(total, row)
    return total


# --- snapshot of open dossiers --------------------------------------------------------------------


def _payment_pauses_clock() -> bool:
    from motcua.dossiers.services import payment_pauses_clock

    return payment_pauses_clock()


def open_dossiers(*, agencies=None, procedure=None, field=None) -> QuerySet[Dossier]:
    """Received dossiers neither decided nor ended (processing, supplementing during processing,
    awaiting payment), under the filters."""
    qs = Dossier.objects.filter(
        state__in=OPEN_RECEIVED_STATES,  # the partial index's condition, word for word
        received_at__isnull=False,
        # Awaiting the fees due before delivery (asked after the decision) is decided.
        decided_at__isnull=True,
    ).filter(_agency_q(agencies))
    if procedure is not None:
        qs = qs.filter(procedure_id=procedure)
    if field is not None:
        qs = qs.filter(procedure__field_id=field)
    return qs.order_by()


def _overdue_q(now: datetime) -> Q:
    """lifecycle.is_overdue in SQL: past the due time while the clock runs."""
    running = [State.PROCESSING]
    if not _payment_pauses_clock():
        running.append(State.AWAITING_PAYMENT)
    return Q(state__in=running, due_at__lt=now)


def _in_time_for_index_q(now: datetime) -> Q:
    """QĐ 766 rule 2.1 for an open dossier: a paused one ends at its pause (request) time."""
    paused = Q(paused_since__isnull=False) & Q(paused_since__lte=F("due_at"))
    running = Q(paused_since__isnull=True) & ~_overdue_q(now)
    return paused | running


def open_snapshot(now: datetime, *, group_by: str | None = None, **filters) -> dict:
    """SNAPSHOT_COUNTERS at `now`: {group key: {counter: int}}."""
    qs = open_dossiers(**filters)
    aggregates = {
        "open": Count("id"),
        "open_overdue": Count("id", filter=_overdue_q(now)),
        "open_in_time_for_index": Count("id", filter=_in_time_for_index_q(now)),
    }

    def finish(row):
        row = {k: int(row.get(k) or 0) for k in aggregates}
        row["open_not_yet_due"] = row["open"] - row["open_overdue"]
        return row

    if _MEMO.get() is not None:
        # One query grouped by competent agency × procedure; every grouping is derived from it.
        cache_key = ("snapshot", now, _filters_key(**filters))
        base = _cached(
            cache_key,
            lambda: {
                (row["competent_agency_id"], row["procedure_id"]): {
                    k: int(row[k] or 0) for k in aggregates
                }
                for row in qs.values("competent_agency_id", "procedure_id").annotate(**aggregates)
            },
        )
        if group_by in (None, "month", "day"):
            total = _regroup(base, None).get(None, {})
            return {None: finish(total)}
        pick = {
            "agency": lambda a, p: a,
            "procedure": lambda a, p: p,
            "field": lambda a, p: _procedure_fields().get(p),
            "commune": lambda a, p: _agency_units().get(a),
        }[group_by]
        return {k: finish(v) for k, v in _regroup(base, {key: pick(*key) for key in base}).items()}
    if group_by in (None, "month", "day"):
        return {None: finish(qs.aggregate(**aggregates))}
    key = _DOSSIER_KEY[group_by]
    return {row[key]: finish(row) for row in qs.values(key).annotate(**aggregates)}


def _snapshot_key(group_by: str | None, today: date):
    if group_by == "month":
        return today.replace(day=1)
    if group_by == "day":
        return today
    return None


# --- labels ---------------------------------------------------------------------------------------


def _labels(group_by: str | None, keys: Iterable) -> dict:
    keys = [k for k in keys if k is not None]
    if group_by == "agency":
        return {
            a.pk: {"id": a.pk, "code": a.e_id, "name": a.name}
            for a in Agency.objects.filter(pk__in=keys)
        }
    if group_by == "procedure":
        return {
            p.pk: {"id": p.pk, "code": p.code, "name": p.name}
            for p in Procedure.objects.filter(pk__in=keys)
        }
    if group_by == "field":
        return {f.pk: {"id": f.pk, "name": f.name} for f in Field.objects.filter(pk__in=keys)}
    if group_by == "commune":
        return {
            u.pk: {"id": u.pk, "code": u.code, "name": u.name}
            for u in AdministrativeUnit.objects.filter(pk__in=keys)
        }
    if group_by == "month":
        return {k: {"month": k.strftime("%m/%Y"), "from": k.isoformat()} for k in keys}
    if group_by == "day":
        return {k: {"day": k.strftime("%d/%m/%Y"), "date": k.isoformat()} for k in keys}
    return {}


# --- indicator values -----------------------------------------------------------------------------


def _reference(start: date, end: date, now: datetime | None) -> datetime | None:
    """The snapshot instant: `now` if the period contains today, else None (not applicable).
    Under memoized() a missing `now` is one instant for the whole block (one page)."""
    if now is None:
        now = _cached(("now",), timezone.now)
    return now if start <= local_date(now) <= end else None


def _values(counts: dict, snapshot: bool) -> dict:
    return {code: v.as_dict() for code, v in evaluate(counts, snapshot=snapshot).items()}


def indicator_values(
    start: date,
    end: date,
    *,
    agencies: Iterable[int] | None = None,
    procedure: int | None = None,
    field: int | None = None,
    group_by: str | None = None,
    now: datetime | None = None,
) -> dict:
    """Every indicator for the period, in total and per group (see the module docstring).
    Under memoized() the same call returns the same (shared, read-only) answer."""
    if end < start:
        raise ValueError("end before start")
    if _MEMO.get() is not None:
        filters = _filters_key(agencies, procedure, field)
        return _cached(
            ("indicator_values", start, end, group_by, now, filters),
            lambda: _indicator_values(start, end, agencies, procedure, field, group_by, now),
        )
    return _indicator_values(start, end, agencies, procedure, field, group_by, now)


def _indicator_values(start, end, agencies, procedure, field, group_by, now) -> dict:
    if group_by is not None and group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {GROUPS}")
    agencies = None if agencies is None else set(agencies)
    filters = {"agencies": agencies, "procedure": procedure, "field": field}
    ref = _reference(start, end, now)
    rows = []
    snap: dict = {}
    if group_by is None:
        total = counters(start, end, **filters)[None]
    else:
        grouped = counters(start, end, group_by=group_by, **filters)
        total = _total(grouped)
        if ref is not None:
            snap = open_snapshot(ref, group_by=group_by, **filters)
            if group_by in ("month", "day"):
                snap = {_snapshot_key(group_by, local_date(ref)): snap[None]}
        keys = sorted(set(grouped) | set(snap), key=lambda k: (k is None, str(k)))
        labels = _labels(group_by, keys)
        for key in keys:
            counts = {**{c: 0 for c in COUNTERS}, **grouped.get(key, {})}
            has_snapshot = key in snap
            if has_snapshot:
                counts.update(snap[key])
            rows.append(
                {
                    "group": labels.get(key, {"id": key}),
                    "counters": counts,
                    "indicators": _values(counts, has_snapshot),
                }
            )
    if ref is not None:
        if group_by in _DOSSIER_KEY:  # the snapshot groups partition the open dossiers too
            total.update({k: sum(g[k] for g in snap.values()) for k in SNAPSHOT_COUNTERS})
        else:
            total.update(open_snapshot(ref, **filters)[None])
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "group_by": group_by,
        "reference_time": ref.isoformat() if ref else None,
        "definitions": definitions(),
        "total": {"counters": total, "indicators": _values(total, ref is not None)},
        "rows": rows,
    }


# --- QĐ 766 index ---------------------------------------------------------------------------------

SEVEN_PARTS = ("name", "method", "documents", "time", "applicants", "result", "legal_basis")


def _catalog(agencies: set[int] | None, field: int | None, procedure: int | None) -> list[dict]:
    """The procedures in scope with what the catalog-based indicators need (one pass)."""
    return _cached(
        ("catalog", _filters_key(agencies, procedure, field)),
        lambda: _read_catalog(agencies, field, procedure),
    )


def _read_catalog(agencies, field, procedure) -> list[dict]:
    procs = Procedure.objects.filter(current_version__isnull=False)
    if agencies is not None:
        procs = procs.filter(agencies__in=agencies).distinct()
    if field is not None:
        procs = procs.filter(field_id=field)
    if procedure is not None:
        procs = procs.filter(pk=procedure)
    procs = procs.annotate(
        has_documents=Exists(
            RequiredDocument.objects.filter(version_id=OuterRef("current_version_id"))
        ),
        has_fee=Exists(Fee.objects.filter(version_id=OuterRef("current_version_id"))),
    ).select_related("current_version")
    links: dict[int, set[int]] = defaultdict(set)
    through = Procedure.agencies.through.objects.filter(procedure_id__in=procs.values("pk"))
    for pid, aid in through.values_list("procedure_id", "agency_id"):
        links[pid].add(aid)
    out = []
    for p in procs:
        v = p.current_version
        parts = {
            "name": bool(v.name.strip()),
            "method": bool(v.method.strip()),
            "documents": p.has_documents,
            "time": v.time_value is not None and v.time_value > 0,
            "applicants": bool(v.applicants.strip()),
            "result": bool(v.result.strip()),
            "legal_basis": bool(v.legal_basis),
        }
        on_time = None
        if v.effective_from is not None:
            on_time = local_date(v.created_at) <= v.effective_from
        out.append(
            {
                "id": p.pk,
                "agencies": links[p.pk],
                "online": v.online in (OnlineLevel.FULL, OnlineLevel.PARTIAL),
                "fee": p.has_fee,
                "complete": all(parts.values()),
                "announced_on_time": on_time,
            }
        )
    return out


def _index_ratios(counts: dict, procs: list[dict], online_used: set, paid_online: set) -> dict:
    def share(items, predicate) -> Value:
        items = list(items)
        return rate(lambda c: sum(1 for i in items if predicate(i)), lambda c: len(items))({})

    announced = [p for p in procs if p["announced_on_time"] is not None]
    online = [p for p in procs if p["online"]]
    fee = [p for p in procs if p["fee"]]
    c = {k: int(counts.get(k) or 0) for k in (*COUNTERS, *SNAPSHOT_COUNTERS)}
    in_time = c["resolved_early"] + c["resolved_on_time"] + c["closed_in_time"]
    in_time += c["open_in_time_for_index"]
    all_ = c["decided"] + c["closed_in_time"] + c["closed_late"] + c["open"]
    missing = Value(None, flag="no_data")
    values = evaluate(c, snapshot=True)
    return {
        "1.1": share(announced, lambda p: p["announced_on_time"]),
        "1.2": Value(None, flag="needs_national_data"),
        "1.3": share(procs, lambda p: p["complete"]),
        "1.4": Value(None, flag="no_sync_data"),
        "2.1": rate(lambda _: in_time, lambda _: all_)({}),
        "2.2": values["average_processing_days"],
        "3.1": share(procs, lambda p: p["online"]),
        "3.2": share(online, lambda p: p["id"] in online_used),
        "3.3": values["online_share"],
        "3.5a": Value(None, flag="no_payment_integration_data"),
        "3.5b": share(fee, lambda p: p["id"] in paid_online),
        "3.6": values["online_payment_share"],
        "4.1": values["result_digitisation_rate"],
        "4.2": values["digitisation_rate"],
        "4.2b": missing,
        "4.3": values["reuse_rate"],
        "4.4": missing,
        "4.5a": missing,
        "4.5b": missing,
        "5.2": Value(None, flag="no_petition_data"),
        "5.3": Value(None, flag="no_feedback_data"),
        "5.4": Value(None, flag="no_feedback_data"),
    }


def index_values(
    start: date,
    end: date,
    *,
    agencies: Iterable[int] | None = None,
    field: int | None = None,
    procedure: int | None = None,
    group_by: str | None = None,
    now: datetime | None = None,
) -> dict:
    """The QĐ 766 index for the period, in total and per group (ranked, best first).

    Catalog-based indicators (1.1, 1.3, 3.1, 3.2, 3.5b) use the procedures assigned to the
    group's agencies (per agency or commune), else those of the whole scope."""
    if group_by not in INDEX_GROUPS:
        raise ValueError(f"group_by must be one of {INDEX_GROUPS}")
    agencies = None if agencies is None else set(agencies)
    overrides = conf.index_overrides()
    filters = {"agencies": agencies, "procedure": procedure, "field": field}
    values = indicator_values(start, end, group_by=group_by, now=now, **filters)
    procs = _catalog(agencies, field, procedure)
    per_procedure = counters(start, end, group_by="procedure", **filters)
    online_used = {
        pid
        for pid, c in per_procedure.items()
        if c["received_online_full"] + c["received_online_partial"] > 0
    }
    paid_online = {pid for pid, c in per_procedure.items() if c["paid_online"] > 0}

    by_unit: dict = defaultdict(set)
    if group_by == "commune":
        for agency_id, unit_id in _agency_units().items():
            if unit_id is not None:  # as filter(unit_id=None): no agency
                by_unit[unit_id].add(agency_id)

    def procs_of(group_by, key):
        if group_by == "agency":
            return [p for p in procs if key in p["agencies"]]
        if group_by == "commune":
            ids = by_unit.get(key, set())
            return [p for p in procs if p["agencies"] & ids]
        if group_by == "field":
            return procs  # already narrowed by the field filter when given
        return procs

    def scored(counts, group_procs):
        return score_index(_index_ratios(counts, group_procs, online_used, paid_online), overrides)

    total_counts = {**values["total"]["counters"]}
    out_rows = []
    for row in values["rows"]:
        key = row["group"].get("id") if group_by not in ("month",) else None
        group_procs = procs_of(group_by, key)
        out_rows.append({"group": row["group"], **scored(row["counters"], group_procs)})
    out_rows.sort(key=lambda r: -r["total"])
    for position, row in enumerate(out_rows, start=1):
        row["rank"] = position
    return {
        "from": values["from"],
        "to": values["to"],
        "group_by": group_by,
        "reference_time": values["reference_time"],
        "total": scored(total_counts, procs),
        "rows": out_rows,
    }


# --- extra sessions -------------------------------------------------------------------------------


def _session_dates(session: ExtraSession, start: date, end: date) -> list[date]:
    low = max(start, session.valid_from or start)
    high = min(end, session.valid_until or end)
    if session.date is not None:
        return [session.date] if low <= session.date <= high else []
    days, day = [], low
    while day <= high:
        if day.isoweekday() == session.weekday:
            days.append(day)
        day += timedelta(days=1)
    return days


def extra_sessions(start: date, end: date, *, agencies: Iterable[int] | None = None) -> dict:
    """Dossiers received per extra session (e.g. "Chủ nhật vì dân") against dossiers received
    per normal working day, at the receiving agencies in scope, local days start..end."""
    sessions = ExtraSession.objects.filter(active=True)
    if agencies is not None:
        sessions = sessions.filter(agency_id__in=list(agencies))
    occurrences: dict[tuple[int, date], list[tuple[time, time]]] = defaultdict(list)
    for s in sessions:
        for day in _session_dates(s, start, end):
            occurrences[(s.agency_id, day)].append((s.start, s.end))
    in_sessions = 0
    by_day: dict[tuple[int, date], int] = defaultdict(int)
    if occurrences:
        days = sorted({d for _a, d in occurrences})
        agency_ids = sorted({a for a, _d in occurrences})
        received = (
            Dossier.objects.filter(receiving_agency_id__in=agency_ids, received_at__isnull=False)
            .annotate(local_day=TruncDate("received_at", tzinfo=VN_TZ))
            .filter(local_day__in=days)
            .values_list("receiving_agency_id", "received_at")
        )
        for agency_id, at in received:
            local = at.astimezone(VN_TZ)
            windows = occurrences.get((agency_id, local.date()), [])
            if any(a <= local.time() <= b for a, b in windows):
                in_sessions += 1
                by_day[(agency_id, local.date())] += 1
    # Normal days: received on the agency's working days, from the roll-ups.
    rows = DailyRollup.objects.filter(day__gte=start, day__lte=end)
    if agencies is not None:
        rows = rows.filter(receiving_agency_id__in=list(agencies))
    per_day = rows.values("receiving_agency_id", "day").annotate(n=Sum("received")).order_by()
    seen_agencies: set[int] = set()
    normal_received = 0
    for row in per_day:
        seen_agencies.add(row["receiving_agency_id"])
        cal = get_work_calendar(row["receiving_agency_id"])
        if is_working_day(cal, row["day"]):
            extra = by_day.get((row["receiving_agency_id"], row["day"]), 0)
            normal_received += row["n"] - extra
    normal_days = normal_sessions = 0
    for agency_id in seen_agencies:
        cal = get_work_calendar(agency_id)
        day = start
        while day <= end:
            if is_working_day(cal, day):
                normal_days += 1
                normal_sessions += len(cal.sessions)  # morning and afternoon by default
            day += timedelta(days=1)
    sessions_count = sum(len(v) for v in occurrences.values())

    def per(n, d):
        return None if d == 0 else round(n / d, 2)

    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "extra": {
            "sessions": sessions_count,
            "received": in_sessions,
            "per_session": per(in_sessions, sessions_count),
        },
        "normal": {
            "days": normal_days,
            "received": normal_received,
            "per_day": per(normal_received, normal_days),
            "sessions": normal_sessions,
            "per_session": per(normal_received, normal_sessions),
        },
    }


# --- drill-down -----------------------------------------------------------------------------------


def _between(field_name: str, start: date, end: date) -> Q:
    low = datetime.combine(start, time(0), VN_TZ)
    high = datetime.combine(end + timedelta(days=1), time(0), VN_TZ)
    return Q(**{f"{field_name}__gte": low, f"{field_name}__lt": high})


def _event(action_q: Q, start: date, end: date) -> Exists:
    return Exists(
        Event.objects.filter(action_q, _between("at", start, end), dossier_id=OuterRef("pk"))
    )


def _late() -> Q:
    return Q(supplement_requests__gt=1) | Q(decided_at__gt=F("due_at"))


def _early() -> Q:
    from django.db.models.lookups import LessThan

    return Q(LessThan(TruncDate("decided_at", tzinfo=VN_TZ), TruncDate("due_at", tzinfo=VN_TZ)))


def _attachments(**filters) -> Exists:
    return Exists(Attachment.objects.filter(dossier_id=OuterRef("pk"), **filters))


def _digitised() -> Q:
    """rollups._attachment_flags: every submitted component electronic (online, scanned or
    re-used), at least one."""
    paper = _attachments(kind=AttachmentKind.SUBMISSION, digitised=False, reused_from__isnull=True)
    return Q(_attachments(kind=AttachmentKind.SUBMISSION)) & (Q(channel=Channel.ONLINE) | ~Q(paper))


# Counts, and rates (their numerator), that dossiers_behind can list.
DRILLABLE = (
    "received",
    "submitted_online",
    "resolved",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "refused",
    "withdrawn",
    "stopped",
    "returned",
    "extended",
    "open_not_yet_due",
    "open_overdue",
    "online_share",
    "on_time_rate",
    "supplement_rate",
    "digitisation_rate",
    "reuse_rate",
    "result_digitisation_rate",
    "online_payment_share",
)


def dossiers_behind(
    code: str,
    start: date,
    end: date,
    *,
    agencies: Iterable[int] | None = None,
    procedure: int | None = None,
    field: int | None = None,
    now: datetime | None = None,
) -> QuerySet[Dossier]:
    """The dossiers counted by indicator `code` (a count, or a rate's numerator) under the same
    filters as indicator_values, for linking a number to its list. KeyError if not drillable."""
    if code not in DRILLABLE:
        raise KeyError(code)
    if code in ("open_not_yet_due", "open_overdue"):
        qs = open_dossiers(agencies=agencies, procedure=procedure, field=field)
        overdue = _overdue_q(now or timezone.now())
        return qs.filter(overdue) if code == "open_overdue" else qs.exclude(overdue)
    qs = Dossier.objects.filter(_agency_q(agencies))
    if procedure is not None:
        qs = qs.filter(procedure_id=procedure)
    if field is not None:
        qs = qs.filter(procedure__field_id=field)
    decided = Q(action__in=[Action.APPROVE, Action.DENY])
    finished = Q(received_at__isnull=False) & Q(
        _event(Q(action__in=[Action.DELIVER, Action.STOP, Action.WITHDRAW]), start, end)
    )
    conditions = {
        "received": Q(_event(Q(action=Action.ACCEPT), start, end)),
        "online_share": Q(_event(Q(action=Action.ACCEPT), start, end))
        & Q(channel=Channel.ONLINE)
        & Q(procedure_version__online__in=[OnlineLevel.FULL, OnlineLevel.PARTIAL]),
        "submitted_online": Q(_event(Q(action=Action.SUBMIT), start, end)),
        "resolved": Q(_event(decided, start, end)),
        "resolved_early": Q(_event(decided, start, end)) & ~_late() & _early(),
        "resolved_on_time": Q(_event(decided, start, end)) & ~_late() & ~_early(),
        "resolved_late": Q(_event(decided, start, end)) & _late(),
        "refused": Q(_event(Q(action=Action.REFUSE), start, end)),
        "withdrawn": Q(_event(Q(action=Action.WITHDRAW), start, end)),
        "stopped": Q(_event(Q(action=Action.STOP), start, end)),
        "returned": Q(_event(Q(action=Action.DELIVER), start, end)),
        "extended": Q(_event(Q(action=Action.EXTEND), start, end)),
        "on_time_rate": Q(_event(decided, start, end)) & ~_late(),
        "supplement_rate": Q(
            _event(Q(action=Action.REQUEST_SUPPLEMENT, from_state=State.PROCESSING), start, end)
        ),
        "digitisation_rate": finished & _digitised(),
        "reuse_rate": finished & Q(_attachments(reused_from__isnull=False)),
        "result_digitisation_rate": Q(_event(Q(action=Action.DELIVER), start, end))
        & Q(_attachments(kind=AttachmentKind.RESULT)),
        "online_payment_share": Q(_event(Q(action=Action.PAY, role="applicant"), start, end)),
    }
    return qs.filter(conditions[code])
