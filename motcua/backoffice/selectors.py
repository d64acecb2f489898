"""Reads of the back office: worklists and their counts, a dossier's page, the leader's queue,
the return counter's look-up. Built on dossiers.selectors (scope, worklists, filters, events,
control sheet, allowed actions); nothing here decides a lifecycle rule.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote, urlsplit

from django.core.paginator import Paginator
from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Agency, Membership, Role
from motcua.agencies.selectors import agencies_in_scope, agency_scope
from motcua.catalog.models import STEP_ROLES, Procedure, ProcedureStatus
from motcua.catalog.search import search
from motcua.dossiers import forms as dossier_forms
from motcua.dossiers import routing, tracking
from motcua.dossiers import selectors as dossiers
from motcua.dossiers.codes import normalize_code
from motcua.dossiers.lifecycle import Action, ActorKind, State
from motcua.dossiers.models import Attachment, AttachmentKind, Dossier, StepRecord

PAGE_SIZE = 25
APPROVALS_LIMIT = 200
SUGGESTIONS = 8
CHOICES = 20

# The worklists of the menu, in menu order: (name, label).
WORKLISTS = (
    ("to_receive", _("Chờ tiếp nhận")),
    ("mine", _("Của tôi")),
    ("due_soon", _("Sắp đến hạn")),
    ("overdue", _("Quá hạn")),
    ("supplement", _("Chờ bổ sung")),
)
ALL = "all"
LIST_LABELS = {**dict(WORKLISTS), ALL: _("Tất cả hồ sơ")}


def worklist(user, name: str, *, now: datetime | None = None) -> QuerySet[Dossier]:
    """The dossiers of one worklist (scoped to the user by dossiers.selectors)."""
    if name == "to_receive":
        return dossiers.to_receive(user)
    if name == "mine":
        return dossiers.mine(user)
    if name == "due_soon":
        return dossiers.due_soon(user, now=now)
    if name == "overdue":
        return dossiers.overdue(user, now=now)
    if name == "supplement":
        return dossiers.waiting_for_supplement(user)
    return dossiers.dossiers_visible_to(user)


def menu_counts(user, *, now: datetime | None = None) -> list[dict]:
    """[{name, label, count}] for the menu: one COUNT per list, on the worklist indexes."""
    now = now or timezone.now()
    return [
        {"name": name, "label": label, "count": worklist(user, name, now=now).order_by().count()}
        for name, label in WORKLISTS
    ]


def _open_step() -> Prefetch:
    return Prefetch(
        "step_records",
        queryset=StepRecord.objects.filter(finished_at__isnull=True).order_by("-id"),
        to_attr="open_steps",
    )


def worklist_page(user, filters: dict, page_number, *, now: datetime | None = None):
    """One page of a worklist with the filters applied, sorted by due time (most urgent first;
    "all" lists the newest first), with the overdue flag and the open step: three queries."""
    now = now or timezone.now()
    name = filters.get("list") or ALL
    qs = dossiers.filter_dossiers(
        worklist(user, name, now=now),
        state=filters.get("state") or None,
        agency=filters.get("agency"),
        procedure=filters.get("procedure") or None,
        search=filters.get("q") or None,
        now=now,
    )
    if name == ALL:
        qs = qs.order_by("-created_at", "-id")
    else:
        qs = qs.order_by(F("due_at").asc(nulls_last=True), "submitted_at", "id")
    qs = dossiers.with_overdue(qs, now).prefetch_related(_open_step())
    return Paginator(qs, PAGE_SIZE).get_page(page_number)


def procedure_choices() -> list[tuple[str, str]]:
    rows = Procedure.objects.filter(status=ProcedureStatus.ACTIVE).order_by("code")
    return [(code, f"{code} — {name[:80]}") for code, name in rows.values_list("code", "name")]


def agency_choices(user) -> list[tuple[str, str]]:
    return [(str(a.pk), a.name) for a in agencies_in_scope(user).order_by("name")]


# --- finding a dossier ------------------------------------------------------------------------------


def dossier_for(user, ref: str) -> Dossier | None:
    """A dossier the user may see, by its code or its public id (drafts have no code)."""
    qs = dossiers.dossiers_visible_to(user).select_related("procedure_version", "applicant_commune")
    try:
        return qs.filter(public_id=uuid.UUID(str(ref))).first()
    except ValueError:
        return qs.filter(code=normalize_code(ref)).first()


def code_from_scan(text: str) -> str:
    """A dossier code from what was typed or scanned: the code itself, or the tracking URL of a
    receipt's QR code (`…/tra-cuu/<code>/?secret=…`; the secret is not needed by staff)."""
    text = (text or "").strip()
    if "/tra-cuu/" in text:
        path = urlsplit(text).path or text
        text = unquote(path.split("/tra-cuu/", 1)[1].split("/", 1)[0])
    return normalize_code(text)


