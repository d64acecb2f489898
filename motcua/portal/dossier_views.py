"""The applicant's pages: online submission in three steps (the draft is saved from step 1 on),
the receipt, "Hồ sơ của tôi", a dossier's page, supplements, withdrawal and downloads.

Thin: dossiers.services act and decide; a DossierError is shown next to the field or document it
concerns, with what was typed kept (bound forms) and every accepted upload already saved as an
attachment. Works without JavaScript; htmx only removes a file without reloading the page.
"""

from __future__ import annotations

from collections import defaultdict
from uuid import uuid4

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from motcua.agencies.selectors import full_name
from motcua.catalog import selectors as catalog
from motcua.dossiers import selectors as dossier_selectors
from motcua.dossiers import services, tracking
from motcua.dossiers.codes import display_secret
from motcua.dossiers.errors import DossierError, IdempotencyMismatch
from motcua.dossiers.forms import form_filename, render_form
from motcua.dossiers.lifecycle import Action, Channel, State
from motcua.dossiers.models import AttachmentKind
from motcua.dossiers.uploads import clean_filename

from . import dossier_selectors as ds
from .account_forms import is_phone_like
from .forms import ApplicantForm, ReviewForm, SupplementForm, WithdrawForm

GET_POST = ["GET", "HEAD", "POST"]


def _mine(request, public_id):
    dossier = ds.my_dossier(request.user, public_id)
    if dossier is None:
        raise Http404
    return dossier


def _private(response):
    # These pages show the tracking secret: keep them out of caches and Referer headers.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _url(name: str, dossier) -> str:
    return reverse(f"portal:{name}", args=[dossier.public_id])


def _posted(request):
    # An empty POST (a box left unticked) must still bind the form, so that it reports errors.
    return request.POST if request.method == "POST" else None


def _allowed(dossier, user) -> list[Action]:
    return dossier_selectors.allowed_actions_for(dossier, user)


# --- step 1: the applicant ------------------------------------------------------------------------


def _applicant_page(request, form, *, procedure, dossier=None, drafts=()):
    context = {
        "procedure": procedure,
        "version": dossier.procedure_version if dossier else procedure.current_version,
        "form": form,
        "dossier": dossier,
        "drafts": drafts,
        "step": 1,
    }
    return render(request, "portal/dossiers/apply_applicant.html", context)


@login_required
@require_http_methods(GET_POST)
def apply(request, code):
    """`/nop-ho-so/<code>/`: step 1 of a new online dossier; the draft is created on success."""
    procedure = catalog.procedure_detail(code)
    if procedure is None:
        raise Http404
    if not catalog.accepts_online(procedure):
        context = {"procedure": procedure}
        return render(request, "portal/dossiers/not_online.html", context, status=404)
    communes = ds.commune_choices()
    drafts = ds.drafts_for(request.user, procedure)
    if request.method != "POST":
        form = ApplicantForm(
            initial={**_account_initial(request.user), "token": uuid4().hex}, communes=communes
        )
        return _applicant_page(request, form, procedure=procedure, drafts=drafts)
    form = ApplicantForm(request.POST, communes=communes)
    if form.is_valid():
        try:
            dossier = services.create_dossier(
                procedure_code=procedure.code,
                applicant=form.applicant(),
                representative=form.representative(),
                channel=Channel.ONLINE,
                actor=request.user,
                # The same form sent twice (a double click, a retry) makes one draft.
                idempotency_key=form.cleaned_data["token"] or None,
            )
        except IdempotencyMismatch:
            data = request.POST.copy()
            data["token"] = uuid4().hex
            form = ApplicantForm(data, communes=communes)
            form.is_valid()
            form.add_error(
                None,
                _(
                    "Biểu mẫu này đã được gửi trước đó với thông tin khác; hồ sơ nháp khi đó "
                    "nằm trong «Hồ sơ của tôi». Bấm «Lưu và tiếp tục» để tạo hồ sơ mới với "
                    "thông tin vừa nhập."
                ),
            )
        except DossierError as exc:
            form.add_dossier_error(exc)
        else:
            return redirect(_url("apply-documents", dossier))
    return _applicant_page(request, form, procedure=procedure, drafts=drafts)


def _account_initial(user) -> dict:
    return {
        "kind": "citizen",
        "name": full_name(user) if (user.first_name or user.last_name) else "",
        "email": user.email,
        "phone": user.username if is_phone_like(user.username) else "",
    }


@login_required
@require_http_methods(GET_POST)
def edit_applicant(request, public_id):
    """Step 1 again, for a saved draft."""
    dossier = _mine(request, public_id)
    if dossier.state != State.DRAFT:
        return redirect(_url("dossier", dossier))
    communes = ds.commune_choices()
    if request.method != "POST":
        form = ApplicantForm(initial=ApplicantForm.initial_from_dossier(dossier), communes=communes)
    else:
        form = ApplicantForm(request.POST, communes=communes)
        if form.is_valid():
            try:
                services.update_draft(
                    dossier,
                    request.user,
                    applicant=form.applicant(),
                    representative=form.representative(),
                )
            except DossierError as exc:
                form.add_dossier_error(exc)
            else:
                return redirect(_url("apply-documents", dossier))
    return _applicant_page(request, form, procedure=dossier.procedure, dossier=dossier)


