"""Pages of the notifications app (included at the site root by motcua.urls: give full paths)."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("can-bo/ho-so/<str:ref>/thong-bao/", views.dossier_messages, name="dossier-messages"),
]
