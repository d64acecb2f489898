"""Every write on a dossier: one function per lifecycle action, each in one transaction.

Each action
1. locks the dossier row (SELECT … FOR UPDATE on PostgreSQL; SQLite serialises transactions) and,
   when the caller passes `expected_version`, refuses with DossierConflict if someone acted since;
2. works out who the actor is for this dossier (applicant, or a receptionist, specialist or leader
   through their memberships in the receiving agency and the agency of the current step, and
   whether they are the step's officer) and builds the lifecycle's DossierFacts;
3. asks the pure state machine (`lifecycle.apply`) for the transition — a refusal becomes
   ActionDenied (about who) or ActionInvalid (about the input or the state);
4. carries out the transition's effects (code, due time, control-sheet steps, pauses, apology,
   result, delivery, end time), bumps `version` and appends exactly one hash-chained Event.

Nothing else changes a dossier's state. Dossier actions write no AuditEntry: the event log is
their audit. See docs/dossiers.md.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import weakref
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import AdministrativeUnit, Agency, AgencyKind, Role, UnitLevel
from motcua.agencies.selectors import full_name, held_roles, memberships_of
from motcua.catalog.models import STEP_ROLES, Procedure, Step, TimeUnit
from motcua.worktime import deadlines
from motcua.worktime.deadlines import WorkCalendar
from motcua.worktime.selectors import get_work_calendar

from . import chain, identity, routing, signals, uploads
from .codes import format_code, tracking_secret
from .errors import (
    ActionDenied,
    ActionInvalid,
    DossierConflict,
    IdempotencyMismatch,
    from_transition_error,
)
from .lifecycle import (
    FORM_EFFECTS,
    Action,
    ActorKind,
    Channel,
    DossierFacts,
    Effect,
    State,
    Transition,
    TransitionError,
    Violation,
    check,
)
from .lifecycle import apply as lifecycle_apply
from .models import (
    Apology,
    ApplicantKind,
    Attachment,
    AttachmentKind,
    CodeSequence,
    Dossier,
    Event,
    IdempotencyKey,
    Pause,
    PauseKind,
    ResultKind,
    StepRecord,
)
from .regimes import local_date, regime_for
from .selectors import LIST_RELATED, sent_attachment_ids

IDEMPOTENCY_SCOPE = "dossiers.create_dossier"


def payment_pauses_clock() -> bool:
    # UNSURE (domain.md §3): whether awaiting payment pauses the clock; default yes.
    return bool(getattr(settings, "MOTCUA_PAYMENT_PAUSES_CLOCK", True))


# --- small helpers --------------------------------------------------------------------------------


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return timezone.now()
    if timezone.is_naive(now):
        raise ValueError("`now` must be timezone-aware")
    return now


def _require_user(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise ActionDenied("not_authenticated", _("Bạn cần đăng nhập để thực hiện thao tác này."))


def _jsonable(value):
    """Event data as plain JSON, so that the hash computed now equals the one computed from the
    row read back (tuples → lists, datetimes → canonical UTC text, Decimal → text)."""
    if isinstance(value, datetime):
        return chain.canonical_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(_jsonable(v) for v in value)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return str(value)
    return str(value)  # str subclasses (enums) and lazy text


def _user(value, field: str):
    """A user from an instance or a primary key."""
    if value is None or value == "":
        return None
    User = get_user_model()
    if isinstance(value, User) and value.is_active:
        return value
    if isinstance(value, User):
        value = value.pk  # an inactive account is not found below
    try:
        return User.objects.get(pk=value, is_active=True)
    except (User.DoesNotExist, ValueError, TypeError, ValidationError):
        raise ActionInvalid(
            "user_not_found", _("Không tìm thấy cán bộ được chọn."), field=field
        ) from None


def _agency(value, field: str) -> Agency | None:
    """An agency from an instance, a primary key or an e-ID."""
    if value is None or value == "":
        return None
    if isinstance(value, Agency):
        agency = value
    else:
        query = Agency.objects.filter(is_active=True)
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            agency = query.filter(pk=int(value)).first()
        else:
            agency = query.filter(e_id=str(value).strip().upper()).first()
    if agency is None or not agency.is_active:
        raise ActionInvalid("agency_not_found", _("Không tìm thấy cơ quan được chọn."), field=field)
    return agency


def _roles_by_agency(user, agency_ids: Iterable[int | None]) -> dict[int, set[str]]:
    ids = {a for a in agency_ids if a is not None}
    roles: dict[int, set[str]] = {}
    if not ids:
        return roles
    # held_roles: read once per API request (agencies.selectors.memberships_memo).
    for agency_id, role in held_roles(user):
        if agency_id in ids:
            roles.setdefault(agency_id, set()).add(role)
    return roles


def _holds(user, agency: Agency, roles: Iterable[str]) -> bool:
    wanted = set(roles)
    return any(a == agency.pk and r in wanted for a, r in held_roles(user))


def _steps(dossier: Dossier) -> list[Step]:
    # A version's steps never change once published: kept on the instance, so that an action
    # and the facts read for its answer (allowed actions) read them once.
    cached = dossier.__dict__.get("_version_steps")
    if cached is None or cached[0] != dossier.procedure_version_id:
        steps = list(dossier.procedure_version.steps.order_by("position"))
        cached = dossier.__dict__["_version_steps"] = (dossier.procedure_version_id, steps)
    return list(cached[1])


def _calendar(dossier: Dossier) -> WorkCalendar:
    # Deadlines count on the competent agency's working week and sessions.
    return get_work_calendar(dossier.competent_agency_id)


# --- facts and actors -----------------------------------------------------------------------------


def _base_facts(d: Dossier, now: datetime, steps: list[Step], cal: WorkCalendar) -> DossierFacts:
    count = routing.processing_count(steps)
    until_due = None
    if d.due_at is not None and d.state == State.PROCESSING:
        until_due = deadlines.working_time_between(cal, now, d.due_at)
    return DossierFacts(
        state=d.state,
        now=now,
        channel=d.channel,
        # After the decision the dossier waits at the return step; the lifecycle counts only the
        # steps up to the decision.
        step_index=min(d.step_index, max(count - 1, 0)),
        steps=count,
        supplement_requests=d.supplement_requests,
        reception_supplement_requests=d.reception_supplement_requests,
        extended=d.extended,
        due_at=d.due_at,
        previous_state=d.previous_state or None,
        paused=d.paused_since is not None,
        received_at=d.received_at,
        regime=d.regime if d.received_at else None,
        agency=str(d.current_agency_id) if d.current_agency_id else None,
        working_time_until_due=until_due,
        working_day=cal.day_length,
        payment_pauses_clock=payment_pauses_clock(),
    )


def _candidates(
    d: Dossier, user, base: DossierFacts, roles: dict[int, set[str]] | None = None
) -> list[tuple[ActorKind, DossierFacts]]:
    """The capacities in which `user` may try to act on `d`, each with its facts."""
    if roles is None:
        roles = _roles_by_agency(user, (d.current_agency_id, d.receiving_agency_id))
    at_step = roles.get(d.current_agency_id, set())
    at_reception = roles.get(d.receiving_agency_id, set())
    officer = d.current_officer_id is not None and d.current_officer_id == user.pk
    out = []
    for kind in (ActorKind.RECEPTIONIST, ActorKind.SPECIALIST, ActorKind.LEADER):
        # A receptionist of the receiving center keeps the desk's actions (supplement on
        # behalf of the applicant, collect payment, stop, deliver) wherever the dossier is.
        if kind in at_step or (kind == ActorKind.RECEPTIONIST and kind in at_reception):
            facts = replace(
                base, is_current_step_officer=officer, actor_in_step_agency=kind in at_step
            )
            out.append((kind, facts))
    if d.applicant_user_id is not None and d.applicant_user_id == user.pk:
        out.append((ActorKind.APPLICANT, base))
    return out


def facts_for(dossier: Dossier, user, *, now: datetime | None = None):
    """[(actor kind, DossierFacts)] for `user` on `dossier` (read-only; used by selectors)."""
    now = _aware(now)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    steps = _steps(dossier)
    base = _base_facts(dossier, now, steps, _calendar(dossier))
    return _candidates(dossier, user, base)


def _choose(action: Action, candidates) -> tuple[ActorKind, DossierFacts]:
    """The first capacity in which the action is allowed; else the most telling refusal."""
    best = None
    for kind, facts in candidates:
        decision = check(action, facts, kind)
        if decision.ok:
            return kind, facts
        codes = decision.codes
        rank = ("actor_not_allowed" in codes, "state_not_allowed" in codes, len(codes))
        if best is None or rank < best[0]:
            best = (rank, decision)
    if best is None:
        raise ActionDenied()
    violations = best[1].violations
    raise from_transition_error(
        TransitionError(violations[0].code, violations[0].message, violations)
    )


# --- the operation: lock, decide, record ----------------------------------------------------------


@dataclass
class _Operation:
    dossier: Dossier
    user: Any
    action: Action
    now: datetime
    steps: list[Step]
    cal: WorkCalendar
    kind: ActorKind | None = None
    transition: Transition | None = None
    event: Event | None = None
    agency_id: int | None = None  # where the actor acts from (the event's agency)
    received_before: bool = False

    def authorize(self) -> None:
        """Check who, state and guards before resolving the inputs, so that someone who may not
        act learns nothing about the inputs (ActionDenied before any input error)."""
        d = self.dossier
        base = _base_facts(d, self.now, self.steps, self.cal)
        _choose(self.action, _candidates(d, self.user, base))

    def apply(self, **fields) -> Transition:
        d = self.dossier
        base = _base_facts(d, self.now, self.steps, self.cal)
        roles = _roles_by_agency(self.user, (d.current_agency_id, d.receiving_agency_id))
        self.kind, facts = _choose(self.action, _candidates(d, self.user, base, roles))
        if self.kind != ActorKind.APPLICANT:
            at_step = self.kind in roles.get(d.current_agency_id, set())
            self.agency_id = d.current_agency_id if at_step else d.receiving_agency_id
        self.received_before = d.received_at is not None
        try:
            self.transition = lifecycle_apply(self.action, facts, self.kind, **fields)
        except TransitionError as exc:
            raise from_transition_error(exc) from None
        return self.transition

    def has(self, effect: Effect) -> bool:
        return effect in self.transition.effects

    def finish(self, *, data: dict | None = None) -> Event:
        """Record the new state, bump the version, append the event (with the cleaned note)."""
        t, d = self.transition, self.dossier
        note = t.fields.get("note", "")
        d.state = t.to_state
        d.version += 1
        d.save()
        payload = {
            "effects": [str(e) for e in t.effects],
            "forms": [str(FORM_EFFECTS[e]) for e in t.effects if e in FORM_EFFECTS],
            "national_codes": list(t.national_codes),
            **(data or {}),
        }
        if t.via:
            payload["via"] = [str(s) for s in t.via]
        self.event = append_event(
            d,
            action=self.action,
            at=self.now,
            actor=self.user,
            role=str(self.kind),
            agency_id=self.agency_id,
            from_state=t.from_state,
            to_state=t.to_state,
            from_step=t.from_step if self.received_before else None,
            to_step=d.step_index if d.received_at else None,
            note=note,
            data=payload,
        )
        return self.event


def _lock(pk: int, expected_version: int | None) -> Dossier:
    # `of`: lock the dossier row only, not the joined rows. The procedure, its version and the
    # agencies come with it: the actions (the code's agency) and the answer (the API's detail)
    # read them, one query each otherwise.
    locking = Dossier.objects.select_for_update(of=("self",))
    dossier = locking.select_related("procedure_version", *LIST_RELATED).get(pk=pk)
    if expected_version is not None and dossier.version != expected_version:
        raise DossierConflict(state=dossier.state, version=dossier.version)
    return dossier


@contextmanager
def _operation(dossier, actor, action: Action, *, expected_version, now):
    _require_user(actor)
    now = _aware(now)
    with transaction.atomic():
        locked = _lock(dossier.pk, expected_version)
        op = _Operation(locked, actor, action, now, _steps(locked), _calendar(locked))
        yield op
        if op.event is None:
            raise RuntimeError(f"{action} did not record its event")


def append_event(
    dossier: Dossier,
    *,
    action: str,
    at: datetime,
    actor,
    role: str,
    agency_id: int | None,
    from_state: str,
    to_state: str,
    from_step: int | None,
    to_step: int | None,
    note: str = "",
    data: dict | None = None,
) -> Event:
    """Append one event to the dossier's hash chain (call with the dossier row locked)."""
    last = (
        Event.objects.filter(dossier_id=dossier.pk)
        .order_by("-seq")
        .values_list("seq", "hash")
        .first()
    )
    seq, prev = (last[0] + 1, last[1]) if last else (1, chain.GENESIS)
    data = _jsonable(data or {})
    actor_id = getattr(actor, "pk", None)
    payload = chain.event_payload(
        dossier_id=dossier.pk,
        seq=seq,
        at=at,
        action=str(action),
        actor_id=actor_id,
        role=role,
        agency_id=agency_id,
        from_state=str(from_state),
        to_state=str(to_state),
        from_step=from_step,
        to_step=to_step,
        note=note,
        data=data,
    )
    event = Event.objects.create(
        dossier_id=dossier.pk,
        seq=seq,
        at=at,
        action=str(action),
        actor_id=actor_id,
        actor_name=full_name(actor) if actor_id else "",
        role=role,
        agency_id=agency_id,
        from_state=str(from_state),
        to_state=str(to_state),
        from_step=from_step,
        to_step=to_step,
        note=note,
        data=data,
        prev_hash=prev,
        hash=chain.compute_hash(prev, payload),
    )
    # Same transaction: the outbox and the roll-ups commit or roll back with the event.
    signals.event_appended.send(sender=Event, event=event, dossier=dossier)
    return event


