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

import math
import time as _time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .codes import SECRET_ALPHABET, SECRET_LENGTH, normalize_code, normalize_secret, secrets_match
from .lifecycle import Channel, State, is_overdue
from .models import Dossier, PauseKind

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


def find(code: str, secret: str) -> Dossier | None:
    """The dossier with this code if `secret` is its tracking secret; None otherwise (wrong secret,
    unknown code, draft, or a dossier without a secret look the same)."""
    code = normalize_code(code or "")
    given = secret if isinstance(secret, str) else ""
    dossier = None
    if code and len(code) <= MAX_CODE_LENGTH and len(given) <= MAX_SECRET_LENGTH:
        dossier = (
            Dossier.objects.filter(code=code)
            .exclude(state=State.DRAFT)
            .select_related("procedure_version", "receiving_agency", "current_agency")
            .first()
        )
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


def _steps(dossier: Dossier) -> tuple[TrackedStep, ...]:
    # Officers' names, hand-over names and internal notes are left out on purpose.
    return tuple(
        TrackedStep(
            name=record.name,
            agency=record.agency.name,
            started_at=record.started_at,
            due_at=record.due_at,
            finished_at=record.finished_at,
            on_time=record.on_time,
        )
        for record in dossier.step_records.select_related("agency").order_by("started_at", "id")
    )


def _pauses(dossier: Dossier) -> tuple[TrackedPause, ...]:
    return tuple(
        TrackedPause(
            kind=pause.kind,
            label=str(PauseKind(pause.kind).label),
            started_at=pause.started_at,
            ended_at=pause.ended_at,
            items=tuple(item_texts(pause.items)),
        )
        for pause in dossier.pauses.order_by("started_at", "id")
    )


def _open_items(pauses, kind: str, dossier: Dossier, action: str) -> tuple[str, ...]:
    """Items of the open pause of `kind`; a request at reception has no pause, only its event."""
    for pause in reversed(pauses):
        if pause.kind == kind and pause.ended_at is None:
            return pause.items
    event = dossier.events.filter(action=action).order_by("-seq").first()
    if event is not None and isinstance(event.data, dict):
        return tuple(item_texts(event.data.get("items")))
    return ()


def _place(dossier: Dossier) -> str:
    agency = dossier.receiving_agency or dossier.competent_agency
    return ", ".join(part for part in (agency.name, agency.address) if part)


def next_action(dossier: Dossier, pauses: tuple[TrackedPause, ...]) -> Next:
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
        return Next(
            NextAction.PAY,
            _(
                "Thực hiện nghĩa vụ tài chính (phí, lệ phí, thuế…) theo thông báo của cơ quan "
                "giải quyết; hồ sơ được xử lý tiếp sau khi hoàn thành."
            ),
            items,
        )
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


def overdue(dossier: Dossier, now: datetime) -> bool:
    """Derived: past the due time while the clock runs. Awaiting payment counts only if its
    request did not pause the clock (paused_since is set by the services when it does)."""
    return is_overdue(
        dossier.due_at,
        now,
        dossier.state,
        payment_pauses_clock=dossier.paused_since is not None,
    )


def track(code: str, secret: str, *, now: datetime | None = None) -> TrackingView | None:
    """What the public may see of the dossier `code`, or None for a wrong secret or unknown code."""
    dossier = find(code, secret)
    if dossier is None:
        return None
    now = now or timezone.now()
    pauses = _pauses(dossier)
    return TrackingView(
        code=dossier.code,
        state=State(dossier.state),
        procedure=dossier.procedure_version.name,
        receiving_agency=dossier.receiving_agency.name if dossier.receiving_agency else "",
        current_agency=dossier.current_agency.name if dossier.current_agency else "",
        submitted_at=dossier.submitted_at,
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        decided_at=dossier.decided_at,
        returned_at=dossier.returned_at,
        overdue=overdue(dossier, now),
        paused=dossier.paused_since is not None,
        steps=_steps(dossier),
        pauses=pauses,
        next=next_action(dossier, pauses),
    )


# --- rate limit of the tracking page ----------------------------------------------------------------

_PERIODS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}


def parse_rate(rate: str) -> tuple[int, int]:
    """`"60/min"` → (60, 60): requests allowed per period of seconds."""
    count, _sep, period = rate.partition("/")
    return int(count), _PERIODS[period.strip().lower()]


def page_rate() -> tuple[int, int]:
    # Read at each request so that a settings change (or a test override) applies at once.
    return parse_rate(getattr(settings, "MOTCUA_TRACKING_PAGE_RATE", "60/min"))


def allow_lookup(client: str) -> int | None:
    """Count one tracking look-up of `client` (its IP); None if allowed, else the seconds to wait.

    A window opened by the client's first look-up, in the shared cache (Redis in production, so
    every app server counts together; `add` and `incr` are atomic there and keep the expiry).
    """
    limit, period = page_rate()
    now = _time.time()
    key = f"motcua:tracking-page:{client}"
    cache.add(f"{key}:start", now, timeout=period)
    cache.add(key, 0, timeout=period)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period)
        count = 1
    if count > limit:
        started = cache.get(f"{key}:start", now)
        return max(1, math.ceil(started + period - now))
    return None
