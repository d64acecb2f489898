"""Inclusion tags that fill the payments slots of the portal and back-office pages."""

from django import template

from motcua.dossiers import services as dossier_services
from motcua.dossiers.lifecycle import Action, ActorKind, State, check

from .. import services
from ..gateways import base as gateways
from ..models import (
    RECEIVED_STATES,
    ExemptionCategory,
    FeeTiming,
    Payment,
    RequestStatus,
)

register = template.Library()


@register.filter
def vnd(value) -> str:
    """12345678 → 12.345.678"""
    try:
        return f"{int(value):,}".replace(",", ".")
    except (TypeError, ValueError):
        return ""


def _payments(dossier):
    return list(
        Payment.objects.filter(dossier=dossier)
        .exclude(state="pending", method="online", request__status=RequestStatus.CANCELLED)
        .prefetch_related("refunds")
        .order_by("-created_at", "-id")
    )


@register.inclusion_tag("payments/_portal_panel.html", takes_context=True)
def payments_portal_panel(context):
    dossier = context.get("dossier")
    request = context.get("request")
    if dossier is None or dossier.state == State.DRAFT:
        return {"show": False}
    req = services.open_request(dossier)
    payments = [p for p in _payments(dossier) if p.state in RECEIVED_STATES or p.state == "failed"]
    mine = request is not None and dossier.applicant_user_id == getattr(request.user, "pk", None)
    waiting = dossier.state == State.AWAITING_PAYMENT
    can_pay = mine and req is not None and waiting and bool(req.amount)
    fees = list(dossier.procedure_version.fees.order_by("position"))
    return {
        "show": bool(req or payments or fees),
        "dossier": dossier,
        "req": req,
        "waiting": waiting,
        # Asked after the decision: the result is handed over once paid.
        "before_delivery": waiting and dossier.decided_at is not None,
        "fees": fees,
        "payments": payments,
        "can_pay": can_pay,
        "gateways": gateways.enabled() if can_pay else [],
        "csrf_token": context.get("csrf_token"),
    }


def _may(dossier, user, action, kinds=None) -> bool:
    for kind, facts in dossier_services.facts_for(dossier, user):
        if (kinds is None or kind in kinds) and check(action, facts, kind).ok:
            return True
    return False


@register.inclusion_tag("payments/_backoffice_panel.html", takes_context=True)
def payments_backoffice_panel(context):
    dossier = context.get("dossier")
    request = context.get("request")
    if dossier is None or request is None:
        return {"show": False}
    user = request.user
    req = services.open_request(dossier)
    decided = dossier.state == State.DECIDED
    # The lifecycle says who: the step officer during processing, after the decision a
    # receptionist who may hand over the result; a receptionist collects.
    can_request = _may(dossier, user, Action.REQUEST_PAYMENT)
    can_collect = req is not None and _may(dossier, user, Action.PAY, {ActorKind.RECEPTIONIST})
    fees = list(dossier.procedure_version.fees.select_related("payment_rule").order_by("position"))
    preview = None
    if can_request and fees:
        timings = None if decided else services.due_timings(dossier)
        preview = services.amount_due(dossier, timings=timings)
    # Fees due before the result that nobody asked for yet: asked at the decision step, before
    # the leader approves, or after the decision by who hands over the result.
    result_fees = []
    if dossier.state in (State.PROCESSING, State.DECIDED) and fees:
        result_fees = services.amount_due(dossier, timings={FeeTiming.BEFORE_RESULT.value}).lines
    payments = _payments(dossier)
    for p in payments:
        p.may_refund = p.refundable > 0 and services.may_refund(user, p)
    return {
        "show": bool(fees or req or payments),
        "dossier": dossier,
        "ref": context.get("ref"),
        "req": req,
        "fees": [(f, services.fee_timing(f)) for f in fees],
        "timings": dict(FeeTiming.choices),
        "preview": preview,
        "categories": list(ExemptionCategory.objects.filter(is_active=True)) if can_request else [],
        "can_request": can_request and preview is not None and bool(preview.lines),
        "can_collect": can_collect,
        "result_fees": result_fees,
        "payments": payments,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("payments/_backoffice_nav.html", takes_context=True)
def payments_backoffice_nav(context):
    request = context.get("request")
    staff = context.get("staff")
    return {"show": bool(request and staff and staff.is_staff), "request": request}
