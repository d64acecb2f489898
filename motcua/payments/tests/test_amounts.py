"""Amounts due from the catalog, with exemptions and timings; the fee request."""

import pytest

from motcua.dossiers.errors import ActionDenied, ActionInvalid
from motcua.dossiers.lifecycle import State
from motcua.dossiers.tests import factories as f
from motcua.payments import services
from motcua.payments.models import PaymentRequest, RequestStatus

from .conftest import before_result

NOW = f.vn(2025, 10, 9, 9)


def test_amount_due_without_exemption_is_the_catalog_total(p, fees):
    d = f.dossier_in(p, "processing", step=1)
    due = services.amount_due(d)
    assert [line.amount for line in due.lines] == [200_000, 50_000]
    assert due.total == due.base_total == 250_000


def test_the_largest_reduction_applies_per_fee_and_rounds_down(p, fees):
    d = f.dossier_in(p, "processing", step=1)
    due = services.amount_due(d, ["nguoi-co-cong"])
    # 200.000 − 50% = 100.000; 50.000 − 33% = 33.500
    assert [(line.percent, line.amount) for line in due.lines] == [(50, 100_000), (33, 33_500)]
    both = services.amount_due(d, ["nguoi-co-cong", "ho-ngheo"])
    assert [line.amount for line in both.lines] == [0, 33_500]
    assert both.exemptions == ("ho-ngheo", "nguoi-co-cong")


def test_unknown_or_inactive_category_is_refused(p, fees):
    d = f.dossier_in(p, "processing", step=1)
    with pytest.raises(ActionInvalid) as info:
        services.amount_due(d, ["khong-co"])
    assert info.value.code == "unknown_exemption"


def test_request_fees_puts_the_dossier_in_awaiting_payment_with_lines(p, fees):
    d = f.dossier_in(p, "processing", step=1)
    req = services.request_fees(d, p.specialist, exemptions=["nguoi-co-cong"], now=NOW)
    d.refresh_from_db()
    assert d.state == State.AWAITING_PAYMENT
    assert d.get_state_display() == "Chờ thực hiện nghĩa vụ tài chính"
    assert req.amount == 133_500 and req.status == RequestStatus.OPEN
    assert req.exemptions == ["nguoi-co-cong"]
    assert [line["amount"] for line in req.lines] == [100_000, 33_500]
    event = d.events.get(action="request_payment")
    assert event.data["amount"] == 133_500 and req.event_id == event.pk
    assert "giảm 50%" in event.data["items"][0]["name"]


def test_only_the_step_officer_requests_fees(p, fees):
    d = f.dossier_in(p, "processing", step=1)
    with pytest.raises(ActionDenied):
        services.request_fees(d, p.specialist2, now=NOW)
    assert not PaymentRequest.objects.exists()


def test_fully_exempt_needs_no_request(p, fees):
    charge, fee = fees
    fee.delete()
    d = f.dossier_in(p, "processing", step=1)
    with pytest.raises(ActionInvalid) as info:
        services.request_fees(d, p.specialist, exemptions=["ho-ngheo"], now=NOW)
    assert info.value.code == "fully_exempt"
    d.refresh_from_db()
    assert d.state == State.PROCESSING


def test_fees_due_before_the_result_are_asked_at_the_decision_step_only(p, fees):
    charge, fee = fees
    before_result(charge)
    d = f.dossier_in(p, "processing", step=1)
    req = services.request_fees(d, p.specialist, now=NOW)
    assert req.amount == 50_000 and req.timing == "before_processing"
    services.record_counter_payment(d, p.receptionist, receipt_number="0000123", now=NOW)
    d.refresh_from_db()
    d = f.services.forward(d, p.specialist, officer=p.leader, now=f.vn(2025, 10, 9, 10))
    assert services.at_decision_step(d)
    # The fee already paid is not asked again; the charge due before the result is.
    req2 = services.request_fees(d, p.leader, now=f.vn(2025, 10, 9, 11))
    assert req2.amount == 200_000 and req2.timing == "before_result"
    d.refresh_from_db()
    assert d.state == State.AWAITING_PAYMENT and d.step_index == 2


def test_a_payment_request_made_elsewhere_is_recorded_too(p):
    # The dossier API's generic request_payment (factories use it) opens a request as well.
    d = f.dossier_in(p, "awaiting_payment")
    req = services.open_request(d)
    assert req.amount == 200_000 and req.lines[0]["name"] == "Phí"


def test_withdrawal_cancels_the_open_request(p, fees):
    d = f.dossier_in(p, "processing", step=1)
    services.request_fees(d, p.specialist, now=NOW)
    f.services.withdraw(d, p.citizen, reason="Không còn nhu cầu", now=f.vn(2025, 10, 9, 10))
    assert PaymentRequest.objects.get().status == RequestStatus.CANCELLED
