"""API v1 endpoints of the notifications app (included by motcua.api.urls)."""

urlpatterns: list = []
