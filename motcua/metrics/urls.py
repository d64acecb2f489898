"""Pages of the metrics app (included at the site root by motcua.urls: give full paths)."""

from django.urls import path

from . import views

app_name = "metrics"

urlpatterns = [
    path("can-bo/thong-ke/", views.dashboard, name="dashboard"),
    path("can-bo/thong-ke/ho-so/", views.drilldown, name="drilldown"),
    path("can-bo/thong-ke/bang/<slug:name>/", views.table_export, name="table"),
    path("can-bo/thong-ke/bao-cao/", views.report, name="report"),
    path("so-lieu/", views.public, name="public"),
]
