"""Pages of the metrics app: the back-office dashboard (/can-bo/thong-ke/), the drill-down list
behind any number, the tables as CSV/Excel, the periodic report (Excel, PDF) and the public page
of the province's headline figures (/so-lieu/). Thin: numbers come from metrics.selectors (and
dashboard_data), tables from exports. See docs/dashboards.md."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from motcua.agencies.models import Agency
from motcua.agencies.selectors import agency_scope
from motcua.backoffice.access import staff_required
from motcua.backoffice.views import render_staff
from motcua.catalog.models import Field, Procedure
from motcua.documents.pdf import render_pdf
from motcua.dossiers.regimes import local_date

from . import charts, conf, dashboard_data, exports, selectors
from .indicators import INDICATORS

MAX_DAYS = 3 * 366 + 1
PAGE_SIZE = 25
PUBLIC_CACHE_SECONDS = 300
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class BadFilter(Exception):
    pass


# --- filters --------------------------------------------------------------------------------------


def _period(request, today: date) -> tuple[date, date]:
    params = request.GET
    if params.get("period"):
        try:
            start, end, _kind = dashboard_data.parse_period(params["period"])
        except dashboard_data.BadPeriod:
            raise BadFilter(_("Kỳ báo cáo không hợp lệ (ví dụ: 2026-11, 2026-Q4, 2026).")) from None
        return start, end
    try:
        start = (
            dashboard_data.parse_day(params["from"]) if params.get("from") else today.replace(day=1)
        )
        end = dashboard_data.parse_day(params["to"]) if params.get("to") else today
    except dashboard_data.BadPeriod:
        raise BadFilter(_("Ngày phải có dạng dd/mm/yyyy.")) from None
    if end < start:
        raise BadFilter(_("Ngày kết thúc phải không trước ngày bắt đầu."))
    if (end - start).days >= MAX_DAYS:
        raise BadFilter(_("Khoảng thời gian tối đa là 3 năm."))
    return start, end


def filters_of(request) -> exports.Filters:
    """The dashboard filters from the query string, within the user's scope. An agency outside
    the scope (or unknown), or an unknown procedure or field, is a 404: nothing is revealed."""
    now = timezone.now()
    start, end = _period(request, local_date(now))
    code = request.GET.get("agency", "").strip()
    try:
        agencies = selectors.scope_for(request.user, code or None)
    except selectors.UnknownAgency:
        raise Http404 from None
    agency = Agency.objects.filter(e_id=code).first() if code else None
    procedure = field = None
    if request.GET.get("procedure", "").strip():
        procedure = Procedure.objects.filter(code=request.GET["procedure"].strip()).first()
        if procedure is None:
            raise Http404
    if request.GET.get("field", "").strip():
        field = Field.objects.filter(slug=request.GET["field"].strip()).first()
        if field is None:
            raise Http404
    return exports.Filters(start, end, agencies, agency, procedure, field, now)


def _options(pairs, selected: str | None) -> str:
    """<option> elements for (value, label) pairs, built here: a province has over a thousand
    procedures, too many for a template loop on every page view."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if value == selected else "", label) for value, label in pairs),
    )


def _choices(request, f: exports.Filters) -> dict:
    user = request.user
    scope = None if user.is_superuser else agency_scope(user)  # read once
    agencies = Agency.objects.all() if scope is None else Agency.objects.filter(pk__in=scope)
    procedures = Procedure.objects.filter(current_version__isnull=False)
    if scope is not None:
        procedures = procedures.filter(agencies__in=scope).distinct()
    procedure_rows = procedures.order_by("code").values_list("code", "name")[:1000]
    return {
        "agency_options": _options(
            agencies.order_by("e_id").values_list("e_id", "name"),
            f.agency.e_id if f.agency else None,
        ),
        "procedure_options": _options(
            ((code, f"{code} — {Truncator(name).chars(70)}") for code, name in procedure_rows),
            f.procedure.code if f.procedure else None,
        ),
        "field_options": _options(
            Field.objects.order_by("name").values_list("slug", "name"),
            f.field.slug if f.field else None,
        ),
    }


