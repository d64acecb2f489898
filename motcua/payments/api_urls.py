"""API v1 endpoints of the payments app (included by motcua.api.urls)."""

urlpatterns: list = []
