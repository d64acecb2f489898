"""`motcua load-units`: load the 34 provinces and 3,321 communes from vietnam-provinces."""

import time

from django.core.management.base import BaseCommand
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from motcua.agencies.services import load_units


class Command(BaseCommand):
    help = "Nạp danh mục đơn vị hành chính (34 tỉnh, thành phố; 3.321 xã, phường, đặc khu)."

    def handle(self, *args, **options):
        started = time.monotonic()
        counts = load_units()
        self.stdout.write(
            _(
                "Đơn vị hành chính: %(provinces)s tỉnh, thành phố; %(communes)s xã, phường, đặc khu "
                "(thêm mới %(created)s, cập nhật %(updated)s, hết hiệu lực %(retired)s) "
                "trong %(seconds)s giây."
            )
            % {
                **{key: number_format(value, force_grouping=True) for key, value in counts.items()},
                "seconds": number_format(time.monotonic() - started, 2),
            }
        )
