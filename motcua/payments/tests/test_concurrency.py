"""Duplicate gateway callbacks at the same instant pay once (PostgreSQL row locks)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from motcua.dossiers.tests import factories as f
from motcua.payments import services
from motcua.payments.models import GatewayCallback, Payment, PaymentState

from .conftest import add_fees
from .test_online import vnp_callback

pytestmark = [
    pytest.mark.postgres(reason="row locks and concurrent transactions need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def p(transactional_db):
    yield from f.province_fixture()


def test_concurrent_duplicate_callbacks_pay_once(p):
    add_fees(p.procedure)
    d = f.dossier_in(p, "processing", step=1)
    services.request_fees(d, p.specialist, now=f.vn(2025, 10, 9, 9))
    payment, _ = services.start_online_payment(d, p.citizen, "vnpay", return_url="http://x/")
    params = vnp_callback(payment)
    barrier = threading.Barrier(4)

    def call():
        try:
            barrier.wait(timeout=10)
            return services.handle_callback("vnpay", params).outcome
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = sorted(pool.map(lambda _i: call(), range(4)))
    assert outcomes == ["accepted", "replay", "replay", "replay"]
    assert d.events.filter(action="pay").count() == 1
    assert Payment.objects.get().state == PaymentState.PAID
    assert GatewayCallback.objects.count() == 4
