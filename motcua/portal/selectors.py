"""Reads for the portal pages (the views stay thin)."""

from motcua.agencies.models import Agency, AgencyKind


def home_context() -> dict:
    centers = Agency.objects.filter(kind=AgencyKind.SERVICE_CENTER, is_active=True).order_by("e_id")
    return {"centers": list(centers[:5])}
