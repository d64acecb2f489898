"""Periodic work of the payments app (scheduled in motcua/celery.py)."""

from celery import shared_task

from . import services


@shared_task(name="payments.expire", ignore_result=True)
def expire() -> int:
    """Online orders past their time are marked expired (a late success is still recorded)."""
    return services.expire_pending()
