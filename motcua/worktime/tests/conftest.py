"""Fixtures of the worktime tests."""

import pytest

from motcua.agencies.models import Agency, AgencyKind
from motcua.worktime import selectors, services


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    # The database is rolled back between tests but the in-process cache is not.
    selectors.clear_cache()
    yield
    selectors.clear_cache()


@pytest.fixture
def seeded(db):
    """The calendar table of 2024–2026 as `motcua seed-calendar` writes it."""
    return services.seed_calendar([2024, 2025, 2026])


@pytest.fixture
def vn_calendar(seeded):
    return selectors.get_work_calendar()


@pytest.fixture
def center(db):
    return Agency.objects.create(
        name="Trung tâm Phục vụ hành chính công tỉnh", kind=AgencyKind.SERVICE_CENTER, e_id="H22.40"
    )
