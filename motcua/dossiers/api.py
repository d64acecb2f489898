"""Dossier API v1: worklists, one dossier, creation, lifecycle actions, attachments, printed forms
and the register. Thin: the services decide every write, the selectors every read, and
permissions.py what a caller may see (see docs/api.md).

Service errors (DossierError) become the API's JSON errors with the same code and status:
ActionInvalid 400, ActionDenied 403, DossierConflict and IdempotencyMismatch 409. A dossier the
caller may not see answers 404 (`not_found`), like one that does not exist.
"""

from __future__ import annotations

import io
from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from motcua.agencies.selectors import agency_by_e_id, memberships_memo
from motcua.api.errors import ApiError, BadParameter
from motcua.catalog.models import Procedure

from . import forms, permissions, selectors, services
from .errors import DossierError
from .idempotency import PARAMETER as IDEMPOTENCY_KEY
from .idempotency import idempotent
from .lifecycle import Action, State
from .models import AttachmentKind, Dossier
from .regimes import form_number
from .serializers import (
    ACTION_SERIALIZERS,
    CHANNELS_BY_CODE,
    AttachmentSerializer,
    AttachmentUploadSerializer,
    DossierCreatedSerializer,
    DossierCreateSerializer,
    DossierDetailSerializer,
    DossierErrorSerializer,
    DossierListSerializer,
)

TAGS = ["dossiers"]
# The longest period one register PDF covers (about 6 rows per landscape page).
MAX_REGISTER_DAYS = 366

REF = OpenApiParameter(
    "ref",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="Dossier code (`H22.40-251008-0001`), or its public id (UUID) while it has none "
    "(an online draft). Either works for every dossier.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='The dossier\'s `version` as read (the `ETag` of GET, e.g. `"3"`): a stale one '
    "gives 409 `version_conflict`. Same as the body's `expected_version`.",
)


def _errors(*codes: int) -> dict:
    return {code: DossierErrorSerializer for code in codes}


# --- shared plumbing -------------------------------------------------------------------------------


# Service argument names that the API calls otherwise, so that `field` names the request's field.
API_FIELD_NAMES = {"procedure_code": "procedure"}


def as_api_error(exc: DossierError) -> ApiError:
    body = exc.as_dict()
    if "field" in body:
        body["field"] = API_FIELD_NAMES.get(body["field"], body["field"])
    return ApiError(body.pop("code"), body.pop("detail"), exc.status, **body)


class DossierApiView(APIView):
    """Service errors answer as API errors with the same code and status. The caller's
    memberships are read once per request (visibility, the action's checks, the answer's
    allowed actions): agencies.selectors.memberships_memo."""

    def dispatch(self, request, *args, **kwargs):
        with memberships_memo():
            return super().dispatch(request, *args, **kwargs)

    def handle_exception(self, exc):
        if isinstance(exc, DossierError):
            exc = as_api_error(exc)
        return super().handle_exception(exc)


class FileRenderer(BaseRenderer):
    """Lets a client ask for the file's own type (`Accept: application/pdf`); the file itself is
    a plain Django response, so this renders only errors, and renders them as JSON."""

    media_type = "*/*"
    format = "file"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return JSONRenderer().render(data)


