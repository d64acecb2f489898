"""`motcua seed-calendar --years 2024-2027`: fill the calendar table (idempotent)."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from motcua.worktime.deadlines import VN_TZ
from motcua.worktime.services import parse_years, seed_calendar


class Command(BaseCommand):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Set at run time: argparse cannot format lazy strings.
        self.help = _(
            "Nạp lịch ngày nghỉ, ngày làm bù từ gói holidays và lịch nghỉ chính thức; "
            "không ghi đè các ngày quản trị viên đã sửa hoặc đã xóa."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--years",
            help=_("Các năm, ví dụ 2024-2027 hoặc 2025,2026 (mặc định: năm nay và năm sau)."),
        )

    def handle(self, *args, years=None, **options):
        if years:
            try:
                year_list = parse_years(years)
            except ValueError as exc:
                raise CommandError(
                    _("Tham số --years không hợp lệ: %(error)s") % {"error": exc}
                ) from exc
        else:
            this_year = datetime.now(VN_TZ).year
            year_list = [this_year, this_year + 1]
        try:
            report = seed_calendar(year_list)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _(
                "Lịch các năm %(years)s: thêm %(created)d, cập nhật %(updated)d, giữ nguyên "
                "%(unchanged)d, bỏ %(removed)d; giữ %(admin)d ngày do quản trị viên sửa, "
                "%(deleted)d ngày đã bị xóa."
            )
            % {
                "years": ", ".join(str(y) for y in report.years),
                "created": len(report.created),
                "updated": len(report.updated),
                "unchanged": len(report.unchanged),
                "removed": len(report.removed),
                "admin": len(report.kept_admin),
                "deleted": len(report.kept_deleted),
            }
        )
