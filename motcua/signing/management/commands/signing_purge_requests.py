"""`motcua signing-purge-requests`: expire old external signing requests (run periodically)."""

from django.core.management.base import BaseCommand

from motcua.signing.services import purge_expired_requests


class Command(BaseCommand):
    help = "Đánh dấu hết hạn các yêu cầu ký bằng thiết bị quá thời hạn và xóa tài liệu tạm."

    def handle(self, *args, **options):
        count = purge_expired_requests()
        self.stdout.write(self.style.SUCCESS(f"Đã đánh dấu hết hạn {count} yêu cầu ký."))
