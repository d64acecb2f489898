"""Pages of the payments app (included at the site root by motcua.urls: give full paths)."""

app_name = "payments"

urlpatterns: list = []