def attachment_of(user, ref: str, pk: int) -> Attachment | None:
    """An attachment of a dossier the user may see (None, hence 404, for anyone else)."""
    dossier = dossier_for(user, ref)
    if dossier is None:
        return None
    return dossier.attachments.filter(pk=pk).first()


# --- the dossier page ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentLine:
    document: object
    received: bool  # ticked on the acceptance checklist
    attachments: list


def _accept_checklist(events) -> set[int]:
    for event in events:
        if event.action == Action.ACCEPT:
            return set((event.data or {}).get("checklist") or ())
    return set()


def document_lines(dossier: Dossier, attachments, events) -> list[DocumentLine]:
    """The version's required documents with the acceptance tick and their files."""
    checklist = _accept_checklist(events)
    by_document: dict[int | None, list] = {}
    for a in attachments:
        by_document.setdefault(a.document_id, []).append(a)
    return [
        DocumentLine(doc, doc.pk in checklist, by_document.get(doc.pk, []))
        for doc in dossier.procedure_version.documents.order_by("position")
    ]


@dataclass(frozen=True)
class TimelineEntry:
    event: object
    action: str
    role: str
    from_state: str
    to_state: str
    details: list


def _state_label(value: str) -> str:
    try:
        return State(value).label
    except ValueError:
        return value or ""


def _role_label(value: str) -> str:
    try:
        return ActorKind(value).label
    except ValueError:
        return value or ""


def _event_details(event) -> list[str]:
    data = event.data or {}
    lines = []
    if data.get("reason"):
        lines.append(f"{_('Lý do')}: {data['reason']}")
    if data.get("items"):
        names = [i.get("name", "") if isinstance(i, dict) else str(i) for i in data["items"]]
        lines.append(f"{_('Nội dung')}: {'; '.join(names)}")
    if data.get("officer_name"):
        lines.append(f"{_('Cán bộ')}: {data['officer_name']}")
    if data.get("to_agency_e_id"):
        lines.append(f"{_('Chuyển đến cơ quan')}: {data['to_agency_e_id']}")
    if data.get("delivered_to"):
        lines.append(f"{_('Người nhận')}: {data['delivered_to']}")
    if data.get("amount"):
        lines.append(f"{_('Số tiền')}: {data['amount']} đồng")
    return lines


def timeline(events) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            event=e,
            action=e.get_action_display(),
            role=_role_label(e.role),
            from_state=_state_label(e.from_state),
            to_state=_state_label(e.to_state),
            details=_event_details(e),
        )
        for e in events
    ]


