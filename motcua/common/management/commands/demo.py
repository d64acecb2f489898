"""`motcua demo`: migrate and load the demo province, its calendar and its catalog."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from motcua import demo


class Command(BaseCommand):
    help = "Tạo cơ sở dữ liệu và nạp dữ liệu mẫu của một tỉnh (dùng cho bản trình diễn)."

    def add_arguments(self, parser):
        parser.add_argument("--no-migrate", action="store_true", help="Không chạy migrate trước.")

    def handle(self, *args, no_migrate=False, **options):
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        password = settings.MOTCUA_DEMO_PASSWORD
        summary = demo.load_demo(password)
        out = self.stdout
        out.write(self.style.SUCCESS("Đã nạp dữ liệu mẫu:"))
        for line in summary["lines"]:
            out.write(f"  {line}")
        out.write("")
        out.write(self.style.SUCCESS(f"Tài khoản trình diễn (mật khẩu: {password}):"))
        width = max(len(username) for username, _role, _agency in summary["users"])
        for username, role, agency in summary["users"]:
            out.write(f"  {username:<{width}}  {role:<18}  {agency}")
        out.write("")
        out.write(f"Trang công dân:  {settings.MOTCUA_BASE_URL}/")
        out.write(f"Trang quản trị:  {settings.MOTCUA_BASE_URL}/admin/")
        out.write(f"Tài liệu API:    {settings.MOTCUA_BASE_URL}/api/docs/")
