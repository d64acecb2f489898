"""Reads for the portal pages (the views stay thin)."""

from datetime import date, timedelta

from django.conf import settings
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils import timezone

from motcua.agencies.models import Agency, AgencyKind
from motcua.catalog import search, selectors
from motcua.catalog.models import Field, Procedure, ProcedureStatus
from motcua.documents.qr import qr_data_uri
from motcua.worktime.models import ExtraSession, Weekday
from motcua.worktime.selectors import reception_hours

PAGE_SIZE = 20
POPULAR_COUNT = 6
# The poster must stay one A4 page whatever the catalog holds: cap what it prints.
POSTER_DOCUMENTS = 6
POSTER_DOCUMENT_LENGTH = 90
POSTER_LONG_NAME = 120
# How far ahead the home page lists the centers' extra sessions.
EXTRA_SESSION_DAYS = 7


def extra_sessions(center: Agency, today: date, days: int = EXTRA_SESSION_DAYS) -> list[dict]:
    """The center's reception sessions outside working time in the coming days ("Chủ nhật vì
    dân", Sunday 07:30–11:00), from worktime's reception hours, so a weekly session that falls
    on a holiday is left out as the calendar says."""
    out = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        for period in reception_hours(center, day):
            if not period.is_working_time:
                out.append(
                    {
                        "name": period.name,
                        "day": day,
                        "weekday": Weekday(day.isoweekday()).label,
                        "start": period.start,
                        "end": period.end,
                    }
                )
    return out


def home_context(today: date | None = None) -> dict:
    today = today or timezone.localdate()
    centers = list(
        Agency.objects.filter(kind=AgencyKind.SERVICE_CENTER, is_active=True).order_by("e_id")[:5]
    )
    # Only the centers that have extra sessions are asked for their coming days.
    with_sessions = set(
        ExtraSession.objects.filter(agency__in=centers, active=True).values_list(
            "agency_id", flat=True
        )
    )
    return {
        "centers": [
            {
                "agency": center,
                "extra_sessions": extra_sessions(center, today)
                if center.pk in with_sessions
                else [],
            }
            for center in centers
        ],
        "fields": selectors.fields_with_counts(),
        "popular": [row(p) for p in selectors.popular(POPULAR_COUNT)],
    }


def row(procedure: Procedure) -> dict:
    """What a result line shows."""
    version = procedure.current_version
    return {
        "procedure": procedure,
        "levels": selectors.level_labels(procedure),
        "time_limit": selectors.time_limit_label(version) if version else "",
        "fee_total": selectors.fee_total_label(procedure),
    }


def listing_context(
    filters: dict, page_number, *, field: Field | None = None, agency: Agency | None = None
) -> dict:
    """Search results or the plain list, with the filters of the form (see forms.py)."""
    field = field or (selectors.field_by_ref(filters["field"]) if filters.get("field") else None)
    results = search.search(
        filters.get("q", ""),
        field=field,
        level=filters.get("level"),
        online=filters.get("online"),
        agency=agency,
    )
    page = Paginator(results, PAGE_SIZE).get_page(page_number)
    return {
        "page": page,
        "rows": [row(p) for p in page.object_list],
        "total": page.paginator.count,
        "relaxed": results.relaxed,
        "query": filters.get("q", ""),
        "filtered": any(filters.get(k) for k in ("q", "field", "level", "online")),
    }


def field_page(slug: str) -> Field | None:
    return Field.objects.filter(slug=slug).first()


def agency_page(e_id: str) -> Agency | None:
    return Agency.objects.filter(e_id=e_id, is_active=True).first()


def legal_basis_lines(version) -> list[str]:
    """Legal basis entries as text: the importer stores strings; an object (older data) shows
    its known keys in a fixed order (PostgreSQL's jsonb does not keep the key order)."""
    known = ("number", "code", "title", "name", "date")
    lines = []
    for item in version.legal_basis or []:
        if isinstance(item, dict):
            keys = [k for k in known if k in item] + sorted(k for k in item if k not in known)
            lines.append(" ".join(str(item[k]) for k in keys if item[k] not in (None, "")))
        else:
            lines.append(str(item))
    return [line for line in lines if line]


def procedure_page(code: str) -> dict | None:
    procedure = selectors.procedure_detail(code)
    if procedure is None or procedure.current_version is None:
        return None
    version = procedure.current_version
    steps = [
        {"step": s, "hours": selectors.format_number(s.working_hours)} for s in version.steps.all()
    ]
    return {
        "procedure": procedure,
        "version": version,
        "levels": selectors.level_labels(procedure),
        "time_limit": selectors.time_limit_label(version),
        "fees": list(version.fees.all()),
        "fee_total": selectors.fee_total_label(procedure),
        "documents": list(version.documents.all()),
        "steps": steps,
        "legal_basis": legal_basis_lines(version),
        "where_to_submit": selectors.where_to_submit(procedure),
        "accepts_online": selectors.accepts_online(procedure),
        "abolished": procedure.status == ProcedureStatus.ABOLISHED,
        "suspended": procedure.status == ProcedureStatus.SUSPENDED,
    }


def public_url(procedure: Procedure) -> str:
    """The absolute address of the procedure page (what the poster's QR code holds)."""
    return settings.MOTCUA_BASE_URL + reverse("portal:procedure", args=[procedure.code])


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def poster_context(code: str) -> dict | None:
    context = procedure_page(code)
    if context is None:
        return None
    documents = context["documents"]
    url = public_url(context["procedure"])
    return {
        **context,
        "poster_documents": [
            _shorten(d.name, POSTER_DOCUMENT_LENGTH) for d in documents[:POSTER_DOCUMENTS]
        ],
        "more_documents": max(0, len(documents) - POSTER_DOCUMENTS),
        "long_name": len(context["procedure"].name) > POSTER_LONG_NAME,
        "url": url,
        "qr": qr_data_uri(url),
    }
