"""Pages of the payments app: the applicant's online payment (start, redirect, return), the demo
gateway's pretend bank page, the receipt PDF, the back office's fee request, counter payment and
refund forms, and the reconciliation report. Thin: payments.services decides."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.agencies.models import Agency
from motcua.backoffice.access import staff_required
from motcua.backoffice.views import render_staff
from motcua.documents.pdf import render_pdf
from motcua.documents.qr import qr_data_uri
from motcua.dossiers import permissions, selectors
from motcua.dossiers.errors import DossierError
from motcua.dossiers.models import Dossier
from motcua.worktime.deadlines import VN_TZ

from . import reports, services
from .gateways import base as gateways
from .gateways import demo
from .gateways.base import CallbackRejected
from .models import Payment


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _message(exc: DossierError) -> str:
    return str(exc.message)


# --- the applicant --------------------------------------------------------------------------------


@require_POST
@login_required
def start_online(request, public_id):
    dossier = Dossier.objects.filter(public_id=public_id, applicant_user=request.user).first()
    if dossier is None:
        raise Http404
    gateway = request.POST.get("gateway", "")
    back = reverse("portal:dossier", args=[dossier.public_id])
    return_url = request.build_absolute_uri(reverse("payments:return", args=[gateway or "none"]))
    try:
        payment, url = services.start_online_payment(
            dossier, request.user, gateway, return_url=return_url, client_ip=_client_ip(request)
        )
    except DossierError as exc:
        messages.error(request, _message(exc))
        return redirect(back)
    request.session[f"payments:redirect:{payment.order_id}"] = url
    # Our own page links to the gateway: CSP form-action forbids a form's redirect off-site.
    return HttpResponseRedirect(reverse("payments:redirect", args=[payment.order_id]), status=303)


@require_GET
@login_required
@never_cache
def redirect_page(request, order_id):
    payment = (
        Payment.objects.filter(order_id=order_id, dossier__applicant_user=request.user)
        .select_related("dossier")
        .first()
    )
    url = request.session.get(f"payments:redirect:{order_id}")
    if payment is None or url is None:
        raise Http404
    return render(
        request,
        "payments/redirect.html",
        {
            "payment": payment,
            "url": url,
            "gateway": gateways.get(payment.gateway, only_enabled=False),
        },
    )


@require_GET
@never_cache
def return_page(request, gateway):
    """Where the gateway sends the browser back: our record decides, never the URL."""
    payment = services.return_result(gateway, request.GET)
    status = 200 if payment is not None else 400
    mine = (
        payment is not None
        and request.user.is_authenticated
        and payment.dossier.applicant_user_id == request.user.pk
    )
    return render(
        request,
        "payments/return.html",
        {"payment": payment, "dossier": payment.dossier if mine else None},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@never_cache
def demo_gateway(request, order_id):
    """The pretend bank (only when the demo gateway is enabled)."""
    gateway = gateways.get(demo.DemoGateway.name)
    if gateway is None:
        raise Http404
    source = request.GET if request.method == "GET" else request.POST
    try:
        params = demo.verify({k: source.get(k, "") for k in ("order", "amount", "return", "sig")})
    except CallbackRejected:
        return render(request, "payments/demo_gateway.html", {"invalid": True}, status=400)
    payment = Payment.objects.filter(order_id=order_id, gateway=gateway.name).first()
    if payment is None or params["order"] != order_id:
        raise Http404
    if request.method == "GET":
        return render(
            request,
            "payments/demo_gateway.html",
            {"payment": payment, "params": {**params, "sig": source.get("sig")}},
        )
    success = request.POST.get("decision") == "pay"
    callback = gateway.callback_params(payment, success=success)
    # The bank's server-to-server call, made in-process through the same service as the API.
    services.handle_callback(gateway.name, callback, channel="ipn", remote_addr="127.0.0.1")
    returned = demo.signed({k: callback[k] for k in ("order", "amount", "status", "txn")})
    separator = "&" if "?" in params["return"] else "?"
    return HttpResponseRedirect(f"{params['return']}{separator}{urlencode(returned)}")


def _receipt_allowed(user, payment: Payment) -> bool:
    if payment.dossier.applicant_user_id == user.pk:
        return True
    return selectors.dossiers_visible_to(user).filter(pk=payment.dossier_id).exists()


@require_GET
@login_required
def receipt(request, order_id):
    payment = (
        Payment.objects.filter(order_id=order_id, state__in=services.RECEIVED_STATES)
        .select_related("dossier", "agency", "request", "dossier__procedure_version")
        .first()
    )
    if payment is None or not _receipt_allowed(request.user, payment):
        raise Http404
    response = HttpResponse(receipt_pdf(payment, request=request), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bien-lai-{payment.order_id}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def receipt_pdf(payment: Payment, *, request=None) -> bytes:
    """The receipt (biên lai) of a received payment: A4, dossier code and a QR to track it."""
    d = payment.dossier
    track = ""
    if d.code:
        from django.conf import settings

        track = settings.MOTCUA_BASE_URL + reverse("dossiers:tracking-dossier", args=[d.code])
    return render_pdf(
        "payments/receipt_pdf.html",
        {
            "payment": payment,
            "dossier": d,
            "lines": payment.request.lines,
            "paid_at": payment.paid_at.astimezone(VN_TZ),
            "track_url": track,
            "qr": qr_data_uri(track) if track else "",
        },
    )


# --- the back office ------------------------------------------------------------------------------


def _staff_dossier(request, ref):
    return permissions.dossier_for(request.user, ref)


@require_POST
@staff_required
def request_fees(request, ref):
    dossier = _staff_dossier(request, ref)
    try:
        req = services.request_fees(
            dossier,
            request.user,
            exemptions=request.POST.getlist("exemptions"),
            note=request.POST.get("note", ""),
        )
    except DossierError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(
            request,
            _("Đã yêu cầu nộp %(amount)s đồng phí, lệ phí.")
            % {"amount": services._vnd(req.amount)},
        )
    return redirect("backoffice:dossier", ref=permissions.ref_of(dossier))


@require_POST
@staff_required
def counter_payment(request, ref):
    dossier = _staff_dossier(request, ref)
    try:
        payment = services.record_counter_payment(
            dossier,
            request.user,
            receipt_number=request.POST.get("receipt_number", ""),
            note=request.POST.get("note", ""),
        )
    except DossierError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(
            request,
            _("Đã thu %(amount)s đồng, biên lai số %(number)s.")
            % {"amount": services._vnd(payment.amount), "number": payment.receipt_number},
        )
    return redirect("backoffice:dossier", ref=permissions.ref_of(dossier))


@require_POST
@staff_required
def refund(request, order_id):
    payment = services.payments_visible_to(request.user).filter(order_id=order_id).first()
    if payment is None:
        raise Http404
    try:
        amount = int((request.POST.get("amount") or "").replace(".", "").strip())
    except ValueError:
        amount = -1
    try:
        services.refund(
            payment,
            request.user,
            amount=amount,
            reason=request.POST.get("reason", ""),
            reference=request.POST.get("reference", ""),
        )
    except DossierError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("Đã ghi nhận hoàn tiền."))
    return redirect("backoffice:dossier", ref=permissions.ref_of(payment.dossier))


def _parse_day(value: str, default: date) -> date:
    value = (value or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return default


@require_GET
@staff_required
def reconciliation(request):
    today = timezone.now().astimezone(VN_TZ).date()
    start = _parse_day(request.GET.get("tu"), today)
    end = _parse_day(request.GET.get("den"), start)
    error = ""
    if end < start or (end - start).days >= reports.MAX_DAYS:
        error = _("Khoảng thời gian không hợp lệ (tối đa %(days)s ngày).") % {
            "days": reports.MAX_DAYS
        }
        end = start
    agencies = Agency.objects.filter(
        pk__in=services.payments_visible_to(request.user).values("agency_id")
    ).order_by("e_id")
    chosen = [int(a) for a in request.GET.getlist("don_vi") if a.isdigit()]
    fmt = request.GET.get("dinh_dang", "")
    stamp = f"{start:%Y%m%d}-{end:%Y%m%d}"
    if not error and fmt in ("csv", "csv-chi-tiet"):
        body = reports.to_csv(request.user, start, end, chosen, detail=fmt == "csv-chi-tiet")
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="doi-soat-{stamp}.csv"'
        return response
    if not error and fmt == "xlsx":
        response = HttpResponse(
            reports.to_xlsx(request.user, start, end, chosen),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="doi-soat-{stamp}.xlsx"'
        return response
    rows = reports.summary(request.user, start, end, chosen)
    return render_staff(
        request,
        "payments/reconciliation.html",
        {
            "rows": rows,
            "start": start,
            "end": end,
            "error": error,
            "agencies": agencies,
            "chosen": chosen,
            "totals": {
                "collected": sum(r.collected for r in rows),
                "refunds": sum(r.refunds for r in rows),
                "net": sum(r.net for r in rows),
                "count": sum(r.count for r in rows),
            },
        },
        status=400 if error else 200,
    )
