"""Duplicate gateway callbacks at the same instant pay once (PostgreSQL row locks)."""

import pytest

from motcua.common.testing import run_together as together
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

    def call():
        return services.handle_callback("vnpay", params).outcome

    outcomes = sorted(together([call] * 4))
    assert outcomes == ["accepted", "replay", "replay", "replay"]
    assert d.events.filter(action="pay").count() == 1
    assert Payment.objects.get().state == PaymentState.PAID
    assert GatewayCallback.objects.count() == 4
