from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/", views.procedure_list, name="procedure-list"),
    path("thu-tuc/<str:code>/", views.procedure, name="procedure"),
    path("thu-tuc/<str:code>/poster.pdf", views.procedure_poster, name="procedure-poster"),
    path("linh-vuc/<slug:slug>/", views.field_procedures, name="field"),
    path("co-quan/<str:e_id>/", views.agency_procedures, name="agency"),
]
