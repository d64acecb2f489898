"""`motcua signing-demo-keys`: demo CA and one PKCS#12 key per agency with a leader (idempotent)."""

from django.core.management.base import BaseCommand

from motcua.signing.demo_keys import create_demo_keys


class Command(BaseCommand):
    help = "Tạo khóa ký số trình diễn (CA trình diễn, một tệp PKCS#12 cho mỗi cơ quan)."

    def handle(self, *args, **options):
        result = create_demo_keys()
        self.stdout.write(
            self.style.SUCCESS(
                f"Khóa ký số trình diễn: {result['created']} khóa mới, trong {result['directory']}"
            )
        )
