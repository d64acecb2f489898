"""The back office's forms: typing and shape of the input only. What an action allows is decided
by dossiers.services; their errors are put next to the fields here (`show_error`)."""

from __future__ import annotations

import re
from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.dossiers.errors import DossierError
from motcua.dossiers.lifecycle import Action, DeliveryMethod, State
from motcua.dossiers.models import ApplicantKind

from . import selectors

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
DATETIME_FORMATS = ["%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
REQUIRED = {"required": _("Phải nhập thông tin này.")}


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def textarea(rows: int = 2, **attrs) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


# Service error codes without a field, and service field names, mapped to form fields.
CODE_FIELDS = {
    "reason_required": "reason",
    "items_required": "items",
    "officer_required": "officer",
    "to_agency_required": "agency",
    "same_agency": "agency",
    "new_due_at_required": "new_due_at",
    "new_due_not_later": "new_due_at",
    "extend_too_late": "new_due_at",
    "method_required": "method",
    "recipient_required": "recipient_name",
}
SERVICE_FIELDS = {
    "officer": "officer",
    "agency": "agency",
    "items": "items",
    "amount": "amount",
    "checklist": "checklist",
    "attachments": "result_file",
    "file": "result_file",
}


def show_error(form: forms.Form, error: DossierError, *, code_fields=None, service_fields=None):
    """Put a service error next to the fields it is about (the whole form otherwise)."""
    code_fields = {**CODE_FIELDS, **(code_fields or {})}
    service_fields = {**SERVICE_FIELDS, **(service_fields or {})}
    placed = False
    for field, messages in (error.extra.get("errors") or {}).items():
        name = service_fields.get(field, field.replace(".", "_"))
        if name in form.fields:
            for message in messages:
                form.add_error(name, str(message))
            placed = True
    if placed:
        return
    by_field = service_fields.get(error.field or "", error.field)
    for violation in error.violations:
        name = code_fields.get(violation.code) or by_field
        form.add_error(name if name in form.fields else None, str(violation.message))


# --- worklists --------------------------------------------------------------------------------------


class WorklistForm(forms.Form):
    """Filters of a worklist (GET). Wrong values in a shared link are dropped, not an error."""

    list = forms.ChoiceField(
        label=_("Danh sách"),
        required=False,
        choices=[(k, v) for k, v in selectors.LIST_LABELS.items()],
    )
    q = forms.CharField(
        label=_("Tìm theo mã hồ sơ, tên hoặc số định danh người nộp"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "data-shortcut-focus": "/"}
        ),
    )
    state = forms.ChoiceField(label=_("Trạng thái"), required=False)
    procedure = forms.ChoiceField(label=_("Thủ tục"), required=False)
    agency = forms.ChoiceField(label=_("Cơ quan"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        states = [(s.value, s.label) for s in State if s != State.RECEIVED]
        self.fields["state"].choices = [("", _("Tất cả trạng thái")), *states]
        self.fields["procedure"].choices = [
            ("", _("Tất cả thủ tục")),
            *selectors.procedure_choices(),
        ]
        agencies = selectors.agency_choices(user)
        self.fields["agency"].choices = [("", _("Tất cả cơ quan")), *agencies]
        self.single_agency = len(agencies) < 2

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            name: data.get(name) or None
            for name in ("list", "q", "state", "procedure", "agency")
            if name not in self.errors
        }


# --- counter intake ------------------------------------------------------------------------------------

# The QR code on a chip-based citizen ID card, as a reader types it: "ID|old ID|name|date of
# birth|sex|address|date of issue" (then Enter). Scanned into the form, it fills the applicant.
ID_CARD_SCAN = re.compile(r"^\s*(\d{12}|\d{9})\|(\d{9})?\|([^|]+)\|\d{8}\|[^|]*\|([^|]*)\|")


def expand_id_card_scan(data):
    """Fill the applicant from a citizen ID card's QR code scanned into the ID or name field."""
    for field in ("applicant_id_number", "applicant_name"):
        match = ID_CARD_SCAN.match(data.get(field, "") or "")
        if match:
            data = data.copy()
            number, _old, name, address = match.groups()
            data["applicant_id_number"] = number
            data["applicant_name"] = name.strip()
            if not (data.get("applicant_address") or "").strip():
                data["applicant_address"] = address.strip()
            data["applicant_kind"] = ApplicantKind.CITIZEN
            return data, True
    return data, False


class IntakeForm(forms.Form):
    """A counter dossier: the applicant, the documents checklist, and what to do with it."""

    OPS = ("check", "accept", "supplement", "refuse")

    procedure = forms.CharField(widget=forms.HiddenInput)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    receiving_agency = forms.ChoiceField(label=_("Nơi tiếp nhận"), required=False)
    applicant_kind = forms.ChoiceField(
        label=_("Người nộp là"), choices=ApplicantKind.choices, initial=ApplicantKind.CITIZEN
    )
    applicant_name = forms.CharField(
        label=_("Họ và tên người nộp (hoặc tên tổ chức)"),
        max_length=255,
        error_messages=REQUIRED,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    applicant_id_number = forms.CharField(
        label=_("Số định danh cá nhân (hoặc mã số thuế)"),
        help_text=_("Có thể quét mã QR trên thẻ căn cước vào ô này."),
        # A scanned card QR is long; it is split into the fields before validation.
        max_length=500,
        error_messages=REQUIRED,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    applicant_phone = forms.CharField(
        label=_("Số điện thoại"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    applicant_email = forms.CharField(
        label=_("Thư điện tử"),
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"type": "email", "autocomplete": "off"}),
    )
    applicant_address = forms.CharField(
        label=_("Địa chỉ"), required=False, max_length=500, widget=forms.TextInput()
    )
    applicant_commune = forms.ChoiceField(label=_("Xã, phường của người nộp"), required=False)
    representative_name = forms.CharField(
        label=_("Họ và tên người được ủy quyền"), required=False, max_length=255
    )
    representative_id_number = forms.CharField(
        label=_("Số định danh người được ủy quyền"), required=False, max_length=20
    )
    representative_phone = forms.CharField(
        label=_("Số điện thoại người được ủy quyền"), required=False, max_length=20
    )
    documents = forms.MultipleChoiceField(
        label=_("Thành phần hồ sơ đã nhận"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=2000, widget=textarea())
    supplement_items = forms.CharField(
        label=_("Nội dung khác cần bổ sung (mỗi dòng một nội dung)"),
        help_text=_("Các thành phần chưa đánh dấu được đưa vào phiếu yêu cầu bổ sung."),
        required=False,
        max_length=4000,
        widget=textarea(3),
    )
    refusal_reason = forms.CharField(
        label=_("Lý do từ chối tiếp nhận"),
        required=False,
        max_length=4000,
        widget=textarea(3),
    )

    def __init__(self, *args, procedure, documents, centers, communes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.procedure_obj = procedure
        self.document_rows = list(documents)
        self.fields["documents"].choices = [(str(d.pk), d.name) for d in self.document_rows]
        if len(centers) > 1:
            self.fields["receiving_agency"].choices = [("", _("— Chọn nơi tiếp nhận —"))] + [
                (str(a.pk), a.name) for a in centers
            ]
            self.fields["receiving_agency"].required = True
            self.fields["receiving_agency"].error_messages = REQUIRED
        else:
            del self.fields["receiving_agency"]
        if communes:
            self.fields["applicant_commune"].choices = [("", _("— Chọn xã, phường —"))] + list(
                communes
            )
        else:
            del self.fields["applicant_commune"]
        self.file_errors: dict[int, list[str]] = {}

    def set_focus(self) -> None:
        """Autofocus the first field with an error, else the applicant's name."""
        visible = [f.name for f in self.visible_fields()]
        errors = [name for name in self.errors if name in visible] if self.is_bound else []
        target = errors[0] if errors else "applicant_name"
        self.fields[target].widget.attrs["autofocus"] = True

    def applicant(self) -> dict:
        data = self.cleaned_data
        out = {
            "kind": data["applicant_kind"],
            "name": data["applicant_name"],
            "id_number": data["applicant_id_number"],
            "phone": data.get("applicant_phone", ""),
            "email": data.get("applicant_email", ""),
            "address": data.get("applicant_address", ""),
        }
        if data.get("applicant_commune"):
            out["commune"] = data["applicant_commune"]
        return out

    def representative(self) -> dict | None:
        data = self.cleaned_data
        rep = {
            "name": data.get("representative_name", ""),
            "id_number": data.get("representative_id_number", ""),
            "phone": data.get("representative_phone", ""),
        }
        return rep if any(rep.values()) else None

    def checklist(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data.get("documents") or ()]

    def missing_items(self) -> list[str]:
        """Unticked documents, then the free text: what form 02 lists."""
        ticked = set(self.checklist())
        missing = [d.name for d in self.document_rows if d.pk not in ticked]
        return missing + lines(self.cleaned_data.get("supplement_items", ""))

    def show_error(self, error: DossierError) -> None:
        if error.code == "idempotency_key_reused":
            self.add_error(None, _("Biểu mẫu này đã được gửi với nội dung khác; hãy gửi lại."))
            return
        show_error(
            self,
            error,
            code_fields={"reason_required": "refusal_reason", "items_required": "supplement_items"},
            service_fields={
                "checklist": "documents",
                "receiving_agency": "receiving_agency",
                "applicant.commune": "applicant_commune",
                "procedure_code": "procedure",
            },
        )


# --- actions on a dossier ------------------------------------------------------------------------


class ActionForm(forms.Form):
    """One action's small form; `service_fields()` gives the keyword arguments of the service."""

    action: Action
    file_field: str | None = None
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=2000, widget=textarea())

    def __init__(self, *args, dossier=None, context=None, **kwargs):
        kwargs.setdefault("prefix", self.action.value)
        super().__init__(*args, **kwargs)
        self.dossier = dossier
        self.setup(context or {})
        self.order_fields([name for name in self.fields if name != "note"] + ["note"])

    def setup(self, context: dict) -> None:
        pass

    def service_fields(self) -> dict:
        return {"note": self.cleaned_data.get("note", "")}

    @property
    def label(self):
        return self.action.label


def _reason(label) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=4000, widget=textarea(3))


class ReasonMixin:
    def service_fields(self) -> dict:
        return {**super().service_fields(), "reason": self.cleaned_data.get("reason", "")}


class AcceptForm(ActionForm):
    action = Action.ACCEPT
    checklist = forms.MultipleChoiceField(
        label=_("Thành phần hồ sơ đã nhận"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def setup(self, context):
        self.fields["checklist"].choices = [
            (str(d.pk), d.name) for d in context.get("required_documents", ())
        ]

    def service_fields(self):
        checked = [int(pk) for pk in self.cleaned_data.get("checklist") or ()]
        return {**super().service_fields(), "checklist": checked}


class RequestSupplementForm(ActionForm):
    action = Action.REQUEST_SUPPLEMENT
    items = forms.CharField(
        label=_("Nội dung cần bổ sung (mỗi dòng một nội dung)"),
        required=False,
        max_length=4000,
        widget=textarea(4),
    )

    def service_fields(self):
        return {**super().service_fields(), "items": lines(self.cleaned_data.get("items", ""))}


class SupplementForm(ActionForm):
    action = Action.SUPPLEMENT


class RefuseForm(ReasonMixin, ActionForm):
    action = Action.REFUSE
    reason = _reason(_("Lý do từ chối tiếp nhận"))


class OfficerChoiceMixin:
    def set_officers(self, officers, *, blank) -> None:
        self.fields["officer"].choices = [("", blank)] + [
            (str(u.pk), f"{u.last_name} {u.first_name}".strip() or u.username) for u in officers
        ]


class AssignForm(OfficerChoiceMixin, ActionForm):
    action = Action.ASSIGN
    officer = forms.ChoiceField(label=_("Cán bộ xử lý"), required=False)

    def setup(self, context):
        self.set_officers(context.get("step_staff", ()), blank=_("— Chọn cán bộ —"))

    def service_fields(self):
        return {**super().service_fields(), "officer": self.cleaned_data.get("officer") or None}


class ForwardForm(OfficerChoiceMixin, ActionForm):
    action = Action.FORWARD
    officer = forms.ChoiceField(label=_("Chuyển cho cán bộ (không bắt buộc)"), required=False)

    def setup(self, context):
        agency = context.get("next_agency")
        self.next_agency = agency
        self.set_officers(context.get("next_staff", ()), blank=_("— Để lãnh đạo phân công —"))

    def service_fields(self):
        fields = super().service_fields()
        if self.cleaned_data.get("officer"):
            fields["officer"] = self.cleaned_data["officer"]
        return fields


class SendBackForm(ReasonMixin, ActionForm):
    action = Action.SEND_BACK
    reason = _reason(_("Lý do trả lại"))


class TransferForm(ActionForm):
    action = Action.TRANSFER
    agency = forms.ChoiceField(label=_("Cơ quan nhận hồ sơ liên thông"), required=False)

    def setup(self, context):
        self.fields["agency"].choices = [("", _("— Chọn cơ quan —"))] + [
            (str(a.pk), a.name) for a in context.get("transfer_targets", ())
        ]

    def service_fields(self):
        return {**super().service_fields(), "agency": self.cleaned_data.get("agency") or None}


class RequestPaymentForm(ActionForm):
    action = Action.REQUEST_PAYMENT
    amount = forms.IntegerField(label=_("Số tiền (đồng)"), required=False, min_value=1)
    items = forms.CharField(
        label=_("Các khoản phí, lệ phí (mỗi dòng một khoản)"),
        required=False,
        max_length=4000,
        widget=textarea(3),
    )

    def service_fields(self):
        return {
            **super().service_fields(),
            "amount": self.cleaned_data.get("amount"),
            "items": lines(self.cleaned_data.get("items", "")),
        }


class PayForm(ActionForm):
    action = Action.PAY
    amount = forms.IntegerField(label=_("Số tiền đã nộp (đồng)"), required=False, min_value=1)
    receipt_number = forms.CharField(label=_("Số biên lai"), required=False, max_length=100)

    def service_fields(self):
        return {
            **super().service_fields(),
            "amount": self.cleaned_data.get("amount"),
            "receipt_number": self.cleaned_data.get("receipt_number", ""),
        }


class ExtendForm(ReasonMixin, ActionForm):
    action = Action.EXTEND
    reason = _reason(_("Lý do xin lỗi, hẹn lại"))
    new_due_at = forms.DateTimeField(
        label=_("Hẹn trả kết quả mới (ngày/tháng/năm giờ:phút)"),
        required=False,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(
            format="%d/%m/%Y %H:%M", attrs={"placeholder": "dd/mm/yyyy HH:MM"}
        ),
        error_messages={
            "invalid": _("Nhập theo dạng ngày/tháng/năm giờ:phút, ví dụ 20/10/2025 16:00.")
        },
    )

    def setup(self, context):
        due = self.dossier.due_at if self.dossier is not None else None
        if due is not None and not self.is_bound:
            self.initial.setdefault("new_due_at", due + timedelta(days=2))

    def service_fields(self):
        return {**super().service_fields(), "new_due_at": self.cleaned_data.get("new_due_at")}


class ResultFileMixin:
    file_field = "result_file"

    def add_result_file(self):
        self.fields["result_file"] = forms.FileField(
            label=_("Tệp kết quả (PDF, ảnh; không bắt buộc)"), required=False
        )


class ApproveForm(ResultFileMixin, ActionForm):
    action = Action.APPROVE

    def setup(self, context):
        self.fields["note"].label = _("Ý kiến phê duyệt")
        self.add_result_file()


class DenyForm(ResultFileMixin, ReasonMixin, ActionForm):
    action = Action.DENY
    reason = _reason(_("Lý do không giải quyết"))

    def setup(self, context):
        self.add_result_file()


class StopForm(ReasonMixin, ActionForm):
    action = Action.STOP
    reason = _reason(_("Lý do dừng giải quyết"))


class DeliverForm(ActionForm):
    action = Action.DELIVER
    method = forms.ChoiceField(
        label=_("Hình thức trả kết quả"),
        choices=DeliveryMethod.choices,
        initial=DeliveryMethod.COUNTER,
        required=False,
    )
    recipient_name = forms.CharField(
        label=_("Họ và tên người nhận kết quả"), required=False, max_length=200
    )
    recipient_id_number = forms.CharField(
        label=_("Số định danh người nhận"), required=False, max_length=20
    )

    def setup(self, context):
        d = self.dossier
        if d is not None and not self.is_bound:
            self.initial.setdefault("recipient_name", d.representative_name or d.applicant_name)
            self.initial.setdefault(
                "recipient_id_number", d.representative_id_number or d.applicant_id_number
            )

    def service_fields(self):
        data = self.cleaned_data
        name = (data.get("recipient_name") or "").strip()
        number = "".join((data.get("recipient_id_number") or "").split())
        recipient = f"{name} (số định danh {number})" if name and number else name
        return {
            **super().service_fields(),
            "method": data.get("method") or "",
            "delivered_to": recipient,
        }


ACTION_FORMS: dict[Action, type[ActionForm]] = {
    form.action: form
    for form in (
        AcceptForm,
        RequestSupplementForm,
        SupplementForm,
        RefuseForm,
        AssignForm,
        ForwardForm,
        SendBackForm,
        TransferForm,
        RequestPaymentForm,
        PayForm,
        ExtendForm,
        ApproveForm,
        DenyForm,
        StopForm,
        DeliverForm,
    )
}


# --- leader, return counter, register ---------------------------------------------------------------


class PickedDossiers(forms.MultipleChoiceField):
    """Ticked rows as `public id:version`. Any well-formed value is accepted, not only the rows
    shown now: a dossier that changed since the page was read must reach the service and come
    back as a conflict in the summary."""

    PICK = re.compile(r"[0-9a-f-]{36}:\d{1,9}")

    def valid_value(self, value) -> bool:
        return bool(self.PICK.fullmatch(str(value)))


class ApprovalForm(forms.Form):
    """Bulk decision: the ticked dossiers (`public id:version`), approve or deny."""

    op = forms.ChoiceField(choices=[("approve", _("Phê duyệt")), ("deny", _("Không giải quyết"))])
    dossiers = PickedDossiers(
        label=_("Hồ sơ"), error_messages={"required": _("Chưa chọn hồ sơ nào.")}
    )
    note = forms.CharField(
        label=_("Ý kiến phê duyệt (không bắt buộc)"),
        required=False,
        max_length=2000,
        widget=textarea(),
    )
    reason = forms.CharField(
        label=_("Lý do không giải quyết (bắt buộc khi không giải quyết)"),
        required=False,
        max_length=4000,
        widget=textarea(),
    )

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dossiers"].choices = [
            (f"{d.public_id}:{d.version}", d.code or str(d.public_id)) for d in rows
        ]

    def clean(self):
        data = super().clean()
        if data.get("op") == "deny" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Phải nêu lý do không giải quyết."))
        return data

    def picked(self) -> list[tuple[str, int]]:
        out = []
        for value in self.cleaned_data["dossiers"]:
            public_id, _sep, version = value.partition(":")
            out.append((public_id, int(version)))
        return out


class ReturnLookupForm(forms.Form):
    ma = forms.CharField(
        label=_("Mã hồ sơ (gõ hoặc quét mã QR trên giấy tiếp nhận)"),
        max_length=500,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class RegisterForm(forms.Form):
    """Period of the register (form 07): `from`, `to` (dd/mm/yyyy), the agency."""

    MAX_DAYS = 93

    agency = forms.ChoiceField(label=_("Cơ quan"), required=False)

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        date_field = {
            "input_formats": DATE_FORMATS,
            "widget": forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}),
            "error_messages": {
                "required": _("Phải nhập ngày."),
                "invalid": _("Nhập ngày theo dạng ngày/tháng/năm, ví dụ 01/10/2025."),
            },
        }
        self.fields["from"] = forms.DateField(label=_("Từ ngày"), **date_field)
        self.fields["to"] = forms.DateField(label=_("Đến ngày"), **date_field)
        self.agencies = list(agencies)
        self.fields["agency"].choices = [(str(a.pk), a.name) for a in self.agencies]
        self.order_fields(["from", "to", "agency"])

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end:
            if end < start:
                self.add_error("to", _("Ngày kết thúc phải từ ngày bắt đầu trở đi."))
            elif (end - start).days >= self.MAX_DAYS:
                self.add_error(
                    "to", _("Mỗi lần in tối đa %(days)s ngày.") % {"days": self.MAX_DAYS}
                )
        return data

    def chosen_agency(self):
        wanted = self.cleaned_data.get("agency")
        for agency in self.agencies:
            if str(agency.pk) == wanted:
                return agency
        return self.agencies[0] if self.agencies else None
