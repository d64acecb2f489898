"""Public dossier pages: tracking by code and secret (`/tra-cuu/`). Thin: the rules live in
tracking.py. Works without JavaScript (a GET form); the receipt's QR code opens
`/tra-cuu/<code>/?secret=…` directly."""

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from motcua.common.ratelimit import client_ip

from . import tracking


class LookupForm(forms.Form):
    code = forms.CharField(
        label=_("Mã hồ sơ"),
        max_length=tracking.MAX_CODE_LENGTH,
        help_text=_("Ghi trên Giấy tiếp nhận hồ sơ, ví dụ H22.40-251008-0001."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    secret = forms.CharField(
        label=_("Mã tra cứu"),
        max_length=tracking.MAX_SECRET_LENGTH,
        help_text=_("10 ký tự ghi cạnh mã QR, ví dụ ABCDE-FGHJK."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


def _private(response):
    # The URL carries the secret: keep it out of Referer headers and search engines.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_safe
def track(request, code=None):
    """`/tra-cuu/` (form: code + secret) and `/tra-cuu/<code>/?secret=…`."""
    query = request.GET
    asked = "secret" in query or (code is None and "code" in query)
    data = {
        "code": code if code is not None else query.get("code", ""),
        "secret": query.get("secret", ""),
    }
    if not asked:
        # Nothing to look up yet: the form, with the code from the URL if there is one.
        form = LookupForm(initial={"code": code or ""})
        return _private(render(request, "dossiers/tracking.html", {"form": form}))
    form = LookupForm(data)
    if not form.is_valid():
        return _private(render(request, "dossiers/tracking.html", {"form": form}))
    wait = tracking.allow_lookup(client_ip(request))
    if wait is not None:
        response = render(request, "dossiers/tracking_limited.html", {"seconds": wait}, status=429)
        response["Retry-After"] = str(wait)
        return _private(response)
    view = tracking.track(form.cleaned_data["code"], form.cleaned_data["secret"])
    if view is None:
        # The same page for an unknown code and a wrong secret; the secret is not echoed.
        form = LookupForm(initial={"code": form.cleaned_data["code"]})
        context = {"form": form, "not_found": True}
        return _private(render(request, "dossiers/tracking.html", context, status=404))
    form = LookupForm(initial={"code": view.code})
    return _private(render(request, "dossiers/tracking.html", {"form": form, "view": view}))
