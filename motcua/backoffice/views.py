"""The staff's pages (thin): read through selectors, write through dossiers.services (by way of
intake.receive and actions.run), render. See docs/backoffice.md."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.agencies.models import Role
from motcua.catalog.selectors import time_limit_label
from motcua.dossiers import forms as dossier_forms
from motcua.dossiers.errors import DossierConflict, DossierError
from motcua.dossiers.lifecycle import Action, State
from motcua.dossiers.regimes import FormKind, form_number, form_title

from . import actions, intake, selectors
from .access import staff_required
from .forms import (
    ACTION_FORMS,
    ApprovalForm,
    IntakeForm,
    RegisterForm,
    ReturnLookupForm,
    WorklistForm,
    expand_id_card_scan,
    show_error,
)

# Files shown inside our own pages (the dossier page's preview frames): the site forbids framing
# (X-Frame-Options DENY, frame-ancestors 'none'); these responses allow our own origin only, and
# nothing else runs in them.
PREVIEW_CSP = (
    "default-src 'none'; img-src 'self'; object-src 'self'; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'"
)
INLINE_TYPES = {"application/pdf", "image/jpeg", "image/png"}
RECEPTION_ONLY = gettext_lazy("Trang này dành cho cán bộ tiếp nhận, trả kết quả.")
LEADERS_ONLY = gettext_lazy("Trang này dành cho lãnh đạo cơ quan.")


def render_staff(request, template: str, context: dict | None = None, *, status: int = 200):
    """A full staff page: the menu with its worklist counts and the officer's roles."""
    staff = request.staff
    context = {
        "staff": staff,
        "menu": selectors.menu_counts(request.user),
        **(context or {}),
    }
    return render(request, template, context, status=status)


def _is_partial(request) -> bool:
    # htmx swaps part of the page; a history restore needs the whole page.
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def _dossier_or_404(request, ref):
    dossier = selectors.dossier_for(request.user, ref)
    if dossier is None:
        raise Http404
    return dossier


def _ref(dossier) -> str:
    return dossier.code or str(dossier.public_id)


# --- layout -----------------------------------------------------------------------------------------


@require_GET
@staff_required
def home(request):
    return render_staff(request, "backoffice/home.html")


@require_POST
def logout(request):
    auth_logout(request)
    return redirect(settings.LOGIN_URL)


# --- counter intake ----------------------------------------------------------------------------------


def _intake_form(request, procedure, data=None, files=None):
    staff = request.staff
    return IntakeForm(
        data,
        files,
        procedure=procedure,
        documents=procedure.current_version.documents.order_by("position"),
        centers=staff.agencies(Role.RECEPTIONIST),
        communes=selectors.commune_choices(procedure),
        initial={"procedure": procedure.code, "idempotency_key": uuid.uuid4().hex},
    )


