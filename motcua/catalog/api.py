"""Public, read-only catalog API: search and list procedures, and one procedure in full."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from motcua.api.errors import BadParameter
from motcua.api.throttling import PublicLookupThrottle

from . import search, selectors
from .models import Level, OnlineLevel
from .serializers import ProcedureDetailSerializer, ProcedureListSerializer


class PublicLookupMixin:
    permission_classes = [AllowAny]
    throttle_classes = [PublicLookupThrottle]
    throttle_scope = "public_lookup"


def _choice(request, name: str, choices) -> str | None:
    value = request.query_params.get(name) or None
    if value is not None and value not in choices.values:
        raise BadParameter(
            name,
            _("Giá trị không hợp lệ cho %(name)s: dùng một trong %(values)s.")
            % {"name": name, "values": ", ".join(choices.values)},
        )
    return value


def search_params(request) -> dict:
    """The list filters from the query string; BadParameter (400) names the wrong parameter."""
    params = {
        "level": _choice(request, "level", Level),
        "online": _choice(request, "online", OnlineLevel),
    }
    if field_ref := request.query_params.get("field"):
        params["field"] = selectors.field_by_ref(field_ref)
        if params["field"] is None:
            raise BadParameter("field", _("Không có lĩnh vực “%(ref)s”.") % {"ref": field_ref})
    if e_id := request.query_params.get("agency"):
        params["agency"] = selectors.agency_by_e_id(e_id)
        if params["agency"] is None:
            raise BadParameter("agency", _("Không có cơ quan mã “%(ref)s”.") % {"ref": e_id})
    return params


class ProcedureListView(PublicLookupMixin, GenericAPIView):
    serializer_class = ProcedureListSerializer

    @extend_schema(
        operation_id="procedures_list",
        summary="Tìm kiếm, liệt kê thủ tục hành chính",
        description=(
            "Available procedures only. With `search`, results are ranked by relevance "
            "(diacritics- and case-insensitive, one typo per word tolerated; name matches first, "
            "then documents, then field; ties by code). Without it, ordered by code."
        ),
        parameters=[
            OpenApiParameter(
                "search",
                OpenApiTypes.STR,
                description="Words to look for, e.g. `dang ky thuong tru`.",
            ),
            OpenApiParameter("field", OpenApiTypes.STR, description="Field slug or id."),
            OpenApiParameter("level", OpenApiTypes.STR, enum=Level.values),
            OpenApiParameter(
                "agency",
                OpenApiTypes.STR,
                description="Agency electronic identifier (e-ID), e.g. `H22.30`.",
            ),
            OpenApiParameter("online", OpenApiTypes.STR, enum=OnlineLevel.values),
        ],
        responses=ProcedureListSerializer(many=True),
        tags=["catalog"],
    )
    def get(self, request):
        results = search.search(request.query_params.get("search", ""), **search_params(request))
        page = self.paginate_queryset(results)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ProcedureDetailView(PublicLookupMixin, GenericAPIView):
    serializer_class = ProcedureDetailSerializer

    @extend_schema(
        operation_id="procedures_retrieve",
        summary="Chi tiết một thủ tục hành chính",
        description=(
            "Everything about a procedure. Abolished procedures still answer (status "
            "`abolished`) for the dossiers that reference them; search hides them."
        ),
        tags=["catalog"],
    )
    def get(self, request, code: str):
        procedure = selectors.procedure_detail(code)
        if procedure is None:
            raise Http404
        return Response(self.get_serializer(procedure).data)
