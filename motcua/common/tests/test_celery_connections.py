"""Workers reuse their database connection between tasks (CELERY_DB_REUSE_MAX), and drop one
that failed (motcua.celery.drop_broken_connections)."""

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connection

from motcua.celery import app, drop_broken_connections


def test_the_worker_reuses_connections_between_tasks():
    assert app.conf.get("CELERY_DB_REUSE_MAX") == settings.CELERY_DB_REUSE_MAX > 0


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.postgres(reason="a server-side disconnection of the connection")
@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_dropped_is_closed_after_the_task_and_a_healthy_one_kept():
    pid = _backend_pid()
    drop_broken_connections()
    assert _backend_pid() == pid  # healthy: kept
    params = connection.get_connection_params()
    with psycopg.connect(
        **{k: v for k, v in params.items() if k in ("dbname", "user", "host", "port")},
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    with pytest.raises(OperationalError), connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    drop_broken_connections()
    assert connection.connection is None
    assert _backend_pid() != pid  # the next task connects anew
