# Dossier endpoints of API v1 (see docs/api.md). `<ref>` is a dossier code or public id.
from django.urls import path

from . import api, intake_api

urlpatterns = [
    path("submissions", intake_api.submission_create, name="submission-list"),
    path(
        "submissions/<str:id>", intake_api.SubmissionDetailView.as_view(), name="submission-detail"
    ),
    path("dossiers", api.DossierListView.as_view(), name="dossier-list"),
    path("dossiers/<str:ref>", api.DossierDetailView.as_view(), name="dossier-detail"),
    *(
        path(
            f"dossiers/<str:ref>/actions/{action.value}",
            view.as_view(),
            name=f"dossier-{action.value.replace('_', '-')}",
        )
        for action, view in api.ACTION_VIEWS.items()
    ),
    path(
        "dossiers/<str:ref>/actions/<str:action>",
        api.UnknownActionView.as_view(),
        name="dossier-action-unknown",
    ),
    path(
        "dossiers/<str:ref>/attachments",
        api.AttachmentListView.as_view(),
        name="dossier-attachments",
    ),
    path(
        "dossiers/<str:ref>/attachments/<int:attachment_id>",
        api.AttachmentDownloadView.as_view(),
        name="dossier-attachment",
    ),
    path(
        "dossiers/<str:ref>/forms/<str:number>.pdf",
        api.DossierFormView.as_view(),
        name="dossier-form",
    ),
    path("registers/<str:e_id>.pdf", api.RegisterView.as_view(), name="register"),
]