# --- step 2: the documents ------------------------------------------------------------------------


def _handle_files(request, dossier, kind: str, *, only_unsent: bool) -> tuple[dict, int]:
    """Remove the file asked for, then save every chosen file, each as soon as it is checked:
    a refused file is reported next to its document and the others are kept."""
    errors: dict[str, list[str]] = defaultdict(list)
    added = 0
    remove = request.POST.get("remove", "")
    if remove.isdigit():
        attachment = dossier.attachments.filter(pk=int(remove)).first()
        if attachment is not None:
            try:
                services.remove_attachment(attachment, request.user)
            except DossierError as exc:
                errors[str(attachment.document_id or ds.OTHER)].append(str(exc.message))
    for slot in ds.slots(dossier, kind, only_unsent=only_unsent):
        chosen = request.FILES.getlist(slot.input_name) + request.FILES.getlist(slot.camera_name)
        for uploaded in chosen:
            try:
                services.add_attachment(
                    dossier, request.user, document=slot.document, uploaded_file=uploaded, kind=kind
                )
            except DossierError as exc:
                errors[slot.key].append(
                    _("«%(name)s»: %(error)s")
                    % {"name": clean_filename(uploaded.name), "error": exc.message}
                )
            else:
                added += 1
    return errors, added


def _slots_with(dossier, kind, errors, *, only_unsent: bool):
    found = ds.slots(dossier, kind, only_unsent=only_unsent)
    for slot in found:
        slot.errors = list(errors.get(slot.key, ()))
    return found


def _uploaded_message(request, added: int) -> None:
    if added:
        messages.success(request, _("Đã tải lên %(count)s tệp.") % {"count": added})


@login_required
@require_http_methods(GET_POST)
def documents(request, public_id):
    """Step 2: one upload place per document of the procedure; files are saved at once."""
    dossier = _mine(request, public_id)
    if dossier.state != State.DRAFT:
        return redirect(_url("dossier", dossier))
    errors: dict = {}
    if request.method == "POST":
        errors, added = _handle_files(
            request, dossier, AttachmentKind.SUBMISSION, only_unsent=False
        )
        if not errors and "next" in request.POST:
            missing = ds.missing_documents(dossier)
            if not missing:
                _uploaded_message(request, added)
                return redirect(_url("apply-review", dossier))
            errors = {str(d.pk): [_("Chưa có tệp cho giấy tờ bắt buộc này.")] for d in missing}
        elif not errors:
            _uploaded_message(request, added)
            return redirect(_url("apply-documents", dossier))
    context = {
        "dossier": dossier,
        "procedure": dossier.procedure,
        "version": dossier.procedure_version,
        "slots": _slots_with(dossier, AttachmentKind.SUBMISSION, errors, only_unsent=False),
        "has_errors": bool(errors),
        "rules": ds.upload_rules(),
        "step": 2,
    }
    return render(request, "portal/dossiers/apply_documents.html", context)


@login_required
@require_POST
def remove_file(request, public_id, attachment_id):
    """Remove one uploaded file. htmx gets the document's block back; without JavaScript the
    button posts the whole step form instead (see _handle_files), and this view redirects."""
    dossier = _mine(request, public_id)
    attachment = dossier.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    key, kind = str(attachment.document_id or ds.OTHER), attachment.kind
    error = None
    try:
        services.remove_attachment(attachment, request.user)
    except DossierError as exc:
        error = str(exc.message)
    drafting = dossier.state == State.DRAFT
    if request.headers.get("HX-Request") == "true":
        slot = ds.slot_for(dossier, kind, key, only_unsent=not drafting)
        if slot is None:
            raise Http404
        slot.errors = [error] if error else []
        context = {"slot": slot, "dossier": dossier, "rules": ds.upload_rules()}
        return render(request, "portal/dossiers/_slot.html", context)
    if error:
        messages.error(request, error)
    return redirect(_url("apply-documents" if drafting else "supplement", dossier))


# --- step 3: review and submit --------------------------------------------------------------------


@login_required
@require_http_methods(GET_POST)
def review(request, public_id):
    dossier = _mine(request, public_id)
    if dossier.state != State.DRAFT:
        return redirect(_url("dossier", dossier))
    missing = ds.missing_documents(dossier)
    form = ReviewForm(_posted(request))
    if request.method == "POST" and not missing and form.is_valid():
        try:
            dossier = services.submit(
                dossier,
                request.user,
                attachments=ds.unsent_ids(dossier, AttachmentKind.SUBMISSION),
            )
        except DossierError as exc:
            form.add_error(None, str(exc.message))
        else:
            return redirect(_url("receipt", dossier))
    version = dossier.procedure_version
    context = {
        "dossier": dossier,
        "procedure": dossier.procedure,
        "version": version,
        "form": form,
        "missing": missing,
        "slots": ds.slots(dossier, AttachmentKind.SUBMISSION),
        "time_limit": catalog.time_limit_label(version),
        "fee_total": catalog.fee_total_label(dossier.procedure),
        "step": 3,
    }
    return render(request, "portal/dossiers/apply_review.html", context)


