"""The reconciliation report: payments received and refunds, per day (Vietnam time) and per
collecting agency, for the agencies of an officer's scope; CSV and Excel."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils.translation import gettext as _

from motcua.agencies.models import Agency
from motcua.worktime.deadlines import VN_TZ

from .models import RECEIVED_STATES, Payment, PaymentMethod, Refund
from .services import local_day, payments_visible_to

MAX_DAYS = 366


@dataclass
class Row:
    day: date
    agency: Agency
    count: int = 0
    counter: int = 0
    online: int = 0
    other: int = 0
    refunds: int = 0
    gateways: dict = field(default_factory=lambda: defaultdict(int))

    @property
    def collected(self) -> int:
        return self.counter + self.online + self.other

    @property
    def net(self) -> int:
        return self.collected - self.refunds


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, time.min, tzinfo=VN_TZ),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=VN_TZ),
    )


def payments_in(user, start: date, end: date, agency_ids=None):
    lo, hi = _bounds(start, end)
    qs = payments_visible_to(user).filter(
        state__in=RECEIVED_STATES, paid_at__gte=lo, paid_at__lt=hi
    )
    if agency_ids:
        qs = qs.filter(agency_id__in=agency_ids)
    return qs.select_related("agency", "dossier").order_by("paid_at", "id")


def summary(user, start: date, end: date, agency_ids=None) -> list[Row]:
    rows: dict[tuple, Row] = {}
    for p in payments_in(user, start, end, agency_ids):
        key = (local_day(p.paid_at), p.agency_id)
        row = rows.setdefault(key, Row(key[0], p.agency))
        row.count += 1
        if p.method == PaymentMethod.COUNTER:
            row.counter += p.amount
        elif p.method == PaymentMethod.ONLINE:
            row.online += p.amount
            row.gateways[p.gateway] += p.amount
        else:
            row.other += p.amount
    lo, hi = _bounds(start, end)
    visible = payments_visible_to(user)
    refunds = Refund.objects.filter(
        payment__in=visible, created_at__gte=lo, created_at__lt=hi
    ).select_related("payment__agency")
    if agency_ids:
        refunds = refunds.filter(payment__agency_id__in=agency_ids)
    for r in refunds:
        key = (local_day(r.created_at), r.payment.agency_id)
        row = rows.setdefault(key, Row(key[0], r.payment.agency))
        row.refunds += r.amount
    return [rows[k] for k in sorted(rows, key=lambda k: (k[0], rows[k].agency.e_id))]


def summary_headers() -> list[str]:
    return [
        _("Ngày"),
        _("Mã đơn vị"),
        _("Đơn vị thu"),
        _("Số giao dịch"),
        _("Thu tại quầy (đồng)"),
        _("Thu trực tuyến (đồng)"),
        _("Thu khác (đồng)"),
        _("Tổng thu (đồng)"),
        _("Hoàn trả (đồng)"),
        _("Còn lại (đồng)"),
    ]


def summary_values(row: Row) -> list:
    return [
        row.day.strftime("%d/%m/%Y"),
        row.agency.e_id,
        row.agency.name,
        row.count,
        row.counter,
        row.online,
        row.other,
        row.collected,
        row.refunds,
        row.net,
    ]


def detail_headers() -> list[str]:
    return [
        _("Thời điểm"),
        _("Mã đơn vị"),
        _("Mã hồ sơ"),
        _("Người nộp"),
        _("Hình thức"),
        _("Cổng thanh toán"),
        _("Mã giao dịch"),
        _("Mã giao dịch tại cổng"),
        _("Số biên lai"),
        _("Số tiền (đồng)"),
        _("Đã hoàn (đồng)"),
        _("Trạng thái"),
    ]


def detail_values(p: Payment) -> list:
    return [
        p.paid_at.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M:%S"),
        p.agency.e_id,
        p.dossier.code or str(p.dossier.public_id),
        p.dossier.applicant_name,
        str(p.get_method_display()),
        p.gateway,
        p.order_id,
        p.gateway_txn,
        p.receipt_number,
        p.amount,
        p.refunded_amount,
        str(p.get_state_display()),
    ]


def to_csv(user, start, end, agency_ids=None, *, detail=False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    if detail:
        writer.writerow(detail_headers())
        for p in payments_in(user, start, end, agency_ids):
            writer.writerow(detail_values(p))
    else:
        writer.writerow(summary_headers())
        for row in summary(user, start, end, agency_ids):
            writer.writerow(summary_values(row))
    # A BOM so that Excel opens the UTF-8 file with its Vietnamese letters intact.
    return ("\ufeff" + out.getvalue()).encode()


def to_xlsx(user, start, end, agency_ids=None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Tổng hợp")
    sheet.append(
        [
            _("Đối soát thu phí, lệ phí từ %(start)s đến %(end)s")
            % {"start": start.strftime("%d/%m/%Y"), "end": end.strftime("%d/%m/%Y")}
        ]
    )
    sheet.append(summary_headers())
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in summary(user, start, end, agency_ids):
        sheet.append(summary_values(row))
    details = book.create_sheet(_("Chi tiết"))
    details.append(detail_headers())
    for cell in details[1]:
        cell.font = Font(bold=True)
    for p in payments_in(user, start, end, agency_ids):
        details.append(detail_values(p))
    for ws in (sheet, details):
        for column in ws.columns:
            width = max(len(str(c.value or "")) for c in column[1:] or column)
            ws.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 60)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
