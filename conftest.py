"""Project-wide pytest configuration."""

import os

import pytest


def pytest_report_header(config):
    url = os.environ.get("DATABASE_URL", "")
    if url:
        return f"database: PostgreSQL ({url.split('?')[0]})"
    return "database: SQLite (DATABASE_URL is not set; CI runs on PostgreSQL)"


def pytest_sessionfinish(session, exitstatus):
    # "No tests ran" must never pass as success.
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.USAGE_ERROR


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
