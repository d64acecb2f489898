"""Pages of the payments app (included at the site root by motcua.urls: full paths)."""

from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path(
        "thanh-toan/ho-so/<uuid:public_id>/truc-tuyen/",
        views.start_online,
        name="start-online",
    ),
    path("thanh-toan/chuyen/<str:order_id>/", views.redirect_page, name="redirect"),
    path("thanh-toan/ket-qua/<str:gateway>/", views.return_page, name="return"),
    path("thanh-toan/cong-thu-nghiem/<str:order_id>/", views.demo_gateway, name="demo-gateway"),
    path("thanh-toan/bien-lai/<str:order_id>.pdf", views.receipt, name="receipt"),
    path("can-bo/thanh-toan/<str:ref>/yeu-cau/", views.request_fees, name="request-fees"),
    path("can-bo/thanh-toan/<str:ref>/thu-tai-quay/", views.counter_payment, name="counter"),
    path("can-bo/hoan-tien/<str:order_id>/", views.refund, name="refund"),
    path("can-bo/doi-soat/", views.reconciliation, name="reconciliation"),
]
