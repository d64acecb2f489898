"""Fees due on a dossier and their payment. Every write is one transaction.

The dossier's state changes only through dossiers.services: `request_fees` calls its
`request_payment` with lines computed from the catalog (during processing, or after the decision
for the fees due before delivery: the dossier waits in `awaiting_payment` either way and `pay`
returns it to where it was), `record_counter_payment` and an accepted gateway callback call its
`pay`. The rows of this app follow the dossier's events (signals.py):
a `request_payment` event opens a PaymentRequest, a `pay` event closes it with a Payment, so a
payment action taken elsewhere (the dossier API, the generic back-office form) is recorded too.

Online payments: the actor of the dossier's `pay` action is the dossier's applicant account
(`applicant_user`): the applicant paid, through the gateway, and the lifecycle lets the applicant
pay. A counter dossier has no account, so it is paid at the counter.
"""

from __future__ import annotations

import contextvars
import secrets
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Role
from motcua.agencies.selectors import agency_scope
from motcua.catalog.models import Fee
from motcua.common.models import record
from motcua.dossiers import routing
from motcua.dossiers import services as dossier_services
from motcua.dossiers.errors import ActionDenied, ActionInvalid, DossierError
from motcua.dossiers.lifecycle import State
from motcua.dossiers.models import Dossier
from motcua.worktime.deadlines import VN_TZ

from . import conf
from .gateways import base as gateways
from .gateways.base import CallbackRejected
from .models import (
    RECEIVED_STATES,
    CallbackOutcome,
    Exemption,
    ExemptionCategory,
    FeeTiming,
    GatewayCallback,
    Payment,
    PaymentMethod,
    PaymentRequest,
    PaymentState,
    Refund,
    RequestStatus,
)

# Set while a gateway callback runs the dossier's `pay`, so that the `pay` event's receiver
# attaches the online payment instead of recording a counter one.
applying_payment: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "applying_payment", default=None
)


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


# --- amounts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    fee: int | None
    name: str
    kind: str
    timing: str
    base: int  # the catalog amount
    percent: int  # exemption applied (0–100)
    exemption: str  # the category's label, if any
    amount: int  # due

    def as_item(self) -> dict:
        """The line as the dossier's request_payment takes it (name and amount)."""
        name = self.name
        if self.percent:
            name = f"{name} ({_('miễn') if self.percent == 100 else _('giảm')} {self.percent}%: "
            name += f"{self.exemption})"
        return {"name": str(name), "amount": self.amount}


@dataclass(frozen=True)
class Due:
    lines: tuple[Line, ...]
    exemptions: tuple[str, ...]  # the category codes claimed and checked

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def base_total(self) -> int:
        return sum(line.base for line in self.lines)


def fee_timing(fee: Fee) -> str:
    rule = getattr(fee, "payment_rule", None)
    return rule.timing if rule is not None else conf.default_timing()


def _categories(codes) -> list[ExemptionCategory]:
    codes = sorted({str(c).strip() for c in codes or () if str(c).strip()})
    found = list(ExemptionCategory.objects.filter(code__in=codes, is_active=True))
    if len(found) != len(codes):
        raise ActionInvalid(
            "unknown_exemption",
            _("Đối tượng miễn, giảm không tồn tại hoặc không còn áp dụng."),
            field="exemptions",
        )
    return found


def at_decision_step(dossier) -> bool:
    """At the last step before the decision: fees due before the result are requested here."""
    steps = list(dossier.procedure_version.steps.order_by("position"))
    return dossier.step_index >= routing.processing_count(steps) - 1


def due_timings(dossier) -> set[str]:
    """The timings whose fees may be requested now: all at the decision step; before it,
    the fees due at acceptance or before processing."""
    timings = {FeeTiming.ON_ACCEPTANCE.value, FeeTiming.BEFORE_PROCESSING.value}
    if at_decision_step(dossier):
        timings.add(FeeTiming.BEFORE_RESULT.value)
    return timings