# --- effects --------------------------------------------------------------------------------------


_NEXT_SEQUENCE_SQL = (
    "INSERT INTO dossiers_codesequence (agency_id, day, last) VALUES (%s, %s, 1) "
    "ON CONFLICT ON CONSTRAINT unique_code_sequence "
    "DO UPDATE SET last = dossiers_codesequence.last + 1 RETURNING last"
)


def _next_sequence(agency: Agency, day: date) -> int:
    """The next number of the agency's daily sequence: the row is locked until commit, so the
    numbers are gap-free (a rolled-back transaction gives its number back) and unique."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        # One statement: creates the day's row or takes the lock on it and counts.
        with connection.cursor() as cursor:
            cursor.execute(_NEXT_SEQUENCE_SQL, [agency.pk, day])
            return cursor.fetchone()[0]
    rows = CodeSequence.objects.select_for_update()
    row = rows.filter(agency=agency, day=day).first()
    if row is None:
        try:
            with transaction.atomic():
                row = CodeSequence.objects.create(agency=agency, day=day, last=0)
        except IntegrityError:
            # Another transaction created it first (and has committed): lock theirs.
            row = rows.get(agency=agency, day=day)
    row.last += 1
    row.save(update_fields=["last"])
    return row.last


def _issue_code(d: Dossier, at: datetime) -> None:
    agency = d.receiving_agency
    if agency is None:
        raise ActionInvalid(
            "no_receiving_agency", _("Hồ sơ chưa có nơi tiếp nhận nên chưa cấp được mã hồ sơ.")
        )
    d.code = format_code(agency.e_id, at, _next_sequence(agency, local_date(at)))


def _clock_start(d: Dossier, cal: WorkCalendar) -> datetime:
    return deadlines.clock_start(cal, d.received_at, d.procedure_version.cutoff_time)


def compute_due(d: Dossier, cal: WorkCalendar | None = None) -> datetime:
    """The due time of a received dossier: the version's limit from the clock start (cutoff
    applied), in working days or hours of the competent agency's calendar, before any pause."""
    cal = cal or _calendar(d)
    version = d.procedure_version
    start = _clock_start(d, cal)
    if version.time_unit == TimeUnit.WORKING_DAYS:
        return deadlines.add_working_days(cal, start, version.time_value)
    return deadlines.add_working_hours(cal, start, version.time_value)


