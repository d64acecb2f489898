"""The search and filter form of the procedure pages (a GET form: works without JavaScript)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Level, OnlineLevel
from motcua.catalog.search import MAX_QUERY_LENGTH


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
