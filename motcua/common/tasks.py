from celery import shared_task


@shared_task
def ping() -> str:
    """A trivial task to check that the Celery wiring works (eager or through the broker)."""
    return "pong"
