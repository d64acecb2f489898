"""ORM builders of dossiers for the forms and tracking tests.

Written directly against the models (the dossier services and their factories are separate work):
a small province, a procedure with documents and steps, and a dossier in any state with its
control-sheet lines, pauses, apology and hash-chained events.
"""

import hashlib
import itertools
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model

from motcua.agencies import selectors
from motcua.agencies.models import AdministrativeUnit, Agency, AgencyKind, UnitLevel
from motcua.catalog.models import Field, Procedure, ProcedureVersion, RequiredDocument
from motcua.dossiers import chain
from motcua.dossiers.codes import format_code
from motcua.dossiers.lifecycle import Channel, State
from motcua.dossiers.models import (
    Apology,
    Attachment,
    AttachmentKind,
    Dossier,
    Event,
    Pause,
    PauseKind,
    StepRecord,
)
from motcua.dossiers.regimes import regime_for
from motcua.worktime.deadlines import VN_TZ

SECRET = "ABCDE23456"
_seq = itertools.count(1)


def vn(year, month, day, hour=9, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN_TZ)


def province():
    """UBND tỉnh Quảng Ninh with its service center and the Department of Justice."""
    unit, _created = AdministrativeUnit.objects.get_or_create(
        code="22",
        defaults={"name": "Tỉnh Quảng Ninh", "division_type": "Tỉnh", "level": UnitLevel.PROVINCE},
    )
    committee, _created = Agency.objects.get_or_create(
        e_id="H22",
        defaults={
            "name": "Ủy ban nhân dân tỉnh Quảng Ninh",
            "kind": AgencyKind.PROVINCE_COMMITTEE,
            "unit": unit,
        },
    )
    center, _created = Agency.objects.get_or_create(
        e_id="H22.40",
        defaults={
            "name": "Trung tâm Phục vụ hành chính công tỉnh",
            "kind": AgencyKind.SERVICE_CENTER,
            "parent": committee,
            "unit": unit,
            "address": "Tầng 1, Tháp A, Trung tâm hành chính tỉnh, phường Hạ Long",
            "hotline": "0203 3636 999",
        },
    )
    justice, _created = Agency.objects.get_or_create(
        e_id="H22.13",
        defaults={
            "name": "Sở Tư pháp",
            "kind": AgencyKind.DEPARTMENT,
            "parent": committee,
            "unit": unit,
        },
    )
    return committee, center, justice


def procedure(name="Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam"):
    field, _created = Field.objects.get_or_create(name="Lý lịch tư pháp", defaults={"slug": "llp"})
    proc = Procedure.objects.create(code=f"1.{900000 + next(_seq):06d}", name=name, field=field)
    version = ProcedureVersion.objects.create(
        procedure=proc,
        number=1,
        name=name,
        field=field,
        levels=["province"],
        receiving_agency_kinds=[AgencyKind.SERVICE_CENTER],
        deciding_agency_kind=AgencyKind.DEPARTMENT,
        time_value=Decimal(10),
        time_unit="working_days",
        online="full",
        content_hash=hashlib.sha256(name.encode()).hexdigest(),
    )
    RequiredDocument.objects.create(
        version=version,
        position=1,
        name="Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp",
        copies=1,
        original=True,
    )
    RequiredDocument.objects.create(
        version=version, position=2, name="Bản chụp Căn cước công dân", copies=2, original=False
    )
    proc.current_version = version
    proc.save()
    return proc


def officer(username, full_name):
    # The project's order (agencies.selectors.full_name): family and middle names in last_name.
    family, _sep, given = full_name.rpartition(" ")
    user, _created = get_user_model().objects.get_or_create(
        username=username, defaults={"last_name": family, "first_name": given}
    )
    return user


def add_event(
    dossier,
    action,
    at,
    *,
    actor=None,
    agency=None,
    from_state="",
    to_state=None,
    note="",
    data=None,
    role="",
) -> Event:
    """Append an event with a valid hash link (the services do this in production)."""
    last = dossier.events.order_by("-seq").first()
    event = Event(
        dossier=dossier,
        seq=(last.seq + 1) if last else 1,
        at=at,
        action=action,
        actor=actor,
        actor_name=selectors.full_name(actor) if actor else "",
        role=role,
        agency=agency,
        from_state=from_state,
        to_state=to_state or dossier.state,
        note=note,
        data=data or {},
        prev_hash=last.hash if last else chain.GENESIS,
    )
    event.hash = chain.compute_hash(event.prev_hash, chain.payload_of(event))
    event.save()
    return event


