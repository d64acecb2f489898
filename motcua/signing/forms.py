from django import forms
from django.utils.translation import gettext_lazy as _

from .services import TEMPLATE_SOURCE


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp PDF cần kiểm tra"),
        help_text=_("Tệp kết quả giải quyết có chữ ký số (PDF)."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )


class SignForm(forms.Form):
    SOURCES = (
        (TEMPLATE_SOURCE, _("Lập kết quả từ mẫu của thủ tục")),
        ("upload", _("Ký tệp PDF do chuyên viên soạn")),
    )
    source = forms.ChoiceField(
        label=_("Văn bản kết quả"),
        choices=SOURCES,
        widget=forms.RadioSelect,
        initial=TEMPLATE_SOURCE,
    )
    file = forms.FileField(
        label=_("Tệp PDF kết quả"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    note = forms.CharField(
        label=_("Ghi chú"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("source") == "upload" and not data.get("file"):
            self.add_error("file", _("Hãy chọn tệp PDF kết quả."))
        return data