@never_cache
@login_required
@require_safe
def receipt(request, public_id):
    """After submission: the code, the secret and the QR code that opens the tracking page."""
    dossier = _mine(request, public_id)
    if dossier.state == State.DRAFT or not dossier.code:
        return redirect(_url("apply-documents", dossier))
    context = {"dossier": dossier, **ds.receipt(dossier)}
    return _private(render(request, "portal/dossiers/receipt.html", context))


# --- my dossiers ----------------------------------------------------------------------------------


@login_required
@require_safe
def my_dossiers(request):
    page = Paginator(ds.my_dossiers(request.user), ds.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "rows": ds.list_rows(page.object_list)}
    return render(request, "portal/dossiers/my_dossiers.html", context)


@never_cache
@login_required
@require_safe
def dossier_page(request, public_id):
    dossier = _mine(request, public_id)
    drafting = dossier.state == State.DRAFT
    allowed = _allowed(dossier, request.user)
    context = {
        "dossier": dossier,
        # What the public tracking page shows (status, next step, no officers), for the owner.
        "view": None if drafting else tracking.track(dossier.code, dossier.tracking_secret),
        "secret": display_secret(dossier.tracking_secret) if dossier.code else "",
        "can_supplement": Action.SUPPLEMENT in allowed,
        "can_withdraw": Action.WITHDRAW in allowed,
        "timeline": ds.timeline(dossier),
        "forms": ds.applicant_forms(dossier),
        "results": ds.results(dossier),
        "files": ds.own_files(dossier),
        "missing": ds.missing_documents(dossier) if drafting else [],
    }
    return _private(render(request, "portal/dossiers/detail.html", context))


@login_required
@require_http_methods(GET_POST)
def supplement(request, public_id):
    """Supplements asked for: upload the missing items, then send them (services.supplement)."""
    dossier = _mine(request, public_id)
    if Action.SUPPLEMENT not in _allowed(dossier, request.user):
        messages.info(request, _("Hồ sơ hiện không ở trạng thái chờ bổ sung."))
        return redirect(_url("dossier", dossier))
    form = SupplementForm(_posted(request))
    errors: dict = {}
    if request.method == "POST":
        errors, added = _handle_files(request, dossier, AttachmentKind.SUPPLEMENT, only_unsent=True)
        if not errors and "send" in request.POST and form.is_valid():
            ids = ds.unsent_ids(dossier, AttachmentKind.SUPPLEMENT)
            note = form.cleaned_data["note"]
            if not ids and not note:
                form.add_error(
                    None, _("Vui lòng tải lên giấy tờ bổ sung hoặc ghi chú trước khi gửi.")
                )
            else:
                try:
                    services.supplement(dossier, request.user, note=note, attachments=ids)
                except DossierError as exc:
                    form.add_error(None, str(exc.message))
                else:
                    messages.success(
                        request, _("Đã gửi hồ sơ bổ sung. Thời gian giải quyết được tính tiếp.")
                    )
                    return redirect(_url("dossier", dossier))
        elif not errors:
            # Rendered, not redirected: the note typed so far stays in the form.
            _uploaded_message(request, added)
    view = tracking.track(dossier.code, dossier.tracking_secret) if dossier.code else None
    context = {
        "dossier": dossier,
        "form": form,
        "items": view.next.items if view else (),
        "detail": view.next.detail if view else "",
        "slots": _slots_with(dossier, AttachmentKind.SUPPLEMENT, errors, only_unsent=True),
        "has_errors": bool(errors),
        "rules": ds.upload_rules(),
    }
    return render(request, "portal/dossiers/supplement.html", context)


@login_required
@require_http_methods(GET_POST)
def withdraw(request, public_id):
    dossier = _mine(request, public_id)
    if Action.WITHDRAW not in _allowed(dossier, request.user):
        messages.info(request, _("Hồ sơ này không thể rút ở trạng thái hiện tại."))
        return redirect(_url("dossier", dossier))
    form = WithdrawForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw(dossier, request.user, reason=form.cleaned_data["reason"])
        except DossierError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Đã rút hồ sơ."))
            return redirect(_url("dossier", dossier))
    return render(request, "portal/dossiers/withdraw.html", {"dossier": dossier, "form": form})


# --- downloads ------------------------------------------------------------------------------------


@login_required
@require_safe
def download(request, public_id, attachment_id):
    """A file of my dossier, always as a download (never rendered on our origin)."""
    dossier = _mine(request, public_id)
    attachment = ds.applicant_file(dossier, attachment_id)
    if attachment is None:
        raise Http404
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def form_pdf(request, public_id, kind):
    """Forms 01–05 issued for my dossier, rendered on demand."""
    dossier = _mine(request, public_id)
    form_kind = ds.applicant_form(dossier, kind)
    if form_kind is None:
        raise Http404
    response = HttpResponse(render_form(dossier, form_kind), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{form_filename(dossier, form_kind)}"'
    return _private(response)
