"""`motcua import-catalog FILE [--dry-run]`: import a catalog file (JSON or .xlsx)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from motcua.catalog.services import import_catalog


class ProgressPrinter:
    """A carriage-return line on a terminal; otherwise one line per ~10% of each stage."""

    def __init__(self, stream, tty: bool):
        self.stream = stream
        self.tty = tty
        self.shown: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        labels = {
            "validate": _("Đang kiểm tra"),
            "compare": _("Đang so sánh"),
            "write": _("Đang ghi"),
        }
        label = labels.get(stage, stage)
        text = f"{label} {done}/{total}…"
        if self.tty:
            self.stream.write(f"\r{text}", ending="")
            if done == total:
                self.stream.write("")
            self.stream.flush()
            return
        step = max(1, -(-total // 10))  # ten lines per stage at most
        tenth = done // step
        if done == total or tenth > self.shown.get(stage, 0):
            self.shown[stage] = tenth
            self.stream.write(text)


class Command(BaseCommand):
    help = _("Nhập danh mục thủ tục hành chính từ tệp JSON hoặc Excel (.xlsx).")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Chỉ kiểm tra và cho biết sẽ thay đổi gì, không ghi."),
        )
        parser.add_argument("--note", default="", help=_("Nội dung thay đổi ghi vào phiên bản."))

    def handle(self, *args, file: Path, dry_run: bool, note: str, **options):
        if not file.is_file():
            raise CommandError(_("Không tìm thấy tệp %(file)s.") % {"file": file})
        tty = hasattr(self.stdout, "isatty") and self.stdout.isatty()
        report = import_catalog(
            file, dry_run=dry_run, note=note, progress=ProgressPrinter(self.stdout, tty)
        )
        for warning in report.warnings:
            self.stdout.write(_("Cảnh báo: %(message)s") % {"message": warning.message})
        if report.errors:
            for error in report.errors:
                self.stderr.write(_("Lỗi: %(message)s") % {"message": error.message})
            raise CommandError(report.summary(), returncode=1)
        self.stdout.write(self.style.SUCCESS(report.summary()))
        self.stdout.write(_("Thời gian: %(seconds).1f giây.") % {"seconds": report.seconds})
