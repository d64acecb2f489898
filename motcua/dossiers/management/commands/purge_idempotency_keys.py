"""`motcua purge-idempotency-keys --older-than 7d`: delete the Idempotency-Key rows (API writes
and create_dossier's keys) created before the given age, and the online intake's processed
submissions (`done` or `failed`; their key is the acknowledgement) acknowledged before it.
Queued submissions are never purged. The dossiers stay; their acknowledgement's status URL
then answers 404.

A key protects against a client's retries of one request: minutes, hours at most. After the
purge, a retry with an old key runs again as a new request, so keep the age well above the
longest retry window of the clients (default 7 days). Rows go in batches (each its own short
transaction), so a large table is purged without holding locks for long; one audit entry
records the run. Meant for a daily cron job or Celery beat. `--dry-run` only counts.
"""

import re
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.common.models import record
from motcua.dossiers.models import IdempotencyKey, Submission, SubmissionState

_AGE = re.compile(r"^\s*(\d+)\s*([dhm]?)\s*$", re.IGNORECASE)
_UNITS = {"d": "days", "": "days", "h": "hours", "m": "minutes"}


def parse_age(text: str) -> timedelta:
    """`30d`, `30` (days), `12h`, `90m` → timedelta; ValueError otherwise."""
    match = _AGE.match(str(text or ""))
    if not match:
        raise ValueError(text)
    return timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})


def _delete_in_batches(model, old, batch: int) -> int:
    removed = 0
    while True:
        with transaction.atomic():
            ids = list(old.order_by("pk").values_list("pk", flat=True)[:batch])
            if not ids:
                return removed
            removed += model.objects.filter(pk__in=ids).delete()[0]


def _old_submissions(cutoff):
    return Submission.objects.filter(
        created_at__lt=cutoff, state__in=[SubmissionState.DONE, SubmissionState.FAILED]
    )


def purge(older_than: timedelta, *, batch: int = 5000, now=None) -> int:
    """Delete the keys created before now - older_than; return how many."""
    cutoff = (now or timezone.now()) - older_than
    old = IdempotencyKey.objects.filter(created_at__lt=cutoff)
    removed = _delete_in_batches(IdempotencyKey, old, batch)
    if removed:
        with transaction.atomic():
            record(
                None,
                "dossiers.purge_idempotency_keys",
                "IdempotencyKey",
                "",
                f"{removed} keys created before {cutoff.isoformat()}",
                removed=removed,
                cutoff=cutoff.isoformat(),
            )
    return removed


def purge_submissions(older_than: timedelta, *, batch: int = 5000, now=None) -> int:
    """Delete the processed submissions acknowledged before now - older_than; return how many."""
    cutoff = (now or timezone.now()) - older_than
    removed = _delete_in_batches(Submission, _old_submissions(cutoff), batch)
    if removed:
        with transaction.atomic():
            record(
                None,
                "dossiers.purge_submissions",
                "Submission",
                "",
                f"{removed} processed submissions acknowledged before {cutoff.isoformat()}",
                removed=removed,
                cutoff=cutoff.isoformat(),
            )
    return removed


class Command(BaseCommand):
    help = (
        "Delete Idempotency-Key rows and processed online submissions older than --older-than "
        "(e.g. 7d, 12h; default 7d)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", default="7d", help="age: N (days), Nd, Nh or Nm")
        parser.add_argument("--batch", type=int, default=5000)
        parser.add_argument("--dry-run", action="store_true", help="count only")

    def handle(self, *args, older_than, batch, dry_run, **options):
        try:
            age = parse_age(older_than)
        except ValueError:
            raise CommandError(
                _("--older-than phải có dạng N, Nd, Nh hoặc Nm (ví dụ 7d).")
            ) from None
        if age <= timedelta(0):
            raise CommandError(_("--older-than phải lớn hơn 0."))
        if batch < 1:
            raise CommandError(_("--batch phải lớn hơn 0."))
        if dry_run:
            cutoff = timezone.now() - age
            count = IdempotencyKey.objects.filter(created_at__lt=cutoff).count()
            self.stdout.write(_("Sẽ xóa %(count)s khóa chống gửi trùng.") % {"count": count})
            count = _old_submissions(cutoff).count()
            self.stdout.write(
                _("Sẽ xóa %(count)s hồ sơ nộp trực tuyến đã xử lý.") % {"count": count}
            )
            return
        removed = purge(age, batch=batch)
        self.stdout.write(_("Đã xóa %(count)s khóa chống gửi trùng.") % {"count": removed})
        removed = purge_submissions(age, batch=batch)
        self.stdout.write(_("Đã xóa %(count)s hồ sơ nộp trực tuyến đã xử lý.") % {"count": removed})
