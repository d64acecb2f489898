"""Pages of the signing app (included at the site root by motcua.urls: give full paths)."""

app_name = "signing"

urlpatterns: list = []