def _file_response(content, filename: str, content_type: str, *, download: bool):
    response = FileResponse(
        content, as_attachment=download, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def detail_response(request, dossier: Dossier, status_code: int = 200) -> Response:
    officer_view = permissions.is_officer_view(request.user, dossier)
    context = {"request": request, "officer_view": officer_view, "now": timezone.now()}
    data = DossierDetailSerializer(dossier, context=context).data
    return Response(data, status=status_code, headers={"ETag": f'"{dossier.version}"'})


def _document_ids(dossier: Dossier, positions) -> list[int]:
    """Positions of required documents (as the catalog lists them) to their ids. An unknown
    position becomes 0, an id no row has: the service then refuses it, after checking who acts,
    so that a person who may not act learns nothing from the input."""
    positions = list(positions or ())
    found = dict(
        dossier.procedure_version.documents.filter(position__in=positions).values_list(
            "position", "id"
        )
    )
    return [found.get(position, 0) for position in positions]


def _officer(username: str):
    """The user named `username`, or 0 (no such id) for the service to refuse after its checks."""
    User = get_user_model()
    user = User.objects.filter(**{User.USERNAME_FIELD: username}, is_active=True).first()
    return user if user is not None else 0


def _if_match(request) -> int | None:
    value = request.headers.get("If-Match")
    if value is None:
        return None
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise BadParameter("If-Match", _('If-Match phải là phiên bản của hồ sơ (ETag), ví dụ "3".'))
    return int(text)


# --- worklists and creation ------------------------------------------------------------------------


def _bool_param(request, name: str) -> bool | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise BadParameter(name, _("Giá trị của %(name)s phải là true hoặc false.") % {"name": name})


def list_filters(request) -> dict:
    """The worklist filters from the query string; BadParameter (400) names the wrong one."""
    params: dict = {"overdue": _bool_param(request, "overdue")}
    if states := request.query_params.get("status"):
        wanted = [s.strip() for s in states.split(",") if s.strip()]
        if not wanted or any(s not in State.values for s in wanted):
            raise BadParameter(
                "status",
                _(
                    "Trạng thái không hợp lệ: dùng một hoặc nhiều (cách nhau bởi dấu phẩy) trong "
                    "%(values)s."
                )
                % {"values": ", ".join(State.values)},
            )
        params["state"] = wanted
    if e_id := request.query_params.get("agency"):
        params["agency"] = agency_by_e_id(e_id)
        if params["agency"] is None:
            raise BadParameter("agency", _("Không có cơ quan mã “%(ref)s”.") % {"ref": e_id})
    if code := request.query_params.get("procedure"):
        params["procedure"] = Procedure.objects.filter(code=code.strip()).first()
        if params["procedure"] is None:
            raise BadParameter("procedure", _("Không có thủ tục mã “%(ref)s”.") % {"ref": code})
    if assigned := request.query_params.get("assigned_to"):
        if assigned != "me":
            raise BadParameter("assigned_to", _("Chỉ hỗ trợ assigned_to=me."))
        params["assigned_to"] = request.user
    params["search"] = request.query_params.get("search") or None
    return params


class DossierListView(DossierApiView, GenericAPIView):
    serializer_class = DossierListSerializer
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="dossiers_list",
        summary="Danh sách hồ sơ (sổ việc) của người đang đăng nhập",
        description=(
            "The caller's dossiers: an applicant's own; an officer's those received, decided or "
            "held by the agencies of their scope, or assigned to them. Ordered by due time "
            "(soonest first; dossiers without one, drafts and waiting ones, last)."
        ),
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                description="State code(s), comma-separated: "
                + ", ".join(f"`{s}`" for s in State.values),
            ),
            OpenApiParameter(
                "overdue", OpenApiTypes.BOOL, description="Past the due time while it runs."
            ),
            OpenApiParameter(
                "agency",
                OpenApiTypes.STR,
                description="E-ID: the receiving, competent or current agency.",
            ),
            OpenApiParameter("procedure", OpenApiTypes.STR, description="Procedure code."),
            OpenApiParameter(
                "assigned_to", OpenApiTypes.STR, enum=["me"], description="The caller's own work."
            ),
            OpenApiParameter(
                "search",
                OpenApiTypes.STR,
                description="Code, applicant name or id number, with or without diacritics.",
            ),
        ],
        responses={200: DossierListSerializer(many=True), **_errors(400, 401)},
        tags=TAGS,
    )
    def get(self, request):
        now = timezone.now()
        scoped = selectors.dossiers_visible_to(request.user)
        qs = selectors.with_overdue(
            selectors.filter_dossiers(scoped, now=now, **list_filters(request)), now=now
        ).order_by(F("due_at").asc(nulls_last=True), "created_at", "id")
        page = self.paginate_queryset(qs)
        context = {
            "request": request,
            "scope": permissions.officer_scope(request.user),
            "now": now,
        }
        return self.get_paginated_response(
            DossierListSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        operation_id="dossiers_create",
        summary="Tạo hồ sơ (nộp trực tuyến, hoặc tiếp nhận trực tiếp/bưu chính)",
        description=(
            "Online (channel 2): any logged-in applicant creates a draft (no code yet; address "
            "it by `public_id`), attaches files, then sends it with the `submit` action. "
            "Counter (1) and post (3): a receptionist enters the dossier at their center on "
            "behalf of the applicant; with `accept: true` it is accepted in the same call "
            "(code, due time, receipt form 01 at `receipt_url`), all or nothing."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=DossierCreateSerializer,
        responses={201: DossierCreatedSerializer, **_errors(400, 401, 403, 409)},
        tags=TAGS,
    )
    @idempotent
    def post(self, request):
        data = DossierCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        representative = v.get("representative")
        with transaction.atomic():  # create and accept: both or neither
            dossier = services.create_dossier(
                procedure_code=v["procedure"],
                applicant=dict(v["applicant"]),
                channel=CHANNELS_BY_CODE[v["channel"]],
                actor=request.user,
                receiving_agency=v.get("receiving_agency"),
                representative=dict(representative) if representative else None,
            )
            if v["accept"]:
                dossier = services.accept(
                    dossier,
                    request.user,
                    checklist=_document_ids(dossier, v.get("checklist")),
                    note=v.get("note", ""),
                )
        body = DossierCreatedSerializer(dossier, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": body["url"]})


class DossierDetailView(DossierApiView):
    @extend_schema(
        operation_id="dossiers_retrieve",
        summary="Chi tiết hồ sơ",
        description=(
            "The dossier with its events, control sheet, attachments, printed forms and the "
            "actions the caller may take now. Officers see officers' names and internal notes; "
            "the applicant does not. `ETag` is the version (for `If-Match`). A dossier the "
            "caller may not see is 404, like one that does not exist."
        ),
        parameters=[REF],
        responses={200: DossierDetailSerializer, **_errors(401, 404)},
        tags=TAGS,
    )
    def get(self, request, ref: str):
        return detail_response(request, permissions.dossier_for(request.user, ref))


# --- actions ---------------------------------------------------------------------------------------


class ActionView(DossierApiView):
    action_name: Action
    parser_classes = [JSONParser]

    def act(self, request, ref: str) -> Response:
        dossier = permissions.dossier_for(request.user, ref)
        data = ACTION_SERIALIZERS[self.action_name](data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        header = _if_match(request)
        if header is not None:
            if fields.get("expected_version", header) != header:
                raise BadParameter(
                    "If-Match", _("If-Match và expected_version phải là cùng một phiên bản.")
                )
            fields["expected_version"] = header
        if "checklist" in fields:
            fields["checklist"] = _document_ids(dossier, fields["checklist"])
        if fields.get("officer"):
            fields["officer"] = _officer(fields["officer"])
        dossier = services.perform(dossier, self.action_name, request.user, **fields)
        return detail_response(request, dossier)


ACTION_HELP = {
    Action.SUBMIT: "The applicant sends their online draft: it gets its code.",
    Action.ACCEPT: "The receptionist accepts: code (if none), due time, receipt (form 01).",
    Action.REQUEST_SUPPLEMENT: "Ask for supplements once per stage (form 02); pauses the clock "
    "during processing.",
    Action.SUPPLEMENT: "The applicant (or the receptionist for them) supplied what was asked.",
    Action.REFUSE: "Refuse at reception (form 03): final.",
    Action.ASSIGN: "The leader of the step's agency sets the step's officer.",
    Action.FORWARD: "The step's officer hands the dossier to the next step.",
    Action.SEND_BACK: "The step's officer returns it to the previous step.",
    Action.TRANSFER: "Inter-agency transfer to another agency (next step, or re-routing).",
    Action.REQUEST_PAYMENT: "Ask for fees and charges (pauses the clock by default).",
    Action.PAY: "The fees were paid (by the applicant, or at the cashier).",
    Action.EXTEND: "Apology and new due time (form 04): once, at least a working day before.",
    Action.APPROVE: "The leader signs the result at the last processing step.",
    Action.DENY: "The leader decides not to grant it, with the reason.",
    Action.STOP: "Stop processing by notice (form 05): final.",
    Action.WITHDRAW: "The applicant withdraws the dossier: final.",
    Action.DELIVER: "The result is returned (counter, post or online): final.",
}


def _action_view(action: Action) -> type[ActionView]:
    @extend_schema(
        operation_id=f"dossiers_{action.value}",
        summary=str(action.label),
        description=ACTION_HELP[action]
        + " Who may act and when is decided by the lifecycle: 403 with its code (e.g. "
        "`actor_not_allowed`, `not_step_officer`), 400 for the state or the fields, 409 "
        "`version_conflict` with the current `state` and `version`.",
        parameters=[REF, IF_MATCH, IDEMPOTENCY_KEY],
        request=ACTION_SERIALIZERS[action],
        responses={200: DossierDetailSerializer, **_errors(400, 401, 403, 404, 409)},
        tags=TAGS,
    )
    @idempotent
    def post(self, request, ref: str):
        return self.act(request, ref)

    name = "".join(part.title() for part in action.value.split("_")) + "ActionView"
    return type(name, (ActionView,), {"action_name": action, "post": post})


ACTION_VIEWS = {action: _action_view(action) for action in Action}


class UnknownActionView(DossierApiView):
    """Any other name under …/actions/: a JSON 404 with a code of its own."""

    @extend_schema(exclude=True)
    def post(self, request, ref: str, action: str):
        raise ApiError(
            "unknown_action",
            _("Thao tác «%(action)s» không tồn tại.") % {"action": action},
            status.HTTP_404_NOT_FOUND,
        )


# --- attachments -----------------------------------------------------------------------------------


class AttachmentListView(DossierApiView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="dossiers_attachments_create",
        summary="Tải lên tệp đính kèm của hồ sơ",
        description=(
            "Multipart upload. The type is read from the content (PDF, JPEG, PNG, DOCX, XLSX); "
            "`document` is the position of the required document it is. Who may attach: the "
            "applicant on their draft or while supplementing; staff of the receiving or holding "
            "agency while the dossier is open. Then list its id in the action that uses it."
        ),
        parameters=[REF, IDEMPOTENCY_KEY],
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer, **_errors(400, 401, 403, 404, 409)},
        tags=TAGS,
    )
    @idempotent
    def post(self, request, ref: str):
        dossier = permissions.dossier_for(request.user, ref)
        data = AttachmentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        kind = v.get("kind") or (
            AttachmentKind.SUPPLEMENT
            if dossier.state == State.SUPPLEMENTING
            else AttachmentKind.SUBMISSION
        )
        document = _document_ids(dossier, [v["document"]])[0] if "document" in v else None
        attachment = services.add_attachment(
            dossier,
            request.user,
            document=document,
            uploaded_file=v.get("file"),
            digitised=v["digitised"],
            kind=kind,
        )
        context = {"request": request, "dossier": dossier}
        return Response(
            AttachmentSerializer(attachment, context=context).data, status=status.HTTP_201_CREATED
        )


class AttachmentDownloadView(DossierApiView):
    renderer_classes = [JSONRenderer, FileRenderer]

    @extend_schema(
        operation_id="dossiers_attachments_retrieve",
        summary="Tải về tệp đính kèm",
        description="The file with its original name (`Content-Disposition: attachment`). "
        "Internal documents are for officers only.",
        parameters=[REF],
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            **{(code, "application/json"): DossierErrorSerializer for code in (401, 404)},
        },
        tags=TAGS,
    )
    def get(self, request, ref: str, attachment_id: int):
        dossier = permissions.dossier_for(request.user, ref)
        officer_view = permissions.is_officer_view(request.user, dossier)
        attachment = permissions.attachment_for(dossier, attachment_id, officer_view)
        return _file_response(
            attachment.file.open("rb"),
            attachment.original_name,
            attachment.content_type,
            download=True,
        )


# --- printed forms ---------------------------------------------------------------------------------


class DossierFormView(DossierApiView):
    renderer_classes = [JSONRenderer, FileRenderer]

    @extend_schema(
        operation_id="dossiers_forms_retrieve",
        summary="Tải mẫu phiếu của hồ sơ (PDF)",
        description=(
            "A printed form by its number in the dossier's regime (TT 03/2025: 01 receipt, "
            "02 supplement request, 03 refusal, 04 apology, 05 stop notice, 06 control sheet; "
            "TT 01/2018: 05 is the control sheet). Only forms the dossier was issued; the "
            "control sheet is for officers. Otherwise 404 `form_not_available`."
        ),
        parameters=[
            REF,
            OpenApiParameter(
                "number", OpenApiTypes.STR, OpenApiParameter.PATH, description="e.g. `01`."
            ),
        ],
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            **{(code, "application/json"): DossierErrorSerializer for code in (401, 404)},
        },
        tags=TAGS,
    )
    def get(self, request, ref: str, number: str):
        dossier = permissions.dossier_for(request.user, ref)
        officer_view = permissions.is_officer_view(request.user, dossier)
        regime = forms.dossier_regime(dossier)
        kind = next(
            (
                k
                for k in permissions.forms_for(dossier, officer_view)
                if form_number(k, regime) == number
            ),
            None,
        )
        if kind is None:
            raise ApiError(
                "form_not_available",
                _("Hồ sơ không có mẫu số %(number)s.") % {"number": number},
                status.HTTP_404_NOT_FOUND,
            )
        return _file_response(
            io.BytesIO(forms.render_form(dossier, kind)),
            forms.form_filename(dossier, kind),
            "application/pdf",
            download=False,
        )


