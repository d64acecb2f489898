"""API v1 routing. Each app keeps its endpoints in its own `api.py` and lists them in `api_urls`."""

from django.urls import include, path, re_path

from . import auth, views

app_name = "api"

urlpatterns = [
    # First: the public look-up is the hottest path and resolves in order.
    path("", include("motcua.dossiers.tracking_api_urls")),
    path("", views.root, name="root"),
    path("auth/token", auth.TokenView.as_view(), name="auth-token"),
    path("me", views.me, name="me"),
    path("", include("motcua.worktime.api_urls")),
    path("", include("motcua.catalog.api_urls")),
    path("", include("motcua.dossiers.api_urls")),
    path("", include("motcua.signing.api_urls")),
    path("", include("motcua.payments.api_urls")),
    path("", include("motcua.notifications.api_urls")),
    path("", include("motcua.metrics.api_urls")),
    re_path(r"^.*$", views.not_found),
]
