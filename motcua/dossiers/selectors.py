"""Reads of dossiers: what a person may see, their worklists, filters, the event log, the
control sheet and the actions they may take now.

Every worklist is scoped to the caller: an applicant sees their own dossiers; an officer the
dossiers received, decided or held by the agencies of their scope (agencies.selectors
.agency_scope), and those assigned to them; a superuser everything. Overdue is derived from the
due time and the state at `now`, never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone

from motcua.agencies.models import Role
from motcua.agencies.selectors import agency_scope
from motcua.common.text import fold
from motcua.worktime import deadlines
from motcua.worktime.selectors import get_work_calendar

from .lifecycle import Action, State, allowed_actions
from .models import Dossier, Event, StepRecord

# States where the clock may run or an officer has work to do.
ACTIVE_STATES = (State.SUBMITTED, State.PROCESSING, State.SUPPLEMENTING, State.AWAITING_PAYMENT)
WORK_STATES = (State.PROCESSING, State.AWAITING_PAYMENT, State.SUPPLEMENTING, State.DECIDED)
LIST_RELATED = (
    "procedure",
    "receiving_agency",
    "competent_agency",
    "current_agency",
    "current_officer",
)


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _clock_states() -> list[str]:
    # Used with decided_at__isnull=True: awaiting the fees due before delivery (asked after the
    # decision) never runs the clock (lifecycle.clock_running).
    from .services import payment_pauses_clock

    states = [State.PROCESSING]
    if not payment_pauses_clock():
        states.append(State.AWAITING_PAYMENT)
    return states


def _base() -> QuerySet[Dossier]:
    return Dossier.objects.select_related(*LIST_RELATED)


def dossiers_visible_to(user) -> QuerySet[Dossier]:
    """Applicant: their own dossiers. Officer: dossiers whose receiving, competent or current
    agency is in their scope (online drafts stay private to the applicant), and those assigned
    to them. Superuser: all. Anyone else: none."""
    if not _active(user):
        return Dossier.objects.none()
    if user.is_superuser:
        return _base()
    condition = Q(applicant_user=user)
    scope = agency_scope(user)
    if scope:
        in_scope = (
            Q(receiving_agency_id__in=scope)
            | Q(competent_agency_id__in=scope)
            | Q(current_agency_id__in=scope)
            | Q(current_officer=user)
        )
        condition |= in_scope & ~Q(state=State.DRAFT, channel="online")
    return _base().filter(condition)


def _in_agencies(user, role=None) -> QuerySet[Dossier]:
    """Dossiers now held by the agencies of the caller's scope (for worklists)."""
    if not _active(user):
        return Dossier.objects.none()
    if user.is_superuser:
        return _base()
    return _base().filter(current_agency_id__in=agency_scope(user, role))


def to_receive(user) -> QuerySet[Dossier]:
    """Submitted online, waiting to be accepted at the caller's centers (oldest first)."""
    if not _active(user):
        return Dossier.objects.none()
    centers = agency_scope(user, Role.RECEPTIONIST)
    if user.is_superuser:
        qs = _base()
    else:
        qs = _base().filter(receiving_agency_id__in=centers)
    return qs.filter(state=State.SUBMITTED).order_by("submitted_at", "id")


def mine(user) -> QuerySet[Dossier]:
    """Assigned to the caller and not finished, most urgent first."""
    if not _active(user):
        return Dossier.objects.none()
    return _base().filter(current_officer=user, state__in=WORK_STATES).order_by("due_at", "id")


def _working_threshold(now: datetime, amount: timedelta) -> datetime:
    # The province calendar: agencies with their own week differ by little for a warning list.
    return deadlines.add_working_time(get_work_calendar(None), now, amount)


def due_soon(
    user,
    *,
    working_days: Decimal | int | None = None,
    working_hours: Decimal | int | None = None,
    now: datetime | None = None,
) -> QuerySet[Dossier]:
    """Running dossiers not yet overdue whose due time is within N working days (default 1) or
    hours, at the caller's agencies."""
    now = _now(now)
    if working_hours is not None:
        amount = timedelta(hours=float(Decimal(working_hours)))
    else:
        day = get_work_calendar(None).day_length
        amount = day * float(Decimal(working_days if working_days is not None else 1))
    return (
        _in_agencies(user)
        .filter(
            state__in=_clock_states(),
            decided_at__isnull=True,
            due_at__gt=now,
            due_at__lte=_working_threshold(now, amount),
        )
        .order_by("due_at", "id")
    )