def paid_fee_ids(dossier) -> set[int]:
    ids = set()
    for lines in PaymentRequest.objects.filter(
        dossier=dossier, status=RequestStatus.PAID
    ).values_list("lines", flat=True):
        ids.update(line.get("fee") for line in lines or () if line.get("fee"))
    return ids


def amount_due(dossier, exemptions=(), *, timings: set[str] | None = None) -> Due:
    """The catalog fees of the dossier's procedure version minus the exemptions claimed.

    For each fee the largest reduction among the claimed categories applies (reductions do not
    add up); the amount due is rounded down to the đồng, in the applicant's favour. `timings`
    limits the fees to those due at these times (None: every fee); fees already paid on the
    dossier are left out.
    """
    categories = {c.pk: c for c in _categories(exemptions)}
    fees = list(dossier.procedure_version.fees.select_related("payment_rule").order_by("position"))
    rules = {}
    for e in Exemption.objects.filter(fee__in=fees, category_id__in=categories):
        best = rules.get(e.fee_id)
        if best is None or e.percent > best.percent:
            rules[e.fee_id] = e
    paid = paid_fee_ids(dossier)
    lines = []
    for fee in fees:
        timing = fee_timing(fee)
        if fee.pk in paid or (timings is not None and timing not in timings):
            continue
        rule = rules.get(fee.pk)
        percent = rule.percent if rule else 0
        lines.append(
            Line(
                fee=fee.pk,
                name=fee.name,
                kind=fee.kind,
                timing=timing,
                base=fee.amount,
                percent=percent,
                exemption=categories[rule.category_id].label if rule else "",
                amount=fee.amount * (100 - percent) // 100,
            )
        )
    return Due(tuple(lines), tuple(sorted(c.code for c in categories.values())))


def _committed_state(dossier) -> str:
    """The state as committed, not as the caller's (possibly stale) instance says."""
    return Dossier.objects.filter(pk=dossier.pk).values_list("state", flat=True)[0]


def request_fees(
    dossier, officer, *, exemptions=(), note="", expected_version=None, now=None
) -> PaymentRequest:
    """Ask for the fees due now. `exemptions`: the category codes whose papers were checked.

    Through the dossier's `request_payment`, which decides who may ask: during processing the
    step officer (the fees due at this step); after the decision a receptionist who may hand
    over the result (every fee still unpaid). The dossier waits in awaiting_payment; after the
    decision `deliver` is refused by the lifecycle until `pay` returns it to decided.
    """
    now = _now(now)
    with transaction.atomic():
        decided = _committed_state(dossier) == State.DECIDED
        due = amount_due(dossier, exemptions, timings=None if decided else due_timings(dossier))
        if not due.lines:
            raise ActionInvalid(
                "no_fees_due", _("Thủ tục không có khoản phí, lệ phí nào phải nộp lúc này.")
            )
        if due.total <= 0:
            raise ActionInvalid(
                "fully_exempt",
                _("Người nộp được miễn toàn bộ phí, lệ phí: không cần yêu cầu nộp tiền."),
            )
        d = dossier_services.request_payment(
            dossier,
            officer,
            amount=due.total,
            items=[line.as_item() for line in due.lines],
            note=note,
            expected_version=expected_version,
            now=now,
        )
        req = PaymentRequest.objects.select_for_update().get(dossier=d, status=RequestStatus.OPEN)
        req.lines = [asdict(line) for line in due.lines]
        req.exemptions = list(due.exemptions)
        timings = {line.timing for line in due.lines}
        req.timing = timings.pop() if len(timings) == 1 else ""
        req.save(update_fields=["lines", "exemptions", "timing"])
    return req


def close_request(req: PaymentRequest, at: datetime, *, paid_by: Payment | None = None) -> None:
    """The request is paid: closed, and the other orders for it can no longer be applied."""
    req.status = RequestStatus.PAID
    req.closed_at = at
    req.save(update_fields=["status", "closed_at"])
    pending = req.payments.filter(state=PaymentState.PENDING)
    if paid_by is not None:
        pending = pending.exclude(pk=paid_by.pk)
    pending.update(state=PaymentState.CANCELLED)


