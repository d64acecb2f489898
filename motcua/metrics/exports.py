"""The dashboard's tables, built once (`build_table`) and rendered three ways: on the page (with a
link from each number to the dossiers behind it), as CSV (UTF-8 with BOM, so that Excel opens
Vietnamese correctly) and as Excel (openpyxl: Vietnamese headers, number formats, frozen header
row). And the periodic report (month, quarter, year) as Excel; its PDF is the template
metrics/report_pdf.html rendered by documents.pdf.render_pdf (see views.report).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date, datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from motcua.agencies.models import AdministrativeUnit, Agency, UnitLevel
from motcua.catalog.models import Field, Procedure
from motcua.dossiers.lifecycle import Channel

from . import dashboard_data, selectors
from .charts import fmt_number

# --- filters --------------------------------------------------------------------------------------


@dataclass
class Filters:
    """What the dashboard shows: a period, the agencies in scope (None: all) and the optional
    agency, procedure and field chosen in the form."""

    start: date
    end: date
    agencies: set[int] | None
    agency: Agency | None = None
    procedure: Procedure | None = None
    field: Field | None = None
    now: datetime = dc_field(default_factory=timezone.now)

    @property
    def kwargs(self) -> dict:
        return {
            "agencies": self.agencies,
            "procedure": self.procedure.pk if self.procedure else None,
            "field": self.field.pk if self.field else None,
        }

    def values(self, group_by: str | None) -> dict:
        """selectors.indicator_values under these filters, read once per grouping (the page's
        tables share them)."""
        memo = self.__dict__.setdefault("_memo", {})
        if group_by not in memo:
            memo[group_by] = selectors.indicator_values(
                self.start, self.end, group_by=group_by, now=self.now, **self.kwargs
            )
        return memo[group_by]

    def params(self, **overrides) -> dict:
        out = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.agency:
            out["agency"] = self.agency.e_id
        if self.procedure:
            out["procedure"] = self.procedure.code
        if self.field:
            out["field"] = self.field.slug
        out.update({k: v for k, v in overrides.items() if v is not None})
        return out

    def drill(self, indicator: str, **overrides) -> str | None:
        """The URL of the dossier list behind a number (None if the indicator has no list).
        A page has one per table cell: the filters' part is encoded once; overrides of a filter
        (a month's dates) take the long way, which gives the same URL."""
        if indicator not in selectors.DRILLABLE:
            return None
        overrides = {k: v for k, v in overrides.items() if v is not None}
        prefix = self.__dict__.get("_drill_prefix")
        if prefix is None:
            base = self.params()
            prefix = self.__dict__["_drill_prefix"] = (
                f"{reverse('metrics:drilldown')}?{urlencode(base)}",
                frozenset(base),
            )
        if prefix[1].isdisjoint(overrides) and "indicator" not in prefix[1]:
            return f"{prefix[0]}&{urlencode({'indicator': indicator, **overrides})}"
        query = urlencode(self.params(indicator=indicator, **overrides))
        return f"{reverse('metrics:drilldown')}?{query}"


# --- tables ---------------------------------------------------------------------------------------

INT, PERCENT, DECIMAL, TEXT = "int", "percent", "decimal", "text"


@dataclass
class Column:
    key: str
    header: str
    kind: str = INT
    drill: str | None = None  # indicator code behind the number (a link on the page)


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[dict] = dc_field(default_factory=list)
    total: dict | None = None
    note: str = ""

    def cells(self, row: dict) -> list[dict]:
        links = row.get("_links", {})
        return [
            {
                "value": row.get(c.key),
                "text": row.get(c.key) if c.kind == TEXT else fmt_number(row.get(c.key)),
                "kind": c.kind,
                "href": links.get(c.key),
                "numeric": c.kind != TEXT,
            }
            for c in self.columns
        ]

    def body_html(self) -> str:
        """The <tbody> rows, built here rather than by template loops: a province's procedure
        table has thousands of cells, and the template engine spent most of the page's time on
        them (docs/metrics.md, Scale)."""
        return mark_safe("".join(self._row_html(self.cells(r), "—") for r in self.rows))

    def foot_html(self) -> str:
        return mark_safe(self._row_html(self.cells(self.total), "")) if self.total else ""

    @staticmethod
    def _row_html(cells: list[dict], empty: str) -> str:
        parts = ["<tr>"]
        for i, cell in enumerate(cells):
            tag = "th" if i == 0 else "td"
            attrs = ' scope="row"' if i == 0 else ""
            if cell["numeric"]:
                attrs += ' class="mx-num"'
            text = escape(empty if cell["text"] is None else cell["text"])
            if cell["href"]:
                text = f'<a href="{escape(cell["href"])}">{text}</a>'
            parts.append(f"<{tag}{attrs}>{text}</{tag}>")
        parts.append("</tr>\n")
        return "".join(parts)


def _value(indicators: dict, code: str):
    return (indicators.get(code) or {}).get("value")


COUNT_COLUMNS = [
    ("received", _lazy("Tiếp nhận"), "received"),
    ("resolved", _lazy("Đã giải quyết"), "resolved"),
    ("resolved_early", _lazy("Trước hạn"), "resolved_early"),
    ("resolved_on_time", _lazy("Đúng hạn"), "resolved_on_time"),
    ("resolved_late", _lazy("Quá hạn"), "resolved_late"),
    ("open_overdue", _lazy("Đang giải quyết quá hạn"), "open_overdue"),
]


def _count_columns() -> list[Column]:
    return [Column(key, str(header), INT, drill) for key, header, drill in COUNT_COLUMNS] + [
        Column("on_time_rate", _("Tỷ lệ đúng hạn (%)"), PERCENT),
        Column("online_share", _("Tỷ lệ trực tuyến (%)"), PERCENT, "online_share"),
    ]


def _count_row(indicators: dict, f: Filters, **drill_filters) -> dict:
    row = {key: _value(indicators, key) for key, _h, _d in COUNT_COLUMNS}
    row["on_time_rate"] = _value(indicators, "on_time_rate")
    row["online_share"] = _value(indicators, "online_share")
    links = {}
    for key, _h, drill in COUNT_COLUMNS:
        if row[key] is not None:
            links[key] = f.drill(drill, **drill_filters)
    if row["online_share"] is not None:
        links["online_share"] = f.drill("online_share", **drill_filters)
    row["_links"] = links
    return row


def agencies_table(f: Filters) -> Table:
    data = f.values("agency")
    table = Table(
        "don-vi",
        _("Theo cơ quan giải quyết"),
        [Column("name", _("Cơ quan"), TEXT), Column("code", _("Mã định danh"), TEXT)]
        + _count_columns(),
    )
    for r in data["rows"]:
        g = r["group"]
        row = _count_row(r["indicators"], f, agency=g.get("code"))
        # A number of an agency outside the user's scope (a centre sees the competent
        # departments of what it received) drills down within the user's scope only.
        if f.agencies is not None and g.get("id") not in f.agencies:
            row["_links"] = {}
        table.rows.append({"name": g.get("name"), "code": g.get("code"), **row})
    table.rows.sort(key=lambda r: -(r["received"] or 0))
    table.total = {"name": _("Tổng cộng"), "code": "", **_count_row(data["total"]["indicators"], f)}
    return table


def procedures_table(f: Filters) -> Table:
    data = f.values("procedure")
    table = Table(
        "thu-tuc",
        _("Theo thủ tục hành chính"),
        [Column("code", _("Mã thủ tục"), TEXT), Column("name", _("Tên thủ tục"), TEXT)]
        + _count_columns(),
    )
    for r in data["rows"]:
        g = r["group"]
        row = _count_row(r["indicators"], f, procedure=g.get("code"))
        table.rows.append({"code": g.get("code"), "name": g.get("name"), **row})
    table.rows.sort(key=lambda r: -(r["received"] or 0))
    table.total = {"code": _("Tổng cộng"), "name": "", **_count_row(data["total"]["indicators"], f)}
    return table


def months_table(f: Filters) -> Table:
    data = f.values("month")
    table = Table(
        "theo-thang",
        _("Xu hướng theo tháng"),
        [
            Column("month", _("Tháng"), TEXT),
            Column("received", _("Tiếp nhận"), INT, "received"),
            Column("resolved", _("Đã giải quyết"), INT, "resolved"),
            Column("in_time", _("Trước hạn và đúng hạn"), INT),
            Column("resolved_late", _("Quá hạn"), INT, "resolved_late"),
            Column("on_time_rate", _("Tỷ lệ đúng hạn (%)"), PERCENT),
            Column("online_share", _("Tỷ lệ trực tuyến (%)"), PERCENT),
        ],
    )
    for r in data["rows"]:
        first = date.fromisoformat(r["group"]["from"])
        last = dashboard_data.month_bounds(first.year, first.month)[1]
        low, high = max(first, f.start), min(last, f.end)
        ind = r["indicators"]
        row = {
            "month": r["group"]["month"],
            "received": _value(ind, "received"),
            "resolved": _value(ind, "resolved"),
            "in_time": (_value(ind, "resolved_early") or 0)
            + (_value(ind, "resolved_on_time") or 0),
            "resolved_late": _value(ind, "resolved_late"),
            "on_time_rate": _value(ind, "on_time_rate"),
            "online_share": _value(ind, "online_share"),
            "_first": first,
        }
        span = {"from": low.isoformat(), "to": high.isoformat()}
        row["_links"] = {k: f.drill(k, **span) for k in ("received", "resolved", "resolved_late")}
        table.rows.append(row)
    table.rows.sort(key=lambda r: r["_first"])
    return table


def channels_table(f: Filters) -> Table:
    counts = dashboard_data.received_by_channel(f.start, f.end, **f.kwargs)[None]
    total = sum(counts.values())
    table = Table(
        "kenh",
        _("Hồ sơ tiếp nhận theo kênh nộp"),
        [
            Column("channel", _("Kênh nộp"), TEXT),
            Column("received", _("Số hồ sơ tiếp nhận"), INT),
            Column("share", _("Tỷ lệ (%)"), PERCENT),
        ],
    )
    for channel in Channel:
        n = counts.get(channel.value, 0)
        table.rows.append(
            {
                "channel": str(channel.label),
                "received": n,
                "share": round(n * 100 / total, 2) if total else None,
                "_key": channel.value,
            }
        )
    table.total = {
        "channel": _("Tổng cộng"),
        "received": total,
        "share": 100.0 if total else None,
        "_links": {"received": f.drill("received")},
    }
    return table


def overdue_table(f: Filters, limit: int = 10) -> Table:
    data = f.values("procedure")
    table = Table(
        "qua-han",
        _("Thủ tục có nhiều hồ sơ quá hạn nhất"),
        [
            Column("code", _("Mã thủ tục"), TEXT),
            Column("name", _("Tên thủ tục"), TEXT),
            Column("resolved_late", _("Giải quyết quá hạn"), INT, "resolved_late"),
            Column("open_overdue", _("Đang giải quyết quá hạn"), INT, "open_overdue"),
            Column("late_total", _("Tổng quá hạn"), INT),
        ],
        note=_("Đang giải quyết quá hạn: tại thời điểm xem, chỉ có khi kỳ báo cáo gồm hôm nay."),
    )
    rows = []
    for r in data["rows"]:
        ind = r["indicators"]
        late, open_late = _value(ind, "resolved_late") or 0, _value(ind, "open_overdue")
        total = late + (open_late or 0)
        if total <= 0:
            continue
        code = r["group"].get("code")
        rows.append(
            {
                "code": code,
                "name": r["group"].get("name"),
                "resolved_late": late,
                "open_overdue": open_late,
                "late_total": total,
                "_links": {
                    "resolved_late": f.drill("resolved_late", procedure=code),
                    "open_overdue": f.drill("open_overdue", procedure=code)
                    if open_late is not None
                    else None,
                },
            }
        )
    rows.sort(key=lambda r: (-r["late_total"], r["code"] or ""))
    table.rows = rows[:limit]
    return table


def _ranking(f: Filters, group_by: str, name: str, title: str) -> Table:
    data = selectors.index_values(
        f.start,
        f.end,
        group_by=group_by,
        now=f.now,
        agencies=f.agencies,
        field=f.kwargs["field"],
        procedure=f.kwargs["procedure"],
    )
    rows = data["rows"]
    if group_by == "commune":
        communes = set(
            AdministrativeUnit.objects.filter(
                pk__in=[r["group"].get("id") for r in rows], level=UnitLevel.COMMUNE
            ).values_list("pk", flat=True)
        )
        rows = [r for r in rows if r["group"].get("id") in communes]
    groups = [g["code"] for g in data["total"]["groups"]]
    group_names = {g["code"]: g["name"] for g in data["total"]["groups"]}
    table = Table(
        name,
        title,
        [
            Column("rank", _("Hạng"), INT),
            Column("name", _("Đơn vị"), TEXT),
            Column("total", _("Tổng điểm (trên 100)"), DECIMAL),
            *[
                Column(
                    f"g{code}",
                    _("Nhóm %(code)s: %(name)s") % {"code": code, "name": group_names[code]},
                    DECIMAL,
                )
                for code in groups
            ],
            Column("available", _("Điểm tối đa có dữ liệu"), DECIMAL),
        ],
        note=_(
            "Chỉ số chưa có dữ liệu tính 0 điểm; cột cuối cho biết tổng điểm tối đa của các "
            "chỉ số đã có dữ liệu (QĐ 766/QĐ-TTg)."
        ),
    )
    for position, r in enumerate(rows, start=1):
        scores = {f"g{g['code']}": g["score"] for g in r["groups"]}
        table.rows.append(
            {
                "rank": position,
                "name": r["group"].get("name"),
                "total": r["total"],
                "available": r["available_points"],
                "_id": r["group"].get("id"),
                **scores,
            }
        )
    return table


def agency_ranking_table(f: Filters) -> Table:
    return _ranking(f, "agency", "xep-hang-don-vi", _("Xếp hạng cơ quan theo Bộ chỉ số QĐ 766"))


def commune_ranking_table(f: Filters) -> Table:
    return _ranking(f, "commune", "xep-hang-xa", _("Xếp hạng xã, phường theo Bộ chỉ số QĐ 766"))


def targets_table(f: Filters) -> Table:
    data = f.values(None)
    unit = f.agency
    if unit is None and f.agencies is not None and len(f.agencies) == 1:
        unit = Agency.objects.filter(pk__in=f.agencies).first()
    items = dashboard_data.achieved_vs_target(
        dashboard_data.targets_for(unit, f.end), data["total"]["indicators"]
    )
    table = Table(
        "chi-tieu",
        _("Chỉ tiêu: kết quả đạt được so với mục tiêu"),
        [
            Column("name", _("Chỉ tiêu"), TEXT),
            Column("goal", _("Mục tiêu (%)"), PERCENT),
            Column("value", _("Đạt được (%)"), PERCENT),
            Column("status", _("Đánh giá"), TEXT),
            Column("scope", _("Áp dụng cho"), TEXT),
        ],
    )
    for item in items:
        status = (
            _("Chưa có dữ liệu")
            if item["met"] is None
            else (_("Đạt") if item["met"] else _("Chưa đạt"))
        )
        t = item["target"]
        table.rows.append(
            {
                "name": item["name"],
                "goal": float(item["goal"]),
                "value": item["value"],
                "status": status,
                "scope": t.agency.name if t.agency_id else _("Toàn tỉnh (mặc định)"),
                "_met": item["met"],
                "_code": item["code"],
                "_links": {"value": f.drill(item["code"])},
            }
        )
    return table


def dossiers_table(f: Filters, indicator: str, queryset) -> Table:
    """The dossiers behind a number (the drill-down list), for export."""
    from motcua.backoffice.templatetags.backoffice import vn_datetime

    table = Table(
        "ho-so",
        _("Danh sách hồ sơ"),
        [
            Column("code", _("Mã hồ sơ"), TEXT),
            Column("procedure", _("Thủ tục"), TEXT),
            Column("applicant", _("Người nộp"), TEXT),
            Column("channel", _("Kênh nộp"), TEXT),
            Column("received", _("Tiếp nhận"), TEXT),
            Column("due", _("Hạn xử lý"), TEXT),
            Column("decided", _("Có kết quả"), TEXT),
            Column("state", _("Trạng thái"), TEXT),
        ],
    )
    for d in queryset:
        table.rows.append(
            {
                "code": d.code or "",
                "procedure": f"{d.procedure.code} — {d.procedure.name}",
                "applicant": d.applicant_name,
                "channel": d.get_channel_display(),
                "received": vn_datetime(d.received_at),
                "due": vn_datetime(d.due_at),
                "decided": vn_datetime(d.decided_at),
                "state": d.get_state_display(),
            }
        )
    return table


TABLES: dict[str, Callable[[Filters], Table]] = {
    "don-vi": agencies_table,
    "thu-tuc": procedures_table,
    "theo-thang": months_table,
    "kenh": channels_table,
    "qua-han": overdue_table,
    "xep-hang-don-vi": agency_ranking_table,
    "xep-hang-xa": commune_ranking_table,
    "chi-tieu": targets_table,
}


def build_table(name: str, f: Filters) -> Table:
    return TABLES[name](f)


# --- CSV and Excel --------------------------------------------------------------------------------


def _plain(value):
    return "" if value is None else value


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte order mark: Excel then reads the Vietnamese headers correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.header for c in table.columns])
    for row in [*table.rows, *([table.total] if table.total else [])]:
        writer.writerow([_plain(row.get(c.key)) for c in table.columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


NUMBER_FORMATS = {INT: "#,##0", PERCENT: "0.00", DECIMAL: "0.00", TEXT: "@"}
BOLD = Font(bold=True)
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _write_table(ws, table: Table, first_row: int = 1) -> int:
    for i, column in enumerate(table.columns, start=1):
        cell = ws.cell(row=first_row, column=i, value=column.header)
        cell.font = BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        width = max(len(column.header) + 2, 12 if column.kind != TEXT else 24)
        ws.column_dimensions[get_column_letter(i)].width = min(width, 60)
    r = first_row
    for row in [*table.rows, *([table.total] if table.total else [])]:
        r += 1
        for i, column in enumerate(table.columns, start=1):
            value = row.get(column.key)
            cell = ws.cell(row=r, column=i, value=value)
            if value is not None and column.kind != TEXT:
                cell.number_format = NUMBER_FORMATS[column.kind]
            if row is table.total:
                cell.font = BOLD
    return r


def to_xlsx(table: Table, *, subtitle: str = "") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = table.name[:31]
    _write_table(ws, table)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    if subtitle:
        wb.properties.title = f"{table.title} — {subtitle}"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- the periodic report --------------------------------------------------------------------------

REPORT_HEADERS = [
    ("carried_over", _lazy("Kỳ trước chuyển qua")),
    ("received", _lazy("Tiếp nhận trong kỳ")),
    ("received_online", _lazy("Trong đó: trực tuyến")),
    ("received_counter", _lazy("Trong đó: trực tiếp")),
    ("received_postal", _lazy("Trong đó: bưu chính")),
    ("total", _lazy("Tổng số hồ sơ nhận giải quyết")),
    ("resolved", _lazy("Đã giải quyết: tổng số")),
    ("resolved_early", _lazy("Đã giải quyết: trước hạn")),
    ("resolved_on_time", _lazy("Đã giải quyết: đúng hạn")),
    ("resolved_late", _lazy("Đã giải quyết: quá hạn")),
    ("open", _lazy("Đang giải quyết: tổng số")),
    ("open_in_time", _lazy("Đang giải quyết: trong hạn")),
    ("open_overdue", _lazy("Đang giải quyết: quá hạn")),
    ("on_time_rate", _lazy("Tỷ lệ giải quyết đúng hạn (%)")),
]


def report_data(start: date, end: date, *, agencies, unit_name: str, now=None) -> dict:
    """Everything the periodic report shows, for the Excel and PDF renderings."""
    now = now or timezone.now()
    values = selectors.indicator_values(start, end, agencies=agencies, now=now)
    index = selectors.index_values(start, end, agencies=agencies, now=now)
    ind = values["total"]["indicators"]
    data = {
        "unit_name": unit_name,
        "start": start,
        "end": end,
        "period": dashboard_data.period_label(start, end),
        "by_agency": dashboard_data.report_rows(
            start, end, group_by="agency", agencies=agencies, now=now
        ),
        "by_field": dashboard_data.report_rows(
            start, end, group_by="field", agencies=agencies, now=now
        ),
        "headers": [(key, str(label)) for key, label in REPORT_HEADERS],
        "online_share": _value(ind, "online_share"),
        "on_time_rate": _value(ind, "on_time_rate"),
        "received": _value(ind, "received"),
        "index": index["total"],
        "made_at": timezone.localtime(now),
    }
    data["sections"] = [
        {
            "title": _("I. Theo cơ quan giải quyết"),
            "label": _("Cơ quan"),
            "data": data["by_agency"],
        },
        {"title": _("II. Theo lĩnh vực"), "label": _("Lĩnh vực"), "data": data["by_field"]},
    ]
    return data


def report_xlsx(data: dict) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("Báo cáo")[:31]
    width = len(data["headers"]) + 2
    last = get_column_letter(width)

    def line(r, text, *, bold=False, center=True, size=None):
        ws.merge_cells(f"A{r}:{last}{r}")
        cell = ws.cell(row=r, column=1, value=text)
        cell.font = Font(bold=bold, size=size)
        cell.alignment = Alignment(horizontal="center" if center else "left", wrap_text=True)

    line(1, data["unit_name"].upper(), bold=True)
    line(2, _("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), bold=True)
    line(3, _("Độc lập - Tự do - Hạnh phúc"), bold=True)
    line(5, _("BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"), bold=True, size=13)
    line(
        6,
        _("Kỳ báo cáo: %(period)s (từ ngày %(start)s đến ngày %(end)s)")
        % {
            "period": data["period"],
            "start": data["start"].strftime("%d/%m/%Y"),
            "end": data["end"].strftime("%d/%m/%Y"),
        },
    )
    line(7, _("Đơn vị báo cáo: %(unit)s") % {"unit": data["unit_name"]})
    r = 9
    for title, section, label in (
        (_("I. THEO CƠ QUAN GIẢI QUYẾT"), data["by_agency"], _("Cơ quan")),
        (_("II. THEO LĨNH VỰC"), data["by_field"], _("Lĩnh vực")),
    ):
        line(r, title, bold=True, center=False)
        r += 1
        headers = [_("STT"), label] + [h for _k, h in data["headers"]]
        for i, h in enumerate(headers, start=1):
            cell = ws.cell(row=r, column=i, value=h)
            cell.font = BOLD
            cell.border = BOX
            cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        ws.row_dimensions[r].height = 45
        for n, row in enumerate([*section["rows"], None], start=1):
            r += 1
            source = section["total"] if row is None else row
            first = [None if row is None else n, _("Tổng cộng") if row is None else row["label"]]
            for i, v in enumerate(first + [source.get(k) for k, _h in data["headers"]], start=1):
                cell = ws.cell(row=r, column=i, value=v)
                cell.border = BOX
                if row is None:
                    cell.font = BOLD
                if i > 2 and v is not None:
                    cell.number_format = "0.00" if i == len(headers) else "#,##0"
        r += 2
    line(r, _("III. CÁC CHỈ SỐ CHÍNH"), bold=True, center=False)
    r += 1
    facts = [
        (_("Tỷ lệ hồ sơ trực tuyến (%)"), data["online_share"]),
        (_("Tỷ lệ giải quyết đúng hạn (%)"), data["on_time_rate"]),
        (_("Bộ chỉ số QĐ 766: tổng điểm (trên 100)"), data["index"]["total"]),
        (
            _("Bộ chỉ số QĐ 766: điểm tối đa của các chỉ số có dữ liệu"),
            data["index"]["available_points"],
        ),
    ] + [
        (
            _("Nhóm %(code)s: %(name)s (tối đa %(max)s)")
            % {"code": g["code"], "name": g["name"], "max": g["max_points"]},
            g["score"],
        )
        for g in data["index"]["groups"]
    ]
    for label, value in facts:
        ws.cell(row=r, column=2, value=label)
        cell = ws.cell(row=r, column=4, value=value)
        if value is not None:
            cell.number_format = "0.00"
        r += 1
    r += 1
    ws.cell(row=r, column=2, value=_("NGƯỜI LẬP BIỂU")).font = BOLD
    ws.cell(row=r, column=width - 4, value=_("THỦ TRƯỞNG ĐƠN VỊ")).font = BOLD
    ws.cell(row=r + 1, column=2, value=_("(Ký, ghi rõ họ tên)"))
    ws.cell(row=r + 1, column=width - 4, value=_("(Ký, ghi rõ họ tên, đóng dấu)"))
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 40
    for i in range(3, width + 1):
        ws.column_dimensions[get_column_letter(i)].width = 12
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def report_filename(start: date, end: date, extension: str) -> str:
    return f"bao-cao-tthc-{start.isoformat()}-{end.isoformat()}.{extension}"
