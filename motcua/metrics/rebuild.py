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
from motcua.dossiers.models import Attachment, AttachmentKind, Event, Pause
from motcua.dossiers.regimes import local_date
from motcua.worktime.deadlines import VN_TZ
from motcua.worktime.selectors import get_work_calendar

from .indicators import COUNTERS
from .models import DailyRollup, MonthlyRollup
from .rollups import working_time

CHUNK = 5000  # rows per round trip of the streaming queries
KEY_COLUMNS = ("day", "competent_agency_id", "receiving_agency_id", "procedure_id", "channel")


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


def _events(start: date, end: date):
    low, high = _bounds(start, end)
    return Event.objects.filter(
        at__gte=low, at__lt=high, dossier__receiving_agency__isnull=False
    ).order_by()


def compute(start: date, end: date) -> dict[tuple, dict[str, int]]:
    """Counters per roll-up key for the events of local days start..end (inclusive)."""
    return {row[:5]: dict(zip(COUNTERS, row[5:], strict=True)) for row in _rows(start, end)}


def _rows(start: date, end: date):
    """The roll-up rows of local days start..end as tuples (key, then COUNTERS in order),
    rows whose counters are all zero left out: one GROUP BY over the events, plus the
    processing times computed in Python for the decisions."""
    events = _events(start, end)
    exprs = _counter_expressions()
    names = list(exprs)
    seconds = _processing_seconds(events)
    position = {name: 5 + i for i, name in enumerate(names)}
    order = [position.get(name) for name in COUNTERS]  # None: processing_seconds
    grouped = events.annotate(**KEYS).values(*KEYS).annotate(**exprs).values_list(*KEYS, *names)
    for row in _stream(grouped):
        day = row[0]
        if isinstance(day, str):
            day = date.fromisoformat(day)
        key = (day, *row[1:5])
        values = tuple(seconds.get(key, 0) if i is None else int(row[i] or 0) for i in order)
        if any(values):
            yield (*key, *values)


def _stream(queryset):
    """The queryset's rows as raw tuples from a server-side cursor: Django's per-value
    converters took a third of the rebuild on thirty columns of plain integers."""
    sql, params = queryset.query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield from rows


def _insert_daily(rows) -> int:
    """Write roll-up tuples: COPY on PostgreSQL, executemany elsewhere (no model instances:
    bulk_create spent 60 % of the rebuild preparing 36 k objects' values)."""
    qn = connection.ops.quote_name
    table = qn(DailyRollup._meta.db_table)
    columns = ", ".join(qn(c) for c in (*KEY_COLUMNS, *COUNTERS))
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * (5 + len(COUNTERS)))})"
        batch: list[tuple] = []
        for row in rows:
            batch.append((row[0].isoformat(), *row[1:]))
            if len(batch) >= CHUNK:
                cursor.executemany(sql, batch)
                written += len(batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)
            written += len(batch)
    return written


def _processing_seconds(events) -> dict[tuple, int]:
    """Sum of the working time to decision per key, for the decision events of `events`.

    Two streaming queries ordered by dossier, merged here: the decisions with the few dossier
    columns the computation needs (no model instances), and the ended pauses of those dossiers.
    The work calendar is looked up once per agency."""
    decisions = events.filter(action__in=[Action.APPROVE, Action.DENY])
    rows = decisions.order_by("dossier_id").values_list(
        "dossier_id",
        "at",
        "dossier__competent_agency_id",
        "dossier__receiving_agency_id",
        "dossier__procedure_id",
        "dossier__channel",
        "dossier__received_at",
        "dossier__decided_at",
        "dossier__procedure_version__cutoff_time",
    )
    pauses = (
        Pause.objects.filter(ended_at__isnull=False, dossier_id__in=decisions.values("dossier_id"))
        .order_by("dossier_id")
        .values_list("dossier_id", "started_at", "ended_at")
        .iterator(chunk_size=CHUNK)
    )
    calendars: dict[int, object] = {}
    out: dict[tuple, int] = defaultdict(int)
    pending = next(pauses, None)
    current, current_pauses = None, []
    for dossier_id, at, comp, recv, proc, channel, received, decided, cutoff in rows.iterator(
        chunk_size=CHUNK
    ):
        if dossier_id != current:
            current, current_pauses = dossier_id, []
            while pending is not None and pending[0] < dossier_id:
                pending = next(pauses, None)
            while pending is not None and pending[0] == dossier_id:
                current_pauses.append((pending[1], pending[2]))
                pending = next(pauses, None)
        cal = calendars.get(comp)
        if cal is None:
            cal = calendars[comp] = get_work_calendar(comp)
        seconds = working_time(cal, received, decided, cutoff, current_pauses).total_seconds()
        out[(local_date(at), comp, recv, proc, channel)] += int(seconds)
    return out


def _tune_session() -> None:
    """PostgreSQL, for this transaction only: no JIT (compiling the thirty FILTER aggregates
    took 5 of the 6 seconds of the query on 150 k events) and enough work_mem to sort or hash a
    month of events in memory."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '128MB'")


def _months(start: date, end: date):
    """start..end cut at month boundaries: the rebuild works one month at a time, so that its
    memory does not grow with the history."""
    low = start
    while low <= end:
        following = (low.replace(day=28) + timedelta(days=4)).replace(day=1)
        high = min(end, following - timedelta(days=1))
        yield low, high
        low = following


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
        _tune_session()
        stale = DailyRollup.objects.all()
        if not everything:  # a full rebuild also drops rows of days without events
            stale = stale.filter(day__gte=start, day__lte=end)
        stale.delete()  # no cascades nor signals: Django issues one DELETE
        written = 0
        for low, high in _months(start, end):
            # A month's rows are read in full before writing (a COPY cannot run while a
            # server-side cursor streams on the same connection); memory: one month.
            written += _insert_daily(list(_rows(low, high)))
        rebuild_months(None if everything else start, None if everything else end)
    return written


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
    # INSERT … SELECT: the monthly rows never travel through Python.
    sql, params = rows.query.sql_with_params()
    qn = connection.ops.quote_name
    columns = ["day", *keys[1:], *COUNTERS]
    selected = [qn(c) for c in keys] + [f"COALESCE({qn(c)}, 0)" for c in COUNTERS]
    insert = (
        f"INSERT INTO {qn(MonthlyRollup._meta.db_table)} ({', '.join(qn(c) for c in columns)}) "
        f"SELECT {', '.join(selected)} FROM ({sql}) grouped"
    )
    with transaction.atomic():
        _lock_rollups()
        monthly.delete()
        with connection.cursor() as cursor:
            cursor.execute(insert, params)
            written = cursor.rowcount
    return written
