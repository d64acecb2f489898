# Public tracking endpoint of API v1.
from django.urls import path

from . import tracking_api

urlpatterns = [
    path("tracking/<str:code>", tracking_api.tracking_detail, name="tracking-detail"),
]
