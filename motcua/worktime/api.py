"""Public endpoints: the due time of a limit, and a year's working calendar."""

import re
from datetime import datetime, time
from decimal import Decimal, InvalidOperation

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from motcua.agencies.models import Agency
from motcua.api.errors import BadParameter

from . import deadlines, selectors
from .serializers import CalendarSerializer, DueDateSerializer

MAX_WORKING_DAYS = Decimal(1000)
MAX_WORKING_HOURS = MAX_WORKING_DAYS * 8
MIN_YEAR, MAX_YEAR = 1901, 2100
# "+07:00" sent unencoded in a query string arrives as " 07:00".
_SPACE_OFFSET = re.compile(r" (\d{2}(?::?\d{2})?)$")
_HH_MM = re.compile(r"^\d{1,2}:\d{2}$")


def _agency(request):
    e_id = request.query_params.get("agency", "").strip()
    if not e_id:
        return None
    agency = Agency.objects.filter(e_id=e_id.upper()).first()
    if agency is None:
        raise BadParameter(
            "agency", _("Không có cơ quan với mã định danh %(e_id)s.") % {"e_id": e_id}
        )
    return agency


def _start(request) -> datetime:
    text = request.query_params.get("start", "").strip()
    if not text:
        raise BadParameter("start", _("Thiếu tham số start (thời điểm tiếp nhận, ISO 8601)."))
    text = _SPACE_OFFSET.sub(r"+\1", text)
    try:
        value = parse_datetime(text)
        if value is None:
            day = parse_date(text)
            value = datetime.combine(day, time()) if day else None
    except ValueError:
        value = None
    if value is None:
        raise BadParameter("start", _("Tham số start phải là thời điểm ISO 8601."))
    if value.tzinfo is None:
        value = value.replace(tzinfo=deadlines.VN_TZ)
    return value


def _amount(request, name: str, maximum: Decimal) -> Decimal | None:
    text = request.query_params.get(name)
    if text is None:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0 or value > maximum:
        raise BadParameter(
            name,
            _("Tham số %(name)s phải là một số không âm, tối đa %(maximum)s.")
            % {"name": name, "maximum": maximum},
        )
    return value


def _cutoff(request) -> time | None:
    text = request.query_params.get("cutoff", "").strip()
    if not text:
        return None
    hours, _sep, minutes = text.partition(":")
    if not _HH_MM.match(text) or int(hours) > 23 or int(minutes) > 59:
        raise BadParameter("cutoff", _("Tham số cutoff phải là giờ dạng HH:MM, ví dụ 15:00."))
    return time(int(hours), int(minutes))


class DueDateView(APIView):
    """The due time of a limit in working days or hours, received at `start`."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Compute a due time",
        description=(
            "Counts a limit of working days (N × the working-day length, 8 h by default) or working "
            "hours inside the working sessions from the receipt instant, on the official calendar "
            "(holidays, swapped days off, make-up Saturdays). Received outside working time, the "
            "clock starts at the next working start; with `cutoff`, a receipt after it on a working "
            "day counts from the next working day. A due time may land exactly at a session end."
        ),
        parameters=[
            OpenApiParameter(
                "start",
                OpenApiTypes.DATETIME,
                required=True,
                description="Receipt instant, ISO 8601; without an offset it is Asia/Ho_Chi_Minh time.",
            ),
            OpenApiParameter(
                "working_days",
                OpenApiTypes.DECIMAL,
                description="Limit in working days (fractions allowed: 0.5 = 4 h). Exactly one of "
                "working_days and working_hours.",
            ),
            OpenApiParameter(
                "working_hours", OpenApiTypes.DECIMAL, description="Limit in working hours."
            ),
            OpenApiParameter(
                "agency",
                OpenApiTypes.STR,
                description="Electronic identifier (e-ID) of the agency whose schedule applies; "
                "default: the province's schedule.",
            ),
            OpenApiParameter(
                "cutoff",
                OpenApiTypes.STR,
                description="Procedure cut-off time HH:MM (e.g. 15:00); working days only.",
            ),
        ],
        responses={200: DueDateSerializer},
        examples=[
            OpenApiExample(
                "Tet 2025",
                value={
                    "start": "2025-01-24T09:00:00+07:00",
                    "counts_from": "2025-01-24T09:00:00+07:00",
                    "due_at": "2025-02-03T09:00:00+07:00",
                    "due_date": "2025-02-03",
                },
                response_only=True,
            )
        ],
        tags=["worktime"],
    )
    def get(self, request):
        start = _start(request)
        days = _amount(request, "working_days", MAX_WORKING_DAYS)
        hours = _amount(request, "working_hours", MAX_WORKING_HOURS)
        if (days is None) == (hours is None):
            raise BadParameter(
                "working_days",
                _("Cần đúng một trong hai tham số working_days hoặc working_hours."),
            )
        cutoff = _cutoff(request)
        if cutoff is not None and days is None:
            raise BadParameter("cutoff", _("Tham số cutoff chỉ dùng với working_days."))
        calendar = selectors.get_work_calendar(_agency(request))
        try:
            if days is not None:
                due = deadlines.add_working_days(calendar, start, days, cutoff=cutoff)
            else:
                due = deadlines.add_working_hours(calendar, start, hours)
            counts_from = deadlines.clock_start(calendar, start, cutoff)
        except (OverflowError, ValueError) as exc:
            raise BadParameter("start", _("Không tính được hạn từ thời điểm này.")) from exc
        data = {
            "start": start.astimezone(calendar.tz),
            "counts_from": counts_from,
            "due_at": due,
            "due_date": due.date(),
        }
        return Response(DueDateSerializer(data).data)


class CalendarView(APIView):
    """A year's days off and make-up working days, with the working week and sessions."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="The working calendar of a year",
        parameters=[
            OpenApiParameter("year", OpenApiTypes.INT, required=True, description="e.g. 2026"),
            OpenApiParameter(
                "agency",
                OpenApiTypes.STR,
                description="Agency e-ID whose working week and sessions to show; default: province.",
            ),
        ],
        responses={200: CalendarSerializer},
        tags=["worktime"],
    )
    def get(self, request):
        text = request.query_params.get("year", "").strip()
        if not text.isdigit() or not MIN_YEAR <= int(text) <= MAX_YEAR:
            raise BadParameter(
                "year",
                _("Tham số year phải là một năm từ %(first)d đến %(last)d.")
                % {"first": MIN_YEAR, "last": MAX_YEAR},
            )
        year = int(text)
        calendar = selectors.get_work_calendar(_agency(request))
        hours = Decimal(int(calendar.day_length.total_seconds())) / 3600
        data = {
            "year": year,
            "weekdays": sorted(calendar.weekdays),
            "sessions": [{"start": s, "end": e} for s, e in calendar.sessions],
            "working_day_hours": hours,
            "days": selectors.calendar_days(year),
        }
        return Response(CalendarSerializer(data).data)
