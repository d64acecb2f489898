"""API v1 endpoints of the metrics app (included by motcua.api.urls)."""

urlpatterns: list = []
