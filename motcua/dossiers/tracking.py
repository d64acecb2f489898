"""Public tracking of a dossier by its code and secret (the receipt's QR code opens it).

`track(code, secret)` is the one read behind the tracking page and API. A wrong secret and an
unknown code give the same answer (None), after a constant-time comparison in both cases, so a
look-up never tells whether a code exists. What the public sees: the status (with the national
code), the due time and whether it is overdue (derived, never stored), the steps with their
agencies and times — never the officers' names or notes — the pauses, and what the applicant
must do next. Look-ups are rate-limited per client (`allow_lookup`): the 49.5-bit secret resists
guessing only with a limit on attempts.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.common import ratelimit

from .codes import SECRET_ALPHABET, SECRET_LENGTH, normalize_code, normalize_secret, secrets_match
from .lifecycle import Channel, State, is_overdue
from .models import Dossier, Event, Pause, PauseKind, StepRecord

# Longer input is no code of ours (the column holds 64 characters): refuse it before the query.
MAX_CODE_LENGTH = 64
MAX_SECRET_LENGTH = 32
# Compared against when the code is unknown, so both paths do the same work.
_DECOY_SECRET = SECRET_ALPHABET[:SECRET_LENGTH]


class NextAction(TextChoices):
    SUPPLEMENT = "supplement", gettext_lazy("Bổ sung hồ sơ")
    PAY = "pay", gettext_lazy("Thực hiện nghĩa vụ tài chính")
    COLLECT = "collect", gettext_lazy("Nhận kết quả")
    NONE = "none", gettext_lazy("Không cần thực hiện thêm")


@dataclass(frozen=True)
class TrackedStep:
    name: str
    agency: str
    started_at: datetime
    due_at: datetime
    finished_at: datetime | None
    on_time: bool | None  # None while the step is open


@dataclass(frozen=True)
class TrackedPause:
    kind: str
    label: str
    started_at: datetime
    ended_at: datetime | None
    items: tuple[str, ...]


@dataclass(frozen=True)
class Next:
    action: NextAction
    detail: str
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrackingView:
    code: str
    state: State
    procedure: str
    receiving_agency: str
    current_agency: str
    submitted_at: datetime | None
    received_at: datetime | None
    due_at: datetime | None
    decided_at: datetime | None
    returned_at: datetime | None
    overdue: bool
    paused: bool
    steps: tuple[TrackedStep, ...]
    pauses: tuple[TrackedPause, ...]
    next: Next

    @property
    def status_name(self) -> str:
        return str(self.state.label)

    @property
    def national_code(self) -> int | None:
        return self.state.national_code


class _Place:
    """An agency's name and address, as read with the dossier (no model instance)."""

    __slots__ = ("name", "address")

    def __init__(self, name: str, address: str):
        self.name, self.address = name, address


class _Tracked:
    """The columns of a dossier the tracking read needs, read with one query (values_list):
    what next_action, overdue and the view use of a Dossier, under the same names."""

    __slots__ = (
        "id",
        "code",
        "tracking_secret",
        "state",
        "channel",
        "submitted_at",
        "received_at",
        "due_at",
        "decided_at",
        "returned_at",
        "paused_since",
        "procedure_name",
        "receiving_agency",
        "current_agency_name",
        "competent_agency",
    )

    def __init__(self, row):
        (
            self.id,
            self.code,
            self.tracking_secret,
            self.state,
            self.channel,
            self.submitted_at,
            self.received_at,
            self.due_at,
            self.decided_at,
            self.returned_at,
            self.paused_since,
            self.procedure_name,
            receiving_name,
            receiving_address,
            self.current_agency_name,
            competent_name,
            competent_address,
        ) = row
        self.receiving_agency = (
            _Place(receiving_name, receiving_address or "") if receiving_name is not None else None
        )
        self.competent_agency = _Place(competent_name, competent_address or "")


_TRACKED_COLUMNS = (
    "id",
    "code",
    "tracking_secret",
    "state",
    "channel",
    "submitted_at",
    "received_at",
    "due_at",
    "decided_at",
    "returned_at",
    "paused_since",
    "procedure_version__name",
    "receiving_agency__name",
    "receiving_agency__address",
    "current_agency__name",
    "competent_agency__name",
    "competent_agency__address",
)


