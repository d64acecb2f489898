"""Celery tasks. Each is a thin wrapper: the outbox logic is in services.py.

`deliver_message` never raises for a provider failure (the row records it and the flush retries
it after the backoff), so an eager run after commit cannot turn a committed action into an error.
"""

from celery import shared_task

from . import services


@shared_task(name="notifications.deliver", ignore_result=True)
def deliver_message(key: str) -> str | None:
    return services.deliver(key)


@shared_task(name="notifications.flush", ignore_result=True)
def flush_outbox() -> int:
    return services.flush()


@shared_task(name="notifications.due_soon", ignore_result=True)
def send_due_soon() -> int:
    return services.send_due_soon()


@shared_task(name="notifications.digest", ignore_result=True)
def send_digests() -> int:
    return services.send_digests()
