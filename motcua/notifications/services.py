"""The outbox: queue (in the caller's transaction), claim, deliver, retry, flush; and the
periodic notices (due soon to applicants, the officers' daily digest).

Guarantees (docs/notifications.md): a message exists iff its cause committed; it is delivered at
least once while attempts remain; a provider that honours the idempotency key (the message's
uuid) shows it once. The row is the source of truth, the broker only a wake-up call.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from motcua.agencies.models import Membership, Role
from motcua.dossiers.forms import tracking_url
from motcua.dossiers.lifecycle import Action, State, clock_running, is_overdue
from motcua.dossiers.models import Dossier, Event, ResultKind
from motcua.worktime.deadlines import VN_TZ, working_time_between
from motcua.worktime.selectors import get_work_calendar

from . import conf
from .channels.base import Outgoing, PermanentError
from .channels.registry import get_adapter
from .models import ChannelKind, Kind, Message, MessageState

log = logging.getLogger(__name__)

# The dossier events the applicant is told about. Others (forward, assign…) are internal.
EVENT_KINDS: dict[str, str] = {
    Action.ACCEPT: Kind.RECEIVED,
    Action.REQUEST_SUPPLEMENT: Kind.SUPPLEMENT_REQUESTED,
    Action.REFUSE: Kind.REFUSED,
    Action.EXTEND: Kind.LATE_NEW_APPOINTMENT,
    Action.APPROVE: Kind.RESULT_READY,
    Action.DENY: Kind.RESULT_READY,
    Action.PAY: Kind.PAID,
}

# --- rendering ------------------------------------------------------------------------------------


def format_time(value: datetime | None) -> str:
    """dd/mm/yyyy HH:MM in Asia/Ho_Chi_Minh."""
    if value is None:
        return ""
    return value.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


def format_amount(value) -> str:
    try:
        return f"{int(value):,}".replace(",", ".")
    except (TypeError, ValueError):
        return ""


def _parse_time(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def dossier_context(dossier: Dossier, event: Event | None = None) -> dict:
    data = event.data if event is not None else {}
    agency = dossier.receiving_agency or dossier.competent_agency
    items = data.get("items") or []
    return {
        "dossier": dossier,
        "code": dossier.code or "",
        "procedure": dossier.procedure_version.name,
        "applicant_name": dossier.applicant_name,
        "due": format_time(dossier.due_at),
        "previous_due": format_time(_parse_time(data.get("previous_due_at"))),
        "tracking_url": tracking_url(dossier.code, dossier.tracking_secret) if dossier.code else "",
        "place": ", ".join(part for part in (agency.name, agency.address) if part),
        "items": [item.get("name", "") if isinstance(item, dict) else str(item) for item in items],
        "reason": data.get("reason", ""),
        "amount": format_amount(data.get("amount")),
        "approved": dossier.result_kind == ResultKind.APPROVED,
        "online_payment": dossier.state == State.PROCESSING,
    }


def render(kind: str, channel: str, context: dict) -> tuple[str, str]:
    """(subject, body) from notifications/<kind>.subject.txt and <kind>.<channel>.txt, in
    Vietnamese whatever the language of the request that caused them."""
    with translation.override("vi"):
        body = render_to_string(f"notifications/{kind}.{channel}.txt", context).strip()
        subject = ""
        if channel == ChannelKind.EMAIL:
            subject = " ".join(
                render_to_string(f"notifications/{kind}.subject.txt", context).split()
            )
    return subject[:255], body + "\n"


# --- queueing -------------------------------------------------------------------------------------


def applicant_contacts(dossier: Dossier) -> list[tuple[str, str]]:
    """(channel, recipient) for each enabled channel the applicant gave a contact for."""
    enabled = conf.channels()
    email = dossier.applicant_email
    if not email and dossier.applicant_user_id:
        email = dossier.applicant_user.email
    phone = "".join(ch for ch in dossier.applicant_phone if ch.isdigit() or ch == "+")
    contacts = []
    if email and ChannelKind.EMAIL in enabled:
        contacts.append((ChannelKind.EMAIL.value, email))
    if phone and ChannelKind.SMS in enabled:
        contacts.append((ChannelKind.SMS.value, phone))
    return contacts


def enqueue(
    *,
    kind: str,
    channel: str,
    recipient: str,
    subject: str,
    body: str,
    dedupe_key: str,
    dossier: Dossier | None = None,
    event: Event | None = None,
    user=None,
    now: datetime | None = None,
) -> uuid.UUID:
    """Write a pending message in the current transaction; after commit, wake a worker.

    A second call with the same dedupe key changes nothing (ON CONFLICT DO NOTHING, no error that
    would abort the caller's transaction)."""
    key = uuid.uuid4()
    Message.objects.bulk_create(
        [
            Message(
                uuid=key,
                dossier=dossier,
                event=event,
                user=user,
                kind=kind,
                channel=channel,
                recipient=recipient[:255],
                subject=subject,
                body=body,
                dedupe_key=dedupe_key,
                next_attempt_at=now or timezone.now(),
            )
        ],
        ignore_conflicts=True,
    )
    # robust: a broker outage must not turn a committed action into an error page; the flush
    # delivers the row later.
    transaction.on_commit(lambda: schedule(str(key)), robust=True)
    return key


def schedule(key: str) -> None:
    from .tasks import deliver_message

    deliver_message.delay(key)


def on_event(event: Event, dossier: Dossier) -> list[uuid.UUID]:
    """The receiver of dossiers.signals.event_appended (inside the action's transaction)."""
    kind = EVENT_KINDS.get(event.action)
    if kind is None:
        return []
    context = dossier_context(dossier, event)
    keys = []
    for channel, recipient in applicant_contacts(dossier):
        subject, body = render(kind, channel, context)
        keys.append(
            enqueue(
                kind=kind,
                channel=channel,
                recipient=recipient,
                subject=subject,
                body=body,
                dedupe_key=f"event:{event.pk}:{kind}:{channel}",
                dossier=dossier,
                event=event,
            )
        )
    return keys


# --- delivery -------------------------------------------------------------------------------------


def _claimable(now: datetime) -> Q:
    return Q(state__in=[MessageState.PENDING, MessageState.FAILED], next_attempt_at__lte=now) | Q(
        state=MessageState.SENDING, lease_until__lt=now
    )


def claim(key: str, now: datetime | None = None) -> Message | None:
    """Take the message for one attempt: `sending` with a lease, or None if it is not due, is
    done, or another worker holds it (skip_locked: no waiting on a row being claimed)."""
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(skip_locked=True)
            .filter(_claimable(now), uuid=key)
            .first()
        )
        if message is None:
            return None
        message.state = MessageState.SENDING
        message.attempts += 1
        message.lease_until = now + timedelta(seconds=conf.lease_seconds())
        message.save(update_fields=["state", "attempts", "lease_until"])
    return message


