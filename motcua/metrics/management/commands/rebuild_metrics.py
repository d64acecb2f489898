"""`motcua rebuild-metrics [--from YYYY-MM-DD] [--to YYYY-MM-DD]`: recompute the daily roll-ups
from the event log (all days by default). Safe to run at any time: one transaction per run."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from motcua.metrics.rebuild import rebuild


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"invalid date {value!r}: use YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "Rebuild the metrics daily roll-ups from the dossier events."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", type=_date, help="first local day (YYYY-MM-DD)")
        parser.add_argument("--to", dest="end", type=_date, help="last local day (YYYY-MM-DD)")

    def handle(self, *args, start=None, end=None, **options):
        if start and end and end < start:
            raise CommandError("--to is before --from")
        rows = rebuild(start, end)
        self.stdout.write(f"{rows} roll-up rows written")
