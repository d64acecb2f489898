"""Online intake API: `POST /api/v1/submissions` (acknowledge) and `GET /api/v1/submissions/{id}`
(its status). The rules are in dossiers/intake.py; see docs/api.md, "Online intake".

Lean on purpose: the acknowledgement is the token look-up and one INSERT; its answer is built as
a dict (the serializers below only describe it in the OpenAPI schema), JSON only.

The hot path skips DRF's request cycle (as the tracking look-up does, docs/benchmarks.md): the
URL is served by `submission_create`, a plain view that answers a well-formed JSON POST with a
bearer token itself (202, a replay, or 409 for a reused key) and hands everything else — other
methods, a session login, a bad or missing token, a body DRF would refuse — to
`SubmissionListView`, which gives every error its usual answer and stays the documented
operation of the OpenAPI schema.
"""

from __future__ import annotations

import functools
import json

from django.db import connection
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from motcua.api.errors import ApiError

from . import intake
from .errors import IdempotencyMismatch
from .idempotency import HEADER as IDEMPOTENCY_HEADER
from .idempotency import REPLAYED_HEADER
from .models import Submission, SubmissionState
from .serializers import (
    DossierCreatedSerializer,
    DossierCreateSerializer,
    DossierErrorSerializer,
    enum_field,
)

TAGS = ["dossiers"]


# --- schema only -----------------------------------------------------------------------------------


class SubmissionCreateSerializer(DossierCreateSerializer):
    """The body of POST /dossiers for an online dossier, plus `submit`."""

    channel = enum_field("OnlineChannelCodeEnum", [(2, "trực tuyến")], help_text="Always 2.")
    submit = serializers.BooleanField(help_text="Always true: create and submit in one call.")
    accept = None
    checklist = None
    note = None


class SubmissionAcknowledgementSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The acknowledgement number.")
    status = enum_field("SubmissionStatusEnum", SubmissionState.choices)
    status_url = serializers.URLField()


class SubmissionDossierSerializer(DossierCreatedSerializer):
    """The dossier a submission created and submitted: its code and tracking secret."""

    public_id = None
    version = None


class SubmissionStatusSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = enum_field("SubmissionStatusEnum", SubmissionState.choices)
    acknowledged_at = serializers.DateTimeField(
        help_text="The dossier's submission time (its code is dated that day)."
    )
    processed_at = serializers.DateTimeField(allow_null=True)
    dossier = SubmissionDossierSerializer(
        allow_null=True, help_text="The dossier created and submitted, once `done`."
    )
    error = DossierErrorSerializer(
        allow_null=True, help_text="Why it was refused, once `failed`: as POST /dossiers gives."
    )


# --- views -----------------------------------------------------------------------------------------


IDEMPOTENCY_KEY = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Optional, 1–255 characters (a UUID is a good choice). The same key with the "
    "same body gives the same acknowledgement (header `Idempotent-Replayed: true`) and one "
    "dossier; with another body 409 `idempotency_mismatch`. Keys are per user.",
)


def _status_url(request, pk) -> str:
    return request.build_absolute_uri(reverse("api:submission-detail", args=[str(pk)]))


def _status_path(pk) -> str:
    return reverse("api:submission-detail", args=[str(pk)])


def _key(request) -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and (not key.strip() or len(key) > intake.MAX_KEY_LENGTH):
        raise ApiError(
            "invalid_idempotency_key",
            _("Khóa chống gửi trùng (Idempotency-Key) phải là chuỗi từ 1 đến 255 ký tự."),
            status.HTTP_400_BAD_REQUEST,
        )
    return key


