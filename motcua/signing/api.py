"""Signing API v1: public verification (`POST /api/v1/verify`) and the two-step signing on a
leader's own device (`POST /api/v1/signing/requests`, `.../{id}/signature`). See docs/signing.md."""

from __future__ import annotations

import base64

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from motcua.api.errors import ApiError
from motcua.api.throttling import PublicLookupThrottle
from motcua.dossiers import permissions
from motcua.dossiers.api import DossierApiView
from motcua.dossiers.serializers import DossierErrorSerializer
from motcua.dossiers.uploads import max_upload_bytes

from . import serializers as s
from . import services
from .models import ExternalSigningRequest
from .verify import verify_pdf

TAGS = ["signing"]


def _errors(*codes):
    return {code: DossierErrorSerializer for code in codes}


class VerifyView(DossierApiView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [PublicLookupThrottle]
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=TAGS,
        operation_id="verify_signed_pdf",
        summary="Verify a signed result PDF",
        request={"multipart/form-data": s.VerifyUploadSerializer},
        responses={200: s.VerifyReportSerializer, 400: DossierErrorSerializer, 429: None},
    )
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise ApiError("file_required", _("Phải chọn tệp để kiểm tra."), field="file")
        if upload.size > max_upload_bytes():
            raise ApiError("file_too_large", _("Tệp quá lớn."), field="file")
        return Response(verify_pdf(upload.read()).as_dict())


class SigningRequestsView(DossierApiView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        tags=TAGS,
        operation_id="create_signing_request",
        summary="Prepare a result for signing on the leader's device",
        request={
            "application/json": s.SigningRequestCreateSerializer,
            "multipart/form-data": s.SigningRequestCreateSerializer,
        },
        responses={201: s.SigningRequestSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request):
        data = s.SigningRequestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        dossier = permissions.dossier_for(request.user, values["dossier"])
        prepared = services.prepare_external(
            dossier,
            request.user,
            certificate=values["certificate"],
            source=values.get("file") or services.TEMPLATE_SOURCE,
            note=values.get("note", ""),
            expected_version=values.get("expected_version"),
        )
        req = prepared.request
        body = {
            "id": req.public_id,
            "dossier": dossier.code,
            "digest": prepared.digest_b64,
            "digest_algorithm": "sha256",
            "signature_algorithm": prepared.signature_algorithm,
            "to_be_signed": base64.b64encode(bytes(req.signed_attrs)).decode(),
            "expires_at": req.expires_at,
        }
        return Response(s.SigningRequestSerializer(body).data, status=status.HTTP_201_CREATED)


class SignatureView(DossierApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        tags=TAGS,
        operation_id="complete_signing_request",
        summary="Embed the device's signature, attach the result and approve",
        request=s.SignatureUploadSerializer,
        responses={201: s.SignedDocumentSerializer, **_errors(400, 403, 404, 409)},
    )
    def post(self, request, id):
        data = s.SignatureUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        req = ExternalSigningRequest.objects.filter(public_id=id, leader=request.user).first()
        if req is None:
            raise Http404
        document = services.complete_external(
            req, request.user, signature=data.validated_data["signature"]
        )
        return Response(s.SignedDocumentSerializer(document).data, status=status.HTTP_201_CREATED)
