"""`motcua verify-events`: check every dossier's hash-chained event log.

Streams the events of all dossiers in one ordered pass (a server-side cursor on PostgreSQL,
chunks elsewhere), next to a stream of the dossiers, so memory stays flat whatever the size.
For each dossier it reports the first problem: a broken link of the chain (chain
.first_broken_link: a missing or reordered event, a changed prev_hash, content that no longer
matches its hash), a submitted dossier without events, or a dossier whose state differs from the
state its last event led to (a state changed outside the services). Exits 1 if any is found.
"""

from itertools import groupby

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from motcua.dossiers.chain import first_broken_link
from motcua.dossiers.lifecycle import State
from motcua.dossiers.models import Dossier, Event

# Only what the chain covers, plus the keys to group and report.
EVENT_FIELDS = (
    "dossier_id",
    "seq",
    "at",
    "action",
    "actor_id",
    "role",
    "agency_id",
    "from_state",
    "to_state",
    "from_step",
    "to_step",
    "note",
    "data",
    "prev_hash",
    "hash",
)


def problems(chunk_size: int = 2000, dossiers=None):
    """Yield (dossier code or id, seq or None, reason) for each dossier with a problem."""
    dossier_rows = (dossiers if dossiers is not None else Dossier.objects.all()).order_by("pk")
    events = Event.objects.order_by("dossier_id", "seq").only(*EVENT_FIELDS)
    if dossiers is not None:
        events = events.filter(dossier__in=dossier_rows)
    event_groups = groupby(events.iterator(chunk_size=chunk_size), key=lambda e: e.dossier_id)
    current = next(event_groups, None)
    for pk, code, public_id, state in dossier_rows.values_list(
        "pk", "code", "public_id", "state"
    ).iterator(chunk_size=chunk_size):
        label = code or str(public_id)
        # Both streams are ordered by dossier id: skip events of dossiers not listed.
        while current is not None and current[0] < pk:
            current = next(event_groups, None)
        if current is None or current[0] != pk:
            if state != State.DRAFT:
                yield label, None, _("hồ sơ không có sự kiện nào")
            continue
        last = None

        def walk(group):
            nonlocal last
            for event in group:
                last = event
                yield event

        broken = first_broken_link(walk(current[1]))
        current = next(event_groups, None)
        if broken is not None:
            yield label, broken[0], broken[1]
        elif last is not None and last.to_state != state:
            yield (
                label,
                last.seq,
                _("trạng thái hồ sơ «%(state)s» khác trạng thái sau sự kiện cuối «%(last)s»")
                % {"state": state, "last": last.to_state},
            )


class Command(BaseCommand):
    help = "Kiểm tra chuỗi băm nhật ký sự kiện của mọi hồ sơ; thoát với mã 1 nếu có sai lệch."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=2000)
        parser.add_argument("--code", action="append", help="Chỉ kiểm tra hồ sơ có mã này.")

    def handle(self, *args, chunk_size, code, **options):
        dossiers = Dossier.objects.filter(code__in=code) if code else None
        checked = (dossiers if dossiers is not None else Dossier.objects).count()
        found = 0
        for label, seq, reason in problems(chunk_size, dossiers):
            found += 1
            where = _("sự kiện %(seq)s") % {"seq": seq} if seq is not None else "-"
            self.stdout.write(f"{label}\t{where}\t{reason}")
        if found:
            raise CommandError(
                _("%(found)s/%(checked)s hồ sơ có nhật ký sự kiện bị sai lệch.")
                % {"found": found, "checked": checked},
                returncode=1,
            )
        self.stdout.write(
            _("Đã kiểm tra %(checked)s hồ sơ: nhật ký sự kiện toàn vẹn.") % {"checked": checked}
        )
