"""Who may see what through the dossier API.

Reading is decided here, from the selectors; acting is decided by the services (never here):

- A dossier is addressed by its code, or by its public id (UUID) while it has no code (an online
  draft). Either is looked up **inside** `selectors.dossiers_visible_to(user)`: a dossier the caller
  may not see answers 404 exactly like one that does not exist, so that codes of other people's
  dossiers (which are printed on paper and guessable) reveal nothing. This covers an applicant
  asking for another applicant's dossier and an officer (leader included) of an agency that
  neither received, decides nor holds the dossier.
- A visible dossier on which the caller may not take an action gets the services' 403 with the
  lifecycle's code (`actor_not_allowed`, `not_step_officer`, …).
- Officers see the officers' names (events, control sheet, current officer) and internal
  attachments; the applicant sees the dossier without them, like the public tracking page.
- Printed forms: the applicant gets the forms handed to the applicant (01–05); the control sheet
  travels with the paper file between agencies and is for officers only.
- The register (form 07) of an agency: officers whose agency scope holds that agency.
"""

from __future__ import annotations

import uuid

from django.db.models import Q
from django.http import Http404

from motcua.agencies.selectors import agency_scope

from . import forms, selectors
from .models import Attachment, AttachmentKind, Dossier
from .regimes import FormKind


def _as_uuid(ref: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(ref)
    except (ValueError, TypeError, AttributeError):
        return None


def dossier_for(user, ref: str) -> Dossier:
    """The dossier `ref` (code or public id) if `user` may see it; Http404 otherwise."""
    ref = (ref or "").strip()
    public_id = _as_uuid(ref)
    condition = Q(public_id=public_id) if public_id else Q(code="".join(ref.split()).upper())
    dossier = selectors.dossiers_visible_to(user).filter(condition).first() if ref else None
    if dossier is None:
        raise Http404
    return dossier


def ref_of(dossier: Dossier) -> str:
    """How URLs address the dossier: its code, or its public id while it has none."""
    return dossier.code or str(dossier.public_id)


def officer_scope(user) -> set[int]:
    """The agencies whose dossiers the user sees as an officer (compute once per request)."""
    return agency_scope(user)


def is_officer_view(user, dossier: Dossier, scope: set[int] | None = None) -> bool:
    """Whether `user` sees `dossier` as an officer (with names) rather than as its applicant.

    The same relations as `selectors.dossiers_visible_to` grants officers: an agency of the
    dossier in their scope, or the dossier assigned to them. A member of staff who applied for
    themselves sees their own dossier at another agency as an applicant."""
    if user.is_superuser:
        return True
    scope = officer_scope(user) if scope is None else scope
    agencies = {dossier.receiving_agency_id, dossier.competent_agency_id, dossier.current_agency_id}
    return bool(agencies & scope) or (
        dossier.current_officer_id is not None and dossier.current_officer_id == user.pk
    )


def visible_attachments(dossier: Dossier, officer_view: bool):
    """The attachments the viewer may list and download (internal documents: officers only)."""
    qs = Attachment.objects.filter(dossier=dossier).select_related("document")
    if not officer_view:
        qs = qs.exclude(kind=AttachmentKind.INTERNAL)
    return qs.order_by("id")


def attachment_for(dossier: Dossier, attachment_id, officer_view: bool) -> Attachment:
    try:
        return visible_attachments(dossier, officer_view).get(pk=int(attachment_id))
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def forms_for(dossier: Dossier, officer_view: bool) -> list[FormKind]:
    """The printed forms of the dossier the viewer may download, in number order."""
    kinds = forms.available_forms(dossier)
    if officer_view:
        return kinds
    return [kind for kind in kinds if kind in forms.APPLICANT_FORMS]


def may_read_register(user, agency) -> bool:
    """The register of dossiers of `agency`: officers (and managers above it) of that agency."""
    return agency.pk in agency_scope(user)
