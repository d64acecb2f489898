"""Write the reconciliation report (per day and per collecting agency) as CSV or Excel.

    motcua payments_reconciliation --from 2025-10-01 --to 2025-10-31 --agency H22.40 \
        --format xlsx --output doi-soat.xlsx

Runs with a superuser's view of the data (every agency) unless --agency narrows it.
"""

from datetime import date, timedelta
from pathlib import Path

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from motcua.agencies.models import Agency
from motcua.payments import reports
from motcua.worktime.deadlines import VN_TZ


class _Everyone(AnonymousUser):
    """A stand-in superuser for the command line (the operator has shell access anyway)."""

    is_active = True
    is_superuser = True

    @property
    def is_authenticated(self):
        return True


class Command(BaseCommand):
    help = "Báo cáo đối soát thu phí, lệ phí theo ngày và đơn vị thu (CSV hoặc Excel)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", help="YYYY-MM-DD (mặc định: hôm qua)")
        parser.add_argument("--to", dest="end", help="YYYY-MM-DD (mặc định: bằng --from)")
        parser.add_argument("--agency", action="append", default=[], help="mã định danh đơn vị")
        parser.add_argument("--format", choices=["csv", "csv-detail", "xlsx"], default="csv")
        parser.add_argument("--output", help="tệp ra (mặc định: in ra màn hình, chỉ CSV)")

    def handle(self, *args, **opts):
        try:
            yesterday = timezone.now().astimezone(VN_TZ).date() - timedelta(days=1)
            start = date.fromisoformat(opts["start"]) if opts["start"] else yesterday
            end = date.fromisoformat(opts["end"]) if opts["end"] else start
        except ValueError as exc:
            raise CommandError(f"ngày không hợp lệ: {exc}") from None
        if end < start or (end - start).days >= reports.MAX_DAYS:
            raise CommandError("khoảng thời gian không hợp lệ")
        ids = []
        for e_id in opts["agency"]:
            agency = Agency.objects.filter(e_id=e_id.strip().upper()).first()
            if agency is None:
                raise CommandError(f"không có đơn vị {e_id}")
            ids.append(agency.pk)
        user = _Everyone()
        if opts["format"] == "xlsx":
            if not opts["output"]:
                raise CommandError("--output là bắt buộc với định dạng xlsx")
            data = reports.to_xlsx(user, start, end, ids)
        else:
            data = reports.to_csv(user, start, end, ids, detail=opts["format"] == "csv-detail")
        if opts["output"]:
            Path(opts["output"]).write_bytes(data)
            self.stdout.write(f"{opts['output']}: {len(data)} bytes")
        else:
            self.stdout.write(data.decode("utf-8-sig"), ending="")
