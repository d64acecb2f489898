"""`motcua notifications-flush`: queue every due outbox message (cron without beat)."""

from django.core.management.base import BaseCommand

from motcua.notifications import services


class Command(BaseCommand):
    help = "Gửi lại các thông báo đến lượt: chờ gửi quá lâu, lỗi đã hết thời gian chờ, bị bỏ dở."

    def add_arguments(self, parser):
        parser.add_argument(
            "--grace",
            type=int,
            default=None,
            help="Seconds a pending message is left to its own task (default: the setting).",
        )

    def handle(self, *args, grace=None, **options):
        count = services.flush(grace=grace)
        self.stdout.write(f"{count}")
