"""Incremental maintenance of the daily roll-ups: each dossier event adds to one DailyRollup row,
in the action's own transaction (dossiers.signals.event_appended), so that a roll-up never
counts an action that rolled back nor misses one that committed.

The mapping from an event to counter increments is `counters_for_event`; rebuild.py computes
the same counters from the events with set-based SQL, and the tests check that they agree.
Cost per action: two upserts (the day's row and the month's row); a decision adds one query (pauses) for the processing time, a final
event one query (attachments) for digitisation.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection

from motcua.catalog.models import OnlineLevel
from motcua.dossiers.lifecycle import Action, Channel, State, outcome
from motcua.dossiers.models import AttachmentKind, Dossier, Event, Pause
from motcua.dossiers.regimes import local_date
from motcua.worktime import deadlines
from motcua.worktime.selectors import get_work_calendar

from .indicators import COUNTERS
from .models import DailyRollup, MonthlyRollup

# The actions after which a received dossier is in a final state.
FINAL_ACTIONS = frozenset({Action.DELIVER, Action.STOP, Action.WITHDRAW})


def processing_time(dossier: Dossier) -> timedelta:
    """Working time from the clock start (cutoff applied) to the decision, pauses excluded, on
    the competent agency's calendar (as the due time is counted)."""
    pauses = Pause.objects.filter(
        dossier_id=dossier.pk, ended_at__isnull=False, started_at__gte=dossier.received_at
    ).values_list("started_at", "ended_at")
    return working_time_to_decision(dossier, list(pauses))


def working_time_to_decision(dossier: Dossier, pauses: list[tuple[datetime, datetime]]):
    """processing_time with the dossier's ended pauses given."""
    return working_time(
        get_work_calendar(dossier.competent_agency_id),
        dossier.received_at,
        dossier.decided_at,
        dossier.procedure_version.cutoff_time,
        pauses,
    )


def working_time(cal, received_at, decided_at, cutoff, pauses) -> timedelta:
    """The processing time from plain values (rebuild streams them, without model instances):
    working time from the clock start (cutoff applied) to the decision, minus the ended pauses
    that began after the receipt."""
    start = deadlines.clock_start(cal, received_at, cutoff)
    if decided_at <= start:
        return timedelta(0)
    pauses = sorted(p for p in pauses if p[0] >= received_at)
    return deadlines.working_time_between(cal, start, decided_at, pauses)


def _attachment_flags(dossier: Dossier) -> tuple[bool, bool, bool]:
    """(digitised, reused, has an electronic result) from the dossier's attachments."""
    rows = list(dossier.attachments.values_list("kind", "digitised", "reused_from_id").order_by())
    submitted = [r for r in rows if r[0] == AttachmentKind.SUBMISSION]
    paper = any(not digitised and reused is None for _k, digitised, reused in submitted)
    digitised = bool(submitted) and (dossier.channel == Channel.ONLINE or not paper)
    reused = any(r[2] is not None for r in rows)
    result = any(r[0] == AttachmentKind.RESULT for r in rows)
    return digitised, reused, result


def _ended_late(dossier: Dossier, end: datetime) -> bool:
    return dossier.supplement_requests > 1 or end > dossier.due_at


def counters_for_event(event: Event, dossier: Dossier) -> dict[str, int]:
    """The counter increments one event causes (dossier: its state right after the event)."""
    action = event.action
    c: dict[str, int] = {}
    if action == Action.SUBMIT:
        c["submitted"] = 1
    elif action == Action.ACCEPT:
        c["received"] = 1
        if dossier.channel == Channel.ONLINE:
            level = dossier.procedure_version.online
            if level == OnlineLevel.FULL:
                c["received_online_full"] = 1
            elif level == OnlineLevel.PARTIAL:
                c["received_online_partial"] = 1
    elif action == Action.REQUEST_SUPPLEMENT:
        key = "supplement_requested" if event.from_state == State.PROCESSING else None
        c[key or "reception_supplement_requested"] = 1
    elif action == Action.REFUSE:
        c["refused"] = 1
    elif action in (Action.APPROVE, Action.DENY):
        c["decided"] = 1
        c["approved" if action == Action.APPROVE else "denied"] = 1
        kind = outcome(dossier.due_at, dossier.decided_at, dossier.supplement_requests)
        c[f"resolved_{kind.value}"] = 1
        c["processing_seconds"] = int(processing_time(dossier).total_seconds())
    elif action == Action.EXTEND:
        c["extended"] = 1
    elif action == Action.REQUEST_PAYMENT:
        c["payment_requested"] = 1
    elif action == Action.PAY:
        amount = int((event.data or {}).get("amount") or 0)
        c["paid"] = 1
        c["paid_amount"] = amount
        if event.role == "applicant":
            c["paid_online"] = 1
            c["paid_online_amount"] = amount
    if action == Action.STOP:
        c["stopped"] = 1
    elif action == Action.WITHDRAW:
        c["withdrawn"] = 1
    elif action == Action.DELIVER:
        c["returned"] = 1
    if action in FINAL_ACTIONS and dossier.received_at is not None:
        c["finished"] = 1
        digitised, reused, result = _attachment_flags(dossier)
        c["digitised"] = int(digitised)
        c["reused"] = int(reused)
        if action == Action.DELIVER:
            c["result_electronic"] = int(result)
        else:
            late = _ended_late(dossier, dossier.ended_at)
            c["closed_late" if late else "closed_in_time"] = 1
    return {k: v for k, v in c.items() if v}


def rollup_key(event: Event, dossier: Dossier) -> tuple:
    return (
        local_date(event.at),
        dossier.competent_agency_id,
        dossier.receiving_agency_id,
        dossier.procedure_id,
        dossier.channel,
    )


def add(key: tuple, increments: dict[str, int], model=DailyRollup) -> None:
    """Add `increments` to the row `key` (created if missing): one INSERT … ON CONFLICT DO UPDATE
    statement, atomic under concurrency on PostgreSQL and SQLite alike."""
    if not increments:
        return
    unknown = set(increments) - set(COUNTERS)
    if unknown:
        raise ValueError(f"unknown counters {sorted(unknown)}")
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    names = sorted(increments)
    key_cols = ["day", "competent_agency_id", "receiving_agency_id", "procedure_id", "channel"]
    # Columns without a value here get 0 (the model default is Python-side only).
    zero = [n for n in COUNTERS if n not in increments]
    cols = key_cols + names + zero
    values = [*key, *(increments[n] for n in names)]
    placeholders = ", ".join(["%s"] * len(values) + ["0"] * len(zero))
    updates = ", ".join(f"{qn(n)} = {table}.{qn(n)} + excluded.{qn(n)}" for n in names)
    sql = (
        f"INSERT INTO {table} ({', '.join(qn(c) for c in cols)}) VALUES ({placeholders}) "
        f"ON CONFLICT ({', '.join(qn(c) for c in key_cols)}) DO UPDATE SET {updates}"
    )
    day = key[0]
    values[0] = day.isoformat() if connection.vendor == "sqlite" else day
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


def on_event_appended(sender, event: Event, dossier: Dossier, **kwargs) -> None:
    if dossier.receiving_agency_id is None:  # never for a real dossier (create_dossier sets it)
        return
    key = rollup_key(event, dossier)
    increments = counters_for_event(event, dossier)
    add(key, increments)
    add((key[0].replace(day=1), *key[1:]), increments, MonthlyRollup)
