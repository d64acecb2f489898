"""API v1 endpoints of the signing app (included by motcua.api.urls)."""

from django.urls import path

from . import api

urlpatterns = [
    path("verify", api.VerifyView.as_view(), name="signing-verify"),
    path("signing/requests", api.SigningRequestsView.as_view(), name="signing-requests"),
    path(
        "signing/requests/<uuid:id>/signature",
        api.SignatureView.as_view(),
        name="signing-request-signature",
    ),
]
