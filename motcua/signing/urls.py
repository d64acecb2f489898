"""Pages of the signing app (included at the site root by motcua.urls: give full paths)."""

from django.urls import path

from . import views

app_name = "signing"

urlpatterns = [
    path("xac-thuc/", views.verify_page, name="verify"),
    path("xac-thuc/<str:token>/", views.verify_token, name="verify-token"),
    path("can-bo/ky-so/<str:ref>/", views.sign_page, name="sign"),
]