class SubmissionListView(APIView):
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="submissions_create",
        summary="Nộp hồ sơ trực tuyến (tiếp nhận ngay, xử lý sau)",
        description=(
            "Create and submit an online dossier in one call. The answer (202) comes as soon as "
            "the request is recorded: `id` is the acknowledgement number, `status_url` tells "
            "the outcome — `done` with the dossier (code, tracking secret) or `failed` with the "
            "error `POST /dossiers` would have given. Only the JSON shape and the procedure "
            "code's format are checked here (400); everything else is checked when processed. "
            "The acknowledgement time is the dossier's submission time."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=SubmissionCreateSerializer,
        responses={
            202: SubmissionAcknowledgementSerializer,
            **{code: DossierErrorSerializer for code in (400, 401, 409, 413, 415)},
        },
        examples=[
            OpenApiExample(
                "Khai sinh",
                request_only=True,
                value={
                    "procedure": "1.001193",
                    "channel": 2,
                    "submit": True,
                    "applicant": {
                        "name": "Hoàng Văn Nam",
                        "id_number": "022090123456",
                        "phone": "0912345678",
                        "commune": "06652",
                    },
                },
            )
        ],
        tags=TAGS,
    )
    def post(self, request):
        key = _key(request)
        payload = request.data
        errors = intake.shape_errors(payload)
        if errors:
            raise ValidationError(errors)
        if len(intake.canonical(payload).encode("utf-8")) > intake.max_bytes():
            raise ApiError(
                "payload_too_large",
                _("Nội dung yêu cầu quá lớn."),
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        try:
            row, replayed = intake.acknowledge(request.user.pk, payload, idempotency_key=key)
        except IdempotencyMismatch:
            raise ApiError(
                "idempotency_mismatch",
                _(
                    "Khóa chống gửi trùng (Idempotency-Key) này đã được dùng cho một yêu cầu có "
                    "nội dung khác."
                ),
                status.HTTP_409_CONFLICT,
            ) from None
        state = row.state
        if not replayed and intake.runs_inline():  # eager: processed already
            state = Submission.objects.filter(pk=row.pk).values_list("state", flat=True).get()
        url = _status_url(request, row.pk)
        headers = {"Location": url}
        if replayed:
            headers[REPLAYED_HEADER] = "true"
        body = {"id": str(row.pk), "status": state, "status_url": url}
        return Response(body, status=status.HTTP_202_ACCEPTED, headers=headers)


_DRF_CREATE = SubmissionListView.as_view()
_BEARER = "Bearer "
_KEY_META = "HTTP_" + IDEMPOTENCY_HEADER.upper().replace("-", "_")
_JSON_MEDIA = {"", "*/*", "application/*", "application/json"}


def _fast_user_id(request) -> int | None:
    """The user id of a well-formed bearer token of an active user, else None (DRF answers):
    one query, no model instances (DRF's TokenAuthentication makes the same check)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.startswith(_BEARER) or "format" in request.GET:
        return None
    accept = request.META.get("HTTP_ACCEPT", "")
    if any(part.split(";", 1)[0].strip().lower() not in _JSON_MEDIA for part in accept.split(",")):
        return None
    if request.content_type != "application/json":
        return None
    token = header[len(_BEARER) :].strip()
    if not token or " " in token:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(), [token])
        row = cursor.fetchone()
    return row[0] if row else None


@functools.cache
def _token_sql() -> str:
    """`Token.objects.filter(key=…, user__is_active=True)`'s user id, as plain SQL (the ORM's
    query building was a tenth of the acknowledgement)."""
    qn = connection.ops.quote_name
    user = Token._meta.get_field("user").related_model._meta.db_table
    return (
        f"SELECT t.{qn('user_id')} FROM {qn(Token._meta.db_table)} t "
        f"JOIN {qn(user)} u ON u.{qn('id')} = t.{qn('user_id')} "
        f"WHERE t.{qn('key')} = %s AND u.{qn('is_active')}"
    )


def _not_json(name: str):
    raise ValueError(name)


def _json(status_code: int, data: dict, headers: dict) -> HttpResponse:
    """What DRF's JSONRenderer and SubmissionListView's response headers give."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    response = HttpResponse(body, status=status_code, content_type="application/json")
    response["Allow"] = "POST, OPTIONS"
    response["Vary"] = "Accept"
    for name, value in headers.items():
        response[name] = value
    return response


@csrf_exempt  # bearer tokens only: a browser session goes through DRF, which enforces CSRF
def submission_create(request):
    """`POST /api/v1/submissions`: SubmissionListView's answer for a well-formed request with a
    bearer token, without DRF's request cycle (docs/benchmarks.md, "Online intake")."""
    if request.method != "POST":
        return _DRF_CREATE(request)
    user_id = _fast_user_id(request)
    if user_id is None:
        return _DRF_CREATE(request)
    key = request.META.get(_KEY_META)
    if key is not None and (not key.strip() or len(key) > intake.MAX_KEY_LENGTH):
        return _DRF_CREATE(request)
    try:  # NaN and Infinity are not JSON: DRF's parser refuses them, and so do we
        payload = json.loads(request.body, parse_constant=_not_json)
    except ValueError:
        return _DRF_CREATE(request)
    if intake.shape_errors(payload):
        return _DRF_CREATE(request)
    if len(intake.canonical(payload).encode("utf-8")) > intake.max_bytes():
        return _DRF_CREATE(request)
    try:
        row, replayed = intake.acknowledge(user_id, payload, idempotency_key=key)
    except IdempotencyMismatch:
        return _DRF_CREATE(request)  # DRF's 409 (its own INSERT fails the same way)
    state = row.state
    if not replayed and intake.runs_inline():  # eager: processed already
        state = Submission.objects.filter(pk=row.pk).values_list("state", flat=True).get()
    url = request.build_absolute_uri(_status_path(row.pk))
    headers = {"Location": url}
    if replayed:
        headers[REPLAYED_HEADER] = "true"
    return _json(202, {"id": str(row.pk), "status": state, "status_url": url}, headers)


# The schema generator documents the URL through this class, as if it were its view.
submission_create.cls = SubmissionListView
submission_create.initkwargs = {}


class SubmissionDetailView(APIView):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="submissions_retrieve",
        summary="Kết quả xử lý hồ sơ nộp trực tuyến",
        description=(
            "`queued` while waiting; `done` with the dossier (then follow it with "
            "`GET /dossiers/{code}` or the public tracking look-up); `failed` with the error. "
            "Only its sender may read it: anyone else gets 404."
        ),
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="From the 202."
            )
        ],
        responses={
            200: SubmissionStatusSerializer,
            **{c: DossierErrorSerializer for c in (401, 404)},
        },
        tags=TAGS,
    )
    def get(self, request, id: str):  # the path parameter's name, as documented
        row = intake.status_of(request.user, id)
        if row is None:
            raise ApiError("not_found", _("Không tìm thấy."), status.HTTP_404_NOT_FOUND)
        dossier = None
        if row.dossier is not None:
            dossier = SubmissionDossierSerializer(row.dossier, context={"request": request}).data
        body = {
            "id": str(row.pk),
            "status": row.state,
            "acknowledged_at": serializers.DateTimeField().to_representation(row.created_at),
            "processed_at": (
                serializers.DateTimeField().to_representation(row.processed_at)
                if row.processed_at
                else None
            ),
            "dossier": dossier,
            "error": row.error,
        }
        return Response(body, headers={"Cache-Control": "private, no-store"})