def open_request(dossier) -> PaymentRequest | None:
    return PaymentRequest.objects.filter(dossier=dossier, status=RequestStatus.OPEN).first()


def new_order_id(prefix: str, now: datetime) -> str:
    """`<prefix><yymmddHHMMSS><6 random digits>`: letters and digits only, as gateways want."""
    stamp = now.astimezone(VN_TZ).strftime("%y%m%d%H%M%S")
    return f"{prefix}{stamp}{secrets.randbelow(10**6):06d}"


def _create_payment(**fields) -> Payment:
    prefix = "TT" if fields["method"] == PaymentMethod.ONLINE else "Q"
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Payment.objects.create(
                    order_id=new_order_id(prefix, fields["created_at"]), **fields
                )
        except IntegrityError:
            continue  # an order id drawn twice in the same second: draw again
    raise RuntimeError("could not draw a unique order id")


# --- at the counter -------------------------------------------------------------------------------


def record_counter_payment(
    dossier, receptionist, *, receipt_number, note="", expected_version=None, now=None
) -> Payment:
    """The cashier (a receptionist) collects the amount requested: the dossier resumes."""
    now = _now(now)
    receipt_number = (receipt_number or "").strip()[:100]
    if not receipt_number:
        raise ActionInvalid(
            "receipt_number_required", _("Phải ghi số biên lai thu tiền."), field="receipt_number"
        )
    with transaction.atomic():
        req = open_request(dossier)
        if req is None:
            raise ActionInvalid(
                "no_payment_request", _("Hồ sơ không có yêu cầu nộp phí, lệ phí đang chờ.")
            )
        agency_id = dossier.receiving_agency_id or dossier.competent_agency_id
        if Payment.objects.filter(agency_id=agency_id, receipt_number=receipt_number).exists():
            raise ActionInvalid(
                "receipt_number_used",
                _("Số biên lai này đã được dùng cho một khoản thu khác."),
                field="receipt_number",
            )
        dossier_services.pay(
            dossier,
            receptionist,
            amount=req.amount,
            receipt_number=receipt_number,
            note=note,
            expected_version=expected_version,
            now=now,
        )
        return Payment.objects.filter(request=req, state=PaymentState.PAID).latest("id")


# --- online ---------------------------------------------------------------------------------------


def start_online_payment(
    dossier, applicant, gateway_name: str, *, return_url: str, client_ip: str = "", now=None
) -> tuple[Payment, str]:
    """An order at the gateway for the open request; the URL to send the applicant to.

    A pending order of the same gateway and amount that has not expired is reused (a second
    click must not create a second order that could be paid twice).
    """
    now = _now(now)
    gateway = gateways.get(gateway_name)
    if gateway is None:
        raise ActionInvalid(
            "unknown_gateway", _("Cổng thanh toán không được hỗ trợ."), field="gateway"
        )
    if applicant is None or dossier.applicant_user_id is None:
        raise ActionDenied(
            "online_payment_needs_account",
            _("Chỉ người nộp hồ sơ trực tuyến (có tài khoản) mới thanh toán trực tuyến được."),
        )
    if dossier.applicant_user_id != applicant.pk:
        raise ActionDenied()
    with transaction.atomic():
        req = (
            PaymentRequest.objects.select_for_update()
            .filter(dossier=dossier, status=RequestStatus.OPEN)
            .first()
        )
        if req is None or _committed_state(dossier) != State.AWAITING_PAYMENT:
            raise ActionInvalid(
                "no_payment_request", _("Hồ sơ không có yêu cầu nộp phí, lệ phí đang chờ.")
            )
        payment = (
            req.payments.filter(
                gateway=gateway.name,
                state=PaymentState.PENDING,
                amount=req.amount,
                expires_at__gt=now + timedelta(minutes=2),
            )
            .order_by("-id")
            .first()
        )
        if payment is None:
            payment = _create_payment(
                request=req,
                dossier=dossier,
                agency_id=dossier.receiving_agency_id or dossier.competent_agency_id,
                competent_agency_id=dossier.competent_agency_id,
                method=PaymentMethod.ONLINE,
                gateway=gateway.name,
                amount=req.amount,
                created_by=applicant,
                created_at=now,
                expires_at=now + timedelta(minutes=conf.order_ttl_minutes()),
            )
    return payment, gateway.create_redirect(payment, return_url, client_ip=client_ip)


