"""`motcua notifications-due-soon`: remind applicants whose result is due within a working day."""

from django.core.management.base import BaseCommand

from motcua.notifications import services


class Command(BaseCommand):
    help = "Nhắc người nộp hồ sơ sắp đến hẹn trả kết quả (trong một ngày làm việc)."

    def handle(self, *args, **options):
        self.stdout.write(f"{services.send_due_soon()}")
