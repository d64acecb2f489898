"""The forms a dossier's life issues (domain.md §5) as A4 PDFs, and the data each one needs.

Not Django forms: these are the printed forms of TT 03/2025/TT-VPCP (dossiers received from
01/07/2025, forms 01–07) and TT 01/2018/TT-VPCP (before, forms 01–06, no stop notice). A form's
number and title always come from regimes.form_number/form_title for the dossier's regime.

Every form of a dossier carries its code and a QR code of the tracking URL. The forms handed to
the applicant (receipt, supplement request, refusal, apology, stop notice) hold the secret, so
that a scan opens the dossier; the control sheet travels with the paper file between agencies
and holds the URL without the secret (the page then asks for it). See docs/forms.md.

Dates are dd/mm/yyyy and times 24-hour, in Asia/Ho_Chi_Minh, formatted here rather than by the
active locale: a form reads the same whatever language the officer's browser asked for.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.agencies.selectors import full_name
from motcua.catalog.models import RequiredDocument
from motcua.catalog.selectors import time_limit_label
from motcua.documents.pdf import render_pdf
from motcua.documents.qr import qr_data_uri
from motcua.worktime.deadlines import VN_TZ

from .codes import display_secret, normalize_secret
from .lifecycle import Action, Channel, DeliveryMethod, State, outcome
from .models import Apology, AttachmentKind, Dossier, PauseKind
from .regimes import FormKind, Regime, form_number, form_title, has_form, regime_for
from .tracking import item_texts

TEMPLATES = {
    FormKind.RECEIPT: "dossiers/forms/receipt.html",
    FormKind.SUPPLEMENT_REQUEST: "dossiers/forms/supplement_request.html",
    FormKind.REFUSAL: "dossiers/forms/refusal.html",
    FormKind.APOLOGY: "dossiers/forms/apology.html",
    FormKind.STOP_NOTICE: "dossiers/forms/stop_notice.html",
    FormKind.CONTROL_SHEET: "dossiers/forms/control_sheet.html",
    FormKind.REGISTER: "dossiers/forms/register.html",
}
# Forms given to the applicant: their QR code opens the tracking page directly (with the secret).
APPLICANT_FORMS = frozenset(
    {
        FormKind.RECEIPT,
        FormKind.SUPPLEMENT_REQUEST,
        FormKind.REFUSAL,
        FormKind.APOLOGY,
        FormKind.STOP_NOTICE,
    }
)
REGULATIONS = {
    Regime.ND61_2018: "Thông tư số 01/2018/TT-VPCP",
    Regime.ND118_2025: "Thông tư số 03/2025/TT-VPCP",
}


class FormNotAvailable(ValueError):
    """The dossier has no such form (not issued, or not in its regime)."""


# --- formatting ------------------------------------------------------------------------------------


def local(value: datetime) -> datetime:
    return timezone.localtime(value, VN_TZ)


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value)
    return value.strftime("%d/%m/%Y")


def format_time(value: datetime | None) -> str:
    return local(value).strftime("%H:%M") if value else ""


def format_datetime(value: datetime | None) -> str:
    """`14:30 08/10/2025`, the order the counters write."""
    return f"{format_time(value)} {format_date(value)}" if value else ""


def format_clock_phrase(value: datetime | None) -> str:
    """`14 giờ 30 phút, ngày 08/10/2025`, as the receipt words it."""
    if value is None:
        return ""
    moment = local(value)
    return _("%(hour)s giờ %(minute)s phút, ngày %(date)s") % {
        "hour": f"{moment.hour:02d}",
        "minute": f"{moment.minute:02d}",
        "date": format_date(moment),
    }


def place_and_date(place: str, day: date | datetime) -> str:
    """`Quảng Ninh, ngày 08 tháng 10 năm 2025` (dotted place when the agency has no unit)."""
    if isinstance(day, datetime):
        day = local(day).date()
    return _("%(place)s, ngày %(day)s tháng %(month)s năm %(year)s") % {
        "place": place or "…………",
        "day": f"{day.day:02d}",
        "month": f"{day.month:02d}",
        "year": day.year,
    }


def person_name(user) -> str:
    """Vietnamese order (family and middle names first), as everywhere in the project."""
    return full_name(user) if user is not None else ""


# --- the dossier's regime, URLs and file names -----------------------------------------------------


def dossier_regime(dossier: Dossier) -> Regime:
    """The stored regime (the rules of its receipt), else the one in force when it was received."""
    if dossier.regime:
        return Regime(dossier.regime)
    when = dossier.received_at or dossier.submitted_at or dossier.created_at or timezone.now()
    return regime_for(when)


def tracking_url(code: str, secret: str | None = None) -> str:
    """`<MOTCUA_BASE_URL>/tra-cuu/<code>/`, with `?secret=` when given (the QR codes' content)."""
    url = f"{settings.MOTCUA_BASE_URL.rstrip('/')}/tra-cuu/{quote(code, safe='')}/"
    if secret:
        url += "?" + urlencode({"secret": normalize_secret(secret)})
    return url


def form_filename(dossier: Dossier, kind: FormKind) -> str:
    """`01-<code>.pdf` with the number of the dossier's regime (the public id before a code)."""
    number = form_number(kind, dossier_regime(dossier))
    if number is None:
        raise FormNotAvailable(kind)
    return f"{number}-{dossier.code or dossier.public_id}.pdf"


def register_filename(agency, date_from: date, date_to: date) -> str:
    number = form_number(FormKind.REGISTER, regime_for(date_to))
    return f"{number}-{agency.e_id}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.pdf"


# --- which forms apply -----------------------------------------------------------------------------


def _last_event(dossier: Dossier, action: str):
    return dossier.events.filter(action=action).select_related("agency").order_by("-seq").first()


def _supplement_pause(dossier: Dossier):
    return dossier.pauses.filter(kind=PauseKind.SUPPLEMENT).order_by("-started_at", "-id").first()


def available_forms(dossier: Dossier) -> list[FormKind]:
    """The forms this dossier was issued and render_form can render, in the regime's order.

    Each check reads the same rows the form is built from (not the counters on the dossier), so
    every kind listed renders."""
    regime = dossier_regime(dossier)
    events = set(
        dossier.events.filter(
            action__in=[Action.REQUEST_SUPPLEMENT, Action.REFUSE, Action.STOP]
        ).values_list("action", flat=True)
    )
    issued = []
    if dossier.received_at is not None:
        issued += [FormKind.RECEIPT, FormKind.CONTROL_SHEET]
    if Action.REQUEST_SUPPLEMENT in events or _supplement_pause(dossier) is not None:
        issued.append(FormKind.SUPPLEMENT_REQUEST)
    if dossier.state == State.REFUSED and Action.REFUSE in events:
        issued.append(FormKind.REFUSAL)
    if Apology.objects.filter(dossier=dossier).exists():
        issued.append(FormKind.APOLOGY)
    if dossier.state == State.STOPPED and Action.STOP in events:
        issued.append(FormKind.STOP_NOTICE)
    kinds = [kind for kind in issued if has_form(kind, regime)]
    return sorted(kinds, key=lambda kind: form_number(kind, regime))


# --- the data of each form -------------------------------------------------------------------------


def _place(agency) -> str:
    """The locality of the agency (its unit without the division word: "Quảng Ninh")."""
    node = agency
    while node is not None:
        unit = node.unit
        if unit is not None:
            name = unit.name
            if unit.division_type and name.startswith(unit.division_type + " "):
                name = name[len(unit.division_type) + 1 :]
            return name
        node = node.parent
    return ""


def _letterhead(kind: FormKind, regime: Regime, issuer, issued_at) -> dict:
    number = form_number(kind, regime)
    title = str(form_title(kind, regime))
    return {
        "form_kind": kind.value,
        "form_number": number,
        "form_title": title,
        "regulation": REGULATIONS[regime],
        "issuer": issuer.name if issuer else "",
        "issuer_parent": issuer.parent.name if issuer and issuer.parent else "",
        "place_date": place_and_date(_place(issuer), issued_at),
    }


def _reason(event) -> str:
    """The reason of a refuse/stop event: the action's `reason` field, else the event's note."""
    if event is None:
        return ""
    reason = event.data.get("reason") if isinstance(event.data, dict) else None
    if isinstance(reason, list | tuple):
        reason = "\n".join(str(line) for line in reason)
    return (reason or event.note or "").strip()


def reason_lines(text: str) -> list[str]:
    return [line.strip(" -•\t") for line in text.splitlines() if line.strip(" -•\t")]


def received_documents(dossier: Dossier, accept=None) -> list[dict]:
    """The documents received, one line per required document with its copies: those the
    receptionist ticked on the checklist at acceptance (the accept event's `checklist`) and those
    with a submission attachment; then attachments tied to no required document."""
    checked = accept.data.get("checklist") if accept and isinstance(accept.data, dict) else None
    attachments = list(dossier.attachments.filter(kind=AttachmentKind.SUBMISSION).order_by("id"))
    ids = set(checked or []) | {a.document_id for a in attachments if a.document_id}
    documents = RequiredDocument.objects.filter(
        version_id=dossier.procedure_version_id, pk__in=ids
    ).order_by("position", "id")
    lines = [
        {
            "name": document.name,
            "kind": _("Bản chính") if document.original else _("Bản sao"),
            "copies": document.copies,
        }
        for document in documents
    ]
    lines += [
        {"name": a.original_name, "kind": _("Bản điện tử"), "copies": 1}
        for a in attachments
        if a.document_id is None
    ]
    return lines


def collection_place(dossier: Dossier) -> str:
    """Where the applicant collects the result: the receiving center (the territorial rule)."""
    agency = dossier.receiving_agency or dossier.competent_agency
    parts = [agency.name] + ([agency.address] if agency.address else [])
    place = ", ".join(parts)
    if dossier.delivery_method == DeliveryMethod.POST or dossier.channel == Channel.POSTAL:
        return _(
            "Qua dịch vụ bưu chính công ích, đến địa chỉ của người nộp; hoặc tại %(place)s"
        ) % {"place": place}
    if dossier.channel == Channel.ONLINE:
        return _("Trực tuyến trên tài khoản dịch vụ công của người nộp; hoặc tại %(place)s") % {
            "place": place
        }
    return place


def _base_context(dossier: Dossier, kind: FormKind, issuer, issued_at) -> dict:
    regime = dossier_regime(dossier)
    context = _letterhead(kind, regime, issuer, issued_at)
    secret = dossier.tracking_secret if kind in APPLICANT_FORMS else None
    url = tracking_url(dossier.code, secret) if dossier.code else ""
    context.update(
        {
            "dossier": dossier,
            "code": dossier.code or "",
            "procedure_name": dossier.procedure_version.name,
            "procedure_code": dossier.procedure.code,
            "applicant": {
                "name": dossier.applicant_name,
                "id_number": dossier.applicant_id_number,
                "phone": dossier.applicant_phone,
                "email": dossier.applicant_email,
                "address": dossier.applicant_address,
                "representative": dossier.representative_name,
            },
            "tracking_url": url,
            "tracking_page": f"{settings.MOTCUA_BASE_URL.rstrip('/')}/tra-cuu/",
            "qr": qr_data_uri(url) if url else "",
            "secret": display_secret(normalize_secret(dossier.tracking_secret)) if secret else "",
            "received_at": format_clock_phrase(dossier.received_at),
            "due_at": format_clock_phrase(dossier.due_at),
            "due_date": format_date(dossier.due_at),
        }
    )
    return context


def _receipt(dossier: Dossier) -> dict:
    if dossier.received_at is None:
        raise FormNotAvailable(FormKind.RECEIPT)
    accept = _last_event(dossier, Action.ACCEPT)
    issuer = dossier.receiving_agency or (accept.agency if accept else None)
    context = _base_context(dossier, FormKind.RECEIPT, issuer, dossier.received_at)
    officer = (accept.actor_name or person_name(accept.actor)) if accept else ""
    context.update(
        {
            "documents": received_documents(dossier, accept),
            "time_limit": time_limit_label(dossier.procedure_version),
            "collection_place": collection_place(dossier),
            "receiving_officer": officer or person_name(dossier.created_by),
            "channel": Channel(dossier.channel).label,
        }
    )
    return context


def _supplement_request(dossier: Dossier) -> dict:
    pause = _supplement_pause(dossier)
    event = _last_event(dossier, Action.REQUEST_SUPPLEMENT)
    if pause is None and event is None:
        raise FormNotAvailable(FormKind.SUPPLEMENT_REQUEST)
    # The pause holds the items of a request during processing; a request at reception (no
    # clock to pause) may exist only as its event.
    items = item_texts(pause.items) if pause else []
    if not items and event is not None:
        items = item_texts(event.data.get("items"))
    issued_at = pause.started_at if pause else event.at
    issuer = (event.agency if event else None) or dossier.current_agency or dossier.receiving_agency
    context = _base_context(dossier, FormKind.SUPPLEMENT_REQUEST, issuer, issued_at)
    context.update(
        {
            "items": items,
            "paused": pause is not None,
            "requested_at": format_clock_phrase(issued_at),
            "officer": (event.actor_name or person_name(event.actor)) if event else "",
            "collection_place": collection_place(dossier),
        }
    )
    return context


def _refusal(dossier: Dossier) -> dict:
    event = _last_event(dossier, Action.REFUSE)
    if dossier.state != State.REFUSED or event is None:
        raise FormNotAvailable(FormKind.REFUSAL)
    issuer = event.agency or dossier.receiving_agency
    context = _base_context(dossier, FormKind.REFUSAL, issuer, event.at)
    context.update(
        {
            "reasons": reason_lines(_reason(event)),
            "submitted_at": format_clock_phrase(dossier.submitted_at or dossier.created_at),
            "officer": event.actor_name or person_name(event.actor),
        }
    )
    return context


def _apology(dossier: Dossier) -> dict:
    apology = getattr(dossier, "apology", None)
    if apology is None:
        raise FormNotAvailable(FormKind.APOLOGY)
    event = _last_event(dossier, Action.EXTEND)
    issuer = (event.agency if event else None) or dossier.competent_agency
    # Dated by the action (the event's time), the row's own timestamp only without one.
    issued_at = event.at if event else apology.created_at
    context = _base_context(dossier, FormKind.APOLOGY, issuer, issued_at)
    context.update(
        {
            "reasons": reason_lines(apology.reason),
            "previous_due_at": format_clock_phrase(apology.previous_due_at),
            "new_due_at": format_clock_phrase(apology.new_due_at),
            "new_due_date": format_date(apology.new_due_at),
            "collection_place": collection_place(dossier),
        }
    )
    return context


def _stop_notice(dossier: Dossier) -> dict:
    event = _last_event(dossier, Action.STOP)
    if dossier.state != State.STOPPED or event is None:
        raise FormNotAvailable(FormKind.STOP_NOTICE)
    issuer = event.agency or dossier.receiving_agency
    context = _base_context(dossier, FormKind.STOP_NOTICE, issuer, event.at)
    context.update(
        {
            "reasons": reason_lines(_reason(event)),
            "stopped_at": format_clock_phrase(event.at),
        }
    )
    return context


def _step_result(record) -> str:
    if record.finished_at is None:
        return _("Đang xử lý")
    return str(outcome(record.due_at, record.finished_at).label)


def _control_sheet(dossier: Dossier) -> dict:
    if dossier.received_at is None:
        raise FormNotAvailable(FormKind.CONTROL_SHEET)
    context = _base_context(
        dossier, FormKind.CONTROL_SHEET, dossier.receiving_agency, dossier.received_at
    )
    records = list(
        dossier.step_records.select_related("agency", "officer").order_by("started_at", "id")
    )
    lines = []
    for position, record in enumerate(records):
        following = records[position + 1] if position + 1 < len(records) else None
        receiver = record.handed_to or (person_name(following.officer) if following else "")
        lines.append(
            {
                "number": position + 1,
                "name": record.name,
                "agency": record.agency.name,
                "officer": person_name(record.officer),
                "handed_to": receiver if record.finished_at else "",
                "started_at": format_datetime(record.started_at),
                "due_at": format_datetime(record.due_at),
                "finished_at": format_datetime(record.finished_at),
                "result": _step_result(record),
                "note": record.note,
            }
        )
    context.update(
        {
            "steps": lines,
            "competent_agency": dossier.competent_agency.name,
            "receipt_number": form_number(FormKind.RECEIPT, dossier_regime(dossier)),
        }
    )
    return context


BUILDERS = {
    FormKind.RECEIPT: _receipt,
    FormKind.SUPPLEMENT_REQUEST: _supplement_request,
    FormKind.REFUSAL: _refusal,
    FormKind.APOLOGY: _apology,
    FormKind.STOP_NOTICE: _stop_notice,
    FormKind.CONTROL_SHEET: _control_sheet,
}


def _fetch(dossier: Dossier) -> Dossier:
    """The dossier with the relations every form reads, in one query."""
    return Dossier.objects.select_related(
        "procedure",
        "procedure_version",
        "receiving_agency__parent",
        "receiving_agency__unit",
        "competent_agency__parent",
        "competent_agency__unit",
        "current_agency__parent",
        "current_agency__unit",
        "created_by",
    ).get(pk=dossier.pk)


def form_context(dossier: Dossier, kind: FormKind | str) -> dict:
    """Everything the template of `kind` shows; FormNotAvailable if the dossier has no such form."""
    kind = FormKind(kind)
    if kind == FormKind.REGISTER:
        raise FormNotAvailable("the register covers an agency and a period: use render_register")
    dossier = _fetch(dossier)
    if not has_form(kind, dossier_regime(dossier)):
        raise FormNotAvailable(kind)
    return BUILDERS[kind](dossier)


def render_form(dossier: Dossier, kind: FormKind | str) -> bytes:
    """The form `kind` of `dossier` as A4 PDF bytes (numbered per the dossier's regime)."""
    kind = FormKind(kind)
    return render_pdf(TEMPLATES[kind], form_context(dossier, kind))


# --- the register ----------------------------------------------------------------------------------


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=VN_TZ)


