"""Pages of the metrics app (included at the site root by motcua.urls: give full paths)."""

app_name = "metrics"

urlpatterns: list = []
