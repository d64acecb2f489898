"""The Celery beat schedule names only registered tasks, and the clean-up tasks do their work."""

from datetime import timedelta

import pytest
from django.utils import timezone

from motcua.celery import app
from motcua.dossiers.models import IdempotencyKey


def test_every_beat_entry_is_a_registered_task():
    app.loader.import_default_modules()
    names = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"payments.expire", "signing.purge_requests", "dossiers.purge_idempotency_keys"} <= names
    missing = names - set(app.tasks)
    assert not missing, f"beat names unregistered tasks: {missing}"


@pytest.mark.django_db
def test_purge_idempotency_keys_task_drops_only_old_keys():
    old = IdempotencyKey.objects.create(
        key="k-old", scope="POST /api/v1/dossiers", request_hash="a"
    )
    IdempotencyKey.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    fresh = IdempotencyKey.objects.create(
        key="k-new", scope="POST /api/v1/dossiers", request_hash="b"
    )
    from motcua.dossiers.tasks import purge_idempotency_keys

    assert purge_idempotency_keys.delay().get() == 1
    assert list(IdempotencyKey.objects.values_list("pk", flat=True)) == [fresh.pk]
