import re
from urllib.parse import urlencode

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from motcua.catalog import selectors as catalog
from motcua.documents.pdf import render_pdf
from motcua.dossiers.codes import normalize_code

from . import selectors, services
from .forms import ProcedureSearchForm


def home(request):
    return render(request, "portal/home.html", selectors.home_context())


def _form(request):
    return ProcedureSearchForm(request.GET or None, fields=catalog.fields_with_counts())


@require_GET
def procedure_list(request):
    form = _form(request)
    context = selectors.listing_context(form.filters(), request.GET.get("page"))
    return render(request, "portal/procedure_list.html", {**context, "form": form})


@require_GET
def field_procedures(request, slug):
    field = selectors.field_page(slug)
    if field is None:
        raise Http404
    form = _form(request)
    filters = {**form.filters(), "field": None}
    context = selectors.listing_context(filters, request.GET.get("page"), field=field)
    return render(request, "portal/procedure_list.html", {**context, "form": form, "field": field})


@require_GET
def agency_procedures(request, e_id):
    agency = selectors.agency_page(e_id)
    if agency is None:
        raise Http404
    form = _form(request)
    context = selectors.listing_context(form.filters(), request.GET.get("page"), agency=agency)
    return render(
        request, "portal/procedure_list.html", {**context, "form": form, "agency": agency}
    )


@require_GET
def procedure(request, code):
    context = selectors.procedure_page(code)
    if context is None:
        raise Http404
    if context["procedure"].is_available:
        services.count_view(context["procedure"])
    return render(request, "portal/procedure_detail.html", context)


@require_GET
def procedure_poster(request, code):
    context = selectors.poster_context(code)
    if context is None:
        raise Http404
    pdf = render_pdf("portal/poster.html", context)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="thu-tuc-{code}.pdf"'
    return response


# What a dossier code can hold (codes.py); anything else goes to the look-up form, which says why.
_CODE_IN_PATH = re.compile(r"^[A-Z0-9.\-]{1,64}$")


@never_cache
@require_GET
def quick_track(request):
    """The home page's look-up form (GET, no JavaScript): to `/tra-cuu/<code>/?secret=…`, the
    address the receipt's QR code opens, where the tracking page does the look-up."""
    code = normalize_code(request.GET.get("code", ""))
    secret = request.GET.get("secret", "").strip()[:64]
    if _CODE_IN_PATH.match(code):
        url = reverse("dossiers:tracking-dossier", args=[code])
        if secret:
            url += "?" + urlencode({"secret": secret})
    else:
        url = reverse("dossiers:tracking") + ("?" + urlencode({"code": code[:64]}) if code else "")
    response = HttpResponseRedirect(url)
    response["Referrer-Policy"] = "no-referrer"
    return response
