"""API v1 endpoints of the metrics app (included by motcua.api.urls)."""

from django.urls import path

from . import api

urlpatterns = [
    path("indicators", api.IndicatorsView.as_view(), name="indicators"),
    path("indicators/index", api.IndexView.as_view(), name="indicators-index"),
    path("indicators/extra-sessions", api.ExtraSessionsView.as_view(), name="indicators-extra"),
]