def _clock_pauses(d: Dossier) -> list[tuple[datetime, datetime]]:
    return [
        (p.started_at, p.ended_at)
        for p in d.pauses.filter(ended_at__isnull=False, started_at__gte=d.received_at)
    ]


def _step_due(d: Dossier, cal: WorkCalendar, steps: list[Step], index: int) -> datetime:
    """A step's due time on the control sheet: the cumulative durations of the steps up to it,
    counted from the clock start, skipping the pauses so far."""
    hours = sum((s.working_hours for s in steps[: index + 1]), Decimal(0))
    due = deadlines.add_working_hours(cal, _clock_start(d, cal), hours, _clock_pauses(d))
    if d.extended:
        # The new appointment gives every step still to come the same extra working time.
        due = deadlines.add_working_time(cal, due, _extension(d, cal))
    return due


def _extension(d: Dossier, cal: WorkCalendar) -> timedelta:
    apology = Apology.objects.filter(dossier_id=d.pk).first()
    if apology is None:
        return timedelta(0)
    return deadlines.working_time_between(cal, apology.previous_due_at, apology.new_due_at)


def _open_record(d: Dossier) -> StepRecord | None:
    return d.step_records.filter(finished_at__isnull=True).order_by("-id").first()


def _start_record(op: _Operation, index: int, agency: Agency, officer) -> StepRecord:
    d, step = op.dossier, op.steps[index]
    return StepRecord.objects.create(
        dossier=d,
        index=index,
        name=step.name[:255],
        role=step.role,
        agency=agency,
        officer=officer,
        started_at=op.now,
        due_at=_step_due(d, op.cal, op.steps, index),
    )


def _close_record(op: _Operation, *, handed_to: str = "", note: str = "") -> StepRecord | None:
    record = _open_record(op.dossier)
    if record is None:
        return None
    record.finished_at = op.now
    record.officer_id = record.officer_id or op.user.pk
    record.handed_to = handed_to[:255]
    if note:
        record.note = note
    record.save(update_fields=["finished_at", "officer", "handed_to", "note"])
    return record


def _end_pause(op: _Operation, kind: str | None = None) -> Pause | None:
    pauses = op.dossier.pauses.filter(ended_at__isnull=True)
    if kind is not None:
        pauses = pauses.filter(kind=kind)
    pause = pauses.order_by("-started_at").first()
    if pause is not None:
        pause.ended_at = op.now
        pause.save(update_fields=["ended_at"])
    return pause


def _resume_clock(op: _Operation, pause: Pause | None) -> timedelta:
    """Move the due time (and the open step's) by exactly the working time of the pause."""
    d = op.dossier
    d.paused_since = None
    if pause is None or d.due_at is None:
        return timedelta(0)
    paused = deadlines.working_time_between(op.cal, pause.started_at, pause.ended_at)
    if paused > timedelta(0):
        d.due_at = deadlines.add_working_time(op.cal, d.due_at, paused)
        record = _open_record(d)
        if record is not None:
            record.due_at = deadlines.add_working_time(op.cal, record.due_at, paused)
            record.save(update_fields=["due_at"])
    return paused


def _attachment_ids(d: Dossier, attachments) -> list[int]:
    ids = sorted({getattr(a, "pk", a) for a in attachments or ()})
    if not ids:
        return []
    try:
        found = set(d.attachments.filter(pk__in=ids).values_list("pk", flat=True))
    except (ValueError, TypeError):
        found = set()
    if found != set(ids):
        raise ActionInvalid(
            "attachment_not_found",
            _("Tệp đính kèm không thuộc hồ sơ này."),
            field="attachments",
        )
    return ids


def _end(op: _Operation, reason: str) -> None:
    """A final state before a decision: the end time, and nothing left open."""
    d = op.dossier
    d.ended_at = op.now
    d.previous_state = ""
    d.paused_since = None
    d.current_officer = None
    _end_pause(op)
    _close_record(op, note=reason)


# --- creating a dossier ---------------------------------------------------------------------------

APPLICANT_FIELDS = {"kind", "name", "id_number", "phone", "email", "address", "commune"}
REPRESENTATIVE_FIELDS = {"name", "id_number", "phone"}
_REPRESENTATIVE_COLUMNS = (
    "representative_name",
    "representative_id_number",
    "representative_phone",
)


class _Errors:
    def __init__(self):
        self.items: list[tuple[str, str, Any]] = []

    def add(self, field: str, code: str, message) -> None:
        self.items.append((field, code, message))

    def raise_if_any(self, code: str, message) -> None:
        if self.items:
            field, _code, _message = self.items[0]
            raise ActionInvalid(
                code,
                message,
                violations=[Violation(c, m) for _f, c, m in self.items],
                field=field,
                errors={f: [str(m)] for f, _c, m in self.items},
            )


def _text(value, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit]


def _clean_id(kind: str, value: str, field: str, errors: _Errors) -> str:
    text = "".join(str(value or "").split())
    if not text:
        errors.add(field, "id_number_required", _("Phải nhập số định danh hoặc mã số thuế."))
        return ""
    try:
        if kind == ApplicantKind.CITIZEN:
            if identity.LEGACY_ID_CARD_RE.match(text):
                return text
            identity.validate_personal_id(text)
            return text
        return identity.parse_tax_code(text).number
    except ValidationError as exc:
        errors.add(field, exc.code or "invalid", exc.messages[0])
        return text


