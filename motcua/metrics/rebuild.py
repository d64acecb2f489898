"""Rebuild the daily roll-ups from the event log, from scratch, for a range of local days.

Set-based: one GROUP BY query over the events (joined with their dossiers) computes every
counter except the processing time, which needs the working calendar and is computed in Python
over the decisions only (chunked, pauses fetched in bulk) with the very function the incremental
receiver uses. The rows of the range are deleted and re-inserted in one transaction, so readers
see the old or the new roll-ups, never a mix.

The definitions mirror rollups.counters_for_event; tests/test_rebuild.py checks that both give
the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Sum,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, TruncDate, TruncMonth
from django.db.models.lookups import LessThan

from motcua.catalog.models import OnlineLevel
from motcua.dossiers.lifecycle import Action, Channel, State
from motcua.dossiers.models import Attachment, AttachmentKind, Dossier, Event, Pause
from motcua.dossiers.regimes import local_date
from motcua.worktime.deadlines import VN_TZ

from .indicators import COUNTERS
from .models import DailyRollup, MonthlyRollup
from .rollups import working_time_to_decision

CHUNK = 2000


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """UTC-aware instants [start 00:00, end+1 00:00) in Asia/Ho_Chi_Minh."""
    return (
        datetime.combine(start, time(0), VN_TZ),
        datetime.combine(end + timedelta(days=1), time(0), VN_TZ),
    )


def _att(**filters):
    return Exists(Attachment.objects.filter(dossier_id=OuterRef("dossier_id"), **filters))


def _counter_expressions() -> dict:
    a = Q(action=Action.ACCEPT)
    decided = Q(action__in=[Action.APPROVE, Action.DENY])
    late = Q(dossier__supplement_requests__gt=1) | Q(dossier__decided_at__gt=F("dossier__due_at"))
    early = Q(
        LessThan(
            TruncDate("dossier__decided_at", tzinfo=VN_TZ),
            TruncDate("dossier__due_at", tzinfo=VN_TZ),
        )
    )
    received = Q(dossier__received_at__isnull=False)
    final = Q(action__in=[Action.DELIVER, Action.STOP, Action.WITHDRAW]) & received
    closed = Q(action__in=[Action.STOP, Action.WITHDRAW]) & received
    closed_late = Q(dossier__supplement_requests__gt=1) | Q(
        dossier__ended_at__gt=F("dossier__due_at")
    )
    submitted_files = _att(kind=AttachmentKind.SUBMISSION)
    paper = _att(kind=AttachmentKind.SUBMISSION, digitised=False, reused_from__isnull=True)
    digitised = Q(submitted_files) & (Q(dossier__channel=Channel.ONLINE) | ~Q(paper))
    online = a & Q(dossier__channel=Channel.ONLINE)
    pay = Q(action=Action.PAY)
    amount = Cast(KeyTextTransform("amount", "data"), BigIntegerField())

    def n(condition):
        return Count("id", filter=condition)

    def total(expr, condition):
        return Coalesce(Sum(expr, filter=condition), Value(0), output_field=BigIntegerField())

    return {
        "submitted": n(Q(action=Action.SUBMIT)),
        "received": n(a),
        "received_online_full": n(online & Q(dossier__procedure_version__online=OnlineLevel.FULL)),
        "received_online_partial": n(
            online & Q(dossier__procedure_version__online=OnlineLevel.PARTIAL)
        ),
        "reception_supplement_requested": n(
            Q(action=Action.REQUEST_SUPPLEMENT) & ~Q(from_state=State.PROCESSING)
        ),
        "supplement_requested": n(Q(action=Action.REQUEST_SUPPLEMENT, from_state=State.PROCESSING)),
        "refused": n(Q(action=Action.REFUSE)),
        "withdrawn": n(Q(action=Action.WITHDRAW)),
        "stopped": n(Q(action=Action.STOP)),
        "decided": n(decided),
        "approved": n(Q(action=Action.APPROVE)),
        "denied": n(Q(action=Action.DENY)),
        "resolved_early": n(decided & ~late & early),
        "resolved_on_time": n(decided & ~late & ~early),
        "resolved_late": n(decided & late),
        "closed_in_time": n(closed & ~closed_late),
        "closed_late": n(closed & closed_late),
        "returned": n(Q(action=Action.DELIVER)),
        "finished": n(final),
        "digitised": n(final & digitised),
        "reused": n(final & Q(_att(reused_from__isnull=False))),
        "result_electronic": n(
            Q(action=Action.DELIVER) & received & Q(_att(kind=AttachmentKind.RESULT))
        ),
        "extended": n(Q(action=Action.EXTEND)),
        "payment_requested": n(Q(action=Action.REQUEST_PAYMENT)),
        "paid": n(pay),
        "paid_online": n(pay & Q(role="applicant")),
        "paid_amount": total(amount, pay),
        "paid_online_amount": total(amount, pay & Q(role="applicant")),
    }


KEYS = {
    "day": TruncDate("at", tzinfo=VN_TZ),
    "competent_agency_id": F("dossier__competent_agency_id"),
    "receiving_agency_id": F("dossier__receiving_agency_id"),
    "procedure_id": F("dossier__procedure_id"),
    "channel": F("dossier__channel"),
}


def compute(start: date, end: date) -> dict[tuple, dict[str, int]]:
    """Counters per roll-up key for the events of local days start..end (inclusive)."""
    low, high = _bounds(start, end)
    events = Event.objects.filter(
        at__gte=low, at__lt=high, dossier__receiving_agency__isnull=False
    ).order_by()
    exprs = _counter_expressions()
    rows = events.annotate(**KEYS).values(*KEYS).annotate(**exprs)
    out: dict[tuple, dict[str, int]] = {}
    for row in rows:
        day = row["day"]
        if isinstance(day, str):
            day = date.fromisoformat(day)
        key = (day, *(row[k] for k in list(KEYS)[1:]))
        out[key] = {name: int(row.get(name) or 0) for name in exprs}
        out[key]["processing_seconds"] = 0
    for key, seconds in _processing_seconds(events).items():
        out[key]["processing_seconds"] = seconds
    return out


def _processing_seconds(events) -> dict[tuple, int]:
    """Sum of the working time to decision per key, for the decision events of `events`."""
    decisions = events.filter(action__in=[Action.APPROVE, Action.DENY]).values_list(
        "dossier_id", "at"
    )
    out: dict[tuple, int] = defaultdict(int)
    batch: list[tuple[int, datetime]] = []

    def flush():
        ids = [d for d, _at in batch]
        dossiers = Dossier.objects.select_related("procedure_version").in_bulk(ids)
        pauses: dict[int, list] = defaultdict(list)
        for dossier_id, started, ended in Pause.objects.filter(
            dossier_id__in=ids, ended_at__isnull=False
        ).values_list("dossier_id", "started_at", "ended_at"):
            pauses[dossier_id].append((started, ended))
        for dossier_id, at in batch:
            d = dossiers[dossier_id]
            key = (
                local_date(at),
                d.competent_agency_id,
                d.receiving_agency_id,
                d.procedure_id,
                d.channel,
            )
            out[key] += int(working_time_to_decision(d, pauses[dossier_id]).total_seconds())
        batch.clear()

    for item in decisions.iterator(chunk_size=CHUNK):
        batch.append(item)
        if len(batch) >= CHUNK:
            flush()
    if batch:
        flush()
    return out


def _lock_rollups() -> None:
    """PostgreSQL: hold off the receivers' upserts until this rebuild commits. Taken before
    reading the events, it waits for actions that have already upserted (so their events are
    read), and actions after it wait and add to the rebuilt rows: no event is lost or counted
    twice. Actions block meanwhile: rebuild wide ranges in quiet hours. (SQLite has one writer.)"""
    if connection.vendor == "postgresql":
        tables = ", ".join(
            connection.ops.quote_name(m._meta.db_table) for m in (DailyRollup, MonthlyRollup)
        )
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")


def event_day_range() -> tuple[date, date] | None:
    span = Event.objects.aggregate(low=Min("at"), high=Max("at"))
    if span["low"] is None:
        return None
    return local_date(span["low"]), local_date(span["high"])


def rebuild(start: date | None = None, end: date | None = None) -> int:
    """Replace the roll-ups of local days start..end with values recomputed from the events;
    without bounds, replace all roll-ups. Returns the number of rows written."""
    everything = start is None and end is None
    if start is None or end is None:
        span = event_day_range()
        if span is None:
            if everything:
                DailyRollup.objects.all().delete()
                MonthlyRollup.objects.all().delete()
            return 0
        start, end = start or span[0], end or span[1]
    if end < start:
        raise ValueError("end before start")
    with transaction.atomic():
        _lock_rollups()
        computed = compute(start, end)
        stale = DailyRollup.objects.all()
        if not everything:  # a full rebuild also drops rows of days without events
            stale = stale.filter(day__gte=start, day__lte=end)
        stale.delete()
        objs = [
            DailyRollup(
                day=key[0],
                competent_agency_id=key[1],
                receiving_agency_id=key[2],
                procedure_id=key[3],
                channel=key[4],
                **{name: counters.get(name, 0) for name in COUNTERS},
            )
            for key, counters in computed.items()
            if any(counters.values())
        ]
        DailyRollup.objects.bulk_create(objs, batch_size=1000)
        rebuild_months(None if everything else start, None if everything else end)
    return len(objs)


def rebuild_months(start: date | None = None, end: date | None = None) -> int:
    """Recompute the monthly roll-ups of the months touching start..end (all without bounds)
    from the daily rows, with one GROUP BY."""
    daily = DailyRollup.objects.order_by()
    monthly = MonthlyRollup.objects.all()
    if start is not None and end is not None:
        low = start.replace(day=1)
        high = (end.replace(day=28) + timedelta(days=4)).replace(day=1)
        daily = daily.filter(day__gte=low, day__lt=high)
        monthly = monthly.filter(day__gte=low, day__lt=high)
    keys = ["month", "competent_agency_id", "receiving_agency_id", "procedure_id", "channel"]
    rows = (
        daily.annotate(month=TruncMonth("day"))
        .values(*keys)
        .annotate(**{name: Sum(name) for name in COUNTERS})
    )
    with transaction.atomic():
        _lock_rollups()
        monthly.delete()
        objs = []
        for row in rows:
            month = row.pop("month")
            if isinstance(month, datetime):
                month = month.date()
            elif isinstance(month, str):
                month = date.fromisoformat(month[:10])
            objs.append(MonthlyRollup(day=month, **row))
        MonthlyRollup.objects.bulk_create(objs, batch_size=1000)
    return len(objs)
