"""Public tracking API: `GET /api/v1/tracking/{code}?secret=…` (no login, rate-limited).

Thin: tracking.track decides what the public sees. An unknown code, a wrong secret and a missing
secret all answer the same 404 body, so the API never tells whether a code exists.

The hot path is kept cheap (docs/benchmarks.md, "Dossiers"): the URL is served by
`tracking_detail`, a plain Django view that answers a JSON GET itself (the same throttle, status
codes, headers and body as the DRF view) and hands anything else — OPTIONS, other methods, a
browser asking for HTML, `?format=` — to `TrackingDetailView`, which stays the documented
operation of the OpenAPI schema. No authentication, a fixed-window counter for the throttle, one
query on PostgreSQL (tracking.track), and the answer built as a dict by `representation`; the
serializers below describe that answer for the schema and must be kept in step with it.
"""

import json

from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from motcua.api.errors import ApiError
from motcua.api.throttling import PublicLookupThrottle
from motcua.common import ratelimit

from . import tracking


class StatusSerializer(serializers.Serializer):
    code = serializers.CharField(source="state", help_text="State code name, e.g. `processing`.")
    name = serializers.CharField(source="status_name", help_text="Vietnamese label.")
    national_code = serializers.IntegerField(
        allow_null=True, help_text="Status code exchanged with DVCQG (1–10)."
    )


class StepSerializer(serializers.Serializer):
    name = serializers.CharField()
    agency = serializers.CharField(help_text="Agency name (officers are not disclosed).")
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    on_time = serializers.BooleanField(allow_null=True, help_text="null while the step is open.")


class PauseSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["supplement", "payment"])
    label = serializers.CharField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    items = serializers.ListField(child=serializers.CharField())


class NextSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=tracking.NextAction.choices)
    detail = serializers.CharField(allow_blank=True)
    items = serializers.ListField(child=serializers.CharField())


class TrackingSerializer(serializers.Serializer):
    code = serializers.CharField()
    status = StatusSerializer(source="*")
    procedure = serializers.CharField()
    receiving_agency = serializers.CharField()
    current_agency = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    returned_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField(help_text="Past the due time while the clock runs.")
    paused = serializers.BooleanField(help_text="The clock is paused (time with the applicant).")
    steps = StepSerializer(many=True)
    pauses = PauseSerializer(many=True)
    next = NextSerializer(help_text="What the applicant must do now.")


ERROR = inline_serializer(
    "TrackingError", {"code": serializers.CharField(), "detail": serializers.CharField()}
)


@method_decorator(never_cache, name="dispatch")
class TrackingDetailView(APIView):
    # No authentication: the throttle then counts per client IP, logged in or not.
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicLookupThrottle]
    throttle_scope = "public_lookup"

    @extend_schema(
        operation_id="tracking_retrieve",
        summary="Tra cứu tình hình giải quyết hồ sơ bằng mã hồ sơ và mã tra cứu",
        description=(
            "The public view of a dossier: status (code name, Vietnamese label, national code), "
            "due time, whether it is overdue, the steps with their agencies and times (officers "
            "are never disclosed), pauses, and the applicant's next action (`supplement` with "
            "the items, `pay`, `collect`, or `none`). The secret is printed on the receipt "
            "(form 01) and in its QR code; hyphens, spaces and case are ignored. An unknown "
            "code and a wrong or missing secret give the same 404. Rate-limited per client "
            "(scope `public_lookup`)."
        ),
        parameters=[
            OpenApiParameter(
                "code",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="Dossier code, e.g. `H22.40-251008-0001`.",
            ),
            OpenApiParameter(
                "secret",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=True,
                description="Tracking secret from the receipt, e.g. `ABCDE-FGHJK`.",
            ),
        ],
        responses={200: TrackingSerializer, 404: ERROR, 429: ERROR},
        examples=[
            OpenApiExample(
                "Not found",
                value={
                    "code": "not_found",
                    "detail": "Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu đã cho.",
                },
                response_only=True,
                status_codes=["404"],
            )
        ],
        tags=["tracking"],
    )
    def get(self, request, code: str):
        view = tracking.track(code, request.query_params.get("secret", ""))
        if view is None:
            raise ApiError("not_found", _not_found_text(), 404)
        return Response(representation(view))


