"""The dossier lifecycle (domain.md §3, §4): states, actions, who may act, guards and effects.

Pure: no ORM, no I/O. The caller (dossiers.services) builds a `DossierFacts` snapshot from the
database, asks `check`/`allowed_actions`, and on `apply` gets a `Transition` that says what to
record (new state, step, effects such as pausing the clock or issuing form 02). The facts also
carry what only the caller can know about the acting person (is the officer of the current step,
belongs to the step's agency) and the working time left before the due time, computed with
worktime.deadlines.working_time_between, so that this module needs no calendar.

Decisions (see docs/lifecycle.md):
- `accept` goes straight to `processing` and reports `received` in passing (`Transition.via`):
  the clock starts at acceptance and the first step of the internal process owns the dossier at
  once, so a resting `received` state would need an action the vocabulary does not have.
- A counter (or postal) dossier is `draft` with channel counter/postal until the receptionist
  accepts or refuses it; online drafts are submitted by the applicant first.
- The reception stage (draft, submitted, or supplementing after a request at reception) and the
  processing stage are told apart by `previous_state`: `refuse` belongs to the first, `stop` to
  the second, and each stage admits one supplement request.
- Fees are asked for during processing (by the step officer; the clock pauses by default) or
  after the decision, before the result is handed over (by a receptionist who may deliver it).
  Both wait in `awaiting_payment` (national status 6) and `pay` returns to `previous_state`.
  After the decision the clock has stopped for good: waiting for the payment there neither
  pauses nor moves the due time, and is never overdue (`after_decision`).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from django.db.models import TextChoices
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .regimes import FormKind, Regime, has_form, local_date, regime_for

# --- vocabulary -----------------------------------------------------------------------------------


class State(TextChoices):
    DRAFT = "draft", _("Chưa nộp")
    SUBMITTED = "submitted", _("Chờ tiếp nhận")
    RECEIVED = "received", _("Đã tiếp nhận")
    REFUSED = "refused", _("Từ chối tiếp nhận")
    PROCESSING = "processing", _("Đang xử lý")
    SUPPLEMENTING = "supplementing", _("Chờ bổ sung hồ sơ")
    AWAITING_PAYMENT = "awaiting_payment", _("Chờ thực hiện nghĩa vụ tài chính")
    WITHDRAWN = "withdrawn", _("Đã rút hồ sơ")
    STOPPED = "stopped", _("Dừng giải quyết")
    DECIDED = "decided", _("Đã giải quyết xong")
    RETURNED = "returned", _("Đã trả kết quả")

    @property
    def national_code(self) -> int | None:
        """The status code exchanged with DVCQG (draft has none)."""
        return NATIONAL_CODES.get(self)

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATES


NATIONAL_CODES: dict[State, int] = {
    State.SUBMITTED: 1,
    State.RECEIVED: 2,
    State.REFUSED: 3,
    State.PROCESSING: 4,
    State.SUPPLEMENTING: 5,
    State.AWAITING_PAYMENT: 6,
    State.WITHDRAWN: 7,
    State.STOPPED: 8,
    State.DECIDED: 9,
    State.RETURNED: 10,
}
FINAL_STATES = frozenset({State.REFUSED, State.WITHDRAWN, State.STOPPED, State.RETURNED})
# `received` is recorded in passing by `accept`, never rested in (module docstring).
TRANSIENT_STATES = frozenset({State.RECEIVED})
# Open: submitted and not yet decided (what an applicant may still withdraw). Awaiting payment
# is open only when asked during processing (see `after_decision`).
OPEN_STATES = frozenset(
    {State.SUBMITTED, State.PROCESSING, State.SUPPLEMENTING, State.AWAITING_PAYMENT}
)
# Where `pay` returns to: the fees are asked during processing or after the decision.
PAYMENT_RETURNS = frozenset({State.PROCESSING, State.DECIDED})


def after_decision(state: str, previous_state: str | None = None) -> bool:
    """Decided, or awaiting the fees due before the result is handed over (asked after the
    decision). Final states after a decision (returned) are not counted here."""
    state = State(state)
    return state == State.DECIDED or (
        state == State.AWAITING_PAYMENT and (previous_state or None) == State.DECIDED
    )


class Channel(TextChoices):
    COUNTER = "counter", _("Trực tiếp")
    ONLINE = "online", _("Trực tuyến")
    POSTAL = "postal", _("Qua dịch vụ bưu chính công ích")

    @property
    def national_code(self) -> int:
        return {"counter": 1, "online": 2, "postal": 3}[self.value]


class ActorKind(TextChoices):
    """Who acts: the applicant, or a staff role. Staff values equal agencies.models.Role values
    (a test keeps them equal), so `Role.LEADER` may be passed wherever an actor is expected; they
    are repeated here so that this module imports without Django's app registry. A cashier is a
    receptionist."""

    APPLICANT = "applicant", _("Người nộp hồ sơ")
    RECEPTIONIST = "receptionist", _("Cán bộ tiếp nhận")
    SPECIALIST = "specialist", _("Chuyên viên")
    LEADER = "leader", _("Lãnh đạo")


STAFF = frozenset({ActorKind.RECEPTIONIST, ActorKind.SPECIALIST, ActorKind.LEADER})


class Action(TextChoices):
    SUBMIT = "submit", _("Nộp hồ sơ")
    ACCEPT = "accept", _("Tiếp nhận hồ sơ")
    REQUEST_SUPPLEMENT = "request_supplement", _("Yêu cầu bổ sung hồ sơ")
    SUPPLEMENT = "supplement", _("Bổ sung hồ sơ")
    REFUSE = "refuse", _("Từ chối tiếp nhận")
    ASSIGN = "assign", _("Phân công xử lý")
    FORWARD = "forward", _("Chuyển bước tiếp theo")
    SEND_BACK = "send_back", _("Trả lại bước trước")
    TRANSFER = "transfer", _("Chuyển liên thông")
    REQUEST_PAYMENT = "request_payment", _("Yêu cầu thực hiện nghĩa vụ tài chính")
    PAY = "pay", _("Thực hiện nghĩa vụ tài chính")
    EXTEND = "extend", _("Xin lỗi và hẹn lại ngày trả kết quả")
    APPROVE = "approve", _("Phê duyệt")
    DENY = "deny", _("Không giải quyết")
    STOP = "stop", _("Dừng giải quyết")
    WITHDRAW = "withdraw", _("Rút hồ sơ")
    DELIVER = "deliver", _("Trả kết quả")


class Effect(enum.StrEnum):
    """What the caller must do besides changing state and step (names are stable: events)."""

    ENTER_QUEUE = "enter_queue"
    ISSUE_CODE = "issue_code"  # if the dossier has no code yet
    RECORD_RECEIVED = "record_received"  # national status 2, reported before 4
    START_CLOCK = "start_clock"
    COMPUTE_DUE = "compute_due"
    PAUSE_CLOCK = "pause_clock"
    RESUME_CLOCK = "resume_clock"  # the due time moves by the paused working time
    STOP_CLOCK = "stop_clock"  # the dossier's end time for the indicators
    ISSUE_RECEIPT = "issue_receipt"
    ISSUE_SUPPLEMENT_REQUEST = "issue_supplement_request"
    ISSUE_REFUSAL = "issue_refusal"
    ISSUE_APOLOGY = "issue_apology"
    ISSUE_STOP_NOTICE = "issue_stop_notice"
    RECORD_SUPPLEMENT = "record_supplement"
    SET_STEP_OFFICER = "set_step_officer"
    CLOSE_STEP = "close_step"  # records on time or late for the step
    RECORD_CONTROL_SHEET = "record_control_sheet"  # a hand-over line on the control sheet
    CHANGE_AGENCY = "change_agency"
    CREATE_PAYMENT_REQUEST = "create_payment_request"
    RECORD_PAYMENT = "record_payment"
    MOVE_DUE = "move_due"
    RECORD_RESULT = "record_result"
    RECORD_DELIVERY = "record_delivery"


# Effects that issue a form; the form's number depends on the regime (regimes.form_number).
FORM_EFFECTS: dict[Effect, FormKind] = {
    Effect.ISSUE_RECEIPT: FormKind.RECEIPT,
    Effect.ISSUE_SUPPLEMENT_REQUEST: FormKind.SUPPLEMENT_REQUEST,
    Effect.ISSUE_REFUSAL: FormKind.REFUSAL,
    Effect.ISSUE_APOLOGY: FormKind.APOLOGY,
    Effect.ISSUE_STOP_NOTICE: FormKind.STOP_NOTICE,
}


class DeliveryMethod(TextChoices):
    COUNTER = "counter", _("Tại quầy")
    POST = "post", _("Qua dịch vụ bưu chính")
    ONLINE = "online", _("Trực tuyến")


# --- the snapshot ---------------------------------------------------------------------------------

WORKING_DAY = timedelta(hours=8)


@dataclass(frozen=True)
class DossierFacts:
    """What the rules need to know about a dossier (and the actor's relation to it), at `now`.

    `step_index` is 0-based among `steps` steps of the internal process. `supplement_requests`
    counts requests during processing, `reception_supplement_requests` those at reception.
    `previous_state` is where `supplement` and `pay` return to (awaiting payment without one
    was asked during processing: normalised to processing). `working_time_until_due` is
    working_time_between(calendar, now, due_at, pauses) — needed only to check `extend`.
    """

    state: State
    now: datetime
    channel: Channel = Channel.ONLINE
    step_index: int = 0
    steps: int = 0
    supplement_requests: int = 0
    reception_supplement_requests: int = 0
    extended: bool = False
    due_at: datetime | None = None
    previous_state: State | None = None
    paused: bool = False
    received_at: datetime | None = None
    regime: Regime | None = None
    agency: str | None = None
    is_current_step_officer: bool = False
    actor_in_step_agency: bool = False
    working_time_until_due: timedelta | None = None
    working_day: timedelta = WORKING_DAY
    # UNSURE (domain.md §3): whether awaiting payment pauses the clock; configurable.
    payment_pauses_clock: bool = True

    def __post_init__(self):
        set_ = object.__setattr__  # frozen: normalise plain strings to the enums once
        set_(self, "state", State(self.state))
        set_(self, "channel", Channel(self.channel))
        if self.previous_state is not None:
            set_(self, "previous_state", State(self.previous_state))
        elif self.state == State.AWAITING_PAYMENT:
            # Rows from before payment after the decision existed: asked during processing.
            set_(self, "previous_state", State.PROCESSING)
        if self.regime is not None:
            set_(self, "regime", Regime(self.regime))
        if self.state in TRANSIENT_STATES:
            raise ValueError(
                "a dossier never rests in 'received' (accept records it in passing): "
                "map national status 2 to 'processing' at the first step"
            )
        if self.steps < 0 or self.supplement_requests < 0 or self.reception_supplement_requests < 0:
            raise ValueError("counts must not be negative")
        if not (0 <= self.step_index < max(self.steps, 1)):
            raise ValueError(f"step_index {self.step_index} outside 0..{max(self.steps, 1) - 1}")
        if self.state == State.SUPPLEMENTING and self.previous_state not in (
            State.DRAFT,
            State.SUBMITTED,
            State.PROCESSING,
        ):
            raise ValueError(
                "a supplementing dossier needs previous_state draft/submitted/processing"
            )
        if self.state == State.AWAITING_PAYMENT and self.previous_state not in PAYMENT_RETURNS:
            raise ValueError("a dossier awaiting payment needs previous_state processing/decided")
        if self.working_day <= timedelta(0):
            raise ValueError("a working day must be longer than zero")

    @property
    def at_reception(self) -> bool:
        """Not yet accepted: the reception stage."""
        if self.state == State.SUPPLEMENTING:
            return self.previous_state in (State.DRAFT, State.SUBMITTED)
        return self.state in (State.DRAFT, State.SUBMITTED)

    @property
    def in_processing(self) -> bool:
        """Accepted, not yet decided and not ended: the processing stage (the clock has started)."""
        if self.state in (State.SUPPLEMENTING, State.AWAITING_PAYMENT):
            return self.previous_state == State.PROCESSING
        return self.state == State.PROCESSING

    @property
    def after_decision(self) -> bool:
        """Decided (the result exists), possibly waiting for the fees due before delivery."""
        return after_decision(self.state, self.previous_state)

    @property
    def at_last_step(self) -> bool:
        return self.step_index == self.steps - 1

    def effective_regime(self) -> Regime:
        """The stored regime, else the one in force on the day of receipt (or today if none)."""
        if self.regime is not None:
            return self.regime
        return regime_for(self.received_at or self.now)


# --- results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    code: str
    message: Any  # lazy Vietnamese text


@dataclass(frozen=True)
class Decision:
    action: Action
    violations: tuple[Violation, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.violations

    def __bool__(self) -> bool:
        return self.ok

    @property
    def codes(self) -> list[str]:
        return [v.code for v in self.violations]


class TransitionError(Exception):
    """An action that is not allowed; `code` and `message` are those of the first violation."""

    def __init__(self, code: str, message, violations: Sequence[Violation] = ()):
        super().__init__(code)
        self.code = code
        self.message = message
        self.violations = tuple(violations) or (Violation(code, message),)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class Transition:
    action: Action
    from_state: State
    to_state: State
    via: tuple[State, ...]  # states recorded in passing, in order (accept: received)
    from_step: int
    to_step: int
    effects: tuple[Effect, ...]
    fields: MappingProxyType  # the validated input (reason, items, new_due_at, …)
    regime: Regime
    facts_after: DossierFacts  # the snapshot after the transition (actor flags reset)

    @property
    def step_changed(self) -> bool:
        return self.from_step != self.to_step

    @property
    def national_codes(self) -> tuple[int, ...]:
        """The status codes to report to DVCQG, in order (accept: 2 then 4)."""
        states = (*self.via, self.to_state)
        return tuple(s.national_code for s in states if s.national_code is not None)

    @property
    def forms(self) -> tuple[FormKind, ...]:
        return tuple(FORM_EFFECTS[e] for e in self.effects if e in FORM_EFFECTS)


# --- the table ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    actors: frozenset[ActorKind]
    from_states: frozenset[State]
    to_state: State | None  # None: back to previous_state
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


def _rule(actors, from_states, to_state, required=(), optional=()):
    return Rule(frozenset(actors), frozenset(from_states), to_state, required, optional)


A, S = ActorKind, State
RULES: dict[Action, Rule] = {
    Action.SUBMIT: _rule({A.APPLICANT}, {S.DRAFT}, S.SUBMITTED),
    Action.ACCEPT: _rule({A.RECEPTIONIST}, {S.DRAFT, S.SUBMITTED}, S.PROCESSING),
    Action.REQUEST_SUPPLEMENT: _rule(
        # From a draft: a counter or postal dossier checked at the desk (online drafts are the
        # applicant's until submitted).
        {A.RECEPTIONIST, A.SPECIALIST},
        {S.DRAFT, S.SUBMITTED, S.PROCESSING},
        S.SUPPLEMENTING,
        ("items",),
    ),
    Action.SUPPLEMENT: _rule({A.APPLICANT, A.RECEPTIONIST}, {S.SUPPLEMENTING}, None),
    Action.REFUSE: _rule(
        {A.RECEPTIONIST}, {S.DRAFT, S.SUBMITTED, S.SUPPLEMENTING}, S.REFUSED, ("reason",)
    ),
    Action.ASSIGN: _rule({A.LEADER}, {S.PROCESSING}, S.PROCESSING, ("officer",)),
    Action.FORWARD: _rule(STAFF, {S.PROCESSING}, S.PROCESSING),
    Action.SEND_BACK: _rule(STAFF, {S.PROCESSING}, S.PROCESSING, ("reason",)),
    Action.TRANSFER: _rule(
        STAFF, {S.PROCESSING}, S.PROCESSING, ("to_agency",), ("to_step", "reason")
    ),
    # From decided: the fees due before the result is handed over, asked by a receptionist
    # (who may deliver it); `pay` returns to where the request was made.
    Action.REQUEST_PAYMENT: _rule(STAFF, {S.PROCESSING, S.DECIDED}, S.AWAITING_PAYMENT),
    Action.PAY: _rule({A.APPLICANT, A.RECEPTIONIST}, {S.AWAITING_PAYMENT}, None),
    Action.EXTEND: _rule(STAFF, {S.PROCESSING}, S.PROCESSING, ("reason", "new_due_at")),
    Action.APPROVE: _rule({A.LEADER}, {S.PROCESSING}, S.DECIDED),
    Action.DENY: _rule({A.LEADER}, {S.PROCESSING}, S.DECIDED, ("reason",)),
    Action.STOP: _rule(
        {A.RECEPTIONIST},
        {S.PROCESSING, S.SUPPLEMENTING, S.AWAITING_PAYMENT},
        S.STOPPED,
        ("reason",),
    ),
    Action.WITHDRAW: _rule({A.APPLICANT}, OPEN_STATES, S.WITHDRAWN, (), ("reason",)),
    Action.DELIVER: _rule({A.RECEPTIONIST}, {S.DECIDED}, S.RETURNED, ("method",), ("recipient",)),
}
del A, S
COMMON_OPTIONAL = ("note",)


# --- messages -------------------------------------------------------------------------------------

MESSAGES = {
    "final_state": _(
        "Hồ sơ đã kết thúc ở trạng thái «{state}», không thể thực hiện thêm thao tác."
    ),
    "actor_not_allowed": _("{actor} không được thực hiện thao tác «{action}»."),
    "state_not_allowed": _("Không thể thực hiện «{action}» khi hồ sơ ở trạng thái «{state}»."),
    "not_online_dossier": _(
        "Chỉ hồ sơ trực tuyến mới được nộp từ bản nháp; hồ sơ nộp trực tiếp hoặc qua bưu chính "
        "do cán bộ tiếp nhận vào hệ thống."
    ),
    "online_dossier_not_submitted": _(
        "Hồ sơ trực tuyến phải được người nộp gửi đi trước khi cán bộ tiếp nhận xử lý."
    ),
    "no_process_steps": _(
        "Thủ tục chưa có quy trình nội bộ (các bước xử lý) nên chưa thể tiếp nhận hồ sơ."
    ),
    "reception_by_receptionist": _(
        "Khi tiếp nhận hồ sơ, chỉ cán bộ tiếp nhận được yêu cầu bổ sung hồ sơ."
    ),
    "supplement_already_requested_at_reception": _(
        "Hồ sơ đã được yêu cầu bổ sung một lần khi tiếp nhận; chỉ được yêu cầu bổ sung một lần, "
        "nêu đầy đủ các nội dung cần bổ sung."
    ),
    "supplement_already_requested": _(
        "Hồ sơ đã được yêu cầu bổ sung một lần trong quá trình giải quyết; không được yêu cầu "
        "bổ sung lần thứ hai."
    ),
    "not_step_officer": _(
        "Chỉ cán bộ được phân công xử lý bước hiện tại mới được thực hiện thao tác này."
    ),
    "not_step_agency_leader": _(
        "Chỉ lãnh đạo cơ quan thực hiện bước hiện tại mới được thực hiện thao tác này."
    ),
    "not_step_officer_or_leader": _(
        "Chỉ cán bộ xử lý bước hiện tại hoặc lãnh đạo cơ quan thực hiện bước này mới được "
        "hẹn lại ngày trả kết quả."
    ),
    "last_step": _(
        "Hồ sơ đang ở bước cuối của quy trình, không còn bước tiếp theo: lãnh đạo phê duyệt kết quả."
    ),
    "first_step": _("Hồ sơ đang ở bước đầu của quy trình, không có bước trước để trả lại."),
    "not_last_step": _("Chỉ được phê duyệt ở bước cuối của quy trình."),
    "already_extended": _(
        "Hồ sơ đã được hẹn lại ngày trả kết quả một lần; không được hẹn lại lần nữa."
    ),
    "no_due_time": _("Hồ sơ chưa có hạn xử lý."),
    "working_time_unknown": _("Chưa tính được thời gian làm việc còn lại đến hạn xử lý."),
    "extend_too_late": _(
        "Văn bản xin lỗi và hẹn lại ngày trả kết quả phải gửi chậm nhất 1 ngày làm việc trước "
        "hạn xử lý."
    ),
    "not_at_reception": _(
        "Chỉ được từ chối tiếp nhận khi hồ sơ chưa được tiếp nhận; hồ sơ đang giải quyết thì "
        "dừng giải quyết hoặc không giải quyết."
    ),
    "not_processing": _(
        "Hồ sơ chưa được tiếp nhận nên không thể dừng giải quyết; hãy từ chối tiếp nhận."
    ),
    "payment_before_delivery_by_receptionist": _(
        "Sau khi có kết quả, chỉ cán bộ tiếp nhận, trả kết quả mới được yêu cầu nộp phí, lệ phí "
        "trước khi trả kết quả."
    ),
    "already_decided": _(
        "Hồ sơ đã có kết quả giải quyết, chỉ còn chờ thực hiện nghĩa vụ tài chính để nhận kết "
        "quả: không thể dừng giải quyết hoặc rút hồ sơ."
    ),
    "reason_required": _("Phải nêu lý do."),
    "items_required": _("Phải liệt kê đầy đủ các nội dung cần bổ sung, hoàn thiện."),
    "officer_required": _("Phải chọn cán bộ được phân công xử lý."),
    "to_agency_required": _("Phải chọn cơ quan nhận hồ sơ liên thông."),
    "same_agency": _("Cơ quan nhận phải khác cơ quan đang xử lý hồ sơ."),
    "invalid_to_step": _(
        "Bước nhận hồ sơ liên thông phải là bước hiện tại hoặc bước kế tiếp của quy trình."
    ),
    "new_due_at_required": _("Phải nêu thời điểm hẹn trả kết quả mới."),
    "new_due_not_later": _("Thời điểm hẹn trả kết quả mới phải sau hạn xử lý hiện tại."),
    "method_required": _(
        "Phải chọn hình thức trả kết quả: tại quầy, qua bưu chính hoặc trực tuyến."
    ),
    "recipient_required": _("Phải ghi người nhận kết quả tại quầy."),
}


def _v(code: str, **params) -> Violation:
    message = MESSAGES[code]
    return Violation(code, format_lazy(message, **params) if params else message)


def _label(enum_cls, value):
    try:
        return enum_cls(value).label
    except ValueError:
        return str(value)


# --- guards ---------------------------------------------------------------------------------------


def _is_step_leader(facts: DossierFacts, actor) -> bool:
    return actor == ActorKind.LEADER and facts.actor_in_step_agency


def _guards(action: Action, facts: DossierFacts, actor) -> list[Violation]:
    """Checks beyond who and from which state; called only when both of those pass."""
    out: list[Violation] = []
    officer = facts.is_current_step_officer
    if action == Action.SUBMIT:
        if facts.channel != Channel.ONLINE:
            out.append(_v("not_online_dossier"))
    elif action == Action.ACCEPT:
        if facts.state == State.DRAFT and facts.channel == Channel.ONLINE:
            out.append(_v("online_dossier_not_submitted"))
        if facts.steps < 1:
            out.append(_v("no_process_steps"))
    elif action == Action.REQUEST_SUPPLEMENT:
        if facts.state in (State.DRAFT, State.SUBMITTED):
            if facts.state == State.DRAFT and facts.channel == Channel.ONLINE:
                out.append(_v("online_dossier_not_submitted"))
            if actor != ActorKind.RECEPTIONIST:
                out.append(Violation("actor_not_allowed", MESSAGES["reception_by_receptionist"]))
            if facts.reception_supplement_requests >= 1:
                out.append(_v("supplement_already_requested_at_reception"))
        else:
            if not officer:
                out.append(_v("not_step_officer"))
            if facts.supplement_requests >= 1:
                out.append(_v("supplement_already_requested"))
    elif action == Action.REFUSE:
        if facts.state == State.DRAFT and facts.channel == Channel.ONLINE:
            out.append(_v("online_dossier_not_submitted"))
        if not facts.at_reception:
            out.append(_v("not_at_reception"))
    elif action == Action.ASSIGN or action == Action.DENY:
        if not _is_step_leader(facts, actor):
            out.append(_v("not_step_agency_leader"))
    elif action == Action.REQUEST_PAYMENT and facts.state == State.DECIDED:
        # Who may hand over the result (`deliver`: a receptionist) asks for the fees due before.
        if actor != ActorKind.RECEPTIONIST:
            out.append(
                Violation("actor_not_allowed", MESSAGES["payment_before_delivery_by_receptionist"])
            )
    elif action in (Action.FORWARD, Action.SEND_BACK, Action.TRANSFER, Action.REQUEST_PAYMENT):
        if not officer:
            out.append(_v("not_step_officer"))
        if action == Action.FORWARD and facts.at_last_step:
            out.append(_v("last_step"))
        if action == Action.SEND_BACK and facts.step_index == 0:
            out.append(_v("first_step"))
    elif action == Action.EXTEND:
        if not (officer or _is_step_leader(facts, actor)):
            out.append(_v("not_step_officer_or_leader"))
        if facts.extended:
            out.append(_v("already_extended"))
        if facts.due_at is None:
            out.append(_v("no_due_time"))
        elif facts.working_time_until_due is None:
            out.append(_v("working_time_unknown"))
        elif facts.working_time_until_due < facts.working_day:
            out.append(_v("extend_too_late"))
    elif action == Action.APPROVE:
        if not _is_step_leader(facts, actor):
            out.append(_v("not_step_agency_leader"))
        if not facts.at_last_step:
            out.append(_v("not_last_step"))
    elif action == Action.STOP:
        if facts.after_decision:
            out.append(_v("already_decided"))
        elif not facts.in_processing:
            out.append(_v("not_processing"))
    elif action == Action.WITHDRAW:
        if facts.after_decision:
            out.append(_v("already_decided"))
    return out


def check(action: str, facts: DossierFacts, actor: str) -> Decision:
    """Whether `actor` may take `action` now: who, from which state, and the guards.

    Input fields (reasons, items…) are checked by `apply`.
    """
    action = Action(action)
    rule = RULES[action]
    if facts.state.is_final:
        return Decision(action, (_v("final_state", state=facts.state.label),))
    out: list[Violation] = []
    if actor not in rule.actors:
        out.append(_v("actor_not_allowed", actor=_label(ActorKind, actor), action=action.label))
    if facts.state not in rule.from_states:
        out.append(_v("state_not_allowed", action=action.label, state=facts.state.label))
    if not out:
        out = _guards(action, facts, actor)
    return Decision(action, tuple(out))


def allowed_actions(facts: DossierFacts, actor: str) -> list[Action]:
    """The actions `actor` may take now, in the order of `Action` (for menus and the API)."""
    if facts.state.is_final:
        return []
    # Cheap pre-filter on the table before the full check (which builds messages for denials).
    return [
        action
        for action in Action
        if actor in RULES[action].actors
        and facts.state in RULES[action].from_states
        and not _guards(action, facts, actor)
    ]


# --- fields ---------------------------------------------------------------------------------------


def _text(value) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _clean_fields(action: Action, facts: DossierFacts, fields: dict) -> tuple[dict, list]:
    rule = RULES[action]
    known = set(rule.required) | set(rule.optional) | set(COMMON_OPTIONAL)
    unknown = set(fields) - known
    if unknown:
        # A programming error, not a user's: the caller passed a field this action never takes.
        raise TypeError(f"{action.value} takes no field(s) {sorted(unknown)}")
    clean: dict[str, Any] = {}
    out: list[Violation] = []
    for name in ("reason", "note", "recipient"):
        if name in fields and _text(fields[name]) is not None:
            clean[name] = _text(fields[name])
    if "reason" in rule.required and "reason" not in clean:
        out.append(_v("reason_required"))

    if action == Action.REQUEST_SUPPLEMENT:
        items = fields.get("items")
        texts = [] if isinstance(items, str) or items is None else [_text(i) for i in items]
        if not texts or None in texts:
            out.append(_v("items_required"))
        else:
            clean["items"] = tuple(texts)
    elif action == Action.ASSIGN:
        officer = fields.get("officer")
        if officer is None or (isinstance(officer, str) and not officer.strip()):
            out.append(_v("officer_required"))
        else:
            clean["officer"] = officer
    elif action == Action.TRANSFER:
        agency = fields.get("to_agency")
        if agency is None or (isinstance(agency, str) and not agency.strip()):
            out.append(_v("to_agency_required"))
        elif facts.agency is not None and agency == facts.agency:
            out.append(_v("same_agency"))
        else:
            clean["to_agency"] = agency
        to_step = fields.get("to_step", facts.step_index + 1)
        if (
            isinstance(to_step, bool)
            or not isinstance(to_step, int)
            or to_step not in (facts.step_index, facts.step_index + 1)
            or to_step >= facts.steps
        ):
            out.append(_v("invalid_to_step"))
        else:
            clean["to_step"] = to_step
    elif action == Action.EXTEND:
        new_due = fields.get("new_due_at")
        if not isinstance(new_due, datetime) or new_due.tzinfo is None:
            out.append(_v("new_due_at_required"))
        elif facts.due_at is not None and new_due <= facts.due_at:
            out.append(_v("new_due_not_later"))
        else:
            clean["new_due_at"] = new_due
    elif action == Action.DELIVER:
        try:
            clean["method"] = DeliveryMethod(fields.get("method"))
        except ValueError:
            out.append(_v("method_required"))
        if clean.get("method") == DeliveryMethod.COUNTER and "recipient" not in clean:
            out.append(_v("recipient_required"))
    return clean, out


# --- apply ----------------------------------------------------------------------------------------


def apply(action: str, facts: DossierFacts, actor: str, **fields) -> Transition:
    """The transition `actor` makes by taking `action`; TransitionError if it is not allowed."""
    decision = check(action, facts, actor)
    action = decision.action
    violations = list(decision.violations)
    clean: dict = {}
    if decision.ok:
        clean, field_violations = _clean_fields(action, facts, fields)
        violations += field_violations
    if violations:
        first = violations[0]
        raise TransitionError(first.code, first.message, violations)

    from_state = facts.state
    to_state = RULES[action].to_state or facts.previous_state
    step = facts.step_index
    via: tuple[State, ...] = ()
    effects: list[Effect] = []
    # Actor-relative flags describe the actor before the action; after a hand-over they are
    # unknown, so they are reset (services rebuild facts from the database for the next action).
    changes: dict[str, Any] = {}
    handover = {"is_current_step_officer": False}

    if action == Action.SUBMIT:
        effects = [Effect.ENTER_QUEUE]
    elif action == Action.ACCEPT:
        via, step = (State.RECEIVED,), 0
        effects = [
            Effect.ISSUE_CODE,
            Effect.RECORD_RECEIVED,
            Effect.START_CLOCK,
            Effect.COMPUTE_DUE,
            Effect.ISSUE_RECEIPT,
        ]
        changes = {"received_at": facts.now, **handover}
    elif action == Action.REQUEST_SUPPLEMENT:
        effects = [Effect.ISSUE_SUPPLEMENT_REQUEST]
        changes = {"previous_state": from_state}
        if from_state == State.PROCESSING:
            effects.append(Effect.PAUSE_CLOCK)
            changes.update(paused=True, supplement_requests=facts.supplement_requests + 1)
        else:
            changes["reception_supplement_requests"] = facts.reception_supplement_requests + 1
    elif action == Action.SUPPLEMENT:
        effects = [Effect.RECORD_SUPPLEMENT]
        if facts.previous_state == State.PROCESSING:
            effects.append(Effect.RESUME_CLOCK)
        changes = {"previous_state": None, "paused": False}
    elif action == Action.REFUSE:
        effects = [Effect.ISSUE_REFUSAL]
        changes = {"previous_state": None}
    elif action == Action.ASSIGN:
        effects = [Effect.SET_STEP_OFFICER]
    elif action in (Action.FORWARD, Action.SEND_BACK):
        step += 1 if action == Action.FORWARD else -1
        effects = [Effect.CLOSE_STEP, Effect.RECORD_CONTROL_SHEET]
        changes = handover
    elif action == Action.TRANSFER:
        step = clean["to_step"]
        effects = [Effect.CLOSE_STEP, Effect.RECORD_CONTROL_SHEET, Effect.CHANGE_AGENCY]
        changes = {"agency": clean["to_agency"], "actor_in_step_agency": False, **handover}
    elif action == Action.REQUEST_PAYMENT:
        effects = [Effect.CREATE_PAYMENT_REQUEST]
        changes = {"previous_state": from_state}
        # After the decision the clock has stopped: nothing to pause.
        if from_state == State.PROCESSING and facts.payment_pauses_clock:
            effects.append(Effect.PAUSE_CLOCK)
            changes["paused"] = True
    elif action == Action.PAY:
        effects = [Effect.RECORD_PAYMENT]
        if facts.paused:
            effects.append(Effect.RESUME_CLOCK)
        changes = {"previous_state": None, "paused": False}
    elif action == Action.EXTEND:
        effects = [Effect.ISSUE_APOLOGY, Effect.MOVE_DUE]
        changes = {"due_at": clean["new_due_at"], "extended": True, "working_time_until_due": None}
    elif action in (Action.APPROVE, Action.DENY):
        effects = [Effect.CLOSE_STEP]
        if action == Action.APPROVE:
            effects.append(Effect.RECORD_CONTROL_SHEET)
        effects += [Effect.RECORD_RESULT, Effect.STOP_CLOCK]
    elif action == Action.STOP:
        effects = [Effect.ISSUE_STOP_NOTICE, Effect.STOP_CLOCK]
        changes = {"previous_state": None, "paused": False}
    elif action == Action.WITHDRAW:
        if facts.in_processing:
            effects = [Effect.STOP_CLOCK]
        changes = {"previous_state": None, "paused": False}
    elif action == Action.DELIVER:
        effects = [Effect.RECORD_DELIVERY]

    facts_after = dataclasses.replace(facts, state=to_state, step_index=step, **changes)
    regime = facts_after.effective_regime()
    # A form the regime does not have is not issued (TT 01/2018 has no stop notice).
    effects = [e for e in effects if e not in FORM_EFFECTS or has_form(FORM_EFFECTS[e], regime)]
    return Transition(
        action=action,
        from_state=from_state,
        to_state=to_state,
        via=via,
        from_step=facts.step_index,
        to_step=step,
        effects=tuple(effects),
        fields=MappingProxyType(clean),
        regime=regime,
        facts_after=facts_after,
    )


# --- outcomes (domain.md §4, §7) ------------------------------------------------------------------


class Outcome(TextChoices):
    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Trễ hạn")


class OpenStatus(TextChoices):
    NOT_YET_DUE = "not_yet_due", _("Chưa đến hạn")
    OVERDUE = "overdue", _("Quá hạn")


def outcome(due_at: datetime, finished_at: datetime, supplement_requests: int = 0) -> Outcome:
    """Early: finished before the due date; on time: on the due date, not after the due time;
    late: after the due time, or more than one supplement request during processing.

    Dates are read in Asia/Ho_Chi_Minh (naive datetimes are taken as local).
    """
    if supplement_requests > 1 or finished_at > due_at:
        return Outcome.LATE
    if local_date(finished_at) < local_date(due_at):
        return Outcome.EARLY
    return Outcome.ON_TIME


def clock_running(
    state: str, *, payment_pauses_clock: bool = True, previous_state: str | None = None
) -> bool:
    """Whether time counts against the due time in this state. Awaiting payment after the
    decision (`previous_state` decided) never counts: the clock stopped at the decision."""
    state = State(state)
    if state == State.AWAITING_PAYMENT:
        return not payment_pauses_clock and not after_decision(state, previous_state)
    return state == State.PROCESSING


def is_overdue(
    due_at: datetime | None,
    now: datetime,
    state: str,
    *,
    payment_pauses_clock: bool = True,
    previous_state: str | None = None,
) -> bool:
    """Derived, never stored: past the due time while the clock runs.

    A paused dossier is not overdue: its due time moves by the paused working time when it
    resumes; a decided one (even awaiting the fees due before delivery) is not either. (For
    index 2.1 a dossier awaiting supplements ends at its request time: use
    outcome(due_at, requested_at).)
    """
    if due_at is None:
        return False
    running = clock_running(
        state, payment_pauses_clock=payment_pauses_clock, previous_state=previous_state
    )
    return running and now > due_at


def open_status(
    due_at: datetime | None,
    now: datetime,
    state: str,
    *,
    payment_pauses_clock: bool = True,
    previous_state: str | None = None,
) -> OpenStatus | None:
    """Not yet due / overdue for an accepted, undecided dossier; None for the others."""
    state = State(state)
    if (
        due_at is None
        or state not in (State.PROCESSING, State.SUPPLEMENTING, State.AWAITING_PAYMENT)
        or after_decision(state, previous_state)
    ):
        return None
    if is_overdue(
        due_at,
        now,
        state,
        payment_pauses_clock=payment_pauses_clock,
        previous_state=previous_state,
    ):
        return OpenStatus.OVERDUE
    return OpenStatus.NOT_YET_DUE