class _Prepared:
    """A values_list query compiled once per database connection and run with new parameters.

    The ORM builds the SQL of a query each time it runs (most of a look-up's cost: the tracking
    read is three small indexed queries); here the queryset is built once with placeholder
    values, its SQL and column converters kept on the connection wrapper (one per thread), and
    each call runs that SQL through the connection's cursor (counted, logged and wrapped like any
    query) with its parameters in the same order, converting the rows as the ORM does."""

    def __init__(self, name: str, build, placeholders: tuple):
        self.name, self.build, self.placeholders = name, build, placeholders

    def _compiled(self, connection):
        cache_ = connection.__dict__.setdefault("_motcua_prepared", {})
        compiled = cache_.get(self.name)
        if compiled is None:
            compiler = self.build().query.get_compiler(connection=connection)
            sql, params = compiler.as_sql()
            # The placeholder values must come back in order: they map to our parameters.
            if tuple(params) != self.placeholders:  # pragma: no cover - guards a Django change
                raise RuntimeError(f"unexpected parameters for {self.name}: {params!r}")
            fields = [column[0] for column in compiler.select[: compiler.col_count]]
            compiled = cache_[self.name] = (sql, compiler, compiler.get_converters(fields))
        return compiled

    def rows(self, *params) -> list[tuple]:
        connection = connections[DEFAULT_DB_ALIAS]
        sql, compiler, converters = self._compiled(connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = [tuple(row) for row in compiler.apply_converters(rows, converters)]
        return rows


_DOSSIER = _Prepared(
    "tracking-dossier",
    lambda: (
        Dossier.objects.filter(code="?")
        .exclude(state=State.DRAFT)
        .order_by()
        .values_list(*_TRACKED_COLUMNS)[:1]
    ),
    ("?", State.DRAFT.value),
)
_STEPS = _Prepared(
    "tracking-steps",
    lambda: (
        StepRecord.objects.filter(dossier_id=0)
        .order_by("started_at", "id")
        .values_list("name", "agency__name", "started_at", "due_at", "finished_at")
    ),
    (0,),
)
_PAUSES = _Prepared(
    "tracking-pauses",
    lambda: (
        Pause.objects.filter(dossier_id=0)
        .order_by("started_at", "id")
        .values_list("kind", "started_at", "ended_at", "items")
    ),
    (0,),
)


# PostgreSQL: the whole look-up in one round trip. The dossier with the names of its version and
# agencies and, only when the given secret is the stored one, its steps and pauses aggregated as
# JSON text (times as ISO 8601). The gate keeps a wrong secret as cheap as an unknown code; the
# decision is still the constant-time comparison in Python (`_read`).
_ONE_QUERY_SQL = """
SELECT d.id, d.code, d.tracking_secret, d.state, d.channel, d.submitted_at, d.received_at,
       d.due_at, d.decided_at, d.returned_at, d.paused_since, v.name,
       r.name, r.address, c.name, k.name, k.address,
       CASE WHEN d.tracking_secret = %s THEN (
         SELECT coalesce(json_agg(json_build_array(s.name, a.name, s.started_at, s.due_at,
                                                   s.finished_at) ORDER BY s.started_at, s.id),
                         '[]')::text
         FROM dossiers_steprecord s JOIN agencies_agency a ON a.id = s.agency_id
         WHERE s.dossier_id = d.id) END,
       CASE WHEN d.tracking_secret = %s THEN (
         SELECT coalesce(json_agg(json_build_array(p.kind, p.started_at, p.ended_at, p.items)
                                  ORDER BY p.started_at, p.id), '[]')::text
         FROM dossiers_pause p WHERE p.dossier_id = d.id) END
FROM dossiers_dossier d
JOIN catalog_procedureversion v ON v.id = d.procedure_version_id
LEFT JOIN agencies_agency r ON r.id = d.receiving_agency_id
LEFT JOIN agencies_agency c ON c.id = d.current_agency_id
JOIN agencies_agency k ON k.id = d.competent_agency_id
WHERE d.code = %s AND d.state <> %s
LIMIT 1
"""


@contextmanager
def _cursor(connection):
    """A cursor for the look-up. By default one that binds parameters on the server and has
    psycopg prepare the statement once per connection: planning this query costs about four
    times as much as running it (docs/benchmarks.md). Django turns psycopg's preparation off for
    its connections (poolers) and binds on the client: the threshold is lowered for this one
    statement only and put back. The cursor still goes through Django's wrapper (counted,
    logged, execute wrappers). MOTCUA_TRACKING_PREPARED = False turns it off (e.g. behind a
    pooler in transaction mode that does not carry prepared statements)."""
    if (
        connection.vendor != "postgresql"
        or connection.Database.__name__ != "psycopg"  # psycopg 2 has no prepared statements
        or not getattr(settings, "MOTCUA_TRACKING_PREPARED", True)
    ):
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg

    connection.ensure_connection()
    pg = connection.connection
    raw = psycopg.Cursor(pg)
    logged = connection.queries_logged
    cursor = connection.make_debug_cursor(raw) if logged else connection.make_cursor(raw)
    threshold = pg.prepare_threshold
    pg.prepare_threshold = 0
    try:
        with cursor:
            yield cursor
    finally:
        pg.prepare_threshold = threshold


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _read(code: str, secret: str):
    """(dossier, steps, pauses) if `secret` opens the dossier `code`, else None: one query on
    PostgreSQL, three elsewhere (`find`, `_steps`, `_pauses`)."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        dossier = find(code, secret)
        if dossier is None:
            return None
        return dossier, _steps(dossier.id), _pauses(dossier.id)
    code = normalize_code(code or "")
    given = secret if isinstance(secret, str) else ""
    row = None
    if code and len(code) <= MAX_CODE_LENGTH and len(given) <= MAX_SECRET_LENGTH:
        gate = normalize_secret(given)
        with _cursor(connection) as cursor:
            cursor.execute(_ONE_QUERY_SQL, (gate, gate, code, State.DRAFT.value))
            row = cursor.fetchone()
    expected = row[2] if row is not None else ""
    matched = secrets_match(expected or _DECOY_SECRET, given)
    if row is None or not expected or not normalize_secret(given) or not matched:
        return None
    dossier = _Tracked(row[:17])
    steps_json, pauses_json = row[17], row[18]
    if steps_json is None or pauses_json is None:
        # A stored secret not in normal form (typed in by hand): the gate did not open.
        return dossier, _steps(dossier.id), _pauses(dossier.id)
    steps = tuple(
        TrackedStep(
            name=name,
            agency=agency,
            started_at=_time(started_at),
            due_at=_time(due_at),
            finished_at=_time(finished_at),
            on_time=None if finished_at is None else _time(finished_at) <= _time(due_at),
        )
        for name, agency, started_at, due_at, finished_at in json.loads(steps_json)
    )
    pauses = tuple(
        TrackedPause(
            kind=kind,
            label=_pause_label(kind),
            started_at=_time(started_at),
            ended_at=_time(ended_at),
            items=tuple(item_texts(items)),
        )
        for kind, started_at, ended_at, items in json.loads(pauses_json)
    )
    return dossier, steps, pauses


def find(code: str, secret: str) -> _Tracked | None:
    """The dossier with this code if `secret` is its tracking secret; None otherwise (wrong secret,
    unknown code, draft, or a dossier without a secret look the same). One query: the needed
    columns of the dossier with the names of its procedure version and agencies."""
    code = normalize_code(code or "")
    given = secret if isinstance(secret, str) else ""
    dossier = None
    if code and len(code) <= MAX_CODE_LENGTH and len(given) <= MAX_SECRET_LENGTH:
        # `code` is unique: no ordering needed (`.first()` would add one).
        rows = _DOSSIER.rows(code, State.DRAFT.value)
        dossier = _Tracked(rows[0]) if rows else None
    expected = dossier.tracking_secret if dossier is not None else ""
    # Always one comparison: with the decoy when there is nothing real to compare against.
    matched = secrets_match(expected or _DECOY_SECRET, given)
    if dossier is None or not expected or not normalize_secret(given) or not matched:
        return None
    return dossier


def item_texts(items) -> list[str]:
    """Request items (Pause.items, event data) as text. Supplement items are strings; payment
    lines are {"name", "amount"} (VND), shown as "Lệ phí: 200.000 đồng"."""
    texts = []
    for item in items or []:
        if isinstance(item, dict):
            name = str(item.get("name") or item.get("text") or "").strip()
            amount = item.get("amount")
            if name and isinstance(amount, int) and not isinstance(amount, bool):
                name = _("%(name)s: %(amount)s đồng") % {
                    "name": name,
                    "amount": f"{amount:,}".replace(",", "."),
                }
            item = name
        if str(item).strip():
            texts.append(str(item).strip())
    return texts


def _steps(dossier_id: int) -> tuple[TrackedStep, ...]:
    # Officers' names, hand-over names and internal notes are left out on purpose.
    rows = _STEPS.rows(dossier_id)
    return tuple(
        TrackedStep(
            name=name,
            agency=agency,
            started_at=started_at,
            due_at=due_at,
            finished_at=finished_at,
            # StepRecord.on_time
            on_time=None if finished_at is None else finished_at <= due_at,
        )
        for name, agency, started_at, due_at, finished_at in rows
    )


def _pauses(dossier_id: int) -> tuple[TrackedPause, ...]:
    rows = _PAUSES.rows(dossier_id)
    return tuple(
        TrackedPause(
            kind=kind,
            label=_pause_label(kind),
            started_at=started_at,
            ended_at=ended_at,
            items=tuple(item_texts(items)),
        )
        for kind, started_at, ended_at, items in rows
    )


def _pause_label(kind: str) -> str:
    return str(PauseKind(kind).label)


def _open_items(pauses, kind: str, dossier, action: str) -> tuple[str, ...]:
    """Items of the open pause of `kind`; a request at reception has no pause, only its event."""
    for pause in reversed(pauses):
        if pause.kind == kind and pause.ended_at is None:
            return pause.items
    data = (
        Event.objects.filter(dossier_id=dossier.id, action=action)
        .order_by("-seq")
        .values_list("data", flat=True)[:1]
    )
    data = next(iter(data), None)
    if isinstance(data, dict):
        return tuple(item_texts(data.get("items")))
    return ()


def _place(dossier) -> str:
    agency = dossier.receiving_agency or dossier.competent_agency
    return ", ".join(part for part in (agency.name, agency.address) if part)


def next_action(dossier, pauses: tuple[TrackedPause, ...]) -> Next:
    """What the applicant must do now: supplement, pay, collect the result — or nothing."""
    state = State(dossier.state)
    if state == State.SUPPLEMENTING:
        items = _open_items(pauses, PauseKind.SUPPLEMENT, dossier, "request_supplement")
        return Next(
            NextAction.SUPPLEMENT,
            _(
                "Bổ sung, hoàn thiện hồ sơ theo các nội dung dưới đây, nộp tại %(place)s "
                "hoặc theo cách đã nộp hồ sơ. Thời gian giải quyết tạm dừng đến khi nhận đủ."
            )
            % {"place": _place(dossier)},
            items,
        )
    if state == State.AWAITING_PAYMENT:
        items = _open_items(pauses, PauseKind.PAYMENT, dossier, "request_payment")
        if dossier.decided_at is not None:  # asked after the decision, before delivery
            detail = _(
                "Hồ sơ đã có kết quả. Thực hiện nghĩa vụ tài chính (phí, lệ phí, thuế…) theo "
                "thông báo của cơ quan giải quyết; kết quả được trả sau khi hoàn thành."
            )
        else:
            detail = _(
                "Thực hiện nghĩa vụ tài chính (phí, lệ phí, thuế…) theo thông báo của cơ quan "
                "giải quyết; hồ sơ được xử lý tiếp sau khi hoàn thành."
            )
        return Next(NextAction.PAY, detail, items)
    if state == State.DECIDED:
        if dossier.channel == Channel.ONLINE:
            detail = _(
                "Hồ sơ đã có kết quả. Nhận kết quả trực tuyến trên tài khoản dịch vụ công, "
                "hoặc tại %(place)s."
            )
        else:
            detail = _("Hồ sơ đã có kết quả. Mời Ông/Bà/Tổ chức nhận kết quả tại %(place)s.")
        return Next(NextAction.COLLECT, detail % {"place": _place(dossier)})
    return Next(NextAction.NONE, "")


def overdue(dossier, now: datetime) -> bool:
    """Derived: past the due time while the clock runs. Awaiting payment counts only if its
    request did not pause the clock (paused_since is set by the services when it does); once
    decided (even awaiting the fees due before delivery) the clock has stopped."""
    if dossier.decided_at is not None:
        return False
    return is_overdue(
        dossier.due_at,
        now,
        dossier.state,
        payment_pauses_clock=dossier.paused_since is not None,
    )


def track(code: str, secret: str, *, now: datetime | None = None) -> TrackingView | None:
    """What the public may see of the dossier `code`, or None for a wrong secret or unknown code."""
    found = _read(code, secret)
    if found is None:
        return None
    dossier, steps, pauses = found
    now = now or timezone.now()
    return TrackingView(
        code=dossier.code,
        state=State(dossier.state),
        procedure=dossier.procedure_name,
        receiving_agency=dossier.receiving_agency.name if dossier.receiving_agency else "",
        current_agency=dossier.current_agency_name or "",
        submitted_at=dossier.submitted_at,
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        decided_at=dossier.decided_at,
        returned_at=dossier.returned_at,
        overdue=overdue(dossier, now),
        paused=dossier.paused_since is not None,
        steps=steps,
        pauses=pauses,
        next=next_action(dossier, pauses),
    )


# --- rate limit of the tracking page ----------------------------------------------------------------


def allow_lookup(client: str) -> int | None:
    """Count one tracking look-up of `client` (its IP); None if allowed, else the seconds to wait.
    The rate is read at each request so that a settings change (or a test override) applies."""
    rate = getattr(settings, "MOTCUA_TRACKING_PAGE_RATE", "60/min")
    return ratelimit.hit("tracking-page", client, rate)
