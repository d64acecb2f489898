"""Celery application. Eager (in-process) when REDIS_URL is not set, so the demo needs no broker.

Production runs a worker and a beat (`motcua worker` and `celery -A motcua beat`, or one process
with `motcua worker -B`); see docs/notifications.md. Beat times are in CELERY_TIMEZONE
(Asia/Ho_Chi_Minh).
"""

import os

from celery import Celery, signals
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")

app = Celery("motcua")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_postrun.connect
def drop_broken_connections(**_kwargs) -> None:
    """With CELERY_DB_REUSE_MAX a worker keeps its connections between tasks: one that failed
    (server restarted, network cut) is closed here, so the next task opens a new one."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and conn.errors_occurred and not conn.is_usable():
            conn.close()


app.conf.beat_schedule = {
    # The outbox is the source of truth: re-queue lost tasks, retries whose backoff is over, and
    # messages a killed worker left `sending`.
    "notifications-flush": {"task": "notifications.flush", "schedule": 60.0},
    # Hourly during office hours on weekdays and Saturdays (make-up working days).
    "notifications-due-soon": {
        "task": "notifications.due_soon",
        "schedule": crontab(minute=5, hour="7-17", day_of_week="mon-sat"),
    },
    "notifications-digest": {
        "task": "notifications.digest",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon-sat"),
    },
    # Clean-ups: unpaid online orders, external signing requests, old idempotency keys.
    "payments-expire": {"task": "payments.expire", "schedule": 300.0},
    "signing-purge-requests": {"task": "signing.purge_requests", "schedule": 3600.0},
    # Online intake: re-queue acknowledged submissions whose task was lost (dossiers/intake.py).
    "dossiers-sweep-submissions": {"task": "dossiers.sweep_submissions", "schedule": 60.0},
    "dossiers-purge-idempotency-keys": {
        "task": "dossiers.purge_idempotency_keys",
        "schedule": crontab(minute=30, hour=2),
    },
}
