"""Public tracking API: `GET /api/v1/tracking/{code}?secret=…` (no login, rate-limited).

Thin: tracking.track decides what the public sees. An unknown code, a wrong secret and a missing
secret all answer the same 404 body, so the API never tells whether a code exists.
"""

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
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from motcua.api.errors import ApiError

from . import tracking


class LookupThrottle(ScopedRateThrottle):
    """Per client IP, scope `public_lookup`; the rate is read at request time (DRF reads it once
    at import) so that settings overrides apply."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


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
    throttle_classes = [LookupThrottle]
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
        return Response(TrackingSerializer(view).data)
