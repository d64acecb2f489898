"""Periodic work of the signing app (scheduled in motcua/celery.py)."""

from celery import shared_task

from . import services


@shared_task(name="signing.purge_requests")
def purge_requests() -> int:
    """Expire overdue external signing requests and drop their prepared PDFs."""
    return services.purge_expired_requests()
