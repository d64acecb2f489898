"""`motcua export-catalog FILE`: export the catalog's current versions (JSON or .xlsx)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from motcua.catalog.exporting import FORMATS, export_catalog
from motcua.catalog.models import Procedure


class Command(BaseCommand):
    help = _("Xuất danh mục thủ tục (phiên bản đang áp dụng) ra tệp JSON hoặc Excel (.xlsx).")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help=_("Tệp .json hoặc .xlsx"))
        parser.add_argument(
            "--format", choices=FORMATS, help=_("Định dạng, nếu không lấy theo đuôi tệp.")
        )

    def handle(self, *args, file: Path, format: str | None, **options):
        fmt = format or file.suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            raise CommandError(
                _("Không rõ định dạng của %(file)s: dùng đuôi .json hoặc .xlsx.") % {"file": file}
            )
        procedures = Procedure.objects.exclude(current_version=None)
        file.write_bytes(export_catalog(fmt, procedures))
        self.stdout.write(
            self.style.SUCCESS(
                _("Đã xuất %(count)s thủ tục vào %(file)s.")
                % {"count": procedures.count(), "file": file}
            )
        )
