"""Payments API v1: a dossier's amount due and payments; the gateways' server callback (IPN)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from motcua.api.errors import ApiError
from motcua.dossiers import permissions

from . import services
from .gateways import base as gateways
from .models import Payment, RequestStatus

TAGS = ["payments"]


class LineSerializer(serializers.Serializer):
    name = serializers.CharField()
    amount = serializers.IntegerField(help_text="đồng")
    base = serializers.IntegerField(required=False, help_text="catalog amount before exemption")
    percent = serializers.IntegerField(required=False)
    exemption = serializers.CharField(required=False)


class RequestSerializer(serializers.Serializer):
    amount = serializers.IntegerField(help_text="đồng")
    status = serializers.CharField()
    timing = serializers.CharField()
    exemptions = serializers.ListField(child=serializers.CharField())
    lines = LineSerializer(many=True)
    created_at = serializers.DateTimeField()


class RefundSerializer(serializers.Serializer):
    amount = serializers.IntegerField()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class PaymentSerializer(serializers.Serializer):
    order_id = serializers.CharField()
    method = serializers.CharField()
    gateway = serializers.CharField()
    amount = serializers.IntegerField()
    state = serializers.CharField()
    receipt_number = serializers.CharField()
    paid_at = serializers.DateTimeField(allow_null=True)
    refunded_amount = serializers.IntegerField()
    applied = serializers.BooleanField()
    refunds = RefundSerializer(many=True, required=False)


class DossierPaymentsSerializer(serializers.Serializer):
    dossier = serializers.CharField()
    state = serializers.CharField()
    amount_due = serializers.IntegerField(help_text="open request's amount, 0 if none (đồng)")
    request = RequestSerializer(allow_null=True)
    payments = PaymentSerializer(many=True)


def _request(req):
    if req is None:
        return None
    return {
        "amount": req.amount,
        "status": req.status,
        "timing": req.timing,
        "exemptions": req.exemptions,
        "lines": [
            {k: line[k] for k in ("name", "amount", "base", "percent", "exemption") if k in line}
            for line in req.lines
        ],
        "created_at": req.created_at,
    }


class DossierPaymentsView(APIView):
    """Amount due and payments of a dossier: its applicant, or officers who see the dossier."""

    @extend_schema(
        tags=TAGS,
        summary="Amount due and payments of a dossier",
        parameters=[OpenApiParameter("ref", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses={200: DossierPaymentsSerializer},
    )
    def get(self, request, ref):
        dossier = permissions.dossier_for(request.user, ref)
        req = services.open_request(dossier)
        officer = permissions.is_officer_view(request.user, dossier)
        payments = Payment.objects.filter(dossier=dossier).prefetch_related("refunds")
        if not officer:
            payments = payments.exclude(state="pending").exclude(
                state="cancelled", request__status=RequestStatus.CANCELLED
            )
        body = {
            "dossier": permissions.ref_of(dossier),
            "state": dossier.state,
            "amount_due": req.amount if req else 0,
            "request": _request(req),
            "payments": [
                {
                    "order_id": p.order_id,
                    "method": p.method,
                    "gateway": p.gateway,
                    "amount": p.amount,
                    "state": p.state,
                    "receipt_number": p.receipt_number,
                    "paid_at": p.paid_at,
                    "refunded_amount": p.refunded_amount,
                    "applied": p.applied,
                    "refunds": [
                        {"amount": r.amount, "reason": r.reason, "created_at": r.created_at}
                        for r in p.refunds.all()
                    ]
                    if officer
                    else [],
                }
                for p in payments.order_by("created_at", "id")
            ],
        }
        return Response(DossierPaymentsSerializer(body).data)


class GatewayCallbackView(APIView):
    """The gateway's server-to-server callback (IPN). No session, no token: the signature is
    the authentication. GET and POST (form or JSON) are both accepted, as gateways differ."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def _handle(self, request, gateway, params):
        if gateways.get(gateway) is None:
            raise ApiError("unknown_gateway", _("Cổng thanh toán không được hỗ trợ."), 404)
        reply = services.handle_callback(
            gateway,
            params,
            channel="ipn",
            remote_addr=request.META.get("REMOTE_ADDR") or None,
        )
        return Response(reply.body)

    @extend_schema(
        tags=TAGS,
        summary="Gateway server callback (IPN)",
        description="Signed by the gateway; answered in the gateway's own format (VNPay-shaped: "
        '`{"RspCode": "00", "Message": "Confirm Success"}`). Every call is logged, accepted or '
        "rejected with its reason.",
        parameters=[OpenApiParameter("gateway", OpenApiTypes.STR, OpenApiParameter.PATH)],
        request=OpenApiTypes.OBJECT,
        responses={
            200: inline_serializer(
                "GatewayAck",
                {"RspCode": serializers.CharField(), "Message": serializers.CharField()},
            )
        },
    )
    def post(self, request, gateway):
        params = request.data if hasattr(request.data, "items") else {}
        if not params:
            params = request.query_params
        return self._handle(request, gateway, params)

    @extend_schema(
        tags=TAGS,
        summary="Gateway server callback (IPN), GET form",
        parameters=[OpenApiParameter("gateway", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request, gateway):
        return self._handle(request, gateway, request.query_params)