def _register_result(dossier: Dossier) -> str:
    state = State(dossier.state)
    if state in (State.DECIDED, State.RETURNED) and dossier.decided_at and dossier.due_at:
        timing = outcome(dossier.due_at, dossier.decided_at, dossier.supplement_requests).label
        kind = dossier.get_result_kind_display() or state.label
        return f"{kind} ({timing})"
    return str(state.label)


def register_rows(agency, date_from: date, date_to: date):
    """Dossiers received from `date_from` to `date_to` (inclusive, Vietnam dates) at `agency` or
    for it to decide, in order of receipt."""
    return (
        Dossier.objects.filter(
            Q(receiving_agency=agency) | Q(competent_agency=agency),
            received_at__gte=_day_start(date_from),
            received_at__lt=_day_start(date_to + timedelta(days=1)),
        )
        .select_related("procedure_version", "competent_agency")
        .order_by("received_at", "id")
    )


def register_context(
    agency, date_from: date, date_to: date, *, now: datetime | None = None
) -> dict:
    if date_from > date_to:
        raise ValueError("date_from is after date_to")
    # A register is closed on its last day: it takes the numbering in force then.
    regime = regime_for(date_to)
    context = _letterhead(FormKind.REGISTER, regime, agency, now or timezone.now())
    rows = []
    for number, dossier in enumerate(register_rows(agency, date_from, date_to), start=1):
        rows.append(
            {
                "number": number,
                "code": dossier.code or "",
                "applicant": dossier.applicant_name,
                "address": dossier.applicant_address,
                "phone": dossier.applicant_phone,
                "procedure": dossier.procedure_version.name,
                "competent_agency": dossier.competent_agency.name,
                "received_time": format_time(dossier.received_at),
                "received_date": format_date(dossier.received_at),
                "due_time": format_time(dossier.due_at),
                "due_date": format_date(dossier.due_at),
                "decided_at": format_date(dossier.decided_at),
                "result": _register_result(dossier),
                "returned_at": format_date(dossier.returned_at),
            }
        )
    context.update(
        {
            "rows": rows,
            "date_from": format_date(date_from),
            "date_to": format_date(date_to),
            "agency": agency,
        }
    )
    return context


def render_register(agency, date_from: date, date_to: date) -> bytes:
    """The register of dossiers (form 07, or 06 under TT 01/2018) of `agency` for the period."""
    return render_pdf(TEMPLATES[FormKind.REGISTER], register_context(agency, date_from, date_to))
