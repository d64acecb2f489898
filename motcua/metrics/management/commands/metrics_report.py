"""`motcua metrics-report --period 2026-11 --format xlsx --output bao-cao.xlsx [--agency H22.13]`:
the periodic report (month "2026-11", quarter "2026-Q4" or year "2026") as Excel or PDF, for the
whole province or one agency and the agencies below it — the same file as the dashboard's
"Tải báo cáo" links."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from motcua.agencies.selectors import agency_by_e_id, descendant_ids
from motcua.documents.pdf import render_pdf
from motcua.metrics import dashboard_data, exports
from motcua.metrics.views import unit_name


class Command(BaseCommand):
    help = "Write the periodic report (month, quarter or year) as Excel or PDF."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="2026-11, 2026-Q4 or 2026")
        parser.add_argument("--format", dest="fmt", choices=("xlsx", "pdf"), default="xlsx")
        parser.add_argument("--output", help="file to write (default: bao-cao-tthc-….<format>)")
        parser.add_argument("--agency", help="electronic ID of the reporting agency (default: all)")

    def handle(self, *args, period, fmt, output=None, agency=None, **options):
        try:
            start, end, _kind = dashboard_data.parse_period(period)
        except dashboard_data.BadPeriod:
            raise CommandError(f"invalid period {period!r}: use 2026-11, 2026-Q4 or 2026") from None
        chosen = None
        agencies = None
        if agency:
            chosen = agency_by_e_id(agency)
            if chosen is None:
                raise CommandError(f"unknown agency {agency!r}")
            agencies = descendant_ids([chosen.pk])
        now = timezone.now()
        f = exports.Filters(start, end, agencies, chosen, now=now)
        data = exports.report_data(
            start, end, agencies=agencies, unit_name=unit_name(None, f), now=now
        )
        content = (
            exports.report_xlsx(data)
            if fmt == "xlsx"
            else render_pdf("metrics/report_pdf.html", data)
        )
        path = Path(output or exports.report_filename(start, end, fmt))
        path.write_bytes(content)
        self.stdout.write(f"{path} ({len(content)} bytes): {data['period']}")
