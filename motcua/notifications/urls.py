"""Pages of the notifications app (included at the site root by motcua.urls: give full paths)."""

app_name = "notifications"

urlpatterns: list = []
