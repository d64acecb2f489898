"""Expire pending online orders past their time (run every few minutes from cron)."""

from django.core.management.base import BaseCommand

from motcua.payments.services import expire_pending


class Command(BaseCommand):
    help = "Đánh dấu hết hạn các giao dịch trực tuyến quá thời gian chờ thanh toán."

    def handle(self, *args, **opts):
        self.stdout.write(f"{expire_pending()}")
