"""Periodic work of the dossiers app (scheduled in motcua/celery.py)."""

from datetime import timedelta

from celery import shared_task

from .management.commands.purge_idempotency_keys import purge, purge_submissions

# Well above any client's retry window: a retry after this runs as a new request.
IDEMPOTENCY_KEY_AGE = timedelta(days=7)


@shared_task(name="dossiers.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys() -> int:
    return purge(IDEMPOTENCY_KEY_AGE) + purge_submissions(IDEMPOTENCY_KEY_AGE)


# Online intake (dossiers/intake.py): the task of each acknowledgement, and the sweeper that
# re-queues rows whose task was lost.


@shared_task(name="dossiers.process_submission", ignore_result=True)
def process_submission(submission_id: str) -> int:
    from . import intake

    return intake.process_with_batch(submission_id)


@shared_task(name="dossiers.sweep_submissions", ignore_result=True)
def sweep_submissions() -> int:
    from . import intake

    return intake.sweep()
