"""Project-wide pytest configuration."""

import os

import pytest


def pytest_report_header(config):
    url = os.environ.get("DATABASE_URL", "")
    if url:
        return f"database: PostgreSQL ({url.split('?')[0]})"
    return "database: SQLite (DATABASE_URL is not set; CI runs on PostgreSQL)"


def pytest_collection_modifyitems(config, items):
    """`@pytest.mark.postgres(reason=…)`: the test needs PostgreSQL; on SQLite it is skipped
    with its reason printed (the README's `make test` runs on SQLite without DATABASE_URL)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    for item in items:
        marker = item.get_closest_marker("postgres")
        if marker is not None:
            reason = marker.kwargs.get("reason", "needs PostgreSQL")
            item.add_marker(pytest.mark.skip(reason=f"{reason} (set DATABASE_URL)"))


def pytest_sessionfinish(session, exitstatus):
    # "No tests ran" must never pass as success.
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.USAGE_ERROR


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
