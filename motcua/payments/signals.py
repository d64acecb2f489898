"""The payments rows follow the dossier's events (dossiers.signals.event_appended, sent inside
the action's transaction): whichever way a payment action was taken (this app's services, the
dossier API, the generic back-office action form), its request and payment are recorded.

Fees due before delivery need nothing special here: the dossier waits in `awaiting_payment`
(asked after the decision) and the lifecycle itself refuses `deliver` until `pay`."""

from __future__ import annotations

from motcua.dossiers.lifecycle import Action, ActorKind
from motcua.dossiers.signals import event_appended

from .models import Payment, PaymentMethod, PaymentRequest, PaymentState, RequestStatus


def _on_request_payment(event, dossier) -> None:
    data = event.data or {}
    lines = [
        {"fee": None, "name": item.get("name", ""), "amount": item.get("amount")}
        for item in data.get("items", [])
    ]
    # One open request per dossier: one left open by an earlier cycle is superseded.
    PaymentRequest.objects.filter(dossier_id=dossier.pk, status=RequestStatus.OPEN).update(
        status=RequestStatus.CANCELLED, closed_at=event.at
    )
    PaymentRequest.objects.create(
        dossier_id=dossier.pk,
        event=event,
        amount=int(data.get("amount") or 0),
        lines=lines,
        requested_by_id=event.actor_id,
        created_at=event.at,
    )


def _on_pay(event, dossier) -> None:
    from .services import _create_payment, applying_payment, close_request

    req = (
        PaymentRequest.objects.select_for_update()
        .filter(dossier_id=dossier.pk, status=RequestStatus.OPEN)
        .first()
    )
    if req is None:
        return
    data = event.data or {}
    online = applying_payment.get()
    paid_by = None
    if online is not None:
        Payment.objects.filter(pk=online).update(applied=True)
        paid_by = Payment(pk=online)
    else:
        paid_by = _create_payment(
            request=req,
            dossier_id=dossier.pk,
            agency_id=dossier.receiving_agency_id or dossier.competent_agency_id,
            competent_agency_id=dossier.competent_agency_id,
            method=PaymentMethod.COUNTER
            if event.role == ActorKind.RECEPTIONIST
            else PaymentMethod.OTHER,
            amount=int(data.get("amount") or req.amount),
            state=PaymentState.PAID,
            receipt_number=data.get("receipt_number") or "",
            applied=True,
            created_by_id=event.actor_id,
            created_at=event.at,
            paid_at=event.at,
        )
    close_request(req, event.at, paid_by=paid_by)


def _on_end(event, dossier) -> None:
    for req in PaymentRequest.objects.filter(dossier_id=dossier.pk, status=RequestStatus.OPEN):
        req.status = RequestStatus.CANCELLED
        req.closed_at = event.at
        req.save(update_fields=["status", "closed_at"])
        req.payments.filter(state=PaymentState.PENDING).update(state=PaymentState.CANCELLED)


HANDLERS = {
    Action.REQUEST_PAYMENT.value: _on_request_payment,
    Action.PAY.value: _on_pay,
    Action.WITHDRAW.value: _on_end,
    Action.STOP.value: _on_end,
}


def on_event(sender, event, dossier, **kwargs) -> None:
    handler = HANDLERS.get(str(event.action))
    if handler is not None:
        handler(event, dossier)


def connect() -> None:
    event_appended.connect(on_event, dispatch_uid="motcua.payments.on_event")