def staff_of(agency, roles=STEP_ROLES) -> list:
    """Active officers holding one of `roles` in `agency` (for the assign/forward selects)."""
    if agency is None:
        return []
    rows = (
        Membership.objects.filter(agency=agency, role__in=list(roles), is_active=True)
        .filter(user__is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    seen, users = set(), []
    for m in rows:
        if m.user_id not in seen:
            seen.add(m.user_id)
            users.append(m.user)
    return users


def next_step_agency(dossier: Dossier, steps) -> Agency | None:
    """Where `forward` will send the dossier (routing decides; None at the last step)."""
    index = dossier.step_index + 1
    if index >= len(steps):
        return None
    return routing.step_agency(dossier, steps, index)


def transfer_targets(dossier: Dossier) -> list[Agency]:
    return list(
        Agency.objects.filter(is_active=True).exclude(pk=dossier.current_agency_id).order_by("name")
    )


def dossier_page(dossier: Dossier, user, *, now: datetime | None = None) -> dict:
    """Everything the dossier page shows, read in a fixed number of queries."""
    now = now or timezone.now()
    events = list(dossiers.events_of(dossier))
    attachments = list(dossier.attachments.select_related("document").order_by("id"))
    allowed = dossiers.allowed_actions_for(dossier, user, now=now)
    return {
        "dossier": dossier,
        "overdue": tracking.overdue(dossier, now),
        "documents": document_lines(dossier, attachments, events),
        "other_attachments": [a for a in attachments if a.document_id is None],
        "results": [a for a in attachments if a.kind == AttachmentKind.RESULT],
        "timeline": timeline(events),
        "control_sheet": dossiers.control_sheet(dossier, now=now),
        "forms": dossier_forms.available_forms(dossier),
        "allowed": allowed,
    }


# --- the leader's queue ---------------------------------------------------------------------------


def awaiting_leader(user) -> list[Dossier]:
    """Processing dossiers at the user's agencies (as a leader) that wait for a leader: the open
    step is a leader's, or it is the last step before the return, where the leader approves.
    Most urgent first; at most APPROVALS_LIMIT."""
    agencies = agency_scope(user, Role.LEADER)
    if not agencies:
        return []
    qs = (
        dossiers.with_overdue(
            Dossier.objects.filter(state=State.PROCESSING, current_agency_id__in=agencies)
        )
        .select_related(*dossiers.LIST_RELATED, "procedure_version")
        .prefetch_related(_open_step(), "procedure_version__steps")
        .order_by(F("due_at").asc(nulls_last=True), "id")
    )
    out = []
    for d in qs[: APPROVALS_LIMIT * 2]:
        steps = sorted(d.procedure_version.steps.all(), key=lambda s: s.position)
        last = routing.processing_count(steps) - 1
        open_step = d.open_steps[0] if d.open_steps else None
        if (open_step is not None and open_step.role == Role.LEADER) or d.step_index == last:
            d.approvable = d.step_index == last
            out.append(d)
        if len(out) >= APPROVALS_LIMIT:
            break
    return out


def overdue_at_leader_agencies(user, *, limit: int = 50) -> list[Dossier]:
    agencies = agency_scope(user, Role.LEADER)
    if not agencies:
        return []
    return list(
        dossiers.overdue(user)
        .filter(current_agency_id__in=agencies)
        .prefetch_related(_open_step())[:limit]
    )


# --- counter intake: the procedure -------------------------------------------------------------------


def procedure_by_code(code: str) -> Procedure | None:
    return (
        Procedure.objects.filter(status=ProcedureStatus.ACTIVE, code=(code or "").strip())
        .exclude(current_version=None)
        .select_related("current_version")
        .first()
    )


def suggest_procedures(text: str, limit: int = SUGGESTIONS) -> list[Procedure]:
    text = (text or "").strip()
    if not text:
        return []
    return list(search(text)[:limit])


def resolve_procedure(text: str) -> tuple[Procedure | None, list[Procedure]]:
    """What the receptionist typed: an exact code, or the only match, picks the procedure;
    otherwise the best matches to choose from."""
    procedure = procedure_by_code(text)
    if procedure is not None:
        return procedure, []
    matches = suggest_procedures(text, CHOICES)
    if len(matches) == 1:
        return procedure_by_code(matches[0].code), []
    return None, matches


def commune_choices(procedure: Procedure) -> list[tuple[str, str]]:
    """The communes whose committee handles `procedure`, when it has several (commune-level
    procedures): the applicant's commune then picks the competent agency."""
    agencies = list(procedure.agencies.filter(is_active=True).select_related("unit"))
    if len(agencies) < 2:
        return []
    units = {a.unit.code: a.unit.name for a in agencies if a.unit is not None}
    return sorted(units.items(), key=lambda item: item[1])


def action_context(dossier: Dossier, actions) -> dict:
    """What the forms of `actions` offer: documents to tick, officers, agencies. Read only for
    the actions shown."""
    context: dict = {}
    if Action.ACCEPT in actions:
        context["required_documents"] = list(
            dossier.procedure_version.documents.order_by("position")
        )
    if Action.ASSIGN in actions:
        context["step_staff"] = staff_of(dossier.current_agency)
    if Action.FORWARD in actions:
        steps = list(dossier.procedure_version.steps.order_by("position"))
        agency = next_step_agency(dossier, steps)
        context["next_agency"] = agency
        if agency is not None:
            context["next_staff"] = staff_of(agency, [steps[dossier.step_index + 1].role])
    if Action.TRANSFER in actions:
        context["transfer_targets"] = transfer_targets(dossier)
    return context
