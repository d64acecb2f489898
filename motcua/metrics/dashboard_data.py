"""Reads for the dashboards, exports and the periodic report, on top of metrics.selectors.

What selectors does not offer and the pages need:
- `parse_period` / `period_label`: month, quarter and year shortcuts ("2026-11", "2026-Q4", "2026");
- `received_by_channel`: received dossiers per channel (the roll-ups are keyed by channel);
- `open_at`: dossiers received and not yet decided nor ended at an instant, split in time / overdue,
  per agency or field (the report's "kỳ trước chuyển qua" and "đang giải quyết" columns);
- `targets_for`: the targets of a unit (Target rows, falling back to province-wide ones);
- `report_rows`: the rows of the periodic report (per agency or per field).

All dates are local days (Asia/Ho_Chi_Minh), inclusive, like selectors.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency
from motcua.catalog.models import Field
from motcua.dossiers.lifecycle import Channel
from motcua.dossiers.models import Dossier
from motcua.dossiers.regimes import local_date
from motcua.worktime.deadlines import VN_TZ

from . import selectors
from .indicators import INDICATORS

# --- periods --------------------------------------------------------------------------------------


class BadPeriod(ValueError):
    pass


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def parse_period(text: str) -> tuple[date, date, str]:
    """ "2026-11" (month), "2026-Q4" (quarter) or "2026" (year) → (first day, last day, kind)."""
    text = (text or "").strip()
    if m := _MONTH.match(text):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise BadPeriod(text)
        return (*month_bounds(year, month), "month")
    if m := _QUARTER.match(text):
        year, q = int(m[1]), int(m[2])
        first = month_bounds(year, 3 * q - 2)[0]
        last = month_bounds(year, 3 * q)[1]
        return first, last, "quarter"
    if m := _YEAR.match(text):
        year = int(m[1])
        return date(year, 1, 1), date(year, 12, 31), "year"
    raise BadPeriod(text)


def period_label(start: date, end: date) -> str:
    """Vietnamese name of a period: "Tháng 11/2026", "Quý IV/2026", "Năm 2026" or a range."""
    if start.day == 1 and end == month_bounds(end.year, end.month)[1]:
        if start.year == end.year and start.month == end.month:
            return _("Tháng %(month)02d/%(year)d") % {"month": start.month, "year": start.year}
        if start.year == end.year and start.month % 3 == 1 and end.month == start.month + 2:
            roman = ("I", "II", "III", "IV")[start.month // 3]
            return _("Quý %(q)s/%(year)d") % {"q": roman, "year": start.year}
        if start.year == end.year and start.month == 1 and end.month == 12:
            return _("Năm %(year)d") % {"year": start.year}
    return _("Từ ngày %(start)s đến ngày %(end)s") % {
        "start": start.strftime("%d/%m/%Y"),
        "end": end.strftime("%d/%m/%Y"),
    }


def parse_day(text: str) -> date:
    """dd/mm/yyyy or YYYY-MM-DD."""
    text = (text or "").strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise BadPeriod(text)


def shortcuts(today: date) -> list[dict]:
    """Period shortcuts for the filter form: this and last month, this quarter, this year."""
    last_month_end = today.replace(day=1) - timedelta(days=1)
    quarter = (today.month - 1) // 3 + 1
    return [
        {"period": f"{today.year}-{today.month:02d}", "label": _("Tháng này")},
        {
            "period": f"{last_month_end.year}-{last_month_end.month:02d}",
            "label": _("Tháng trước"),
        },
        {"period": f"{today.year}-Q{quarter}", "label": _("Quý này")},
        {"period": f"{today.year}", "label": _("Năm nay")},
        {"period": f"{today.year - 1}", "label": _("Năm trước")},
    ]


# --- scope helpers --------------------------------------------------------------------------------


def agency_q(agencies: Iterable[int] | None, prefix: str = "") -> Q:
    """Same rule as selectors: a row is in scope by its competent or its receiving agency."""
    if agencies is None:
        return Q()
    ids = list(agencies)
    return Q(**{f"{prefix}competent_agency_id__in": ids}) | Q(
        **{f"{prefix}receiving_agency_id__in": ids}
    )


# --- received by channel --------------------------------------------------------------------------

CHANNELS = [c.value for c in Channel]


def received_by_channel(start: date, end: date, *, group_by: str | None = None, **filters) -> dict:
    """{group key: {channel: received}}; group_by None, "agency" (competent) or "field"."""
    key = {None: None, "agency": "competent_agency_id", "field": "procedure__field_id"}[group_by]
    out: dict = defaultdict(lambda: {c: 0 for c in CHANNELS})
    if group_by is None:
        shared = selectors.received_per_channel(start, end, **filters)  # the page's read
        if shared is not None:
            out[None].update(shared)
            return dict(out)
    for model, low, high in selectors.segments(start, end):
        rows = selectors.rollups(low, high, model=model, **filters)
        values = ["channel"] + ([key] if key else [])
        for row in rows.values(*values).annotate(n=Sum("received")):
            group = row[key] if key else None
            out[group][row["channel"]] += int(row["n"] or 0)
    if group_by is None:
        out[None]  # noqa: B018 (create the zero row)
    return dict(out)


# --- open dossiers at an instant ------------------------------------------------------------------


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), VN_TZ)


def open_at(
    instant: datetime,
    *,
    group_by: str | None = None,
    agencies=None,
    procedure=None,
    field=None,
) -> dict:
    """Dossiers received before `instant` and neither decided nor ended by then:
    {group key: {"open", "open_in_time", "open_overdue"}}. In time / overdue compares the
    dossier's *current* due time with the instant (the history of due times and pauses is not
    kept: for a past instant this is an approximation, documented in docs/dashboards.md)."""
    qs = Dossier.objects.filter(received_at__lt=instant).filter(agency_q(agencies))
    qs = qs.filter(Q(decided_at__isnull=True) | Q(decided_at__gte=instant))
    qs = qs.filter(Q(ended_at__isnull=True) | Q(ended_at__gte=instant))
    if procedure is not None:
        qs = qs.filter(procedure_id=procedure)
    if field is not None:
        qs = qs.filter(procedure__field_id=field)
    aggregates = {
        "open": Count("id"),
        "open_overdue": Count("id", filter=Q(due_at__lt=instant, paused_since__isnull=True)),
    }
    key = {None: None, "agency": "competent_agency_id", "field": "procedure__field_id"}[group_by]

    def finish(row):
        row = {k: int(row.get(k) or 0) for k in aggregates}
        row["open_in_time"] = row["open"] - row["open_overdue"]
        return row

    qs = qs.order_by()
    if key is None:
        return {None: finish(qs.aggregate(**aggregates))}
    return {row[key]: finish(row) for row in qs.values(key).annotate(**aggregates)}


# --- targets --------------------------------------------------------------------------------------


def targets_for(agency: Agency | None, on: date) -> list[dict]:
    """The targets in force on `on` for `agency` (its own rows win over the province-wide
    defaults, agency = None), one per indicator, in indicator order."""
    from .models import Target

    rows = Target.objects.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    )
    if agency is None:
        rows = rows.filter(agency__isnull=True)
    else:
        rows = rows.filter(Q(agency__isnull=True) | Q(agency=agency))
    chosen: dict[str, Target] = {}
    # Own rows first, then the latest start: the first seen per indicator wins.
    for t in sorted(
        rows,
        key=lambda t: (t.agency_id is None, -(t.valid_from or date.min).toordinal()),
    ):
        chosen.setdefault(t.indicator, t)
    order = list(INDICATORS)
    return [
        {"target": t, "code": t.indicator, "name": str(INDICATORS[t.indicator].name)}
        for t in sorted(chosen.values(), key=lambda t: order.index(t.indicator))
        if t.indicator in INDICATORS
    ]


def achieved_vs_target(targets: list[dict], indicators: dict) -> list[dict]:
    """Each target with the achieved value (indicator_values total) and whether it is met."""
    out = []
    for item in targets:
        value = (indicators.get(item["code"]) or {}).get("value")
        goal = item["target"].value
        met = None if value is None else Decimal(str(value)) >= goal
        out.append({**item, "value": value, "goal": goal, "met": met})
    return out


# --- the periodic report --------------------------------------------------------------------------

REPORT_COLUMNS = (
    "carried_over",
    "received",
    "received_online",
    "received_counter",
    "received_postal",
    "total",
    "resolved",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "open",
    "open_in_time",
    "open_overdue",
)


def report_rows(
    start: date, end: date, *, group_by: str, agencies=None, now: datetime | None = None
) -> dict:
    """The periodic report's table per competent agency or per field: {"rows": [...],
    "total": {...}}; each row has `label`, the REPORT_COLUMNS and `on_time_rate` (None when
    nothing was resolved). In progress at the period's end: the snapshot of selectors when the
    period contains today, else open_at(end of period) (approximation, see open_at)."""
    now = now or timezone.now()
    values = selectors.indicator_values(start, end, agencies=agencies, group_by=group_by, now=now)
    channels = received_by_channel(start, end, group_by=group_by, agencies=agencies)
    carried = open_at(start_of(start), group_by=group_by, agencies=agencies)
    current = start <= local_date(now) <= end
    at_end = (
        None
        if current
        else open_at(start_of(end + timedelta(days=1)), group_by=group_by, agencies=agencies)
    )
    rows: dict = {}

    def row_for(key, label):
        return rows.setdefault(key, {"key": key, "label": label, **{c: 0 for c in REPORT_COLUMNS}})

    for r in values["rows"]:
        key = r["group"].get("id")
        row = row_for(key, r["group"].get("name") or "—")
        c = r["counters"]
        row["received"] = c["received"]
        row["resolved"] = c["decided"]
        row["resolved_early"] = c["resolved_early"]
        row["resolved_on_time"] = c["resolved_on_time"]
        row["resolved_late"] = c["resolved_late"]
        if current:
            row["open"] = c.get("open", 0)
            row["open_in_time"] = c.get("open_not_yet_due", 0)
            row["open_overdue"] = c.get("open_overdue", 0)
    missing = (set(carried) | set(at_end or {}) | set(channels)) - set(rows) - {None}
    if missing:
        model = Agency if group_by == "agency" else Field
        for obj in model.objects.filter(pk__in=missing):
            row_for(obj.pk, obj.name)
    for key, row in rows.items():
        ch = channels.get(key, {})
        row["received_online"] = ch.get(Channel.ONLINE, 0)
        row["received_counter"] = ch.get(Channel.COUNTER, 0)
        row["received_postal"] = ch.get(Channel.POSTAL, 0)
        row["carried_over"] = carried.get(key, {}).get("open", 0)
        if at_end is not None:
            o = at_end.get(key, {})
            row["open"] = o.get("open", 0)
            row["open_in_time"] = o.get("open_in_time", 0)
            row["open_overdue"] = o.get("open_overdue", 0)
        row["total"] = row["carried_over"] + row["received"]
    ordered = sorted(rows.values(), key=lambda r: str(r["label"]))
    total = {c: sum(r[c] for r in ordered) for c in REPORT_COLUMNS}
    for row in (*ordered, total):
        done = row["resolved"]
        row["on_time_rate"] = (
            None
            if not done
            else float(
                (Decimal(row["resolved_early"] + row["resolved_on_time"]) * 100 / done).quantize(
                    Decimal("0.01")
                )
            )
        )
    return {"rows": ordered, "total": total, "current": current}
