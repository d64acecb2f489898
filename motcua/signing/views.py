"""Pages of the signing app: the public verification page (/xac-thuc/, /xac-thuc/<token>/) and
the leader's signing page in the back office (/can-bo/ky-so/<ref>/). Thin: rules live in
services.py and verify.py."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from motcua.agencies.models import Role
from motcua.backoffice import selectors as backoffice_selectors
from motcua.backoffice.access import staff_required
from motcua.common import ratelimit
from motcua.common.ratelimit import client_ip
from motcua.dossiers.errors import DossierConflict, DossierError

from . import conf, services
from .forms import SignForm, VerifyForm
from .models import SignedDocument
from .verify import verify_pdf


def _limited(request):
    wait = ratelimit.hit("verify-page", client_ip(request), conf.verify_page_rate())
    if wait is None:
        return None
    response = render(request, "signing/verify_limited.html", {"seconds": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


def _verify_upload(request, form):
    upload = form.cleaned_data["file"]
    from motcua.dossiers.uploads import max_upload_bytes

    if upload.size > max_upload_bytes():
        form.add_error("file", _("Tệp quá lớn."))
        return None
    return verify_pdf(upload.read())


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def verify_page(request):
    """`/xac-thuc/`: upload a signed result (no JavaScript needed)."""
    report = None
    if request.method == "POST":
        limited = _limited(request)
        if limited is not None:
            return limited
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            report = _verify_upload(request, form)
    else:
        form = VerifyForm()
    return render(request, "signing/verify.html", {"form": form, "report": report})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def verify_token(request, token):
    """`/xac-thuc/<token>/` (the stamp's QR code): the record, and an upload to compare."""
    limited = _limited(request)
    if limited is not None:
        return limited
    document = (
        SignedDocument.objects.select_related("dossier__procedure_version", "agency")
        .filter(token=token)
        .first()
    )
    if document is None:
        raise Http404
    report = None
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            report = _verify_upload(request, form)
    else:
        form = VerifyForm()
    context = {
        "form": form,
        "document": document,
        "report": report,
        "same_file": report is not None and report.sha256 == document.sha256,
    }
    response = render(request, "signing/verify_token.html", context)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@staff_required(roles=(Role.LEADER,), message=None)
def sign_page(request, ref):
    """`/can-bo/ky-so/<ref>/`: the leader signs the result and approves the dossier."""
    dossier = backoffice_selectors.dossier_for(request.user, ref)
    if dossier is None:
        raise Http404
    ref = dossier.code or str(dossier.public_id)
    allowed = services.may_approve(dossier, request.user)
    if request.method == "POST" and allowed:
        form = SignForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            source = data["file"] if data["source"] == "upload" else services.TEMPLATE_SOURCE
            try:
                services.sign_and_approve(
                    dossier,
                    request.user,
                    source=source,
                    note=data["note"],
                    expected_version=data["version"],
                )
            except DossierConflict:
                messages.error(request, _("Hồ sơ vừa được người khác cập nhật; hãy xem lại."))
                return redirect("backoffice:dossier", ref=ref)
            except DossierError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Đã ký số kết quả và phê duyệt hồ sơ."))
                return redirect("backoffice:dossier", ref=ref)
    else:
        form = SignForm(initial={"version": dossier.version})
    has_key = services.SigningKey.objects.filter(
        agency_id=dossier.current_agency_id, is_active=True
    ).first()
    context = {"dossier": dossier, "ref": ref, "form": form, "allowed": allowed, "key": has_key}
    return render(request, "signing/sign.html", context, status=200 if allowed else 403)
