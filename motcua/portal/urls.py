from django.urls import path

from . import account_views, dossier_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/", views.procedure_list, name="procedure-list"),
    path("thu-tuc/<str:code>/", views.procedure, name="procedure"),
    path("thu-tuc/<str:code>/poster.pdf", views.procedure_poster, name="procedure-poster"),
    path("linh-vuc/<slug:slug>/", views.field_procedures, name="field"),
    path("co-quan/<str:e_id>/", views.agency_procedures, name="agency"),
    path("tra-cuu-nhanh/", views.quick_track, name="quick-track"),
    # Accounts (settings.LOGIN_URL is /dang-nhap/).
    path("dang-nhap/", account_views.SignInView.as_view(), name="login"),
    path("dang-xuat/", account_views.SignOutView.as_view(), name="logout"),
    path("dang-ky/", account_views.SignUpView.as_view(), name="signup"),
    # Online submission: step 1 creates the draft, the next steps work on it.
    path("nop-ho-so/<str:code>/", dossier_views.apply, name="apply"),
    path("ho-so/", dossier_views.my_dossiers, name="my-dossiers"),
    path("ho-so/<uuid:public_id>/", dossier_views.dossier_page, name="dossier"),
    path("ho-so/<uuid:public_id>/nguoi-nop/", dossier_views.edit_applicant, name="apply-applicant"),
    path("ho-so/<uuid:public_id>/giay-to/", dossier_views.documents, name="apply-documents"),
    path("ho-so/<uuid:public_id>/xem-lai/", dossier_views.review, name="apply-review"),
    path("ho-so/<uuid:public_id>/bien-nhan/", dossier_views.receipt, name="receipt"),
    path("ho-so/<uuid:public_id>/bo-sung/", dossier_views.supplement, name="supplement"),
    path("ho-so/<uuid:public_id>/rut/", dossier_views.withdraw, name="withdraw"),
    path(
        "ho-so/<uuid:public_id>/tep/<int:attachment_id>/",
        dossier_views.download,
        name="file",
    ),
    path(
        "ho-so/<uuid:public_id>/tep/<int:attachment_id>/xoa/",
        dossier_views.remove_file,
        name="file-remove",
    ),
    path(
        "ho-so/<uuid:public_id>/bieu-mau/<str:kind>/",
        dossier_views.form_pdf,
        name="dossier-form",
    ),
]