def overdue(user, *, now: datetime | None = None, apology_sent: bool | None = None):
    """Past the due time while the clock runs, at the caller's agencies (most late first).
    `apology_sent=False` gives the early-warning list "overdue, apology not sent"."""
    qs = _in_agencies(user).filter(
        state__in=_clock_states(), decided_at__isnull=True, due_at__lt=_now(now)
    )
    if apology_sent is not None:
        qs = qs.filter(extended=apology_sent)
    return qs.order_by("due_at", "id")


def waiting_for_supplement(user) -> QuerySet[Dossier]:
    """Waiting for the applicant's supplements, at the caller's agencies or centers."""
    if not _active(user):
        return Dossier.objects.none()
    qs = _base().filter(state=State.SUPPLEMENTING)
    if not user.is_superuser:
        scope = agency_scope(user)
        qs = qs.filter(Q(current_agency_id__in=scope) | Q(receiving_agency_id__in=scope))
    return qs.order_by("updated_at", "id")


def with_overdue(qs: QuerySet[Dossier], now: datetime | None = None) -> QuerySet[Dossier]:
    """Annotate `is_overdue` (derived at `now`) for listings."""
    return qs.annotate(
        is_overdue=Case(
            When(
                Q(state__in=_clock_states(), decided_at__isnull=True, due_at__lt=_now(now)),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def filter_dossiers(
    qs: QuerySet[Dossier],
    *,
    state: str | list[str] | None = None,
    agency=None,
    procedure=None,
    assigned_to=None,
    overdue: bool | None = None,
    search: str | None = None,
    now: datetime | None = None,
) -> QuerySet[Dossier]:
    """Narrow a (scoped) queryset. `agency` matches the receiving, competent or current agency;
    `search` matches the code, applicant name or id number with or without diacritics."""
    if state:
        qs = qs.filter(state__in=[state] if isinstance(state, str) else list(state))
    if agency is not None:
        agency_id = getattr(agency, "pk", agency)
        qs = qs.filter(
            Q(receiving_agency_id=agency_id)
            | Q(competent_agency_id=agency_id)
            | Q(current_agency_id=agency_id)
        )
    if procedure is not None:
        if isinstance(procedure, str) and not procedure.isdigit():
            qs = qs.filter(procedure__code=procedure)
        else:
            qs = qs.filter(procedure_id=getattr(procedure, "pk", procedure))
    if assigned_to is not None:
        qs = qs.filter(current_officer_id=getattr(assigned_to, "pk", assigned_to))
    if overdue is not None:
        late = Q(state__in=_clock_states(), decided_at__isnull=True, due_at__lt=_now(now))
        qs = qs.filter(late) if overdue else qs.exclude(late)
    if search:
        for word in fold(search).split():
            qs = qs.filter(search_folded__contains=word)
    return qs


def sent_attachment_ids(dossier) -> set[int]:
    """Ids of the attachments listed by the dossier's events (sent with a submission, an
    acceptance, a supplement…): part of the record, no longer the uploader's to take back."""
    ids: set[int] = set()
    for data in Event.objects.filter(dossier_id=dossier.pk).values_list("data", flat=True):
        if isinstance(data, dict):
            ids.update(i for i in data.get("attachments") or () if isinstance(i, int))
    return ids


def events_of(dossier) -> QuerySet[Event]:
    """The dossier's event log, in order."""
    return (
        Event.objects.filter(dossier_id=dossier.pk)
        .select_related("actor", "agency")
        .order_by("seq")
    )


@dataclass(frozen=True)
class ControlSheetLine:
    """One line of the control sheet (form 06 under TT 03/2025, 05 under TT 01/2018)."""

    record: StepRecord
    index: int
    name: str
    agency: object
    officer: object
    started_at: datetime
    due_at: datetime
    finished_at: datetime | None
    handed_to: str
    on_time: bool | None  # None while the step is open
    overdue: bool  # open and past the step's due time


def control_sheet(dossier, *, now: datetime | None = None) -> list[ControlSheetLine]:
    now = _now(now)
    records = (
        StepRecord.objects.filter(dossier_id=dossier.pk)
        .select_related("agency", "officer")
        .order_by("started_at", "id")
    )
    return [
        ControlSheetLine(
            record=r,
            index=r.index,
            name=r.name,
            agency=r.agency,
            officer=r.officer,
            started_at=r.started_at,
            due_at=r.due_at,
            finished_at=r.finished_at,
            handed_to=r.handed_to,
            on_time=r.on_time,
            overdue=r.finished_at is None and now > r.due_at,
        )
        for r in records
    ]


def allowed_actions_for(dossier, user, *, now: datetime | None = None) -> list[Action]:
    """The actions `user` may take on `dossier` now, in the order of `Action` (menus, API)."""
    from .services import facts_for

    found: set[Action] = set()
    for kind, facts in facts_for(dossier, user, now=now):
        found.update(allowed_actions(facts, kind))
    return [action for action in Action if action in found]