def _bad_filter(request, message: str):
    return render_staff(request, "metrics/bad_filter.html", {"message": message}, status=400)


# --- the dashboard --------------------------------------------------------------------------------


def _headline(f: exports.Filters, total: dict) -> list[dict]:
    ind = total["indicators"]

    def card(code, label, unit="", *, note=""):
        value = (ind.get(code) or {}).get("value")
        flag = (ind.get(code) or {}).get("flag")
        return {
            "code": code,
            "label": label,
            "value": value,
            "unit": unit,
            "href": f.drill(code) if value is not None else None,
            "missing": flag,
            "note": note,
        }

    return [
        card("received", _("Hồ sơ tiếp nhận")),
        card("resolved", _("Đã giải quyết")),
        card("on_time_rate", _("Tỷ lệ đúng hạn"), "%"),
        card("online_share", _("Tỷ lệ trực tuyến"), "%"),
        card("open_overdue", _("Đang quá hạn"), note=_("tại thời điểm xem")),
        card("satisfaction_rate", _("Tỷ lệ hài lòng"), "%"),
    ]


def _charts(tables: dict) -> dict:
    months = tables["theo-thang"].rows
    labels = [r["month"] for r in months]
    trend = charts.bar_chart(
        _("Hồ sơ tiếp nhận và đã giải quyết theo tháng"),
        _("Biểu đồ cột: mỗi tháng hai cột, tiếp nhận và đã giải quyết; số liệu ở bảng bên dưới."),
        labels,
        [
            charts.Series(_("Tiếp nhận"), [r["received"] for r in months], charts.PALETTE[0]),
            charts.Series(_("Đã giải quyết"), [r["resolved"] for r in months], charts.PALETTE[2]),
        ],
    )
    on_time = charts.bar_chart(
        _("Giải quyết đúng hạn và quá hạn theo tháng"),
        _(
            "Biểu đồ cột chồng: phần dưới là hồ sơ giải quyết trước hạn và đúng hạn, phần trên là "
            "quá hạn."
        ),
        labels,
        [
            charts.Series(
                _("Trước hạn, đúng hạn"), [r["in_time"] for r in months], charts.PALETTE[2]
            ),
            charts.Series(_("Quá hạn"), [r["resolved_late"] for r in months], charts.PALETTE[3]),
        ],
        stacked=True,
    )
    channel_rows = tables["kenh"].rows
    channel = charts.hbar_chart(
        _("Cơ cấu kênh nộp hồ sơ"),
        _("Biểu đồ thanh ngang: số hồ sơ tiếp nhận theo từng kênh nộp."),
        [(r["channel"], r["received"]) for r in channel_rows],
        colour=charts.PALETTE[4],
    )
    overdue = charts.hbar_chart(
        _("Thủ tục có nhiều hồ sơ quá hạn nhất"),
        _(
            "Biểu đồ thanh ngang: tổng số hồ sơ quá hạn (đã giải quyết và đang giải quyết) của "
            "mỗi thủ tục."
        ),
        [(f"{r['code']} {r['name']}", r["late_total"]) for r in tables["qua-han"].rows],
        colour=charts.PALETTE[3],
    )
    ranking = {}
    for name in ("xep-hang-don-vi", "xep-hang-xa"):
        rows = tables[name].rows
        ranking[name] = charts.hbar_chart(
            tables[name].title,
            _("Biểu đồ thanh ngang: tổng điểm trên 100 của từng đơn vị, xếp từ cao đến thấp."),
            [(r["name"], r["total"]) for r in rows],
            maximum=100,
        )
    return {
        "trend": trend,
        "on_time": on_time,
        "channel": channel,
        "overdue": overdue,
        "ranking_agencies": ranking["xep-hang-don-vi"],
        "ranking_communes": ranking["xep-hang-xa"],
    }