def _date_param(request, name: str) -> date:
    value = request.query_params.get(name, "")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadParameter(
            name, _("%(name)s phải là ngày dạng YYYY-MM-DD.") % {"name": name}
        ) from None


class RegisterView(DossierApiView):
    renderer_classes = [JSONRenderer, FileRenderer]

    @extend_schema(
        operation_id="registers_retrieve",
        summary="Sổ theo dõi hồ sơ của cơ quan (mẫu 07, PDF)",
        description=(
            "Dossiers received from `from` to `to` (inclusive, Vietnam dates) at the agency or "
            "for it to decide. Numbered 07 (06 for periods ending before 01/07/2025). For "
            f"officers whose scope holds the agency; at most {MAX_REGISTER_DAYS} days."
        ),
        parameters=[
            OpenApiParameter(
                "e_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="Agency e-ID."
            ),
            OpenApiParameter("from", OpenApiTypes.DATE, required=True),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True),
        ],
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            **{(code, "application/json"): DossierErrorSerializer for code in (400, 401, 403, 404)},
        },
        tags=TAGS,
    )
    def get(self, request, e_id: str):
        agency = agency_by_e_id(e_id)
        if agency is None:
            raise ApiError("not_found", _("Không có cơ quan mã “%(ref)s”.") % {"ref": e_id}, 404)
        if not permissions.may_read_register(request.user, agency):
            raise ApiError(
                "not_agency_staff",
                _("Chỉ cán bộ của cơ quan mới được xem sổ theo dõi hồ sơ của cơ quan."),
                status.HTTP_403_FORBIDDEN,
            )
        date_from, date_to = _date_param(request, "from"), _date_param(request, "to")
        if date_from > date_to:
            raise BadParameter("to", _("Ngày kết thúc phải không trước ngày bắt đầu."))
        if (date_to - date_from).days >= MAX_REGISTER_DAYS:
            raise BadParameter(
                "to",
                _("Mỗi lần in sổ tối đa %(days)s ngày.") % {"days": MAX_REGISTER_DAYS},
            )
        return _file_response(
            io.BytesIO(forms.render_register(agency, date_from, date_to)),
            forms.register_filename(agency, date_from, date_to),
            "application/pdf",
            download=False,
        )