@dataclass(frozen=True)
class CallbackReply:
    outcome: str  # CallbackOutcome
    reason: str
    payment: Payment | None
    body: dict  # what the gateway expects in answer


def _flatten(params) -> dict:
    if hasattr(params, "lists"):  # a QueryDict: the last value of each key
        return {str(k): str(v[-1]) for k, v in params.lists()}
    return {str(k): str(v) for k, v in dict(params).items()}


def handle_callback(
    gateway_name: str, params, *, channel: str = "ipn", remote_addr=None, now=None
) -> CallbackReply:
    """A gateway's result for an order: verified, checked against the order, applied once.

    Rejected (and logged): a bad signature, an unknown order, an amount that differs from the
    order's. A callback for an order already settled changes nothing and is logged as a replay.
    A successful payment marks the order paid and runs the dossier's `pay` as its applicant; if
    the dossier no longer waits for this money (withdrawn, stopped), the payment stays paid but
    not applied, shown as to be refunded.
    """
    now = _now(now)
    gateway = gateways.get(gateway_name)
    if gateway is None:
        raise ActionInvalid("unknown_gateway", _("Cổng thanh toán không được hỗ trợ."))
    params = _flatten(params)

    def reply(outcome, reason="", payment=None, order_id=""):
        GatewayCallback.objects.create(
            gateway=gateway.name,
            channel=channel[:10],
            order_id=order_id[:100],
            payment=payment,
            params=params,
            outcome=outcome,
            reason=reason,
            remote_addr=remote_addr or None,
        )
        return CallbackReply(outcome, reason, payment, gateway.ack(outcome, reason))

    try:
        result = gateway.verify_callback(params)
    except CallbackRejected as exc:
        with transaction.atomic():
            return reply(CallbackOutcome.REJECTED, exc.reason, order_id=exc.order_id)

    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .filter(gateway=gateway.name, order_id=result.order_id)
            .first()
        )
        if payment is None:
            return reply(CallbackOutcome.REJECTED, "unknown_order", order_id=result.order_id)
        if result.amount != payment.amount:
            return reply(CallbackOutcome.REJECTED, "amount_mismatch", payment, result.order_id)
        if payment.state in RECEIVED_STATES or payment.state == PaymentState.FAILED:
            return reply(CallbackOutcome.REPLAY, "replay", payment, result.order_id)
        if not result.success:
            if payment.state != PaymentState.PENDING:
                return reply(CallbackOutcome.REJECTED, "not_pending", payment, result.order_id)
            payment.state = PaymentState.FAILED
            payment.gateway_code = result.response_code[:20]
            payment.save(update_fields=["state", "gateway_code"])
            return reply(CallbackOutcome.ACCEPTED, "", payment, result.order_id)
        # Money was taken, even for an order we had cancelled or let expire: record it.
        payment.state = PaymentState.PAID
        payment.paid_at = now
        payment.gateway_txn = result.transaction_no
        payment.gateway_code = result.response_code[:20]
        payment.bank_code = result.bank_code
        payment.save()
        _apply_online(payment, now)
        return reply(CallbackOutcome.ACCEPTED, "", payment, result.order_id)


