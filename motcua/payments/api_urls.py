"""API v1 endpoints of the payments app (included by motcua.api.urls)."""

from django.urls import path

from . import api

urlpatterns = [
    path(
        "dossiers/<str:ref>/payments",
        api.DossierPaymentsView.as_view(),
        name="dossier-payments",
    ),
    path(
        "payments/<str:gateway>/callback",
        api.GatewayCallbackView.as_view(),
        name="payment-callback",
    ),
]
