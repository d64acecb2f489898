# The staff's back office, under /can-bo/ (see docs/backoffice.md).
from django.urls import path

from . import views

app_name = "backoffice"

urlpatterns = [
    path("", views.home, name="home"),
    path("dang-xuat/", views.logout, name="logout"),
    path("tiep-nhan/", views.intake_page, name="intake"),
    path("tiep-nhan/thu-tuc/", views.procedure_suggestions, name="procedure-suggestions"),
    path("tiep-nhan/ket-qua/<str:ref>/", views.intake_result, name="intake-result"),
    path("ho-so/", views.worklist, name="worklist"),
    path("ho-so/<str:ref>/", views.dossier_page, name="dossier"),
    path("ho-so/<str:ref>/thao-tac/", views.dossier_action, name="dossier-action"),
    path("ho-so/<str:ref>/mau/<str:kind>/", views.dossier_form, name="dossier-form"),
    path("ho-so/<str:ref>/tep/<int:pk>/", views.attachment, name="attachment"),
    path("phe-duyet/", views.approvals, name="approvals"),
    path("tra-ket-qua/", views.return_counter, name="return"),
    path("so-theo-doi/", views.register, name="register"),
]
