"""Portal forms: the procedure search (a GET form: works without JavaScript), and the forms of
the online submission and of the applicant's actions on a dossier."""

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Level, OnlineLevel
from motcua.catalog.search import MAX_QUERY_LENGTH
from motcua.dossiers.models import ApplicantKind


class ProcedureSearchForm(forms.Form):
    q = forms.CharField(label=_("Tìm thủ tục"), required=False, max_length=MAX_QUERY_LENGTH)
    field = forms.ChoiceField(label=_("Lĩnh vực"), required=False)
    level = forms.ChoiceField(
        label=_("Cấp thực hiện"),
        required=False,
        choices=[("", _("Tất cả các cấp")), *Level.choices],
    )
    online = forms.ChoiceField(
        label=_("Mức độ trực tuyến"),
        required=False,
        choices=[("", _("Tất cả")), *OnlineLevel.choices],
    )

    def __init__(self, *args, fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [("", _("Tất cả lĩnh vực"))] + [
            (f.slug, f.name) for f in fields
        ]

    def filters(self) -> dict:
        """Valid filters only: a wrong value in a shared link is dropped, not an error page."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": data.get("q", "") if "q" not in self.errors else "",
            "field": data.get("field") or None,
            "level": data.get("level") or None,
            "online": data.get("online") or None,
        }


# --- online submission and the applicant's actions ------------------------------------------------

APPLICANT_FIELDS = ("kind", "name", "id_number", "phone", "email", "address", "commune")
REPRESENTATIVE_FIELDS = ("name", "id_number", "phone")


class PortalForm(forms.Form):
    """Labels without the trailing colon; errors rendered next to each field (portal/_field.html)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_service_error(self, exc, field_names: dict[str, str]) -> None:
        """Show a DossierError next to its fields: the service names them `applicant.id_number`,
        `representative.phone`… (`field_names` maps those to this form's fields)."""
        errors = (getattr(exc, "extra", None) or {}).get("errors") or {}
        placed = False
        for service_field, messages in errors.items():
            name = field_names.get(service_field)
            if name in self.fields:
                for message in messages:
                    self.add_error(name, str(message))
                placed = True
        name = field_names.get(exc.field or "")
        if not placed and name in self.fields:
            self.add_error(name, str(exc.message))
            placed = True
        if not placed:
            self.add_error(None, str(exc.message))


class ApplicantForm(PortalForm):
    """Step 1: who applies (and who submits on their behalf). The service checks the values
    (identity.py: personal ID, tax code, phone; the commune); its errors come back per field."""

    kind = forms.ChoiceField(label=_("Người nộp là"), choices=ApplicantKind.choices)
    # Required, but checked by the service with the other fields, so that every error shows at
    # once (a form-level "required" would stop before the service runs); `required` is marked
    # in the HTML for the browser and assistive technologies.
    name = forms.CharField(
        label=_("Họ và tên (hoặc tên tổ chức)"),
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "name", "required": True}),
    )
    id_number = forms.CharField(
        label=_("Số định danh cá nhân hoặc mã số thuế"),
        required=False,
        max_length=20,
        help_text=_(
            "Công dân: số định danh cá nhân 12 chữ số (in trên thẻ căn cước). Doanh nghiệp, tổ "
            "chức: mã số thuế 10 chữ số, hoặc 13 chữ số dạng NNNNNNNNNN-NNN."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "required": True}
        ),
    )
    phone = forms.CharField(
        label=_("Số điện thoại"),
        required=False,
        max_length=20,
        help_text=_("Để nhận tin nhắn về hồ sơ, ví dụ 0912 345 678."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.CharField(
        label=_("Thư điện tử"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    address = forms.CharField(
        label=_("Địa chỉ"),
        required=False,
        max_length=500,
        help_text=_("Số nhà, đường, thôn, tổ dân phố."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    commune = forms.CharField(
        label=_("Xã, phường, đặc khu"),
        required=False,
        max_length=5,
        help_text=_("Nơi cư trú hoặc trụ sở; với thủ tục cấp xã, quyết định nơi giải quyết."),
    )
    rep_name = forms.CharField(
        label=_("Họ và tên người được ủy quyền"), required=False, max_length=255
    )
    rep_id_number = forms.CharField(
        label=_("Số định danh cá nhân của người được ủy quyền"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    rep_phone = forms.CharField(
        label=_("Số điện thoại của người được ủy quyền"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    # One per blank form: sending it twice (double click, retry) makes one draft.
    token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    # Service field name -> form field.
    SERVICE_FIELDS = {
        **{f"applicant.{name}": name for name in APPLICANT_FIELDS},
        **{f"representative.{name}": f"rep_{name}" for name in REPRESENTATIVE_FIELDS},
        "procedure_code": None,
    }

    def __init__(self, *args, communes=(), **kwargs):
        super().__init__(*args, **kwargs)
        if communes:
            # The province's communes as a list; without them (units not loaded) the 5-digit code.
            self.fields["commune"] = forms.ChoiceField(
                label=self.fields["commune"].label,
                help_text=self.fields["commune"].help_text,
                required=False,
                choices=[("", _("— Chọn xã, phường —"))] + list(communes),
            )
        else:
            self.fields["commune"].widget.attrs.update(inputmode="numeric", pattern="[0-9]{5}")
            self.fields["commune"].help_text = _("Mã 5 chữ số của xã, phường (nếu biết).")

    def applicant(self) -> dict:
        data = {name: self.cleaned_data.get(name) or "" for name in APPLICANT_FIELDS}
        if not data["commune"]:
            del data["commune"]
        return data

    def representative(self) -> dict | None:
        data = {name: self.cleaned_data.get(f"rep_{name}") or "" for name in REPRESENTATIVE_FIELDS}
        return data if any(data.values()) else None

    def add_dossier_error(self, exc) -> None:
        self.add_service_error(exc, self.SERVICE_FIELDS)

    @staticmethod
    def initial_from_dossier(dossier) -> dict:
        return {
            "kind": dossier.applicant_kind,
            "name": dossier.applicant_name,
            "id_number": dossier.applicant_id_number,
            "phone": dossier.applicant_phone,
            "email": dossier.applicant_email,
            "address": dossier.applicant_address,
            "commune": dossier.applicant_commune.code if dossier.applicant_commune_id else "",
            "rep_name": dossier.representative_name,
            "rep_id_number": dossier.representative_id_number,
            "rep_phone": dossier.representative_phone,
        }


class ReviewForm(PortalForm):
    confirm = forms.BooleanField(
        label=_("Tôi cam đoan các thông tin và giấy tờ khai trên là đúng sự thật."),
        error_messages={"required": _("Vui lòng đánh dấu ô cam đoan trước khi nộp hồ sơ.")},
    )


class SupplementForm(PortalForm):
    note = forms.CharField(
        label=_("Ghi chú gửi cơ quan giải quyết"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WithdrawForm(PortalForm):
    reason = forms.CharField(
        label=_("Lý do rút hồ sơ"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_("Tôi hiểu rằng hồ sơ đã rút sẽ không được giải quyết tiếp."),
        error_messages={"required": _("Vui lòng đánh dấu ô xác nhận để rút hồ sơ.")},
    )