def _intake_page(request, *, form=None, procedure=None, typed="", choices=(), status=200, **extra):
    if form is not None:
        form.set_focus()
    context = {
        "form": form,
        "procedure": procedure,
        "typed": typed,
        "choices": choices,
        "time_limit": time_limit_label(procedure.current_version) if procedure else "",
        **extra,
    }
    return render_staff(request, "backoffice/intake.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required(roles=(Role.RECEPTIONIST,), message=RECEPTION_ONLY)
@never_cache
def intake_page(request):
    if request.method == "GET":
        typed = request.GET.get("thu_tuc", "").strip()
        if not typed:
            return _intake_page(request)
        procedure, choices = selectors.resolve_procedure(typed)
        if procedure is None:
            return _intake_page(request, typed=typed, choices=choices, not_found=not choices)
        return _intake_page(request, form=_intake_form(request, procedure), procedure=procedure)

    data, scanned = expand_id_card_scan(request.POST)
    procedure = selectors.procedure_by_code(data.get("procedure", ""))
    if procedure is None:
        return _intake_page(request, typed=data.get("procedure", ""), not_found=True, status=400)
    form = _intake_form(request, procedure, data, request.FILES)
    op = request.POST.get("op", "check")
    if op not in IntakeForm.OPS or not form.is_valid():
        return _intake_page(request, form=form, procedure=procedure, status=400)
    if op == "check":
        return _intake_page(request, form=form, procedure=procedure, checked=True, scanned=scanned)
    scans = [
        (doc.pk, upload)
        for doc in form.document_rows
        for upload in request.FILES.getlist(f"file_{doc.pk}")
    ]
    case = intake.Intake(
        procedure_code=procedure.code,
        applicant=form.applicant(),
        representative=form.representative(),
        receiving_agency=form.cleaned_data.get("receiving_agency") or None,
        checklist=form.checklist(),
        scans=scans,
        note=form.cleaned_data.get("note", ""),
        missing_items=form.missing_items(),
        refusal_reason=form.cleaned_data.get("refusal_reason", ""),
        idempotency_key=form.cleaned_data.get("idempotency_key") or None,
    )
    try:
        dossier = intake.receive(op, case, request.user)
    except intake.ScanRejected as error:
        form.file_errors[error.document] = [str(error.message)]
        form.add_error(None, _("Có tệp quét không hợp lệ; hãy chọn lại các tệp."))
        return _intake_page(request, form=form, procedure=procedure, status=error.status)
    except DossierError as error:
        form.show_error(error)
        if error.code == "idempotency_key_reused":
            form.data = form.data.copy()
            form.data["idempotency_key"] = uuid.uuid4().hex
        return _intake_page(request, form=form, procedure=procedure, status=error.status)
    return redirect("backoffice:intake-result", ref=_ref(dossier), permanent=False)


@require_GET
@staff_required(roles=(Role.RECEPTIONIST,), message=RECEPTION_ONLY)
def procedure_suggestions(request):
    """The suggestion list under the procedure box (htmx): the catalog's search, best first."""
    found = selectors.suggest_procedures(request.GET.get("thu_tuc", ""))
    return render(request, "backoffice/_procedure_suggestions.html", {"procedures": found})


# The slip each outcome of the counter hands to the applicant.
INTAKE_SLIPS = {
    State.PROCESSING: FormKind.RECEIPT,
    State.SUPPLEMENTING: FormKind.SUPPLEMENT_REQUEST,
    State.REFUSED: FormKind.REFUSAL,
}


@require_GET
@staff_required
def intake_result(request, ref):
    dossier = _dossier_or_404(request, ref)
    kind = INTAKE_SLIPS.get(State(dossier.state))
    available = dossier_forms.available_forms(dossier)
    slip = kind if kind in available else None
    regime = dossier_forms.dossier_regime(dossier)
    context = {
        "dossier": dossier,
        "slip": slip,
        "slip_title": form_title(slip, regime) if slip else "",
        "slip_number": form_number(slip, regime) if slip else "",
    }
    return render_staff(request, "backoffice/intake_result.html", context)


# --- worklists ------------------------------------------------------------------------------------


@require_GET
@staff_required
def worklist(request):
    form = WorklistForm(request.GET or None, user=request.user)
    filters = form.filters() if request.GET else {}
    page = selectors.worklist_page(request.user, filters, request.GET.get("page"))
    name = filters.get("list") or selectors.ALL
    context = {
        "form": form,
        "page": page,
        "list_name": name,
        "list_label": selectors.LIST_LABELS[name],
        "now": timezone.now(),
    }
    if _is_partial(request):
        response = render(request, "backoffice/_worklist_results.html", context)
    else:
        response = render_staff(request, "backoffice/worklist.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- the dossier page ------------------------------------------------------------------------------


# The action that moves the dossier on comes first (and open): what an officer does most.
PRIMARY_ACTIONS = (
    Action.ACCEPT,
    Action.FORWARD,
    Action.APPROVE,
    Action.DELIVER,
    Action.SUPPLEMENT,
    Action.PAY,
    Action.ASSIGN,
)


def _action_forms(dossier, allowed, bound=None):
    """A form per action the user may take now, plus a posted one that failed (to show its
    errors even if the action is no longer offered); the primary action first."""
    bound = bound or {}
    shown = [a for a in allowed if a in ACTION_FORMS]
    shown += [a for a in bound if a not in shown]
    primary = next((a for a in PRIMARY_ACTIONS if a in shown), None)
    if primary is not None:
        shown = [primary] + [a for a in shown if a != primary]
    context = selectors.action_context(dossier, shown)
    return [
        bound.get(action) or ACTION_FORMS[action](dossier=dossier, context=context)
        for action in shown
    ]


def _dossier_page(request, dossier, *, bound=None, conflict=None, status=200):
    context = selectors.dossier_page(dossier, request.user)
    context["action_forms"] = _action_forms(dossier, context["allowed"], bound)
    regime = dossier_forms.dossier_regime(dossier)
    context["form_links"] = [
        {"kind": kind, "number": form_number(kind, regime), "title": form_title(kind, regime)}
        for kind in context["forms"]
    ]
    context["ref"] = _ref(dossier)
    context["open_action"] = next(iter(bound), None) if bound else None
    if conflict is not None:
        context["conflict_state"] = State(conflict.state).label
    return render_staff(request, "backoffice/dossier.html", context, status=status)


@require_GET
@staff_required
def dossier_page(request, ref):
    return _dossier_page(request, _dossier_or_404(request, ref))


@require_POST
@staff_required
def dossier_action(request, ref):
    dossier = _dossier_or_404(request, ref)
    try:
        action = Action(request.POST.get("action", ""))
        form_class = ACTION_FORMS[action]
        expected_version = int(request.POST.get("expected_version", ""))
    except (ValueError, KeyError):
        return HttpResponseBadRequest(_("Thao tác không hợp lệ."))
    context = selectors.action_context(dossier, [action])
    form = form_class(request.POST, request.FILES, dossier=dossier, context=context)
    if not form.is_valid():
        return _dossier_page(request, dossier, bound={action: form}, status=400)
    upload = form.cleaned_data.get(form.file_field) if form.file_field else None
    try:
        dossier = actions.run(
            dossier,
            action,
            request.user,
            form.service_fields(),
            expected_version=expected_version,
            upload=upload,
        )
    except DossierConflict as conflict:
        current = _dossier_or_404(request, ref)
        # The officer's input is kept for a second try, against the current version.
        typed = {k: v for k, v in form.cleaned_data.items() if k != form.file_field}
        kept = form_class(dossier=current, context=context, initial=typed)
        return _dossier_page(request, current, bound={action: kept}, conflict=conflict, status=409)
    except DossierError as error:
        show_error(form, error)
        return _dossier_page(request, dossier, bound={action: form}, status=error.status)
    messages.success(request, _("Đã thực hiện: %(action)s.") % {"action": action.label})
    if selectors.dossier_for(request.user, _ref(dossier)) is None:
        # Transferred out of the officer's reach: back to their work.
        return redirect(f"{reverse('backoffice:worklist')}?list=mine")
    return redirect("backoffice:dossier", ref=_ref(dossier))


def _pdf(content: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Content-Security-Policy"] = PREVIEW_CSP
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@staff_required
@xframe_options_sameorigin
def dossier_form(request, ref, kind):
    """A printed form (01–06) of the dossier, opened in its own tab to print."""
    dossier = _dossier_or_404(request, ref)
    try:
        kind = FormKind(kind)
    except ValueError:
        raise Http404 from None
    if kind not in dossier_forms.available_forms(dossier):
        raise Http404
    pdf = dossier_forms.render_form(dossier, kind)
    return _pdf(pdf, dossier_forms.form_filename(dossier, kind))


@require_GET
@staff_required
@xframe_options_sameorigin
def attachment(request, ref, pk):
    """An attachment, for the preview frame (PDF, images) or to download (Office files)."""
    found = selectors.attachment_of(request.user, ref, pk)
    if found is None or not found.file:
        raise Http404
    inline = found.content_type in INLINE_TYPES
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=not inline,
        filename=found.original_name,
        content_type=found.content_type,
    )
    response["Content-Security-Policy"] = PREVIEW_CSP
    response["Cache-Control"] = "private, no-store"
    return response


# --- the leader ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required(roles=(Role.LEADER,), message=LEADERS_ONLY)
def approvals(request):
    rows = selectors.awaiting_leader(request.user)
    form = ApprovalForm(request.POST or None, rows=rows)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            outcomes = actions.decide_many(
                request.user, form.picked(), data["op"], note=data["note"], reason=data["reason"]
            )
            done = [o.label for o in outcomes if o.ok]
            if done:
                verb = _("phê duyệt") if data["op"] == "approve" else _("không giải quyết")
                messages.success(
                    request,
                    _("Đã %(verb)s %(count)s hồ sơ: %(codes)s.")
                    % {"verb": verb, "count": len(done), "codes": ", ".join(done)},
                )
            for o in outcomes:
                if not o.ok:
                    messages.error(request, f"{o.label}: {o.message}")
            return redirect("backoffice:approvals")
        status = 400
    context = {
        "rows": rows,
        "form": form,
        "overdue": selectors.overdue_at_leader_agencies(request.user),
        "limit": selectors.APPROVALS_LIMIT,
    }
    return render_staff(request, "backoffice/approvals.html", context, status=status)


# --- the return counter ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required(roles=(Role.RECEPTIONIST,), message=RECEPTION_ONLY)
def return_counter(request):
    lookup = ReturnLookupForm(request.GET if "ma" in request.GET else None)
    dossier = deliver_form = None
    code = ""
    if lookup.is_bound and lookup.is_valid():
        code = selectors.code_from_scan(lookup.cleaned_data["ma"])
        if code and code != lookup.cleaned_data["ma"] and request.method == "GET":
            # A scanned tracking URL carries the secret: keep only the code in the address
            # bar, the history and the page.
            return redirect(f"{reverse('backoffice:return')}?{urlencode({'ma': code})}")
        dossier = selectors.dossier_for(request.user, code) if code else None
        if dossier is None:
            lookup.add_error("ma", _("Không tìm thấy hồ sơ có mã %(code)s.") % {"code": code})
    status = 200
    if dossier is not None:
        allowed = selectors.dossiers.allowed_actions_for(dossier, request.user)
        form_class = ACTION_FORMS[Action.DELIVER]
        if request.method == "POST":
            deliver_form = form_class(request.POST, dossier=dossier)
            done, status = _deliver(request, dossier, deliver_form)
            if done:
                return redirect(f"{reverse('backoffice:return')}?{urlencode({'ma': code})}")
        elif Action.DELIVER in allowed:
            deliver_form = form_class(dossier=dossier)
    elif request.method == "POST":
        status = 400
    context = {
        "lookup": lookup,
        "dossier": dossier,
        "deliver_form": deliver_form,
        "results": list(dossier.attachments.filter(kind="result")) if dossier else [],
    }
    return render_staff(request, "backoffice/return.html", context, status=status)


def _deliver(request, dossier, form) -> tuple[bool, int]:
    if not form.is_valid():
        return False, 400
    try:
        version = int(request.POST.get("expected_version", ""))
    except ValueError:
        return False, 400
    try:
        actions.run(
            dossier, Action.DELIVER, request.user, form.service_fields(), expected_version=version
        )
    except DossierConflict as conflict:
        form.add_error(
            None,
            _("Hồ sơ vừa được người khác cập nhật (trạng thái hiện tại: %(state)s).")
            % {"state": State(conflict.state).label},
        )
        return False, 409
    except DossierError as error:
        show_error(form, error)
        return False, error.status
    messages.success(request, _("Đã trả kết quả hồ sơ %(code)s.") % {"code": dossier.code})
    return True, 200


# --- the register ------------------------------------------------------------------------------------


@require_GET
@staff_required
def register(request):
    """Form 07 of the officer's agency for a period: the form, then the PDF."""
    agencies = request.staff.agencies()
    asked = "from" in request.GET or "to" in request.GET
    form = RegisterForm(request.GET if asked else None, agencies=agencies)
    if asked and form.is_valid() and form.chosen_agency() is not None:
        agency = form.chosen_agency()
        start, end = form.cleaned_data["from"], form.cleaned_data["to"]
        pdf = dossier_forms.render_register(agency, start, end)
        return _pdf(pdf, dossier_forms.register_filename(agency, start, end))
    if not asked:
        today = timezone.localdate()
        form = RegisterForm(initial={"from": today.replace(day=1), "to": today}, agencies=agencies)
    return render_staff(
        request, "backoffice/register.html", {"form": form}, status=400 if asked else 200
    )
