"""Reads for the applicant's pages: their dossiers, the documents of a draft, the public
timeline, and what they may download. Scoped to the applicant: a dossier of someone else is
simply not found (404), whatever its code or public id.

Nothing here decides what the applicant may do: the pages ask dossiers.selectors
.allowed_actions_for, and the services refuse anything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import AdministrativeUnit, UnitLevel
from motcua.catalog.models import RequiredDocument
from motcua.documents.qr import qr_data_uri
from motcua.dossiers import forms as dossier_forms
from motcua.dossiers import selectors as dossier_selectors
from motcua.dossiers import tracking, uploads
from motcua.dossiers.codes import display_secret, normalize_secret
from motcua.dossiers.lifecycle import Action, DeliveryMethod, State
from motcua.dossiers.models import Attachment, AttachmentKind, Dossier
from motcua.dossiers.regimes import FormKind, form_number, form_title

# Upload rules shown before the applicant picks a file (uploads.py checks the content).
UPLOAD_EXTENSIONS = sorted({*uploads.EXTENSIONS.values(), ".jpeg"})
UPLOAD_ACCEPT = ",".join([*UPLOAD_EXTENSIONS, *sorted(uploads.EXTENSIONS)])
UPLOAD_TYPES = ", ".join(
    "JPEG" if ext == ".jpg" else ext.lstrip(".").upper() for ext in uploads.EXTENSIONS.values()
)
CAMERA_ACCEPT = f"{uploads.JPEG},{uploads.PNG}"
# Results and files the applicant may download (internal working papers never).
APPLICANT_KINDS = (AttachmentKind.SUBMISSION, AttachmentKind.SUPPLEMENT, AttachmentKind.RESULT)
RESULT_STATES = (State.DECIDED, State.RETURNED)
PAGE_SIZE = 20
OTHER = "other"


def upload_rules() -> dict:
    return {
        "accept": UPLOAD_ACCEPT,
        "camera_accept": CAMERA_ACCEPT,
        "types": UPLOAD_TYPES,
        "max_size": filesizeformat(uploads.max_upload_bytes()),
    }


def commune_choices() -> list[tuple[str, str]]:
    """The current communes of the province (settings.MOTCUA_PROVINCE_CODE), by name."""
    code = f"{int(getattr(settings, 'MOTCUA_PROVINCE_CODE', 0)):02d}"
    units = AdministrativeUnit.objects.filter(
        level=UnitLevel.COMMUNE, province__code=code, valid_until__isnull=True
    ).order_by("name", "code")
    return [(unit.code, unit.name) for unit in units]


# --- the applicant's dossiers ---------------------------------------------------------------------


def my_dossiers(user) -> QuerySet[Dossier]:
    """The dossiers filed from this account (an officer's worklists are elsewhere)."""
    return (
        dossier_selectors.dossiers_visible_to(user)
        .filter(applicant_user=user)
        .select_related("procedure_version")
        .order_by("-created_at", "-id")
    )


def my_dossier(user, public_id: UUID) -> Dossier | None:
    return my_dossiers(user).filter(public_id=public_id).first()


def drafts_for(user, procedure) -> list[Dossier]:
    return list(my_dossiers(user).filter(procedure=procedure, state=State.DRAFT)[:5])


@dataclass(frozen=True)
class NextStep:
    label: str
    url: str


def next_step(dossier: Dossier) -> NextStep | None:
    """The link a list row offers for the dossier's state (the page it opens checks the rules)."""
    pid = dossier.public_id
    state = dossier.state
    if state == State.DRAFT:
        return NextStep(_("Tiếp tục nộp hồ sơ"), reverse("portal:apply-documents", args=[pid]))
    if state == State.SUPPLEMENTING:
        return NextStep(_("Bổ sung hồ sơ"), reverse("portal:supplement", args=[pid]))
    if state == State.AWAITING_PAYMENT:
        return NextStep(
            _("Thực hiện nghĩa vụ tài chính"),
            reverse("portal:dossier", args=[pid]) + "#viec-can-lam",
        )
    if state in RESULT_STATES:
        return NextStep(_("Nhận kết quả"), reverse("portal:dossier", args=[pid]) + "#ket-qua")
    return None


def list_rows(dossiers) -> list[dict]:
    now = timezone.now()
    return [
        {"dossier": d, "next": next_step(d), "overdue": tracking.overdue(d, now)} for d in dossiers
    ]


# --- documents of a draft or a supplement ---------------------------------------------------------


@dataclass
class Slot:
    """One place to upload: a required document of the procedure, or "other documents"."""

    key: str
    document: RequiredDocument | None
    attachments: list[Attachment] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.document.name if self.document else str(_("Giấy tờ khác (nếu có)"))

    @property
    def required(self) -> bool:
        return bool(self.document and self.document.required)

    @property
    def input_name(self) -> str:
        return f"file-{self.key}"

    @property
    def camera_name(self) -> str:
        return f"camera-{self.key}"


def slots(dossier: Dossier, kind: str, *, only_unsent: bool = False) -> list[Slot]:
    """Upload places with the files of `kind` already attached to each (the applicant's own).
    `only_unsent`: leave out files already sent (a supplement lists only the new ones)."""
    documents = list(dossier.procedure_version.documents.order_by("position", "id"))
    out = [Slot(str(d.pk), d) for d in documents] + [Slot(OTHER, None)]
    by_document = {slot.document.pk if slot.document else None: slot for slot in out}
    attachments = dossier.attachments.filter(kind=kind).order_by("id")
    sent = dossier_selectors.sent_attachment_ids(dossier) if only_unsent else set()
    for attachment in attachments:
        if attachment.pk in sent:
            continue
        slot = by_document.get(attachment.document_id) or by_document[None]
        slot.attachments.append(attachment)
    return out


def slot_for(dossier: Dossier, kind: str, key: str, *, only_unsent: bool = False) -> Slot | None:
    return next((s for s in slots(dossier, kind, only_unsent=only_unsent) if s.key == key), None)


def missing_documents(dossier: Dossier) -> list[RequiredDocument]:
    """Required documents without any file yet: the portal asks for all of them before it offers
    the submission (the counter checks completeness itself at acceptance)."""
    attached = set(
        dossier.attachments.filter(kind=AttachmentKind.SUBMISSION).values_list(
            "document_id", flat=True
        )
    )
    return [
        d
        for d in dossier.procedure_version.documents.order_by("position", "id")
        if d.required and d.pk not in attached
    ]


def unsent_ids(dossier: Dossier, kind: str) -> list[int]:
    sent = dossier_selectors.sent_attachment_ids(dossier)
    ids = dossier.attachments.filter(kind=kind).values_list("pk", flat=True)
    return [pk for pk in ids if pk not in sent]


# --- receipt, timeline, downloads -----------------------------------------------------------------


def receipt(dossier: Dossier) -> dict:
    """What the receipt page shows: the code, the secret, the QR code of the tracking address (as
    printed on form 01), and whether form 01 is issued yet (at acceptance)."""
    url = dossier_forms.tracking_url(dossier.code, dossier.tracking_secret)
    return {
        "code": dossier.code,
        "secret": display_secret(dossier.tracking_secret),
        "tracking_url": url,
        # The same page on this site (the QR code holds the public address).
        "tracking_path": reverse("dossiers:tracking-dossier", args=[dossier.code])
        + "?"
        + urlencode({"secret": normalize_secret(dossier.tracking_secret)}),
        "qr": qr_data_uri(url),
        "receipt_form": FormKind.RECEIPT in dossier_forms.available_forms(dossier),
    }


# Citizens' wording of each event; assignments are internal and not shown.
TIMELINE_LABELS = {
    Action.SUBMIT: _("Nộp hồ sơ trực tuyến"),
    Action.ACCEPT: _("Tiếp nhận hồ sơ"),
    Action.REQUEST_SUPPLEMENT: _("Yêu cầu bổ sung, hoàn thiện hồ sơ"),
    Action.SUPPLEMENT: _("Bổ sung hồ sơ"),
    Action.REFUSE: _("Từ chối tiếp nhận hồ sơ"),
    Action.FORWARD: _("Chuyển xử lý"),
    Action.SEND_BACK: _("Chuyển lại bước trước"),
    Action.TRANSFER: _("Chuyển cơ quan khác (liên thông)"),
    Action.REQUEST_PAYMENT: _("Yêu cầu thực hiện nghĩa vụ tài chính"),
    Action.PAY: _("Đã thực hiện nghĩa vụ tài chính"),
    Action.EXTEND: _("Xin lỗi và hẹn lại ngày trả kết quả"),
    Action.APPROVE: _("Đã có kết quả giải quyết"),
    Action.DENY: _("Có văn bản trả lời không giải quyết"),
    Action.STOP: _("Dừng giải quyết hồ sơ"),
    Action.WITHDRAW: _("Rút hồ sơ"),
    Action.DELIVER: _("Trả kết quả"),
}
# Events whose reason is the applicant's to read (it is printed on the forms they receive).
PUBLIC_REASONS = {Action.REFUSE, Action.STOP, Action.DENY, Action.WITHDRAW, Action.EXTEND}


def timeline(dossier: Dossier) -> list[dict]:
    """The dossier's events as the applicant sees them: when, what, at which agency, and the
    requests addressed to them. Never who (officers' names) nor internal notes."""
    out = []
    for event in dossier_selectors.events_of(dossier):
        label = TIMELINE_LABELS.get(event.action)
        if label is None:
            continue
        data = event.data if isinstance(event.data, dict) else {}
        details = []
        if event.action in (Action.REQUEST_SUPPLEMENT, Action.REQUEST_PAYMENT):
            details = tracking.item_texts(data.get("items"))
        elif event.action in PUBLIC_REASONS and data.get("reason"):
            details = [str(data["reason"])]
        elif event.action == Action.DELIVER and data.get("method") in DeliveryMethod.values:
            details = [str(DeliveryMethod(data["method"]).label)]
        out.append(
            {
                "at": event.at,
                "label": label,
                "agency": event.agency.name if event.agency_id else "",
                "details": details,
            }
        )
    return out


def applicant_forms(dossier: Dossier) -> list[dict]:
    """Forms 01–05 issued to this dossier (not the control sheet, which is the agencies')."""
    regime = dossier_forms.dossier_regime(dossier)
    return [
        {
            "kind": kind,
            "number": form_number(kind, regime),
            "title": form_title(kind, regime),
            "url": reverse("portal:dossier-form", args=[dossier.public_id, kind.value]),
        }
        for kind in dossier_forms.available_forms(dossier)
        if kind in dossier_forms.APPLICANT_FORMS
    ]


def applicant_form(dossier: Dossier, kind: str) -> FormKind | None:
    try:
        kind = FormKind(kind)
    except ValueError:
        return None
    if kind not in dossier_forms.APPLICANT_FORMS:
        return None
    return kind if kind in dossier_forms.available_forms(dossier) else None


def results(dossier: Dossier) -> list[Attachment]:
    if dossier.state not in RESULT_STATES:
        return []
    return list(dossier.attachments.filter(kind=AttachmentKind.RESULT).order_by("id"))


def own_files(dossier: Dossier) -> list[Attachment]:
    kinds = (AttachmentKind.SUBMISSION, AttachmentKind.SUPPLEMENT)
    return list(
        dossier.attachments.filter(kind__in=kinds).select_related("document").order_by("id")
    )


def applicant_file(dossier: Dossier, attachment_id: int) -> Attachment | None:
    """A file of the dossier the applicant may download: theirs, or a result once decided."""
    attachment = dossier.attachments.filter(pk=attachment_id, kind__in=APPLICANT_KINDS).first()
    if attachment is None:
        return None
    if attachment.kind == AttachmentKind.RESULT and dossier.state not in RESULT_STATES:
        return None
    return attachment
