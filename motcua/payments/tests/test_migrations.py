"""0004: requests still open from the old "pay before delivery" path (no dossier event) are
cancelled with their pending orders, so that they are asked again through the lifecycle."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from motcua.dossiers.tests import factories as f

BEFORE = [("payments", "0003_request_stage")]
AFTER = [("payments", "0004_request_stage_removed")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_open_requests_before_delivery_are_cancelled_and_the_stage_goes():
    for p in f.province_fixture():
        d = f.dossier_in(p, "decided")
        try:
            apps = _migrate(BEFORE)
            Request = apps.get_model("payments", "PaymentRequest")
            Payment = apps.get_model("payments", "Payment")
            now = timezone.now()
            old = Request.objects.create(
                dossier_id=d.pk, stage="delivery", amount=50_000, created_at=now
            )
            paid = Request.objects.create(
                dossier_id=d.pk,
                stage="delivery",
                amount=20_000,
                status="paid",
                created_at=now,
                closed_at=now,
            )
            order = Payment.objects.create(
                request=old,
                dossier_id=d.pk,
                agency_id=d.receiving_agency_id,
                competent_agency_id=d.competent_agency_id,
                method="online",
                gateway="demo",
                order_id="TT1",
                amount=50_000,
                created_at=now,
            )
        finally:
            apps = _migrate(AFTER)
        Request = apps.get_model("payments", "PaymentRequest")
        Payment = apps.get_model("payments", "Payment")
        assert Request.objects.get(pk=old.pk).status == "cancelled"
        assert Request.objects.get(pk=paid.pk).status == "paid"
        assert Payment.objects.get(pk=order.pk).state == "cancelled"
        assert "stage" not in {f.name for f in Request._meta.get_fields()}
