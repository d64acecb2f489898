"""API v1 endpoints of the signing app (included by motcua.api.urls)."""

urlpatterns: list = []
