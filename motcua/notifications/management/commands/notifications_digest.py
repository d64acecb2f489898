"""`motcua notifications-digest`: the officers' daily digest (once per officer per day)."""

from django.core.management.base import BaseCommand

from motcua.notifications import services


class Command(BaseCommand):
    help = "Gửi cán bộ thư tổng hợp hồ sơ đến hạn trong một ngày làm việc và hồ sơ quá hạn."

    def handle(self, *args, **options):
        self.stdout.write(f"{services.send_digests()}")
