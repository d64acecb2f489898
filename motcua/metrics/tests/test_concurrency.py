"""Concurrent submissions on PostgreSQL: real threads, each with its own connection, released
together. They all add to the same roll-up rows (same day, agencies, procedure, channel), which
none of them finds at first: the upsert must lose no increment and raise no conflict."""

import pytest
from django.db.models import Sum

from motcua.common.testing import run_together as together
from motcua.dossiers import services
from motcua.dossiers.tests import factories as f
from motcua.metrics.models import DailyRollup, MonthlyRollup

pytestmark = [
    pytest.mark.postgres(reason="concurrent transactions on one roll-up row need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def p(transactional_db):
    yield from f.province_fixture()


def test_concurrent_submissions_count_once_each(p):
    drafts = [f.new_dossier(p, now=f.T0) for _ in range(6)]
    together([lambda d=d: services.submit(d, p.citizen, now=f.T0) for d in drafts])
    assert DailyRollup.objects.count() == 1
    assert DailyRollup.objects.aggregate(n=Sum("submitted"))["n"] == len(drafts)
    assert MonthlyRollup.objects.get().submitted == len(drafts)
