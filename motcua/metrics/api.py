"""API v1: indicator values (GET /api/v1/indicators), the QĐ 766 index
(GET /api/v1/indicators/index) and extra sessions (GET /api/v1/indicators/extra-sessions).

Staff only, scoped to the caller's agencies (agencies.selectors.agency_scope: a manager of the
province committee sees the whole province). Thin: parameters are checked here, values come
from metrics.selectors. Errors are JSON {code, detail, parameter}.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from motcua.agencies.selectors import is_staff_member
from motcua.api.errors import BadParameter
from motcua.catalog.models import Field, Procedure

from . import selectors

MAX_DAYS = 3 * 366 + 1


def _date(request, name: str) -> date:
    text = request.query_params.get(name, "").strip()
    if not text:
        raise BadParameter(name, _("Thiếu tham số %(name)s (YYYY-MM-DD).") % {"name": name})
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadParameter(
            name, _("Tham số %(name)s phải là ngày dạng YYYY-MM-DD.") % {"name": name}
        ) from None


def _common(request) -> dict:
    if not is_staff_member(request.user):
        raise PermissionDenied()
    start, end = _date(request, "from"), _date(request, "to")
    if end < start:
        raise BadParameter("to", _("Ngày kết thúc phải không trước ngày bắt đầu."))
    if (end - start).days >= MAX_DAYS:
        raise BadParameter("to", _("Khoảng thời gian tối đa là 3 năm."))
    code = request.query_params.get("agency", "").strip()
    try:
        agencies = selectors.scope_for(request.user, code or None)
    except selectors.UnknownAgency:
        raise BadParameter(
            "agency",
            _("Không có cơ quan với mã định danh %(e_id)s trong phạm vi của bạn.") % {"e_id": code},
        ) from None
    out = {"start": start, "end": end, "agencies": agencies}
    procedure = request.query_params.get("procedure", "").strip()
    if procedure:
        found = Procedure.objects.filter(code=procedure).values_list("pk", flat=True).first()
        if found is None:
            raise BadParameter(
                "procedure", _("Không có thủ tục với mã %(code)s.") % {"code": procedure}
            )
        out["procedure"] = found
    field = request.query_params.get("field", "").strip()
    if field:
        found = Field.objects.filter(slug=field).values_list("pk", flat=True).first()
        if found is None:
            raise BadParameter("field", _("Không có lĩnh vực %(slug)s.") % {"slug": field})
        out["field"] = found
    return out


def _group_by(request, allowed) -> str | None:
    value = request.query_params.get("group_by", "").strip() or None
    if value not in allowed:
        choices = ", ".join(a for a in allowed if a)
        raise BadParameter(
            "group_by", _("Tham số group_by phải là một trong: %(choices)s.") % {"choices": choices}
        )
    return value


COMMON_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, required=True, description="Ngày đầu (YYYY-MM-DD)"),
    OpenApiParameter("to", OpenApiTypes.DATE, required=True, description="Ngày cuối (YYYY-MM-DD)"),
    OpenApiParameter(
        "agency", OpenApiTypes.STR, description="Mã định danh cơ quan (gồm các đơn vị trực thuộc)"
    ),
    OpenApiParameter("procedure", OpenApiTypes.STR, description="Mã thủ tục"),
    OpenApiParameter("field", OpenApiTypes.STR, description="Lĩnh vực (slug)"),
]


class IndicatorsView(APIView):
    @extend_schema(
        operation_id="indicators",
        summary="Chỉ số giải quyết thủ tục hành chính",
        description="Giá trị các chỉ số (kèm định nghĩa, công thức, căn cứ pháp lý) trong khoảng "
        "thời gian, tổng và theo nhóm; chỉ cán bộ, trong phạm vi cơ quan của mình.",
        parameters=[
            *COMMON_PARAMETERS,
            OpenApiParameter(
                "group_by", OpenApiTypes.STR, enum=list(selectors.GROUPS), description="Nhóm theo"
            ),
        ],
        responses={200: OpenApiTypes.OBJECT},
        tags=["metrics"],
    )
    def get(self, request):
        params = _common(request)
        group_by = _group_by(request, (None, *selectors.GROUPS))
        start, end = params.pop("start"), params.pop("end")
        return Response(selectors.indicator_values(start, end, group_by=group_by, **params))


class IndexView(APIView):
    @extend_schema(
        operation_id="indicators_index",
        summary="Bộ chỉ số phục vụ người dân, doanh nghiệp (QĐ 766)",
        description="Điểm từng chỉ số, nhóm và tổng điểm trên 100, xếp hạng theo nhóm.",
        parameters=[
            *COMMON_PARAMETERS,
            OpenApiParameter(
                "group_by",
                OpenApiTypes.STR,
                enum=[g for g in selectors.INDEX_GROUPS if g],
                description="Nhóm theo",
            ),
        ],
        responses={200: OpenApiTypes.OBJECT},
        tags=["metrics"],
    )
    def get(self, request):
        params = _common(request)
        group_by = _group_by(request, selectors.INDEX_GROUPS)
        start, end = params.pop("start"), params.pop("end")
        return Response(selectors.index_values(start, end, group_by=group_by, **params))


class ExtraSessionsView(APIView):
    @extend_schema(
        operation_id="indicators_extra_sessions",
        summary="So sánh buổi tiếp nhận ngoài giờ với ngày thường",
        parameters=COMMON_PARAMETERS[:3],
        responses={200: OpenApiTypes.OBJECT},
        tags=["metrics"],
    )
    def get(self, request):
        params = _common(request)
        return Response(
            selectors.extra_sessions(params["start"], params["end"], agencies=params["agencies"])
        )
