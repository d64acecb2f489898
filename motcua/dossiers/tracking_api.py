"""Public tracking API: `GET /api/v1/tracking/{code}?secret=…` (no login, rate-limited).

Thin: tracking.track decides what the public sees. An unknown code, a wrong secret and a missing
secret all answer the same 404 body, so the API never tells whether a code exists.

The hot path is kept cheap (docs/benchmarks.md, "Dossiers"): no authentication, a fixed-window
counter for the throttle, and the answer built as a dict by `representation`; the serializers
below describe that answer for the OpenAPI schema and must be kept in step with it.
"""

from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
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
from rest_framework.views import APIView

from motcua.api.errors import ApiError
from motcua.api.throttling import PublicLookupThrottle

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
            raise ApiError(
                "not_found", _("Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu đã cho."), 404
            )
        return Response(representation(view))


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