def _sections(tables: dict) -> list[dict]:
    """The dashboard's tables in page order, each with its chart(s) above it."""
    c = _charts(tables)
    return [
        {"table": tables["chi-tieu"]},
        {"table": tables["theo-thang"], "chart": c["trend"], "chart2": c["on_time"]},
        {"table": tables["kenh"], "chart": c["channel"]},
        {"table": tables["don-vi"]},
        {"table": tables["qua-han"], "chart": c["overdue"]},
        {"table": tables["xep-hang-don-vi"], "chart": c["ranking_agencies"]},
        {"table": tables["xep-hang-xa"], "chart": c["ranking_communes"]},
        {"table": tables["thu-tuc"]},
    ]


def _dashboard_key(f: exports.Filters) -> str:
    scope = None if f.agencies is None else sorted(f.agencies)
    agency = f.agency.e_id if f.agency else None  # the targets table and links depend on it
    parts = (scope, agency, f.start, f.end, f.kwargs["procedure"], f.kwargs["field"])
    parts += (get_language(),)
    return "metrics:dashboard:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _dashboard_data(f: exports.Filters) -> tuple[dict, dict]:
    """The headline total and the tables. Uncached by default; with a cache time, reused for
    the same scope (the user's agency ids), filters and language: a page may then be that many
    seconds old (documented; the open-dossier snapshot too)."""
    seconds = conf.dashboard_cache_seconds()
    key = _dashboard_key(f) if seconds else None
    if key:
        cached = cache.get(key)
        if cached is not None:
            return cached
    with selectors.memoized():  # the tables share their reads (docs/metrics.md, Scale)
        data = (
            f.values(None)["total"],
            {name: exports.build_table(name, f) for name in exports.TABLES},
        )
    if key:
        cache.set(key, data, seconds)
    return data


@require_GET
@staff_required
@never_cache
def dashboard(request):
    try:
        f = filters_of(request)
    except BadFilter as error:
        return _bad_filter(request, str(error))
    total, tables = _dashboard_data(f)
    context = {
        "f": f,
        "period_label": dashboard_data.period_label(f.start, f.end),
        "shortcuts": dashboard_data.shortcuts(local_date(f.now)),
        "cards": _headline(f, total),
        "sections": _sections(tables),
        "query_string": urlencode(f.params()),
        "report_period": f"{f.start.year}-{f.start.month:02d}",
        **_choices(request, f),
    }
    return render_staff(request, "metrics/dashboard.html", context)


# --- drill-down -----------------------------------------------------------------------------------


@require_GET
@staff_required
@never_cache
def drilldown(request):
    code = request.GET.get("indicator", "")
    if code not in selectors.DRILLABLE:
        raise Http404
    try:
        f = filters_of(request)
    except BadFilter as error:
        return _bad_filter(request, str(error))
    qs = selectors.dossiers_behind(code, f.start, f.end, now=f.now, **f.kwargs)
    qs = qs.select_related("procedure", "competent_agency").order_by("-received_at", "-pk")
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        table = exports.dossiers_table(f, code, qs[:50_000])
        return _download(table, fmt, f)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "f": f,
        "indicator": INDICATORS[code] if code in INDICATORS else None,
        "indicator_code": code,
        "page": page,
        "period_label": dashboard_data.period_label(f.start, f.end),
        "back_query": urlencode(f.params()),
        "self_query": urlencode(f.params(indicator=code)),
    }
    return render_staff(request, "metrics/drilldown.html", context)


# --- tables as CSV / Excel ------------------------------------------------------------------------


