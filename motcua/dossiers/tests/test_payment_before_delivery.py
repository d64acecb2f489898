"""Fees due before the result is handed over: a real lifecycle state after the decision.

decided → request_payment (a receptionist who may deliver) → awaiting_payment (national status 6,
shown by tracking with "pay" as the next thing to do, never overdue) → deliver refused by the
lifecycle → pay (applicant or cashier) → decided → deliver.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from motcua.dossiers import selectors, services, tracking
from motcua.dossiers.chain import first_broken_link
from motcua.dossiers.errors import ActionDenied, ActionInvalid
from motcua.dossiers.lifecycle import (
    Action,
    DeliveryMethod,
    OpenStatus,
    State,
    clock_running,
    is_overdue,
    open_status,
)
from motcua.dossiers.models import Event, Pause

from . import factories as f
from .helpers import DUE_AT
from .test_api_support import act, api, assert_error, detail_url, dossier_now

FEE = {"amount": 150_000, "items": [{"name": "Lệ phí cấp giấy phép", "amount": 150_000}]}


@pytest.fixture
def p(db):
    yield from f.province_fixture()


def _open_records(d):
    return list(d.step_records.filter(finished_at__isnull=True).values_list("id", "index"))


def _chain_ok(d) -> bool:
    return first_broken_link(Event.objects.filter(dossier=d).order_by("seq")) is None


# --- the pure helpers ----------------------------------------------------------------------------


@pytest.mark.parametrize("pauses", [True, False])
def test_awaiting_payment_after_the_decision_is_never_overdue_nor_open(pauses):
    late = DUE_AT + timedelta(days=90)
    kw = {"payment_pauses_clock": pauses, "previous_state": State.DECIDED}
    assert not clock_running(State.AWAITING_PAYMENT, **kw)
    assert not is_overdue(DUE_AT, late, State.AWAITING_PAYMENT, **kw)
    assert open_status(DUE_AT, late, State.AWAITING_PAYMENT, **kw) is None
    # During processing nothing changed: overdue exactly when the payment does not pause.
    kw["previous_state"] = State.PROCESSING
    assert is_overdue(DUE_AT, late, State.AWAITING_PAYMENT, **kw) is (not pauses)
    expected = OpenStatus.NOT_YET_DUE if pauses else OpenStatus.OVERDUE
    assert open_status(DUE_AT, late, State.AWAITING_PAYMENT, **kw) == expected


# --- the services ----------------------------------------------------------------------------------


@pytest.mark.parametrize("pauses", [True, False])
def test_request_after_the_decision_waits_blocks_delivery_and_pay_returns_to_decided(
    p, settings, pauses
):
    settings.MOTCUA_PAYMENT_PAUSES_CLOCK = pauses
    d = f.dossier_in(p, "decided")
    due, decided_at, records = d.due_at, d.decided_at, _open_records(d)
    assert len(records) == 1  # the return step, at the receptionist's desk
    later = due + timedelta(days=30)  # long past the due time

    d = services.request_payment(d, p.receptionist, now=later, **FEE)
    assert d.state == State.AWAITING_PAYMENT and d.previous_state == State.DECIDED
    assert d.paused_since is None and d.due_at == due and d.decided_at == decided_at
    assert not Pause.objects.filter(dossier=d).exclude(ended_at__isnull=False).exists()
    assert _open_records(d) == records
    event = d.events.get(action=Action.REQUEST_PAYMENT)
    assert event.from_state == State.DECIDED and event.to_state == State.AWAITING_PAYMENT
    assert event.data["national_codes"] == [6] and "pause_clock" not in event.data["effects"]

    # Not overdue anywhere: tracking (the page, the portal list), the worklist, the API.
    assert not tracking.overdue(d, later)
    listed = selectors.with_overdue(type(d).objects.filter(pk=d.pk), later).get()
    assert not listed.is_overdue

    with pytest.raises(ActionInvalid) as info:
        services.deliver(d, p.receptionist, method=DeliveryMethod.COUNTER, now=later)
    assert info.value.code == "state_not_allowed"
    with pytest.raises(ActionInvalid) as info:
        services.withdraw(d, p.citizen, reason="Không cần nữa", now=later)
    assert info.value.code == "already_decided"
    with pytest.raises(ActionInvalid) as info:
        services.stop(d, p.receptionist, reason="x", now=later)
    assert info.value.code == "already_decided"

    d = services.pay(d, p.citizen, amount=150_000, receipt_number="TT-1", now=later)
    assert d.state == State.DECIDED and d.previous_state == ""
    assert d.due_at == due and d.paused_since is None and _open_records(d) == records
    pay = d.events.get(action=Action.PAY)
    assert pay.to_state == State.DECIDED and "resume_clock" not in pay.data["effects"]
    assert "paused_seconds" not in pay.data

    d = services.deliver(
        d, p.receptionist, method=DeliveryMethod.COUNTER, delivered_to="Hoàng Văn Nam", now=later
    )
    assert d.state == State.RETURNED and _open_records(d) == []
    assert [e.action for e in d.events.order_by("seq")][-4:] == [
        "approve",
        "request_payment",
        "pay",
        "deliver",
    ]
    assert _chain_ok(d)


def test_the_cashier_collects_after_the_decision(p):
    d = f.dossier_in(p, "decided")
    d = services.request_payment(d, p.receptionist, **FEE)
    d = services.pay(d, p.receptionist, amount=150_000, receipt_number="BL-9")
    assert d.state == State.DECIDED
    assert d.events.get(action=Action.PAY).role == "receptionist"


def test_who_asks_for_payment_after_the_decision(p):
    d = f.dossier_in(p, "decided")
    # The leader who signed and the specialist no longer hold the dossier; another commune's
    # receptionist never did.
    for officer in (p.leader, p.specialist, p.other_commune_receptionist):
        with pytest.raises(ActionDenied):
            services.request_payment(d, officer, **FEE)
    d.refresh_from_db()
    assert d.state == State.DECIDED and not d.events.filter(action="request_payment").exists()
    d = services.request_payment(d, p.receptionist2, **FEE)  # any counter of the center
    with pytest.raises(ActionInvalid) as info:
        services.request_payment(d, p.receptionist, **FEE)
    assert info.value.code == "state_not_allowed"


def test_a_payment_during_processing_still_returns_to_processing_and_resumes(p):
    d = f.dossier_in(p, "processing", step=1)
    d = services.request_payment(d, p.specialist, **FEE)
    assert d.previous_state == State.PROCESSING and d.paused_since is not None
    d = services.pay(d, p.citizen, amount=150_000)
    assert d.state == State.PROCESSING and d.previous_state == "" and d.paused_since is None
    assert "resume_clock" in d.events.get(action=Action.PAY).data["effects"]


def test_a_row_awaiting_payment_without_previous_state_returns_to_processing(p):
    # Written before payment after the decision existed: previous_state was never recorded.
    d = f.dossier_in(p, "awaiting_payment")
    type(d).objects.filter(pk=d.pk).update(previous_state="")
    d.refresh_from_db()
    d = services.pay(d, p.citizen, amount=d.events.get(action="request_payment").data["amount"])
    assert d.state == State.PROCESSING


# --- over HTTP: the API and public tracking --------------------------------------------------------


def test_api_and_tracking_follow_the_payment_after_the_decision(p):
    d = dossier_now(p, "decided")
    staff = api(p.receptionist).get(detail_url(d)).json()
    assert "request_payment" in staff["allowed_actions"] and "deliver" in staff["allowed_actions"]
    assert "request_payment" not in api(p.leader).get(detail_url(d)).json()["allowed_actions"]

    asked = act(p.receptionist, d, "request_payment", FEE)
    assert asked.status_code == 200, asked.json()
    body = asked.json()
    assert body["status"]["code"] == "awaiting_payment" and body["status"]["national_code"] == 6
    assert body["overdue"] is False and body["paused"] is False
    assert_error(act(p.receptionist, d, "deliver", {"method": "online"}), 400, "state_not_allowed")
    assert api(p.citizen).get(detail_url(d)).json()["allowed_actions"] == ["pay"]

    d.refresh_from_db()
    seen = api().get(f"/api/v1/tracking/{d.code}", {"secret": d.tracking_secret}).json()
    assert seen["status"] == {
        "code": "awaiting_payment",
        "name": "Chờ thực hiện nghĩa vụ tài chính",
        "national_code": 6,
    }
    assert seen["overdue"] is False and seen["decided_at"] is not None
    assert seen["next"]["action"] == "pay"
    assert "kết quả được trả sau khi hoàn thành" in seen["next"]["detail"]
    assert seen["next"]["items"] == ["Lệ phí cấp giấy phép: 150.000 đồng"]

    paid = act(p.citizen, d, "pay", {"amount": 150_000, "receipt_number": "TT-2"})
    assert paid.status_code == 200, paid.json()
    assert (
        paid.json()["status"]["code"] == "decided" and paid.json()["status"]["national_code"] == 9
    )
    delivered = act(p.receptionist, d, "deliver", {"method": "online"})
    assert delivered.status_code == 200, delivered.json()
    assert delivered.json()["status"]["code"] == "returned"
    assert _chain_ok(d)


@pytest.mark.parametrize("pauses", [True, False])
def test_tracking_long_past_the_due_time_is_not_overdue(p, settings, client, pauses):
    settings.MOTCUA_PAYMENT_PAUSES_CLOCK = pauses
    d = f.dossier_in(p, "decided")  # in 2025: its due time is long past
    assert d.due_at < timezone.now()
    services.request_payment(d, p.receptionist, **FEE)
    d.refresh_from_db()
    view = tracking.track(d.code, d.tracking_secret)
    assert view.state == State.AWAITING_PAYMENT and view.national_code == 6
    assert not view.overdue and view.next.action == "pay"
    seen = api().get(f"/api/v1/tracking/{d.code}", {"secret": d.tracking_secret}).json()
    assert seen["overdue"] is False and seen["status"]["national_code"] == 6
    staff = api(p.receptionist).get(detail_url(d)).json()
    assert staff["overdue"] is False
    listed = api(p.receptionist).get("/api/v1/dossiers", {"state": "awaiting_payment"}).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [row["overdue"] for row in rows if row["code"] == d.code] == [False]


# --- the indicators --------------------------------------------------------------------------------


def test_metrics_count_the_payment_after_the_decision_and_rebuild_agrees(p, settings):
    from motcua.metrics import selectors as metrics
    from motcua.metrics.indicators import COUNTERS
    from motcua.metrics.models import DailyRollup
    from motcua.metrics.rebuild import rebuild

    settings.MOTCUA_PAYMENT_PAUSES_CLOCK = False
    d = f.dossier_in(p, "decided")
    seconds = DailyRollup.objects.values_list("processing_seconds", flat=True)
    before = sum(seconds)
    later = d.due_at + timedelta(days=10)
    d = services.request_payment(d, p.receptionist, now=later, **FEE)
    # Decided: neither open nor overdue in the snapshot, whatever the clock setting.
    snapshot = metrics.open_snapshot(later)[None]
    assert snapshot["open"] == 0 and snapshot["open_overdue"] == 0
    d = services.pay(d, p.citizen, amount=150_000, now=later)
    services.deliver(d, p.receptionist, method=DeliveryMethod.ONLINE, now=later)

    def totals():
        rows = DailyRollup.objects.values(*COUNTERS)
        return {c: sum(r[c] for r in rows) for c in COUNTERS}

    kept = totals()
    assert kept["payment_requested"] == 1 and kept["paid"] == 1 and kept["paid_online"] == 1
    assert kept["paid_amount"] == 150_000 and kept["decided"] == 1 and kept["returned"] == 1
    assert sum(seconds) == before  # the processing time ended at the decision
    rebuild()
    assert totals() == kept
