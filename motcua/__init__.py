"""Mộtcửa: a province's one-stop administrative-procedure system."""

from .celery import app as celery_app

__all__ = ["celery_app"]