def _download(table: exports.Table, fmt: str, f: exports.Filters) -> HttpResponse:
    stem = f"{table.name}-{f.start.isoformat()}-{f.end.isoformat()}"
    if fmt == "csv":
        response = HttpResponse(exports.to_csv(table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
    else:
        label = dashboard_data.period_label(f.start, f.end)
        response = HttpResponse(exports.to_xlsx(table, subtitle=label), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@staff_required
def table_export(request, name: str):
    if name not in exports.TABLES:
        raise Http404
    fmt = request.GET.get("format", "xlsx")
    if fmt not in ("csv", "xlsx"):
        return _bad_filter(request, _("Định dạng phải là csv hoặc xlsx."))
    try:
        f = filters_of(request)
    except BadFilter as error:
        return _bad_filter(request, str(error))
    with selectors.memoized():
        table = exports.build_table(name, f)
    return _download(table, fmt, f)


# --- the periodic report --------------------------------------------------------------------------


def unit_name(user, f: exports.Filters) -> str:
    """The reporting unit: the chosen agency, else the user's single agency or the province."""
    if f.agency is not None:
        return f.agency.name
    if f.agencies is not None:
        top = [a for a in Agency.objects.filter(pk__in=f.agencies) if a.parent_id not in f.agencies]
        if len(top) == 1:
            return top[0].name
    root = Agency.objects.filter(parent__isnull=True).order_by("pk").first()
    return root.name if root else _("Ủy ban nhân dân tỉnh")


@require_GET
@staff_required
def report(request):
    fmt = request.GET.get("format", "xlsx")
    if fmt not in ("pdf", "xlsx"):
        return _bad_filter(request, _("Định dạng phải là pdf hoặc xlsx."))
    try:
        f = filters_of(request)
    except BadFilter as error:
        return _bad_filter(request, str(error))
    with selectors.memoized():
        data = exports.report_data(
            f.start, f.end, agencies=f.agencies, unit_name=unit_name(request.user, f), now=f.now
        )
    if fmt == "xlsx":
        response = HttpResponse(exports.report_xlsx(data), content_type=XLSX)
    else:
        response = HttpResponse(
            render_pdf("metrics/report_pdf.html", data), content_type="application/pdf"
        )
    name = exports.report_filename(f.start, f.end, fmt)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- the public page ------------------------------------------------------------------------------


def public_figures(today: date, now=None) -> dict:
    """The province's headline figures (no personal data): this year and last month."""
    with selectors.memoized():
        return _public_figures(today, now or timezone.now())


def _public_figures(today: date, now) -> dict:
    year_start = date(today.year, 1, 1)
    last_end = today.replace(day=1) - timedelta(days=1)
    last_start = last_end.replace(day=1)

    def figures(start, end):
        ind = selectors.indicator_values(start, end, now=now)["total"]["indicators"]
        return {
            "label": dashboard_data.period_label(start, end),
            "received": (ind.get("received") or {}).get("value"),
            "resolved": (ind.get("resolved") or {}).get("value"),
            "on_time_rate": (ind.get("on_time_rate") or {}).get("value"),
            "online_share": (ind.get("online_share") or {}).get("value"),
        }

    ranking = selectors.index_values(year_start, today, group_by="agency", now=now)
    top = [
        {"rank": r["rank"], "name": r["group"].get("name"), "total": r["total"]}
        for r in ranking["rows"][:5]
    ]
    return {
        "year": figures(year_start, today),
        "last_month": figures(last_start, last_end),
        "top": top,
        "index_total": ranking["total"]["total"],
        "as_of": timezone.localtime(now),
    }


@require_GET
def public(request):
    today = local_date(timezone.now())
    key = f"metrics:public:{today.isoformat()}:{get_language()}"
    data = cache.get(key)
    if data is None:
        data = public_figures(today)
        cache.set(key, data, PUBLIC_CACHE_SECONDS)
    context = {
        **data,
        "periods": [
            {"title": _("Năm nay"), "data": data["year"]},
            {"title": _("Tháng trước"), "data": data["last_month"]},
        ],
    }
    response = render(request, "metrics/public.html", context)
    response["Cache-Control"] = f"public, max-age={PUBLIC_CACHE_SECONDS}"
    return response
