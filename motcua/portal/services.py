"""Writes made by the portal."""

from django.db.models import F

from motcua.catalog.models import Procedure


def count_view(procedure: Procedure) -> None:
    """Count a view of the procedure page (feeds the home page's popular procedures).

    One atomic UPDATE, no save(): concurrent views never lose counts and no signal fires.
    """
    Procedure.objects.filter(pk=procedure.pk).update(popularity=F("popularity") + 1)