def _apply_online(payment: Payment, now: datetime) -> None:
    req = PaymentRequest.objects.select_for_update().get(pk=payment.request_id)
    dossier = payment.dossier
    if req.status != RequestStatus.OPEN or dossier.applicant_user is None:
        return
    token = applying_payment.set(payment.pk)
    try:
        with transaction.atomic():  # a savepoint: a refused `pay` leaves the payment recorded
            dossier_services.pay(
                dossier,
                dossier.applicant_user,
                amount=payment.amount,
                receipt_number=payment.order_id,
                note=str(
                    format_lazy(
                        _("Thanh toán trực tuyến qua {gateway}, mã giao dịch {txn}."),
                        gateway=payment.gateway,
                        txn=payment.gateway_txn or payment.order_id,
                    )
                ),
                now=now,
            )
    except DossierError:
        pass  # not applied: shown as to be refunded
    finally:
        applying_payment.reset(token)
    payment.refresh_from_db(fields=["applied"])


def return_result(gateway_name: str, params) -> Payment | None:
    """The browser's return: verified, then our record of the order (the IPN decides)."""
    gateway = gateways.get(gateway_name)
    if gateway is None:
        return None
    try:
        result = gateway.verify_return(_flatten(params))
    except CallbackRejected:
        return None
    return Payment.objects.filter(gateway=gateway.name, order_id=result.order_id).first()


def expire_pending(now=None) -> int:
    """Pending online orders past their time are expired (a late success is still recorded)."""
    now = _now(now)
    return Payment.objects.filter(state=PaymentState.PENDING, expires_at__lt=now).update(
        state=PaymentState.EXPIRED
    )


# --- refunds --------------------------------------------------------------------------------------


def may_refund(user, payment: Payment) -> bool:
    """Leaders (and managers above them) of the collecting or the competent agency."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    scope = agency_scope(user, (Role.LEADER, Role.MANAGER))
    return payment.agency_id in scope or payment.competent_agency_id in scope


def refund(payment: Payment, officer, *, amount, reason, reference="", now=None) -> Refund:
    """Return part or all of a received payment; audited."""
    now = _now(now)
    reason = (reason or "").strip()
    if not may_refund(officer, payment):
        raise ActionDenied(
            "refund_not_allowed",
            _("Chỉ lãnh đạo đơn vị thu hoặc cơ quan có thẩm quyền mới được hoàn tiền."),
        )
    if not reason:
        raise ActionInvalid("reason_required", _("Phải nêu lý do."), field="reason")
    with transaction.atomic():
        p = Payment.objects.select_for_update().get(pk=payment.pk)
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise ActionInvalid(
                "invalid_amount", _("Số tiền phải là số nguyên dương (đồng)."), field="amount"
            )
        if p.state not in RECEIVED_STATES or amount > p.refundable:
            raise ActionInvalid(
                "refund_too_large",
                format_lazy(
                    _("Chỉ còn hoàn được tối đa {amount} đồng."), amount=_vnd(p.refundable)
                ),
                field="amount",
            )
        r = Refund.objects.create(
            payment=p,
            amount=amount,
            reason=reason,
            reference=(reference or "").strip()[:100],
            created_by=officer,
            created_at=now,
        )
        p.refunded_amount += amount
        p.state = (
            PaymentState.REFUNDED
            if p.refunded_amount == p.amount
            else PaymentState.PARTIALLY_REFUNDED
        )
        p.save(update_fields=["refunded_amount", "state"])
        record(
            officer,
            "payments.refund",
            "payment",
            p.pk,
            f"Hoàn {_vnd(amount)} đ, giao dịch {p.order_id}",
            amount=amount,
            reason=reason,
            dossier=p.dossier.code or str(p.dossier.public_id),
            refund=r.pk,
        )
    payment.refresh_from_db()
    return r


# --- reading --------------------------------------------------------------------------------------


def payments_visible_to(user):
    """Payments an officer may list: collected by, or for, an agency of their scope."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Payment.objects.none()
    if user.is_superuser:
        return Payment.objects.all()
    scope = agency_scope(user)
    return Payment.objects.filter(Q(agency_id__in=scope) | Q(competent_agency_id__in=scope))


def local_day(value: datetime) -> date:
    return value.astimezone(VN_TZ).date()