def _not_found_text() -> str:
    return _("Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu đã cho.")


_DRF_VIEW = TrackingDetailView.as_view()
# What DRF's content negotiation answers with JSON (its first renderer) for this view.
_JSON_MEDIA = {"", "*/*", "application/*", "application/json"}


def _json_only(request) -> bool:
    """The client takes JSON and asks for nothing DRF would negotiate otherwise."""
    if "format" in request.GET:
        return False
    accept = request.META.get("HTTP_ACCEPT", "")
    return all(part.split(";", 1)[0].strip().lower() in _JSON_MEDIA for part in accept.split(","))


def _answer(status: int, data: dict, headers: dict | None = None) -> HttpResponse:
    """What DRF's JSONRenderer and TrackingDetailView's response headers give."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    body = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()
    response = HttpResponse(body, status=status, content_type="application/json")
    response["Allow"] = "GET, HEAD, OPTIONS"
    response["Vary"] = "Accept"
    for name, value in (headers or {}).items():
        response[name] = value
    add_never_cache_headers(response)
    return response


@csrf_exempt
def tracking_detail(request, code: str):
    """`GET /api/v1/tracking/{code}`: the same answer as TrackingDetailView, without DRF's
    request cycle on the common path (docs/benchmarks.md)."""
    if request.method not in ("GET", "HEAD") or not _json_only(request):
        return _DRF_VIEW(request, code=code)
    rate = api_settings.DEFAULT_THROTTLE_RATES.get(PublicLookupThrottle.scope)
    if rate is not None:
        wait = ratelimit.hit(
            f"throttle:{PublicLookupThrottle.scope}", ratelimit.client_ip(request), rate
        )
        if wait is not None:
            detail = _("Quá nhiều yêu cầu; vui lòng thử lại sau %(seconds)s giây.") % {
                "seconds": int(wait)
            }
            return _answer(429, {"code": "throttled", "detail": detail}, {"Retry-After": str(wait)})
    view = tracking.track(code, request.GET.get("secret", ""))
    if view is None:
        return _answer(404, {"code": "not_found", "detail": _not_found_text()})
    return _answer(200, representation(view))


# The schema generator documents the URL through this class, as if it were its view.
tracking_detail.cls = TrackingDetailView
tracking_detail.initkwargs = {}


def representation(view: tracking.TrackingView) -> dict:
    """`TrackingSerializer(view).data`, built directly (the serializers cost more than the rest
    of the request): the same keys, and times as DRF writes them (ISO 8601 in the current time
    zone, `Z` for UTC)."""
    zone = timezone.get_current_timezone()

    def at(value):
        if value is None:
            return None
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return {
        "code": view.code,
        "status": {
            "code": str(view.state),
            "name": view.status_name,
            "national_code": view.national_code,
        },
        "procedure": str(view.procedure),
        "receiving_agency": str(view.receiving_agency),
        "current_agency": str(view.current_agency),
        "submitted_at": at(view.submitted_at),
        "received_at": at(view.received_at),
        "due_at": at(view.due_at),
        "decided_at": at(view.decided_at),
        "returned_at": at(view.returned_at),
        "overdue": bool(view.overdue),
        "paused": bool(view.paused),
        "steps": [
            {
                "name": str(step.name),
                "agency": str(step.agency),
                "started_at": at(step.started_at),
                "due_at": at(step.due_at),
                "finished_at": at(step.finished_at),
                "on_time": step.on_time,
            }
            for step in view.steps
        ],
        "pauses": [
            {
                "kind": str(pause.kind),
                "label": str(pause.label),
                "started_at": at(pause.started_at),
                "ended_at": at(pause.ended_at),
                "items": [str(item) for item in pause.items],
            }
            for pause in view.pauses
        ],
        "next": {
            "action": str(view.next.action),
            "detail": str(view.next.detail),
            "items": [str(item) for item in view.next.items],
        },
    }
