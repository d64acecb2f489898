# Public dossier pages (tracking).
from django.urls import path

from . import views

app_name = "dossiers"

urlpatterns = [
    path("tra-cuu/", views.track, name="tracking"),
    path("tra-cuu/<str:code>/", views.track, name="tracking-dossier"),
]