def backoff(attempts: int) -> timedelta:
    """Delay before the next attempt after `attempts` failed ones: base × 2^(attempts−1), capped."""
    seconds = conf.backoff_base() * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, conf.backoff_max()))


def _finish(message: Message, **fields) -> bool:
    # Only the holder of this attempt may record its outcome: a worker whose lease expired and
    # was taken over finds 0 rows here and leaves the row to the new holder.
    updated = Message.objects.filter(
        pk=message.pk, state=MessageState.SENDING, attempts=message.attempts
    ).update(lease_until=None, **fields)
    return updated == 1


def deliver(key: str, now: datetime | None = None) -> str | None:
    """One delivery attempt of the message `key`; its new state, or None if not claimed."""
    message = claim(key, now)
    if message is None:
        return None
    outgoing = Outgoing(str(message.uuid), message.recipient, message.subject, message.body)
    try:
        provider_id = get_adapter(message.channel).send(outgoing)
    except PermanentError as exc:
        _finish(message, state=MessageState.DEAD, last_error=str(exc)[:2000])
        log.warning("notification %s dead: %s", key, exc)
        return MessageState.DEAD
    except Exception as exc:  # noqa: BLE001 - any provider failure is retried
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if message.attempts >= conf.max_attempts():
            _finish(message, state=MessageState.DEAD, last_error=error)
            log.error("notification %s dead after %s attempts: %s", key, message.attempts, error)
            return MessageState.DEAD
        _finish(
            message,
            state=MessageState.FAILED,
            last_error=error,
            next_attempt_at=timezone.now() + backoff(message.attempts),
        )
        log.warning("notification %s failed (attempt %s): %s", key, message.attempts, error)
        return MessageState.FAILED
    _finish(
        message,
        state=MessageState.SENT,
        sent_at=timezone.now(),
        provider_id=str(provider_id)[:255],
        last_error="",
    )
    return MessageState.SENT


def due_keys(now: datetime | None = None, grace: int | None = None, limit: int = 1000) -> list:
    """Messages a worker should try now: failed ones whose backoff is over, `sending` ones whose
    lease expired (a worker died), and pending ones older than the grace period (their task was
    lost: broker restart, or the process died between commit and enqueue)."""
    now = now or timezone.now()
    grace = conf.flush_grace_seconds() if grace is None else grace
    due = (
        Q(state=MessageState.PENDING, next_attempt_at__lte=now - timedelta(seconds=grace))
        | Q(state=MessageState.FAILED, next_attempt_at__lte=now)
        | Q(state=MessageState.SENDING, lease_until__lt=now)
    )
    rows = Message.objects.filter(due).order_by("next_attempt_at", "id")
    return [str(key) for key in rows.values_list("uuid", flat=True)[:limit]]


def flush(now: datetime | None = None, grace: int | None = None) -> int:
    """Queue a delivery task for every due message (in-process when Celery is eager)."""
    from .tasks import deliver_message

    keys = due_keys(now, grace)
    for key in keys:
        deliver_message.delay(key)
    return len(keys)