def dossier(
    *,
    received_at: datetime | None = None,
    state: str = State.PROCESSING,
    code_seq: int | None = None,
    due_days: int = 14,
    channel: str = Channel.COUNTER,
    applicant_name: str = "Nguyễn Thị Hồng Nhung",
    proc=None,
    secret: str = SECRET,
    accepted: bool = True,
) -> Dossier:
    """A counter dossier accepted at the provincial center at `received_at`, with its documents
    scanned at reception, its accept event and the first control-sheet line (reception).

    With accepted=False: an online dossier submitted at `received_at` (it has its code) and
    waiting for reception."""
    _committee, center, justice = province()
    received_at = received_at or vn(2025, 10, 8, 9, 15)
    proc = proc or procedure()
    version = proc.current_version
    receptionist = officer("tiepnhan", "Trần Văn Bình")
    d = Dossier.objects.create(
        code=format_code(center.e_id, received_at, code_seq or next(_seq)),
        tracking_secret=secret,
        procedure=proc,
        procedure_version=version,
        regime=regime_for(received_at),
        channel=channel,
        applicant_name=applicant_name,
        applicant_id_number="022190001234",
        applicant_phone="0912345678",
        applicant_address="Tổ 5, khu 3, phường Hạ Long, tỉnh Quảng Ninh",
        receiving_agency=center,
        competent_agency=justice,
        state=state if accepted else State.SUBMITTED,
        submitted_at=received_at,
        received_at=received_at if accepted else None,
        due_at=received_at + timedelta(days=due_days) if accepted else None,
        current_agency=justice if accepted else None,
        created_by=receptionist,
    )
    for document in version.documents.all():
        Attachment.objects.create(
            dossier=d,
            document=document,
            kind=AttachmentKind.SUBMISSION,
            file=f"dossiers/{d.public_id}/{document.position}",
            original_name=f"{document.position}.pdf",
            content_type="application/pdf",
            size=1000,
            sha256="0" * 64,
            digitised=True,
        )
    if not accepted:
        add_event(
            d, "submit", received_at, from_state="draft", to_state=State.SUBMITTED, role="applicant"
        )
        return d
    add_event(
        d,
        "accept",
        received_at,
        actor=receptionist,
        agency=center,
        from_state="draft",
        to_state=State.PROCESSING,
        role="receptionist",
    )
    StepRecord.objects.create(
        dossier=d,
        index=0,
        name="Tiếp nhận hồ sơ",
        role="receptionist",
        agency=center,
        officer=receptionist,
        started_at=received_at,
        due_at=received_at + timedelta(hours=4),
        finished_at=received_at + timedelta(hours=2),
        handed_to="Lê Thị Mai",
    )
    return d


def add_step(
    d,
    index,
    name,
    agency,
    started_at,
    *,
    hours=8,
    finished_at=None,
    officer_user=None,
    handed_to="",
):
    return StepRecord.objects.create(
        dossier=d,
        index=index,
        name=name,
        role="specialist",
        agency=agency,
        officer=officer_user,
        started_at=started_at,
        due_at=started_at + timedelta(hours=hours),
        finished_at=finished_at,
        handed_to=handed_to,
    )


def request_supplement(d, at, items, *, during_processing=True):
    """The dossier waits for the applicant: a supplement pause with its items."""
    previous = d.state
    Pause.objects.create(dossier=d, kind=PauseKind.SUPPLEMENT, started_at=at, items=list(items))
    d.previous_state = previous
    d.state = State.SUPPLEMENTING
    d.supplement_requests += 1
    d.paused_since = at
    d.save()
    add_event(
        d,
        "request_supplement",
        at,
        agency=d.current_agency,
        from_state=previous,
        to_state=State.SUPPLEMENTING,
        data={"items": list(items)},
    )
    return d


def refuse(d, at, reason, *, officer_user=None):
    previous = d.state
    d.state = State.REFUSED
    d.ended_at = at
    d.save()
    add_event(
        d,
        "refuse",
        at,
        actor=officer_user,
        agency=d.receiving_agency,
        from_state=previous,
        to_state=State.REFUSED,
        data={"reason": reason},
    )
    return d


def extend(d, at, reason, new_due_at):
    Apology.objects.create(
        dossier=d, reason=reason, previous_due_at=d.due_at, new_due_at=new_due_at
    )
    d.extended = True
    d.due_at = new_due_at
    d.save()
    add_event(
        d,
        "extend",
        at,
        agency=d.current_agency,
        from_state=d.state,
        to_state=d.state,
        data={"reason": reason, "new_due_at": new_due_at.isoformat()},
    )
    return d


def stop(d, at, reason):
    previous = d.state
    d.state = State.STOPPED
    d.ended_at = at
    d.save()
    add_event(
        d,
        "stop",
        at,
        agency=d.receiving_agency,
        from_state=previous,
        to_state=State.STOPPED,
        data={"reason": reason},
    )
    return d


def request_payment(d, at, items=()):
    Pause.objects.create(dossier=d, kind=PauseKind.PAYMENT, started_at=at, items=list(items))
    d.previous_state = d.state
    d.state = State.AWAITING_PAYMENT
    d.paused_since = at
    d.save()
    add_event(
        d,
        "request_payment",
        at,
        agency=d.current_agency,
        from_state=State.PROCESSING,
        to_state=State.AWAITING_PAYMENT,
    )
    return d


def decide(d, at, *, result_kind="approved"):
    d.state = State.DECIDED
    d.decided_at = at
    d.ended_at = at
    d.result_kind = result_kind
    d.save()
    add_event(
        d,
        "approve",
        at,
        agency=d.current_agency,
        from_state=State.PROCESSING,
        to_state=State.DECIDED,
    )
    return d