def _clean_phone(value, field: str, errors: _Errors) -> str:
    if not str(value or "").strip():
        return ""
    try:
        return identity.parse_phone(value).number
    except ValidationError as exc:
        errors.add(field, exc.code or "invalid_phone", exc.messages[0])
        return ""


def _clean_applicant(applicant: dict, representative: dict | None) -> dict:
    errors = _Errors()
    if not isinstance(applicant, dict):
        raise ActionInvalid("applicant_required", _("Thiếu thông tin người nộp hồ sơ."))
    unknown = set(applicant) - APPLICANT_FIELDS
    if representative is not None and not isinstance(representative, dict):
        raise ActionInvalid(
            "invalid_representative", _("Thông tin người được ủy quyền không hợp lệ.")
        )
    unknown |= {f"representative.{k}" for k in set(representative or {}) - REPRESENTATIVE_FIELDS}
    if unknown:
        raise ActionInvalid(
            "unknown_field",
            format_lazy(
                _("Trường không được hỗ trợ: {fields}."), fields=", ".join(sorted(unknown))
            ),
        )
    kind = applicant.get("kind") or ApplicantKind.CITIZEN
    if kind not in ApplicantKind.values:
        errors.add("applicant.kind", "invalid_applicant_kind", _("Loại người nộp không hợp lệ."))
        kind = ApplicantKind.CITIZEN
    out: dict[str, Any] = {"applicant_kind": kind}
    out["applicant_name"] = _text(applicant.get("name"), 255)
    if not out["applicant_name"]:
        errors.add(
            "applicant.name", "name_required", _("Phải nhập họ tên người nộp hoặc tên tổ chức.")
        )
    out["applicant_id_number"] = _clean_id(
        kind, applicant.get("id_number"), "applicant.id_number", errors
    )
    out["applicant_phone"] = _clean_phone(applicant.get("phone"), "applicant.phone", errors)
    email = str(applicant.get("email") or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.add("applicant.email", "invalid_email", _("Địa chỉ thư điện tử không hợp lệ."))
    out["applicant_email"] = email
    out["applicant_address"] = _text(applicant.get("address"), 500)
    commune = applicant.get("commune")
    if commune not in (None, ""):
        if not isinstance(commune, AdministrativeUnit):
            commune = AdministrativeUnit.objects.filter(code=str(commune).strip()).first()
        if commune is None or commune.level != UnitLevel.COMMUNE:
            errors.add("applicant.commune", "invalid_commune", _("Xã, phường không hợp lệ."))
            commune = None
        out["applicant_commune"] = commune
    if representative:
        out["representative_name"] = _text(representative.get("name"), 255)
        if not out["representative_name"]:
            errors.add(
                "representative.name", "name_required", _("Phải nhập họ tên người được ủy quyền.")
            )
        rep_id = representative.get("id_number")
        out["representative_id_number"] = (
            _clean_id(ApplicantKind.CITIZEN, rep_id, "representative.id_number", errors)
            if rep_id
            else ""
        )
        out["representative_phone"] = _clean_phone(
            representative.get("phone"), "representative.phone", errors
        )
    errors.raise_if_any("invalid_applicant", _("Thông tin người nộp hồ sơ không hợp lệ."))
    return out


def _available_procedure(code: str, channel: Channel) -> Procedure:
    procedure = (
        Procedure.objects.select_related("current_version")
        .filter(code=str(code or "").strip())
        .first()
    )
    if procedure is None:
        raise ActionInvalid(
            "procedure_not_found", _("Không tìm thấy thủ tục hành chính."), field="procedure_code"
        )
    if not procedure.is_available or procedure.current_version is None:
        raise ActionInvalid(
            "procedure_unavailable",
            _("Thủ tục hành chính này đã tạm ngừng hoặc bãi bỏ, không nhận hồ sơ mới."),
            field="procedure_code",
        )
    if channel == Channel.ONLINE and procedure.current_version.online not in ("full", "partial"):
        raise ActionInvalid(
            "procedure_not_online",
            _("Thủ tục hành chính này chưa cung cấp dịch vụ công trực tuyến."),
            field="procedure_code",
        )
    return procedure


def _receiving_for_staff(actor, receiving: Agency | None) -> Agency:
    """A counter or postal dossier is entered by a receptionist at the center receiving it."""
    if receiving is not None:
        if not _holds(actor, receiving, [Role.RECEPTIONIST]):
            raise ActionDenied(
                "not_receptionist",
                _("Chỉ cán bộ tiếp nhận của nơi tiếp nhận mới được nhập hồ sơ trực tiếp."),
            )
        return receiving
    ids = list(
        memberships_of(actor).filter(role=Role.RECEPTIONIST).values_list("agency_id", flat=True)
    )
    if not ids:
        raise ActionDenied(
            "not_receptionist", _("Chỉ cán bộ tiếp nhận mới được nhập hồ sơ nộp trực tiếp.")
        )
    if len(set(ids)) > 1:
        raise ActionInvalid(
            "receiving_agency_required",
            _("Bạn làm việc ở nhiều nơi tiếp nhận: phải chọn nơi tiếp nhận hồ sơ."),
            field="receiving_agency",
        )
    return Agency.objects.get(pk=ids[0])


def _request_hash(**content) -> str:
    body = json.dumps(_jsonable(content), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _claim_idempotency_key(actor, key, request_hash: str):
    """(row, existing dossier or None). The row is created in the caller's transaction, so a
    failed creation frees the key; a concurrent request with the same key waits on the unique
    index (PostgreSQL) and then finds the committed row."""
    if not isinstance(key, str) or not key.strip() or len(key) > 255:
        raise ActionInvalid(
            "invalid_idempotency_key",
            _("Khóa chống gửi trùng phải là chuỗi từ 1 đến 255 ký tự."),
            field="idempotency_key",
        )
    rows = IdempotencyKey.objects.select_for_update()
    lookup = {"user": actor, "scope": IDEMPOTENCY_SCOPE, "key": key}
    row = rows.filter(**lookup).first()
    if row is None:
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(**lookup, request_hash=request_hash), None
        except IntegrityError:
            row = rows.get(**lookup)
    if row.request_hash != request_hash:
        raise IdempotencyMismatch()
    return row, Dossier.objects.get(pk=row.response["dossier"])


def create_dossier(
    *,
    procedure_code: str,
    applicant: dict,
    channel: str,
    actor,
    receiving_agency=None,
    representative: dict | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Dossier:
    """A new draft. Online: the actor is the applicant (their account); counter or postal: the
    actor is a receptionist of the receiving center, who then accepts or refuses it.

    The competent agency follows the procedure (and the applicant's commune for commune-level
    procedures); the receiving agency is any center of the province (territorial rule), by
    default the center serving the competent agency. With `idempotency_key`, a retry by the same
    user returns the dossier created the first time; the same key with other content is refused.
    """
    _require_user(actor)
    now = _aware(now)
    try:
        channel = Channel(channel)
    except ValueError:
        raise ActionInvalid(
            "invalid_channel", _("Kênh nộp hồ sơ không hợp lệ."), field="channel"
        ) from None
    receiving = _agency(receiving_agency, "receiving_agency")
    request_hash = _request_hash(
        procedure_code=procedure_code,
        applicant=applicant,
        channel=channel,
        receiving_agency=receiving.pk if receiving else None,
        representative=representative,
    )
    with transaction.atomic():
        key_row = None
        if idempotency_key is not None:
            key_row, existing = _claim_idempotency_key(actor, idempotency_key, request_hash)
            if existing is not None:
                return existing
        procedure = _available_procedure(procedure_code, channel)
        version = procedure.current_version
        fields = _clean_applicant(applicant, representative)
        if channel == Channel.ONLINE:
            fields["applicant_user"] = actor
        else:
            receiving = _receiving_for_staff(actor, receiving)
        competent = routing.competent_agency_for(
            procedure, version, commune=fields.get("applicant_commune"), receiving=receiving
        )
        if receiving is None:
            receiving = routing.default_center(competent)
            if receiving is None:
                raise ActionInvalid(
                    "no_receiving_agency",
                    _("Chưa có trung tâm phục vụ hành chính công tiếp nhận thủ tục này."),
                    field="receiving_agency",
                )
        elif receiving.kind not in AgencyKind.centers() and receiving.pk != competent.pk:
            raise ActionInvalid(
                "not_a_center",
                _(
                    "Nơi tiếp nhận phải là trung tâm phục vụ hành chính công hoặc cơ quan giải quyết."
                ),
                field="receiving_agency",
            )
        dossier = Dossier(
            tracking_secret=tracking_secret(),
            procedure=procedure,
            procedure_version=version,
            regime=regime_for(now),  # provisional: accept sets the regime of the receipt
            channel=channel,
            receiving_agency=receiving,
            competent_agency=competent,
            # A counter draft is already at the desk; an online draft is nowhere until submitted.
            current_agency=None if channel == Channel.ONLINE else receiving,
            created_by=actor,
            **fields,
        )
        dossier.save()
        Dossier.objects.filter(pk=dossier.pk).update(created_at=now)
        dossier.created_at = now
        if key_row is not None:
            key_row.response = {"dossier": dossier.pk, "public_id": str(dossier.public_id)}
            key_row.status_code = 201
            key_row.save(update_fields=["response", "status_code"])
    return dossier


def update_draft(
    dossier,
    actor,
    *,
    applicant: dict,
    representative: dict | None = None,
    expected_version=None,
) -> Dossier:
    """Correct the applicant (and representative) of an online draft before it is submitted:
    only its applicant may, with the same checks as create_dossier. A new commune may change the
    competent agency, and then the receiving center. No event: a draft is not a state change."""
    _require_user(actor)
    with transaction.atomic():
        d = _lock(dossier.pk, expected_version)
        if d.applicant_user_id != actor.pk:
            raise ActionDenied()
        if d.state != State.DRAFT or d.channel != Channel.ONLINE:
            raise ActionInvalid(
                "state_not_allowed", _("Chỉ sửa được thông tin của hồ sơ trực tuyến chưa nộp.")
            )
        cleared = {"applicant_commune": None, **dict.fromkeys(_REPRESENTATIVE_COLUMNS, "")}
        fields = {**cleared, **_clean_applicant(applicant, representative)}
        competent = routing.competent_agency_for(
            d.procedure, d.procedure_version, commune=fields["applicant_commune"]
        )
        if competent.pk != d.competent_agency_id:
            receiving = routing.default_center(competent)
            if receiving is None:
                raise ActionInvalid(
                    "no_receiving_agency",
                    _("Chưa có trung tâm phục vụ hành chính công tiếp nhận thủ tục này."),
                    field="receiving_agency",
                )
            d.competent_agency, d.receiving_agency = competent, receiving
        for name, value in fields.items():
            setattr(d, name, value)
        d.version += 1
        d.save()
    return d


# --- the actions ----------------------------------------------------------------------------------


def submit(dossier, actor, *, note="", attachments=(), expected_version=None, now=None) -> Dossier:
    """The applicant sends an online draft: it gets its code and enters the center's queue."""
    with _operation(
        dossier, actor, Action.SUBMIT, expected_version=expected_version, now=now
    ) as op:
        op.apply(note=note)
        d = op.dossier
        ids = _attachment_ids(d, attachments)
        d.submitted_at = op.now
        if not d.code:
            _issue_code(d, op.now)
        d.current_agency = d.receiving_agency  # the instance: the answer reads its name
        op.finish(data={"code": d.code, "attachments": ids})
    return op.dossier


def _checklist(d: Dossier, checklist) -> list[int]:
    ids = sorted({getattr(c, "pk", c) for c in checklist or ()})
    if ids:
        try:
            found = set(
                d.procedure_version.documents.filter(pk__in=ids).values_list("pk", flat=True)
            )
        except (ValueError, TypeError):
            found = set()
        if found != set(ids):
            raise ActionInvalid(
                "checklist_invalid",
                _("Danh mục kiểm tra có thành phần không thuộc thủ tục này."),
                field="checklist",
            )
    return ids


def accept(
    dossier, actor, *, checklist=(), note="", attachments=(), expected_version=None, now=None
) -> Dossier:
    """The receptionist accepts the dossier as complete: code (if none yet), receipt time and
    regime, due time, and the first step of the internal process; national status 2 then 4."""
    with _operation(
        dossier, actor, Action.ACCEPT, expected_version=expected_version, now=now
    ) as op:
        t = op.apply(note=note)
        d = op.dossier
        checked = _checklist(d, checklist)
        ids = _attachment_ids(d, attachments)
        d.received_at = op.now
        d.regime = t.regime
        if not d.code:
            _issue_code(d, op.now)
        d.due_at = compute_due(d, op.cal)
        agency = routing.step_agency(d, op.steps, 0)
        # The receptionist who accepts performs the reception step when it is theirs.
        officer = op.user if _holds(op.user, agency, [op.steps[0].role]) else None
        d.step_index = 0
        d.current_agency = agency
        d.current_officer = officer
        d.paused_since = None
        _start_record(op, 0, agency, officer)
        op.finish(
            data={
                "code": d.code,
                "received_at": d.received_at,
                "due_at": d.due_at,
                "regime": d.regime,
                "checklist": checked,
                "attachments": ids,
            },
        )
    return op.dossier


def request_supplement(
    dossier, actor, *, items, note="", expected_version=None, now=None
) -> Dossier:
    """Ask for everything missing, once per stage (form 02); during processing the clock stops."""
    with _operation(
        dossier, actor, Action.REQUEST_SUPPLEMENT, expected_version=expected_version, now=now
    ) as op:
        t = op.apply(items=list(items) if isinstance(items, list | tuple) else items, note=note)
        d = op.dossier
        d.previous_state = t.from_state
        d.supplement_requests = t.facts_after.supplement_requests
        d.reception_supplement_requests = t.facts_after.reception_supplement_requests
        data: dict = {"items": list(t.fields["items"])}
        if not d.code:
            # A counter dossier checked at the desk is entered and gets its code (domain §1), so
            # that form 02 carries it and the applicant can track the dossier.
            _issue_code(d, op.now)
            data["code"] = d.code
        Pause.objects.create(
            dossier=d, kind=PauseKind.SUPPLEMENT, started_at=op.now, items=list(t.fields["items"])
        )
        if op.has(Effect.PAUSE_CLOCK):
            d.paused_since = op.now
        op.finish(data=data)
    return op.dossier


def supplement(
    dossier, actor, *, note="", attachments=(), expected_version=None, now=None
) -> Dossier:
    """The supplements arrived: back to the previous state; the due time moves by the paused
    working time if the clock was stopped."""
    with _operation(
        dossier, actor, Action.SUPPLEMENT, expected_version=expected_version, now=now
    ) as op:
        op.apply(note=note)
        d = op.dossier
        ids = _attachment_ids(d, attachments)
        pause = _end_pause(op, PauseKind.SUPPLEMENT)
        data: dict = {"attachments": ids}
        if op.has(Effect.RESUME_CLOCK):
            paused = _resume_clock(op, pause)
            data.update(paused_seconds=int(paused.total_seconds()), due_at=d.due_at)
        d.previous_state = ""
        op.finish(data=data)
    return op.dossier


def refuse(dossier, actor, *, reason, note="", expected_version=None, now=None) -> Dossier:
    """Not accepted at reception (form 03): final."""
    with _operation(
        dossier, actor, Action.REFUSE, expected_version=expected_version, now=now
    ) as op:
        t = op.apply(reason=reason, note=note)
        d = op.dossier
        # Every dossier entered gets its code (domain §1): a counter dossier refused at the desk
        # too, so that the refusal (form 03) carries it.
        if not d.code:
            _issue_code(d, op.now)
        _end(op, t.fields["reason"])
        op.finish(data={"reason": t.fields["reason"], "code": d.code})
    return op.dossier


def _check_officer(officer, agency: Agency, field: str = "officer"):
    if not _holds(officer, agency, STEP_ROLES):
        raise ActionInvalid(
            "officer_not_in_agency",
            format_lazy(_("Cán bộ được chọn không làm việc tại {agency}."), agency=agency.name),
            field=field,
        )


def assign(dossier, actor, *, officer, note="", expected_version=None, now=None) -> Dossier:
    """The leader of the step's agency sets the officer of the current step."""
    with _operation(
        dossier, actor, Action.ASSIGN, expected_version=expected_version, now=now
    ) as op:
        op.authorize()
        person = _user(officer, "officer")
        op.apply(officer=getattr(person, "pk", None), note=note)
        d = op.dossier
        _check_officer(person, d.current_agency)
        d.current_officer = person
        record = _open_record(d)
        if record is not None:
            record.officer = person
            record.save(update_fields=["officer"])
        op.finish(data={"officer": person.pk, "officer_name": full_name(person)})
    return op.dossier


def _hand_over(op: _Operation, index: int, agency: Agency, officer, *, note="") -> None:
    """Close the current step and start step `index` at `agency` (control sheet)."""
    d = op.dossier
    to = full_name(officer) if officer is not None else agency.name
    _close_record(op, handed_to=to, note=note)
    d.step_index = index
    d.current_agency = agency
    d.current_officer = officer
    _start_record(op, index, agency, officer)


def forward(dossier, actor, *, note="", officer=None, expected_version=None, now=None) -> Dossier:
    """The step's officer hands the dossier to the next step (optionally to a named officer;
    by default to themselves when the next step is theirs too, else unassigned)."""
    with _operation(
        dossier, actor, Action.FORWARD, expected_version=expected_version, now=now
    ) as op:
        t = op.apply(note=note)
        d = op.dossier
        agency = routing.step_agency(d, op.steps, t.to_step)
        person = _user(officer, "officer")
        if person is not None:
            _check_officer(person, agency)
        elif _holds(op.user, agency, [op.steps[t.to_step].role]):
            person = op.user
        _hand_over(op, t.to_step, agency, person, note=t.fields.get("note", ""))
        op.finish(
            data={"agency": agency.pk, "officer": getattr(person, "pk", None)},
        )
    return op.dossier


def send_back(dossier, actor, *, reason, note="", expected_version=None, now=None) -> Dossier:
    """Back to the previous step, to whoever performed it."""
    with _operation(
        dossier, actor, Action.SEND_BACK, expected_version=expected_version, now=now
    ) as op:
        t = op.apply(reason=reason, note=note)
        d = op.dossier
        before = d.step_records.filter(index=t.to_step).order_by("-id").first()
        if before is not None:
            agency, person = before.agency, before.officer
        else:
            agency, person = routing.step_agency(d, op.steps, t.to_step), None
        _hand_over(op, t.to_step, agency, person, note=t.fields["reason"])
        op.finish(
            data={
                "reason": t.fields["reason"],
                "agency": agency.pk,
                "officer": getattr(person, "pk", None),
            },
        )
    return op.dossier


def transfer(
    dossier, actor, *, agency, note="", to_step=None, expected_version=None, now=None
) -> Dossier:
    """Inter-agency transfer (liên thông) to `agency` for the next step; with `to_step` equal to
    the current step, a re-routing to the right agency, which becomes the competent one."""
    with _operation(
        dossier, actor, Action.TRANSFER, expected_version=expected_version, now=now
    ) as op:
        op.authorize()
        target = _agency(agency, "agency")
        fields: dict = {"to_agency": str(target.pk) if target else None, "note": note}
        if to_step is not None:
            fields["to_step"] = to_step
        t = op.apply(**fields)
        d = op.dossier
        if t.to_step == t.from_step:
            d.competent_agency = target
        _hand_over(op, t.to_step, target, None, note=t.fields.get("note", ""))
        op.finish(
            data={"to_agency": target.pk, "to_agency_e_id": target.e_id, "to_step": t.to_step},
        )
    return op.dossier


def _clean_payment_items(items) -> list[dict]:
    if isinstance(items, str | bytes) or not isinstance(items, list | tuple) or not items:
        raise ActionInvalid(
            "payment_items_required", _("Phải liệt kê các khoản phí, lệ phí."), field="items"
        )
    out = []
    for item in items:
        if isinstance(item, str):
            item = {"name": item}
        name = _text(item.get("name") if isinstance(item, dict) else None, 500)
        amount = item.get("amount") if isinstance(item, dict) else None
        if not name or (
            amount is not None
            and (isinstance(amount, bool) or not isinstance(amount, int) or amount < 0)
        ):
            raise ActionInvalid(
                "invalid_payment_item",
                _("Mỗi khoản phải có tên và số tiền (đồng) không âm."),
                field="items",
            )
        out.append({"name": name, **({"amount": amount} if amount is not None else {})})
    return out


def _clean_amount(amount) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ActionInvalid(
            "invalid_amount", _("Số tiền phải là số nguyên dương (đồng)."), field="amount"
        )
    return amount


def request_payment(
    dossier, actor, *, amount, items, note="", expected_version=None, now=None
) -> Dossier:
    """Ask for the fees and charges: during processing (the clock stops, configurable, UNSURE in
    law) or after the decision, before delivery (the clock has stopped already: no pause, the
    return step's record stays open). `pay` returns to the state recorded here."""
    with _operation(
        dossier, actor, Action.REQUEST_PAYMENT, expected_version=expected_version, now=now
    ) as op:
        t = op.apply(note=note)
        d = op.dossier
        d.previous_state = t.from_state
        amount = _clean_amount(amount)
        lines = _clean_payment_items(items)
        if (
            all("amount" in line for line in lines)
            and sum(line["amount"] for line in lines) != amount
        ):
            raise ActionInvalid(
                "payment_total_mismatch",
                _("Tổng các khoản không bằng số tiền yêu cầu."),
                field="amount",
            )
        if op.has(Effect.PAUSE_CLOCK):
            Pause.objects.create(dossier=d, kind=PauseKind.PAYMENT, started_at=op.now, items=lines)
            d.paused_since = op.now
        op.finish(data={"amount": amount, "items": lines})
    return op.dossier


def pay(
    dossier,
    actor,
    *,
    amount,
    receipt_number="",
    note="",
    attachments=(),
    expected_version=None,
    now=None,
) -> Dossier:
    """The fees are paid (by the applicant online, or at the cashier): back to processing (the
    clock resumes if it paused) or, after the decision, to decided (the result may be handed
    over)."""
    with _operation(dossier, actor, Action.PAY, expected_version=expected_version, now=now) as op:
        op.apply(note=note)
        d = op.dossier
        amount = _clean_amount(amount)
        requested = (
            d.events.filter(action=Action.REQUEST_PAYMENT)
            .order_by("-seq")
            .values_list("data", flat=True)
            .first()
            or {}
        ).get("amount")
        if requested is not None and amount != requested:
            raise ActionInvalid(
                "payment_amount_mismatch",
                format_lazy(_("Số tiền phải nộp là {amount} đồng."), amount=requested),
                field="amount",
            )
        ids = _attachment_ids(d, attachments)
        pause = _end_pause(op, PauseKind.PAYMENT)
        data = {"amount": amount, "receipt_number": _text(receipt_number, 100), "attachments": ids}
        if op.has(Effect.RESUME_CLOCK):
            paused = _resume_clock(op, pause)
            data.update(paused_seconds=int(paused.total_seconds()), due_at=d.due_at)
        d.paused_since = None
        d.previous_state = ""
        op.finish(data=data)
    return op.dossier


def extend(
    dossier, actor, *, reason, new_due_at, note="", expected_version=None, now=None
) -> Dossier:
    """Apology and new date (form 04): once, at least one working day before the due time."""
    with _operation(
        dossier, actor, Action.EXTEND, expected_version=expected_version, now=now
    ) as op:
        t = op.apply(reason=reason, new_due_at=new_due_at, note=note)
        d = op.dossier
        previous = d.due_at
        Apology.objects.create(
            dossier=d,
            reason=t.fields["reason"],
            previous_due_at=previous,
            new_due_at=t.fields["new_due_at"],
            created_by=op.user,
        )
        d.due_at = t.fields["new_due_at"]
        d.extended = True
        # The open step keeps its share of the new time: its due moves by the same working time.
        record = _open_record(d)
        if record is not None:
            delta = deadlines.working_time_between(op.cal, previous, d.due_at)
            record.due_at = deadlines.add_working_time(op.cal, record.due_at, delta)
            record.save(update_fields=["due_at"])
        op.finish(
            data={"reason": t.fields["reason"], "previous_due_at": previous, "due_at": d.due_at},
        )
    return op.dossier


def _decide(op: _Operation, kind: str, text: str, attachments) -> dict:
    d = op.dossier
    ids = _attachment_ids(d, attachments)
    d.decided_at = op.now
    d.result_kind = kind
    d.result_note = text
    index = len(op.steps) - 1
    returning = routing.is_return_step(op.steps, index)
    agency = routing.step_agency(d, op.steps, index) if returning else None
    _close_record(op, handed_to=agency.name if agency else "")
    d.current_officer = None
    if agency is not None:
        d.current_agency = agency
        _start_record(op, index, agency, None)
    return {"result": kind, "attachments": ids}


def approve(dossier, actor, *, note="", attachments=(), expected_version=None, now=None) -> Dossier:
    """The leader signs the result at the last step: decided; then it waits to be returned."""
    with _operation(
        dossier, actor, Action.APPROVE, expected_version=expected_version, now=now
    ) as op:
        t = op.apply(note=note)
        data = _decide(op, ResultKind.APPROVED, t.fields.get("note", ""), attachments)
        op.finish(data=data)
    return op.dossier


def deny(
    dossier, actor, *, reason, note="", attachments=(), expected_version=None, now=None
) -> Dossier:
    """A reasoned denial is the result: decided."""
    with _operation(dossier, actor, Action.DENY, expected_version=expected_version, now=now) as op:
        t = op.apply(reason=reason, note=note)
        data = _decide(op, ResultKind.DENIED, t.fields["reason"], attachments)
        op.finish(data={**data, "reason": t.fields["reason"]})
    return op.dossier


def stop(dossier, actor, *, reason, note="", expected_version=None, now=None) -> Dossier:
    """Processing stopped by notice (form 05 under TT 03/2025): final."""
    with _operation(dossier, actor, Action.STOP, expected_version=expected_version, now=now) as op:
        t = op.apply(reason=reason, note=note)
        _end(op, t.fields["reason"])
        op.finish(data={"reason": t.fields["reason"]})
    return op.dossier


def withdraw(dossier, actor, *, reason="", note="", expected_version=None, now=None) -> Dossier:
    """The applicant withdraws an open dossier: final."""
    with _operation(
        dossier, actor, Action.WITHDRAW, expected_version=expected_version, now=now
    ) as op:
        t = op.apply(reason=reason, note=note)
        text = t.fields.get("reason", "")
        _end(op, text)
        op.finish(data={"reason": text})
    return op.dossier


def deliver(
    dossier, actor, *, method, delivered_to="", note="", expected_version=None, now=None
) -> Dossier:
    """The result is returned (counter, post or online), to whom: final."""
    with _operation(
        dossier, actor, Action.DELIVER, expected_version=expected_version, now=now
    ) as op:
        fields = {"method": method, "note": note}
        if delivered_to:
            fields["recipient"] = delivered_to
        t = op.apply(**fields)
        d = op.dossier
        d.returned_at = op.now
        d.delivery_method = t.fields["method"]
        d.delivered_to = _text(t.fields.get("recipient", ""), 255)
        d.current_officer = None
        _close_record(op, handed_to=d.delivered_to)
        op.finish(data={"method": d.delivery_method, "delivered_to": d.delivered_to})
    return op.dossier


ACTIONS = {
    Action.SUBMIT: submit,
    Action.ACCEPT: accept,
    Action.REQUEST_SUPPLEMENT: request_supplement,
    Action.SUPPLEMENT: supplement,
    Action.REFUSE: refuse,
    Action.ASSIGN: assign,
    Action.FORWARD: forward,
    Action.SEND_BACK: send_back,
    Action.TRANSFER: transfer,
    Action.REQUEST_PAYMENT: request_payment,
    Action.PAY: pay,
    Action.EXTEND: extend,
    Action.APPROVE: approve,
    Action.DENY: deny,
    Action.STOP: stop,
    Action.WITHDRAW: withdraw,
    Action.DELIVER: deliver,
}


@functools.cache
def _signature(function) -> inspect.Signature:
    return inspect.signature(function)  # costly (~0.5 ms); the functions never change


def perform(dossier, action: str, actor, **fields) -> Dossier:
    """Run the action named `action` (the API's single entry point); unknown actions or fields
    are ActionInvalid, not programming errors, since they come from requests."""
    try:
        function = ACTIONS[Action(action)]
    except ValueError:
        raise ActionInvalid(
            "unknown_action",
            format_lazy(_("Thao tác «{action}» không tồn tại."), action=action),
            field="action",
        ) from None
    try:
        _signature(function).bind(dossier, actor, **fields)
    except TypeError as exc:
        raise ActionInvalid(
            "invalid_fields",
            format_lazy(
                _("Dữ liệu không phù hợp với thao tác «{action}»: {error}."),
                action=action,
                error=str(exc),
            ),
        ) from None
    return function(dossier, actor, **fields)


# --- attachments ----------------------------------------------------------------------------------


def _may_attach(d: Dossier, actor, kind: str) -> None:
    if State(d.state).is_final:
        raise ActionInvalid(
            "final_state",
            _("Hồ sơ đã kết thúc, không thể bổ sung tệp đính kèm."),
        )
    if d.applicant_user_id == actor.pk:
        allowed = {
            State.DRAFT: {AttachmentKind.SUBMISSION},
            State.SUPPLEMENTING: {AttachmentKind.SUPPLEMENT, AttachmentKind.SUBMISSION},
        }.get(State(d.state), set())
        if kind in allowed:
            return
    # Staff of the receiving or holding agency, except on an online draft (the applicant's own).
    private = d.state == State.DRAFT and d.channel == Channel.ONLINE
    roles = _roles_by_agency(actor, (d.current_agency_id, d.receiving_agency_id))
    if not private and any(set(r) & set(STEP_ROLES) for r in roles.values()):
        return
    raise ActionDenied(
        "attachment_not_allowed", _("Bạn không được đính kèm tệp vào hồ sơ này lúc này.")
    )


class _Written:
    """Stands for a stored file whose row is not committed yet (see _delete_on_rollback)."""


def _delete_quietly(storage, name: str) -> None:
    try:
        storage.delete(name)
    except OSError:  # pragma: no cover - already gone, or the disk refuses: nothing to undo
        pass


def _delete_on_rollback(storage, name: str) -> None:
    """Delete the file `name` unless the transaction that records it commits. Django keeps an
    on_commit callback until the commit and drops it when its transaction or savepoint rolls
    back; the callback holds the only reference to a marker whose finalizer deletes the file.
    Committed: the callback detaches the finalizer. Rolled back (here or in any enclosing
    transaction, e.g. the API's idempotency or a caller's atomic block): the callback is
    dropped, the marker freed, the file deleted."""
    marker = _Written()
    finalizer = weakref.finalize(marker, _delete_quietly, storage, name)

    def committed(marker=marker):
        finalizer.detach()

    transaction.on_commit(committed)


def add_attachment(
    dossier,
    actor,
    *,
    document=None,
    uploaded_file=None,
    digitised: bool = False,
    kind: str = AttachmentKind.SUBMISSION,
    reused_from=None,
) -> Attachment:
    """Attach a file: checked by content (PDF, JPEG, PNG, DOCX, XLSX), size-capped, SHA-256
    stored, saved under a random name. `reused_from` re-uses an earlier attachment of the same
    applicant (digitised data re-use) without uploading again. Not an event: attaching changes
    no state; the action that uses the files lists their ids in its event."""
    _require_user(actor)
    if kind not in AttachmentKind.values:
        raise ActionInvalid("invalid_kind", _("Loại tệp đính kèm không hợp lệ."), field="kind")
    source = None
    if reused_from is not None:
        source = (
            reused_from
            if isinstance(reused_from, Attachment)
            else Attachment.objects.filter(pk=reused_from).first()
        )
    checked = uploads.check_upload(uploaded_file) if uploaded_file is not None else None
    if checked is None and source is None:
        raise ActionInvalid("file_required", _("Phải chọn tệp để tải lên."), field="file")
    with transaction.atomic():
        d = _lock(dossier.pk, None)
        _may_attach(d, actor, kind)
        if document is not None:
            doc_id = getattr(document, "pk", document)
            if not d.procedure_version.documents.filter(pk=doc_id).exists():
                raise ActionInvalid(
                    "document_not_in_procedure",
                    _("Thành phần hồ sơ không thuộc thủ tục này."),
                    field="document",
                )
            document = doc_id
        if source is not None and (
            source.dossier.applicant_id_number != d.applicant_id_number or source.dossier_id == d.pk
        ):
            raise ActionInvalid(
                "reuse_not_allowed",
                _("Chỉ được tái sử dụng giấy tờ của chính người nộp từ hồ sơ khác."),
                field="reused_from",
            )
        attachment = Attachment(
            dossier=d,
            document_id=document,
            kind=kind,
            digitised=digitised,
            reused_from=source,
            uploaded_by=actor,
        )
        if checked is not None:
            attachment.original_name = checked.original_name
            attachment.content_type = checked.content_type
            attachment.size = checked.size
            attachment.sha256 = checked.sha256
            attachment.file.save(checked.original_name, uploaded_file, save=False)
            _delete_on_rollback(attachment.file.storage, attachment.file.name)
        else:
            attachment.file.name = source.file.name  # same stored file, no copy
            attachment.original_name = source.original_name
            attachment.content_type = source.content_type
            attachment.size = source.size
            attachment.sha256 = source.sha256
        try:
            attachment.save()
        except Exception:
            if checked is not None:
                attachment.file.delete(save=False)
            raise
    return attachment


def remove_attachment(attachment, actor) -> Dossier:
    """Take back a file the actor attached and has not sent yet (an online draft's document, a
    supplement before it is sent). A file listed by an event is part of the record and stays."""
    _require_user(actor)
    pk = getattr(attachment, "pk", attachment)
    with transaction.atomic():
        dossier_id = Attachment.objects.filter(pk=pk).values_list("dossier_id", flat=True).first()
        if dossier_id is None:
            raise ActionInvalid(
                "attachment_not_found", _("Không tìm thấy tệp đính kèm."), field="attachment"
            )
        d = _lock(dossier_id, None)
        found = Attachment.objects.get(pk=pk)
        _may_attach(d, actor, found.kind)
        if (
            found.uploaded_by_id != actor.pk
            or found.pk in sent_attachment_ids(d)
            or found.reuses.exists()
        ):
            raise ActionInvalid(
                "attachment_locked",
                _("Tệp này đã được gửi cùng hồ sơ, không thể xóa."),
                field="attachment",
            )
        name, storage = found.file.name, found.file.storage
        found.delete()
        # A re-used attachment shares its stored file: delete the file only when nothing else
        # points at it, and only once the deletion of the row is committed.
        if name and not Attachment.objects.filter(file=name).exists():
            transaction.on_commit(lambda: storage.delete(name))
    return d