# --- due soon and the digest ------------------------------------------------------------------------

# Prefilter before the exact working-time test: one working day never spans more than this many
# calendar days (Tết and the longest holiday runs included).
HORIZON = timedelta(days=14)


@dataclass
class Attention:
    dossier: Dossier
    overdue: bool


def attention(dossier: Dossier, now: datetime) -> Attention | None:
    """Overdue, or due within one working day (of the competent agency's calendar), while the
    clock runs; else None."""
    pauses_payment = dossier.paused_since is not None
    # After the decision, awaiting payment never counts against the due time.
    previous = dossier.previous_state or None
    if is_overdue(
        dossier.due_at,
        now,
        dossier.state,
        payment_pauses_clock=pauses_payment,
        previous_state=previous,
    ):
        return Attention(dossier, True)
    if dossier.due_at is None or not clock_running(
        dossier.state, payment_pauses_clock=pauses_payment, previous_state=previous
    ):
        return None
    cal = get_work_calendar(dossier.competent_agency_id)
    if working_time_between(cal, now, dossier.due_at) <= cal.day_length:
        return Attention(dossier, False)
    return None


def attention_list(now: datetime) -> list[Attention]:
    rows = (
        Dossier.objects.filter(
            state__in=[State.PROCESSING, State.AWAITING_PAYMENT],
            due_at__isnull=False,
            due_at__lte=now + HORIZON,
        )
        .select_related("procedure_version", "current_agency", "competent_agency")
        .order_by("due_at", "id")
    )
    return [found for d in rows if (found := attention(d, now)) is not None]


def send_due_soon(now: datetime | None = None) -> int:
    """Remind each applicant once (per due time: a new appointment gets a new reminder) that
    the result is due within one working day. Overdue dossiers get none: the officers' digest
    and the apology letter deal with them."""
    now = now or timezone.now()
    count = 0
    for found in attention_list(now):
        if found.overdue:
            continue
        d = found.dossier
        context = dossier_context(d)
        stamp = int(d.due_at.timestamp())
        for channel, recipient in applicant_contacts(d):
            subject, body = render(Kind.DUE_SOON, channel, context)
            with transaction.atomic():
                enqueue(
                    kind=Kind.DUE_SOON,
                    channel=channel,
                    recipient=recipient,
                    subject=subject,
                    body=body,
                    dedupe_key=f"due_soon:{d.pk}:{stamp}:{channel}",
                    dossier=d,
                )
            count += 1
    return count


DIGEST_ROLES = (Role.RECEPTIONIST, Role.SPECIALIST, Role.LEADER)


def digest_for(user, found: list[Attention], leader_agencies: set[int]) -> list[Attention]:
    """The user's dossiers (current officer) and, for a leader, those at their agencies."""
    return [
        a
        for a in found
        if a.dossier.current_officer_id == user.pk or a.dossier.current_agency_id in leader_agencies
    ]


def send_digests(now: datetime | None = None) -> int:
    """One email per officer with an email address and something to see: their dossiers (and,
    for leaders, their agency's) overdue or due within one working day. Once per officer per
    day (in Vietnam)."""
    now = now or timezone.now()
    found = attention_list(now)
    if not found:
        return 0
    memberships = Membership.objects.filter(
        is_active=True, role__in=DIGEST_ROLES, user__is_active=True
    ).select_related("user")
    users, leading = {}, defaultdict(set)
    for m in memberships:
        users[m.user_id] = m.user
        if m.role == Role.LEADER:
            leading[m.user_id].add(m.agency_id)
    day = now.astimezone(VN_TZ).date()
    count = 0
    for user_id, user in sorted(users.items()):
        if not user.email:
            continue
        mine = digest_for(user, found, leading[user_id])
        if not mine:
            continue
        context = {
            "name": user.get_full_name() or user.get_username(),
            "day": day.strftime("%d/%m/%Y"),
            "overdue": [_digest_line(a) for a in mine if a.overdue],
            "due_soon": [_digest_line(a) for a in mine if not a.overdue],
            "worklist_url": conf.base_url() + reverse("backoffice:worklist"),
        }
        subject, body = render(Kind.DIGEST, ChannelKind.EMAIL, context)
        with transaction.atomic():
            enqueue(
                kind=Kind.DIGEST,
                channel=ChannelKind.EMAIL,
                recipient=user.email,
                subject=subject,
                body=body,
                dedupe_key=f"digest:{user_id}:{day.isoformat()}",
                user=user,
            )
        count += 1
    return count


def _digest_line(a: Attention) -> dict:
    d = a.dossier
    ref = d.code or str(d.public_id)
    return {
        "code": ref,
        "procedure": d.procedure_version.name,
        "due": format_time(d.due_at),
        "agency": d.current_agency.name if d.current_agency else "",
        "url": conf.base_url() + reverse("backoffice:dossier", args=[ref]),
    }
